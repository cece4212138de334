//! A stalled frame loop under a flood: the full app stops stepping for 5 s while OSC, DMX and
//! MIDI keep arriving over loopback (MIDI through the inbox: no device exists here). The
//! queues stay within their limits, the first frame after applies the last fader value, the
//! newest DMX look and the MIDI toggle, and what had to go is counted and published.

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use backlot::app::AppOptions;
use backlot::render::FrameDriver;
use backlot_control::codec::artnet;
use backlot_control::inbox::{MidiIn, OSC_LIMITS};
use backlot_control::{ControlMap, ControlRuntime, ControlSettings, DmxServers, OscServers};
use backlot_params::{ParamRegistry, ParamValue};

use crate::support::repo;

const STALL: Duration = Duration::from_secs(5);
const FADER: &str = "/scene/sky/rotation";

fn osc(address: &str, arg: rosc::OscType) -> Vec<u8> {
    rosc::encoder::encode(&rosc::OscPacket::Message(rosc::OscMessage {
        addr: address.into(),
        args: vec![arg],
    }))
    .expect("encode")
}

#[test]
fn a_five_second_stall_under_a_flood_keeps_the_last_values_and_counts_the_rest() {
    let mut options = AppOptions::render(
        repo().join("scenes/desert_road.scene.ron"),
        repo().join("assets"),
        (64, 36),
    );
    options.control = Some(ControlSettings::any_ports(true));
    options.map = Some(repo().join("scenes/maps/default.map.ron"));
    let mut driver = FrameDriver::new(&options);
    driver.load().expect("desert_road loads");
    for _ in 0..600 {
        if !driver
            .world_mut()
            .resource::<ControlMap>()
            .file
            .dmx
            .universes
            .is_empty()
        {
            break;
        }
        driver.step().expect("frame");
    }
    let world = driver.world_mut();
    assert!(
        !world.resource::<ControlMap>().file.dmx.universes.is_empty(),
        "the map never loaded"
    );
    let osc_port = world.resource::<OscServers>().osc.expect("OSC").port();
    let artnet_port = world
        .resource::<DmxServers>()
        .artnet
        .expect("Art-Net")
        .port();
    let inbox = world.resource::<ControlRuntime>().inbox.clone();
    assert_eq!(
        world
            .resource::<ParamRegistry>()
            .get("/scene/lights/key/enabled")
            .ok(),
        Some(&ParamValue::Bool(true))
    );

    // The stall: no frame for 5 s while everything floods in.
    let sender = std::thread::spawn(move || {
        let desk = UdpSocket::bind("127.0.0.1:0").expect("desk");
        let start = Instant::now();
        let (mut i, mut dmx_sequence) = (0u32, 1u8);
        let mut next_dmx = Instant::now();
        while start.elapsed() < STALL - Duration::from_millis(500) {
            // Commands that never coalesce (a string argument), and a moving fader.
            for _ in 0..50 {
                let noise = osc(
                    &format!("/noise/{}", i % 100),
                    rosc::OscType::String("x".into()),
                );
                let _ = desk.send_to(&noise, ("127.0.0.1", osc_port));
                i += 1;
            }
            let fader = osc(FADER, rosc::OscType::Float((i % 300) as f32 - 150.0));
            let _ = desk.send_to(&fader, ("127.0.0.1", osc_port));
            if Instant::now() >= next_dmx {
                // 44 Hz of DMX; the look changes until the last frames, which are red.
                let level = if start.elapsed() > STALL - Duration::from_secs(2) {
                    255
                } else {
                    40
                };
                let mut slots = vec![0u8; 512];
                slots[..4].copy_from_slice(&[255, level, 0, 0]);
                slots[9] = 128;
                let packet = artnet::encode_dmx(dmx_sequence, 1, &slots);
                let _ = desk.send_to(&packet, ("127.0.0.1", artnet_port));
                dmx_sequence = dmx_sequence.wrapping_add(1).max(1);
                next_dmx += Duration::from_millis(23);
            }
            // Loopback drops datagrams a busy receiver cannot take: give it a breath.
            std::thread::sleep(Duration::from_micros(200));
        }
        i
    });
    // MIDI during the stall: a flood of unbound pitch bends, then one toggle of the key light.
    for v in 0..10_000u32 {
        inbox.lock().push_midi(MidiIn {
            port: "surface".into(),
            bytes: vec![0xE0, (v & 0x7F) as u8, ((v >> 7) & 0x7F) as u8],
            at: Instant::now(),
        });
    }
    let noise_sent = sender.join().expect("sender");
    // The fader's last word, once the flood has drained from the socket: loopback drops a
    // datagram that finds the receive buffer full, which is the kernel's doing, not the
    // engine's (and a desk repeats its faders).
    let received = || inbox.lock().stats().osc.received;
    let mut last = received();
    loop {
        std::thread::sleep(Duration::from_millis(100));
        let now = received();
        if now == last {
            break;
        }
        last = now;
    }
    let desk = UdpSocket::bind("127.0.0.1:0").expect("desk socket");
    let _ = desk.send_to(
        &osc(FADER, rosc::OscType::Float(123.0)),
        ("127.0.0.1", osc_port),
    );
    let sent_at = Instant::now();
    while received() == last && sent_at.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(10));
    }
    inbox.lock().push_midi(MidiIn {
        port: "surface".into(),
        bytes: vec![0x99, 37, 127],
        at: Instant::now(),
    });
    // Everything sent is in (or was dropped from) the inbox before the frame starts.
    std::thread::sleep(Duration::from_millis(300));
    let stats = inbox.lock().stats();
    assert!(stats.osc.queued <= OSC_LIMITS.items && stats.osc.queued_bytes <= OSC_LIMITS.bytes);
    assert!(
        stats.osc.dropped > 0,
        "{noise_sent} commands sent, none dropped: {stats:?}"
    );
    assert!(stats.midi.dropped > 0, "{stats:?}");
    assert!(
        stats.dmx.coalesced > 0,
        "DMX frames of one universe coalesce: {stats:?}"
    );

    driver.step().expect("the frame after the stall");
    let registry = driver.world_mut().resource::<ParamRegistry>();
    assert_eq!(
        registry.f32_or(FADER, 0.0),
        123.0,
        "the fader's last value wins"
    );
    let color = registry.get("/scene/lights/key/color").ok().cloned();
    assert!(
        matches!(color, Some(ParamValue::Color([r, g, b])) if r > 0.99 && g < 0.01 && b < 0.01),
        "the newest DMX look (red) is applied: {color:?}"
    );
    let fog = registry.f32_or("/scene/fog/density", 0.0);
    assert!((fog - 128.0 / 255.0).abs() < 1e-3, "DMX channel 10: {fog}");
    assert_eq!(
        registry.get("/scene/lights/key/enabled").ok(),
        Some(&ParamValue::Bool(false)),
        "the MIDI toggle after the flood is applied"
    );
    driver.step().expect("a frame to publish");
    let registry = driver.world_mut().resource::<ParamRegistry>();
    let published = |a: &str| match registry.get(a).ok() {
        Some(ParamValue::Int(n)) => i64::from(*n),
        other => panic!("{a}: {other:?}"),
    };
    assert!(published("/status/inbox/osc/dropped") > 0);
    assert!(published("/status/inbox/midi/dropped") > 0);
}
