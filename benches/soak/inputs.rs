//! What the soak feeds the engine: a stage with four FreeD-tracked cameras and a control map
//! with sixteen patched universes (written to the run's folder, on free ports), and every
//! input streamed at show rates over loopback.

use std::fmt::Write as _;
use std::net::{TcpListener, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use backlot_control::codec::{artnet, sacn};
use backlot_tracking::codec::freed::{FreedD1, encode};
use rosc::{OscMessage, OscPacket, OscType};

/// Tracked cameras (the stage's limit), each on its own FreeD feed.
pub const CAMERAS: usize = 4;
/// FreeD rate per camera.
const FREED_HZ: f64 = 240.0;
/// Rate of each OSC fader.
const FADER_HZ: f64 = 100.0;
/// DMX refresh rate (both protocols).
const DMX_HZ: f64 = 44.0;
/// sACN universes sent, all patched.
pub const SACN_UNIVERSES: u16 = 16;
/// Art-Net universes sent: a second desk on the first few, merged with sACN.
const ARTNET_UNIVERSES: u16 = 4;

/// Faders: address (a default-map alias or a parameter), centre and swing of the value.
const FADERS: [(&str, f64, f64); 3] = [
    ("/look/fog", 0.04, 0.02),
    ("/look/key/level", 0.5, 0.3),
    ("/scene/lights/magenta/intensity", 700_000.0, 200_000.0),
];

/// The engine's ports, all free loopback ports picked for this run.
#[derive(Debug, Clone, Copy)]
pub struct Ports {
    pub osc: u16,
    pub osc_tcp: u16,
    pub oscquery: u16,
    pub artnet: u16,
    pub sacn: u16,
    pub freed: [u16; CAMERAS],
}

fn free_udp() -> std::io::Result<u16> {
    Ok(UdpSocket::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn free_tcp() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Ports {
    /// Free ports (released again: the engine binds them a moment later).
    pub fn pick() -> std::io::Result<Self> {
        let mut freed = [0u16; CAMERAS];
        for port in &mut freed {
            *port = free_udp()?;
        }
        Ok(Self {
            osc: free_udp()?,
            osc_tcp: free_tcp()?,
            oscquery: free_tcp()?,
            artnet: free_udp()?,
            sacn: free_udp()?,
            freed,
        })
    }
}

/// flat_wall's geometry with four cameras, camera N following FreeD camera id N on its own
/// port. `small`: a small canvas, cube and inner renders, so lavapipe keeps up in CI.
pub fn stage_text(small: bool, freed: [u16; CAMERAS]) -> String {
    let (pixels, canvas, cube, inner) = if small {
        (
            "(16, 18)",
            "(192, 108)",
            64,
            "\n            inner_resolution: Fixed(192, 108),",
        )
    } else {
        ("(160, 180)", "(1920, 1080)", 512, "")
    };
    let mut trackers = String::new();
    let mut cameras = String::new();
    for (i, port) in freed.iter().enumerate() {
        let id = i + 1;
        let x = i as f32 - 1.5;
        let _ = writeln!(
            trackers,
            "        (name: \"freed{id}\", protocol: FreeD(vendor: Generic, port: Some({port}))),"
        );
        let _ = writeln!(
            cameras,
            "        (
            id: {id},
            position: ({x:.1}, 1.6, 1.0),
            lens: Focal(focal_mm: 50.0, sensor_width_mm: 36.0),
            overscan: 10.0,
            soft_edge: 0.05,{inner}
            tracking: Some((
                sources: [\"freed{id}\"],
                nodal_offset: (0.0, 0.0, 0.12),
                dropout_ms: 500.0,
            )),
        ),"
        );
    }
    format!(
        "// The soak's wall: flat_wall with four cameras, each tracked by its own FreeD feed.
(
    title: \"Soak wall\",
    sections: [
        (
            name: \"wall\",
            shape: Flat(
                lower_left: (-3.0, 0.0, -4.0),
                lower_right: (3.0, 0.0, -4.0),
                upper_left: (-3.0, 3.375, -4.0),
            ),
            cabinet: (size_mm: (500.0, 562.5), pixels: {pixels}),
        ),
    ],
    outputs: [
        (name: \"main\", canvas: {canvas}, regions: [(section: \"wall\")]),
    ],
    outer_eye: (position: (0.0, 1.7, 0.0), resolution: {cube}),
    trackers: [
{trackers}    ],
    cameras: [
{cameras}    ],
)
"
    )
}

/// The default map's OSC aliases and DMX patch, with every streamed universe patched and no
/// feedback targets (nothing listens on the run's machine).
pub fn map_text() -> String {
    let mut universes = String::new();
    for u in 1..=SACN_UNIVERSES {
        let _ = writeln!(
            universes,
            "            (id: {u}, artnet: Some({u}), sacn: Some({u}), on_loss: Hold),"
        );
    }
    format!(
        "// The soak's control map: the default map's aliases and patch, {SACN_UNIVERSES} universes.
(
    osc: (
        feedback: [],
        unit_scale: false,
        bindings: [
            (address: \"/look/key/level\", target: \"/scene/lights/key/intensity\", unit_scale: true, slew_ms: 80.0),
            (address: \"/look/key/color\", target: \"/scene/lights/key/color\"),
            (address: \"/look/fog\", target: \"/scene/fog/density\", unit_scale: true, slew_ms: 200.0),
        ],
    ),
    // The soak toggles takes over OSC, which the default network read-only `/takes/` refuses.
    access: (read_only: []),
    dmx: (
        artnet: true,
        sacn: true,
        universes: [
{universes}        ],
        fixtures: [
            (name: \"key\", universe: 1, address: 1, profile: DimmerRgb, light: Some(\"key\")),
        ],
        channels: [
            (universe: 1, address: 10, target: \"/scene/fog/density\"),
        ],
    ),
)
"
    )
}

/// One periodic stream.
#[derive(Debug, Clone, Copy)]
enum Input {
    /// FreeD for camera N (1-based).
    Freed(usize),
    /// Fader N of [`FADERS`].
    Fader(usize),
    /// sACN universe.
    Sacn(u16),
    /// Art-Net Port-Address.
    Artnet(u16),
}

struct Stream {
    input: Input,
    period: Duration,
    next: Instant,
    count: u64,
}

fn streams(start: Instant) -> Vec<Stream> {
    let every = |hz: f64| Duration::from_secs_f64(1.0 / hz);
    let mut out = Vec::new();
    let mut add = |input, period| {
        out.push(Stream {
            input,
            period,
            next: start,
            count: 0,
        })
    };
    for cam in 1..=CAMERAS {
        add(Input::Freed(cam), every(FREED_HZ));
    }
    for fader in 0..FADERS.len() {
        add(Input::Fader(fader), every(FADER_HZ));
    }
    for u in 1..=SACN_UNIVERSES {
        add(Input::Sacn(u), every(DMX_HZ));
    }
    for u in 1..=ARTNET_UNIVERSES {
        add(Input::Artnet(u), every(DMX_HZ));
    }
    out
}

/// A full universe of moving levels (every slot changes, as under a running chase).
fn slots(universe: u16, t: f64) -> Vec<u8> {
    (0..512u16)
        .map(|i| {
            let phase = t * 2.0 + f64::from(universe) + f64::from(i) * 0.05;
            (127.5 + 127.5 * phase.sin()) as u8
        })
        .collect()
}

/// The datagram `input` sends for its `count`th time at `t` seconds, and where it goes.
fn packet(input: Input, count: u64, t: f64, ports: &Ports) -> Option<(Vec<u8>, u16)> {
    match input {
        Input::Freed(cam) => {
            // Camera N stands at x = N - 2.5 m, 1 m in front of the origin, 1.6 m high
            // (FreeD: X right, Y forward = stage -Z, Z up, mm), swaying and panning.
            let phase = t * 0.5 + cam as f64;
            let x = (cam as f64 - 2.5) * 1000.0 + 300.0 * phase.sin();
            let pose = FreedD1::from_units(
                cam as u8,
                [10.0 * phase.sin(), 2.0 * (t * 0.3).sin(), 0.0],
                [x, -1000.0, 1600.0],
                0,
                0,
            );
            Some((encode(&pose).to_vec(), ports.freed[cam - 1]))
        }
        Input::Fader(i) => {
            let (address, centre, swing) = FADERS[i];
            let value = centre + swing * (t + i as f64).sin();
            let msg = OscPacket::Message(OscMessage {
                addr: address.into(),
                args: vec![OscType::Float(value as f32)],
            });
            rosc::encoder::encode(&msg).ok().map(|b| (b, ports.osc))
        }
        Input::Sacn(universe) => {
            let data = sacn::SacnData {
                cid: [0x50; 16],
                source: "soak desk".into(),
                priority: 100,
                sync: 0,
                sequence: (count % 256) as u8,
                options: 0,
                universe,
                start_code: 0,
                slots: slots(universe, t),
            };
            Some((sacn::encode(&data), ports.sacn))
        }
        Input::Artnet(universe) => {
            let sequence = (count % 255) as u8 + 1;
            let dmx = artnet::encode_dmx(sequence, universe, &slots(universe, t + 0.5));
            Some((dmx, ports.artnet))
        }
    }
}

/// Streams every input until `stop`; returns the datagrams sent. Each stream keeps its own
/// period; after a stall it skips ahead rather than bursting to catch up.
pub fn stream_inputs(ports: Ports, stop: Arc<AtomicBool>) -> JoinHandle<u64> {
    std::thread::spawn(move || {
        let Ok(sock) = UdpSocket::bind("127.0.0.1:0") else {
            return 0;
        };
        let start = Instant::now();
        let mut streams = streams(start);
        let mut sent = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let now = Instant::now();
            let t = now.duration_since(start).as_secs_f64();
            for s in &mut streams {
                if s.next > now {
                    continue;
                }
                s.next = if now.duration_since(s.next) > s.period {
                    now + s.period
                } else {
                    s.next + s.period
                };
                s.count += 1;
                if let Some((bytes, port)) = packet(s.input, s.count, t, &ports) {
                    sent += u64::from(sock.send_to(&bytes, ("127.0.0.1", port)).is_ok());
                }
            }
            let next = streams
                .iter()
                .map(|s| s.next)
                .min()
                .unwrap_or(now + Duration::from_millis(1));
            std::thread::sleep(next.saturating_duration_since(Instant::now()));
        }
        sent
    })
}
