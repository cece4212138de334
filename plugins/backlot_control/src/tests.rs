//! The plugin in a `MinimalPlugins` app over real loopback sockets: OSC, OSCQuery, Art-Net,
//! sACN, MIDI bytes, arbitration, feedback, learn.

use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use backlot_params::{ParamAddress, ParamRegistry, ParamSpec, ParamValue, ParamsPlugin};
use bevy::prelude::*;
use rosc::{OscMessage, OscPacket, OscType};

use crate::codec::{artnet, sacn};
use crate::format::{MapFile, parse_map};
use crate::inbox::MidiIn;
use crate::{Arbiter, ControlMap, ControlPlugin, ControlRuntime, ControlSettings, configure_map};

pub(crate) const MAP: &str = r#"(
    osc: (
        feedback: [],
        bindings: [(address: "/fader/1", target: "/scene/lights/key/intensity", unit_scale: true)],
    ),
    midi: (bindings: [
        (control: Cc(channel: 1, cc: 7), target: "/scene/lights/key/intensity"),
        (control: Cc14(channel: 1, cc: 1), target: "/scene/fog/density", pickup: false),
        (control: Note(channel: 10, note: 37, mode: Toggle), target: "/scene/lights/key/enabled"),
        (control: PitchBend(channel: 8), target: "/scene/sky/exposure", pickup: false),
    ]),
    dmx: (
        universes: [(id: 1, artnet: Some(1), sacn: Some(1)), (id: 2, on_loss: Release)],
        fixtures: [(name: "key", universe: 1, address: 1, profile: DimmerRgb, light: Some("key"))],
        channels: [(universe: 2, address: 10, target: "/scene/fog/density")],
    ),
)"#;

pub(crate) fn app_with(map: &str, feedback: Option<u16>) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, AssetPlugin::default(), ParamsPlugin));
    app.add_plugins(ControlPlugin {
        settings: ControlSettings {
            osc_port: 0,
            osc_tcp_port: 0,
            oscquery_port: 0,
            artnet_port: 0,
            sacn_port: 0,
            live: true,
        },
    });
    {
        let mut r = app.world_mut().resource_mut::<ParamRegistry>();
        let a = |s: &str| ParamAddress::new(s).expect("address");
        let _ = r.register(ParamSpec::float(
            a("/scene/lights/key/intensity"),
            1000.0,
            0.0,
            10000.0,
            "lm",
        ));
        let _ = r.register(ParamSpec::color(
            a("/scene/lights/key/color"),
            [1.0, 1.0, 1.0],
        ));
        let _ = r.register(ParamSpec::bool(a("/scene/lights/key/enabled"), true));
        let _ = r.register(ParamSpec::float(
            a("/scene/lights/fill/intensity"),
            500.0,
            0.0,
            10000.0,
            "lm",
        ));
        let _ = r.register(ParamSpec::float(
            a("/scene/fog/density"),
            0.03,
            0.0,
            1.0,
            "1/m",
        ));
        let _ = r.register(ParamSpec::float(
            a("/scene/sky/exposure"),
            100.0,
            0.0,
            1000.0,
            "cd/m2",
        ));
        let _ = r.register(ParamSpec::float(a("/status/load"), 0.0, 0.0, 1.0, "").read_only());
    }
    let mut file: MapFile = parse_map(map, "test.map.ron").expect("map");
    if let Some(port) = feedback {
        file.osc.feedback = vec![format!("127.0.0.1:{port}")];
    }
    app.update();
    let world = app.world_mut();
    world.resource_scope(|world, mut rt: Mut<ControlRuntime>| {
        configure_map(&file, &mut rt);
        world.resource_mut::<ControlMap>().file = file;
    });
    app.update();
    app
}

pub(crate) fn get(app: &App, a: &str) -> ParamValue {
    app.world()
        .resource::<ParamRegistry>()
        .get(a)
        .expect("registered")
        .clone()
}

pub(crate) fn until(app: &mut App, done: impl Fn(&App) -> bool) {
    let start = Instant::now();
    while !done(app) {
        assert!(start.elapsed() < Duration::from_secs(3), "timed out");
        std::thread::sleep(Duration::from_millis(5));
        app.update();
    }
}

/// Queues MIDI bytes from `port` as the midir callback would.
fn midi_in(app: &App, port: &str, bytes: &[u8]) {
    app.world()
        .resource::<ControlRuntime>()
        .inbox
        .lock()
        .midi
        .push(MidiIn {
            port: port.into(),
            bytes: bytes.to_vec(),
            at: Instant::now(),
        });
}

fn osc(address: &str, args: Vec<OscType>) -> Vec<u8> {
    rosc::encoder::encode(&OscPacket::Message(OscMessage {
        addr: address.into(),
        args,
    }))
    .expect("osc")
}

fn port(app: &App, which: fn(&ControlRuntime) -> Option<std::net::SocketAddr>) -> u16 {
    which(app.world().resource::<ControlRuntime>())
        .expect("listening")
        .port()
}

/// A GET to the OSCQuery server; the whole response.
fn http_get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut text = String::new();
    s.read_to_string(&mut text).expect("read");
    text
}

fn send(port: u16, bytes: &[u8]) {
    UdpSocket::bind("127.0.0.1:0")
        .expect("bind")
        .send_to(bytes, ("127.0.0.1", port))
        .expect("send");
}

#[test]
fn osc_sets_parameters_with_coercion_patterns_and_aliases() {
    let mut app = app_with(MAP, None);
    let p = port(&app, |r| r.osc);
    send(
        p,
        &osc("/scene/lights/key/intensity", vec![OscType::Int(2500)]),
    );
    until(&mut app, |a| {
        get(a, "/scene/lights/key/intensity") == ParamValue::Float(2500.0)
    });
    send(
        p,
        &osc("/scene/lights/*/intensity", vec![OscType::Double(20000.0)]),
    );
    until(&mut app, |a| {
        get(a, "/scene/lights/fill/intensity") == ParamValue::Float(10000.0)
    });
    assert_eq!(
        get(&app, "/scene/lights/key/intensity"),
        ParamValue::Float(10000.0),
        "clamped"
    );
    send(p, &osc("/fader/1", vec![OscType::Float(0.25)]));
    until(&mut app, |a| {
        get(a, "/scene/lights/key/intensity") == ParamValue::Float(2500.0)
    });
    send(
        p,
        &osc(
            "/scene/lights/key/color",
            vec![
                OscType::Float(1.0),
                OscType::Float(0.5),
                OscType::Float(0.0),
            ],
        ),
    );
    until(&mut app, |a| {
        get(a, "/scene/lights/key/color") == ParamValue::Color([1.0, 0.5, 0.0])
    });
    send(
        p,
        &osc("/scene/lights/key/enabled", vec![OscType::Bool(false)]),
    );
    until(&mut app, |a| {
        get(a, "/scene/lights/key/enabled") == ParamValue::Bool(false)
    });
    // Bad input is counted, never applied.
    send(p, &osc("/no/such/thing", vec![OscType::Float(1.0)]));
    send(p, &osc("/status/load", vec![OscType::Float(1.0)]));
    send(p, b"\x00garbage");
    until(&mut app, |a| {
        let rt = a.world().resource::<ControlRuntime>();
        rt.inbox
            .lock()
            .counters
            .values()
            .map(|c| c.errors)
            .sum::<u64>()
            == 3
    });
    assert_eq!(get(&app, "/status/load"), ParamValue::Float(0.0));
    assert_eq!(
        app.world()
            .resource::<Arbiter>()
            .driver("/scene/lights/key/color")
            .label()
            .split(' ')
            .next(),
        Some("OSC")
    );
}

#[test]
fn future_bundles_wait_for_their_time() {
    let mut app = app_with(MAP, None);
    let p = port(&app, |r| r.osc);
    let at = crate::codec::osc::ntp_now() + 0.3;
    let secs = at.floor();
    let bundle = rosc::encoder::encode(&OscPacket::Bundle(rosc::OscBundle {
        timetag: rosc::OscTime {
            seconds: secs as u32,
            fractional: ((at - secs) * 4_294_967_296.0) as u32,
        },
        content: vec![OscPacket::Message(OscMessage {
            addr: "/scene/fog/density".into(),
            args: vec![OscType::Float(0.5)],
        })],
    }))
    .expect("bundle");
    send(p, &bundle);
    let sent = Instant::now();
    until(&mut app, |a| {
        get(a, "/scene/fog/density") == ParamValue::Float(0.5)
    });
    assert!(
        sent.elapsed() >= Duration::from_millis(250),
        "applied early: {:?}",
        sent.elapsed()
    );
}

#[test]
fn osc_over_tcp_with_slip() {
    let mut app = app_with(MAP, None);
    let p = port(&app, |r| r.osc_tcp);
    let mut stream = TcpStream::connect(("127.0.0.1", p)).expect("connect");
    let mut bytes =
        crate::codec::osc::slip_encode(&osc("/scene/fog/density", vec![OscType::Float(0.25)]));
    bytes.extend(crate::codec::osc::slip_encode(&osc(
        "/scene/sky/exposure",
        vec![OscType::Float(42.0)],
    )));
    // Split mid-frame: framing must survive TCP segmentation.
    stream.write_all(&bytes[..7]).expect("write");
    stream.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(20));
    stream.write_all(&bytes[7..]).expect("write");
    until(&mut app, |a| {
        get(a, "/scene/sky/exposure") == ParamValue::Float(42.0)
    });
    assert_eq!(get(&app, "/scene/fog/density"), ParamValue::Float(0.25));
}

#[test]
fn feedback_reaches_surfaces_without_echo() {
    let surface = UdpSocket::bind("127.0.0.1:0").expect("surface");
    surface
        .set_read_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    let mut app = app_with(MAP, Some(surface.local_addr().expect("addr").port()));
    let p = port(&app, |r| r.osc);
    // A change from another source (MIDI here) is fed back.
    midi_in(&app, "test", &[0xB0, 7, 127]);
    app.update();
    // Pickup: CC 7 at 127 is far from 1000/10000; move it through the value first.
    midi_in(&app, "test", &[0xB0, 7, 0, 7, 64]);
    until(&mut app, |a| {
        get(a, "/scene/lights/key/intensity") == ParamValue::Float(10000.0 * 64.0 / 127.0)
    });
    let mut buf = [0u8; 1024];
    let mut heard = Vec::new();
    while let Ok(n) = surface.recv(&mut buf) {
        if let Ok((_, OscPacket::Message(m))) = rosc::decoder::decode_udp(&buf[..n]) {
            heard.push(m.addr);
        }
        if heard.iter().any(|a| a == "/scene/lights/key/intensity") {
            break;
        }
    }
    assert!(
        heard.iter().any(|a| a == "/scene/lights/key/intensity"),
        "{heard:?}"
    );
    // The surface sending a value from its own (feedback) address is not echoed.
    surface
        .send_to(
            &osc("/scene/fog/density", vec![OscType::Float(0.7)]),
            ("127.0.0.1", p),
        )
        .expect("send");
    until(&mut app, |a| {
        get(a, "/scene/fog/density") == ParamValue::Float(0.7)
    });
    app.update();
    surface
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    while let Ok(n) = surface.recv(&mut buf) {
        if let Ok((_, OscPacket::Message(m))) = rosc::decoder::decode_udp(&buf[..n]) {
            assert_ne!(m.addr, "/scene/fog/density", "echoed back to its sender");
        }
    }
}

#[test]
fn oscquery_serves_the_namespace_and_values() {
    let mut app = app_with(MAP, None);
    let p = port(&app, |r| r.oscquery);
    app.world_mut()
        .resource_mut::<ParamRegistry>()
        .set("/scene/fog/density", ParamValue::Float(0.125))
        .expect("set");
    std::thread::sleep(Duration::from_millis(60));
    app.update();
    let get_http = |path: &str| http_get(p, path);
    let value = get_http("/scene/fog/density?VALUE");
    assert!(value.starts_with("HTTP/1.1 200"), "{value}");
    assert!(value.ends_with("{\"VALUE\":[0.125]}"), "{value}");
    let root = get_http("/");
    assert!(
        root.contains("\"FULL_PATH\":\"/scene/lights/key/intensity\""),
        "{root}"
    );
    assert!(root.contains("\"ACCESS\":1"), "read-only status is listed");
    assert!(get_http("/?HOST_INFO").contains("\"OSC_PORT\""));
    assert!(get_http("/missing?VALUE").starts_with("HTTP/1.1 404"));
}

fn sacn_packet(
    cid: u8,
    priority: u8,
    sequence: u8,
    universe: u16,
    slots: &[u8],
    options: u8,
) -> Vec<u8> {
    sacn::encode(&sacn::SacnData {
        cid: [cid; 16],
        source: format!("desk {cid}"),
        priority,
        sync: 0,
        sequence,
        options,
        universe,
        start_code: 0,
        slots: slots.to_vec(),
    })
}

#[test]
fn artnet_drives_the_patched_fixture_and_answers_polls() {
    let mut app = app_with(MAP, None);
    let p = port(&app, |r| r.artnet);
    // Dimmer half, colour (255, 128, 0).
    send(p, &artnet::encode_dmx(1, 1, &[128, 255, 128, 0]));
    until(&mut app, |a| {
        get(a, "/scene/lights/key/color") == ParamValue::Color([1.0, 128.0 / 255.0, 0.0])
    });
    let level = get(&app, "/scene/lights/key/intensity")
        .as_f32()
        .expect("f");
    assert!(
        (level - 1000.0 * 128.0 / 255.0).abs() < 0.5,
        "dimmer full is the scene's intensity: {level}"
    );
    let poller = UdpSocket::bind("127.0.0.1:0").expect("bind");
    poller
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
    poller
        .send_to(
            &[
                b'A', b'r', b't', b'-', b'N', b'e', b't', 0, 0, 0x20, 0, 14, 2, 0,
            ],
            ("127.0.0.1", p),
        )
        .expect("poll");
    let mut buf = [0u8; 600];
    let n = poller.recv(&mut buf).expect("ArtPollReply");
    assert_eq!(n, 239);
    assert_eq!(&buf[26..33], b"backlot");
    assert_eq!(buf[190], 1, "announces Port-Address 1");
    // Malformed packets are counted.
    send(p, &artnet::encode_dmx(1, 1, &[1, 2])[..15]);
    until(&mut app, |a| {
        a.world()
            .resource::<ControlRuntime>()
            .inbox
            .lock()
            .counters
            .values()
            .any(|c| c.errors == 1)
    });
}

#[test]
fn sacn_priority_htp_sequence_and_loss() {
    let mut app = app_with(MAP, None);
    let p = port(&app, |r| r.sacn);
    // Two sources at equal priority: HTP on the dimmer, LTP on colour.
    send(p, &sacn_packet(1, 100, 1, 1, &[100, 255, 0, 0], 0));
    send(p, &sacn_packet(2, 100, 1, 1, &[200, 0, 0, 255], 0));
    until(&mut app, |a| {
        get(a, "/scene/lights/key/color") == ParamValue::Color([0.0, 0.0, 1.0])
    });
    let level = get(&app, "/scene/lights/key/intensity")
        .as_f32()
        .expect("f");
    assert!((level - 1000.0 * 200.0 / 255.0).abs() < 0.5, "HTP: {level}");
    // A higher priority source takes over everything.
    send(p, &sacn_packet(3, 150, 1, 1, &[10, 0, 255, 0], 0));
    until(&mut app, |a| {
        get(a, "/scene/lights/key/color") == ParamValue::Color([0.0, 1.0, 0.0])
    });
    // A late packet from source 3 (sequence going back) is dropped.
    send(p, &sacn_packet(3, 150, 0, 1, &[255, 255, 255, 255], 0));
    until(&mut app, |a| {
        a.world().resource::<ControlRuntime>().universes[&1].out_of_order == 1
    });
    assert_eq!(
        get(&app, "/scene/lights/key/color"),
        ParamValue::Color([0.0, 1.0, 0.0])
    );
    // Source 3 terminates: back to the priority-100 merge.
    send(p, &sacn_packet(3, 150, 2, 1, &[0; 4], 0x40));
    until(&mut app, |a| {
        get(a, "/scene/lights/key/color") == ParamValue::Color([0.0, 0.0, 1.0])
    });
    // Universe 2 (Release on loss): channel 10 drives fog; loss gives it back to the scene.
    let mut slots = [0u8; 10];
    slots[9] = 255;
    send(p, &sacn_packet(4, 100, 1, 2, &slots, 0));
    until(&mut app, |a| {
        get(a, "/scene/fog/density") == ParamValue::Float(1.0)
    });
    send(p, &sacn_packet(4, 100, 2, 2, &slots, 0x40));
    until(&mut app, |a| {
        get(a, "/scene/fog/density") == ParamValue::Float(0.03)
    });
}

#[test]
fn midi_bytes_bind_with_pickup_toggle_14_bit_and_clock() {
    let mut app = app_with(MAP, None);
    let push = |app: &mut App, bytes: &[u8]| {
        midi_in(app, "surface", bytes);
        app.update();
    };
    // Pickup: the parameter is at 10 % (1000 of 10000); a fader at 100 % must not jump it.
    push(&mut app, &[0xB0, 7, 127]);
    assert_eq!(
        get(&app, "/scene/lights/key/intensity"),
        ParamValue::Float(1000.0)
    );
    push(&mut app, &[0xB0, 7, 13]); // passes through 10 %: caught
    push(&mut app, &[7, 20]); // running status
    let v = get(&app, "/scene/lights/key/intensity")
        .as_f32()
        .expect("f");
    assert!((v - 10000.0 * 20.0 / 127.0).abs() < 0.5, "{v}");
    // 14-bit CC pair: B0 01 40 B0 21 05 = 0x2005.
    push(&mut app, &[0xB0, 0x01, 0x40, 0xB0, 0x21, 0x05]);
    let fog = get(&app, "/scene/fog/density").as_f32().expect("f");
    assert!((fog - 0x2005 as f32 / 16383.0).abs() < 1e-4, "{fog}");
    // Toggle pad on channel 10, with a clock byte inside the message.
    push(&mut app, &[0x99, 37, 0xF8, 100, 0x89, 37, 0]);
    assert_eq!(
        get(&app, "/scene/lights/key/enabled"),
        ParamValue::Bool(false)
    );
    push(&mut app, &[0x99, 37, 100]);
    assert_eq!(
        get(&app, "/scene/lights/key/enabled"),
        ParamValue::Bool(true)
    );
    // Pitch bend (Mackie fader 8) and its motor-fader feedback when another source moves it.
    push(&mut app, &[0xE7, 0x00, 0x40]);
    let exp = get(&app, "/scene/sky/exposure").as_f32().expect("f");
    assert!((exp - 1000.0 * 8192.0 / 16383.0).abs() < 0.1, "{exp}");
    app.world_mut()
        .resource_mut::<Arbiter>()
        .push(crate::Input {
            address: "/scene/sky/exposure".into(),
            value: ParamValue::Float(1000.0),
            source: crate::Source::Osc("1.2.3.4:5".into()),
            slew_ms: 0.0,
            priority: 0,
        });
    app.update();
    let sent = app
        .world()
        .resource::<crate::midi::MidiEngine>()
        .sent
        .clone();
    assert!(
        sent.contains(&vec![0xE7, 0x7F, 0x7F]),
        "motor fader to the top: {sent:?}"
    );
    // MIDI clock at 120 BPM: 24 ticks per beat, 20.83 ms apart.
    let start = Instant::now();
    for i in 0..48u32 {
        app.world()
            .resource::<ControlRuntime>()
            .inbox
            .lock()
            .midi
            .push(MidiIn {
                port: "clock".into(),
                bytes: vec![0xF8],
                at: start + Duration::from_secs_f64(f64::from(i) * 0.5 / 24.0),
            });
    }
    app.update();
    let bpm = get(&app, "/tempo/bpm").as_f32().expect("bpm");
    assert!((bpm - 120.0).abs() < 0.5, "{bpm}");
}

#[test]
fn operator_override_wins_until_released_and_slew_glides() {
    let mut app = app_with(MAP, None);
    let a = "/scene/lights/key/intensity";
    app.world_mut()
        .resource_mut::<Arbiter>()
        .hold(a, ParamValue::Float(5000.0));
    app.update();
    let p = port(&app, |r| r.osc);
    send(p, &osc(a, vec![OscType::Float(100.0)]));
    std::thread::sleep(Duration::from_millis(50));
    app.update();
    app.update();
    assert_eq!(get(&app, a), ParamValue::Float(5000.0), "override wins");
    app.world_mut().resource_mut::<Arbiter>().release(a);
    app.update();
    assert_eq!(
        get(&app, a),
        ParamValue::Float(100.0),
        "the newest controller value returns"
    );
    // Slew: a 300 ms glide passes through the middle.
    app.world_mut()
        .resource_mut::<Arbiter>()
        .push(crate::Input {
            address: a.into(),
            value: ParamValue::Float(1100.0),
            source: crate::Source::Midi("x".into()),
            slew_ms: 300.0,
            priority: 0,
        });
    app.update();
    std::thread::sleep(Duration::from_millis(150));
    app.update();
    let mid = get(&app, a).as_f32().expect("f");
    assert!(mid > 150.0 && mid < 1050.0, "{mid}");
    until(&mut app, |x| get(x, a) == ParamValue::Float(1100.0));
}

#[test]
fn midi_learn_binds_the_next_control() {
    let mut app = app_with(MAP, None);
    app.world_mut()
        .resource_mut::<crate::midi::MidiEngine>()
        .learn = Some("/scene/lights/fill/intensity".into());
    midi_in(&app, "s", &[0xB3, 21, 64]);
    app.update();
    let map = &app.world().resource::<ControlMap>().file;
    let b = map
        .midi
        .bindings
        .iter()
        .find(|b| b.target == "/scene/lights/fill/intensity")
        .expect("learned");
    assert_eq!(
        b.control,
        crate::format::MidiControl::Cc { channel: 4, cc: 21 }
    );
}

#[test]
fn nrpn_program_change_and_time_code() {
    let map = MAP.replace(
        "(control: PitchBend(channel: 8), target: \"/scene/sky/exposure\", pickup: false),",
        "(control: PitchBend(channel: 8), target: \"/scene/sky/exposure\", pickup: false),\n        (control: Nrpn(channel: 2, number: 300), target: \"/scene/lights/fill/intensity\", pickup: false),\n        (control: Program(channel: 3), target: \"/scene/sky/exposure\"),",
    );
    let mut app = app_with(&map, None);
    let push = |app: &mut App, bytes: &[u8]| {
        midi_in(app, "s", bytes);
        app.update();
    };
    // NRPN 300 = MSB 2, LSB 44; data entry MSB 64, LSB 0 → 8192/16383.
    push(&mut app, &[0xB1, 99, 2, 98, 44, 6, 64, 38, 0]);
    let v = get(&app, "/scene/lights/fill/intensity")
        .as_f32()
        .expect("f");
    assert!((v - 10000.0 * 8192.0 / 16383.0).abs() < 1.0, "{v}");
    push(&mut app, &[0xC2, 7]);
    assert_eq!(get(&app, "/scene/sky/exposure"), ParamValue::Float(7.0));
    // MTC quarter frames 01:02:03:04 at 25 fps, then a full frame.
    push(
        &mut app,
        &[
            0xF1, 0x04, 0xF1, 0x10, 0xF1, 0x23, 0xF1, 0x30, 0xF1, 0x42, 0xF1, 0x50, 0xF1, 0x61,
            0xF1, 0x72,
        ],
    );
    assert_eq!(
        get(&app, "/timecode"),
        ParamValue::Int(((3600 + 120 + 3) * 25) + 4)
    );
}

#[test]
fn sacn_multicast_and_source_loss_by_time() {
    let mut app = app_with(MAP, None);
    let p = port(&app, |r| r.sacn);
    let sender = socket2::Socket::new(
        socket2::Domain::IPV4,
        socket2::Type::DGRAM,
        Some(socket2::Protocol::UDP),
    )
    .expect("socket");
    sender
        .set_multicast_if_v4(&std::net::Ipv4Addr::LOCALHOST)
        .expect("multicast if");
    sender.set_multicast_loop_v4(true).expect("loop");
    let group = std::net::SocketAddrV4::new(sacn::multicast_group(1), p);
    sender
        .send_to(
            &sacn_packet(9, 100, 1, 1, &[255, 10, 20, 30], 0),
            &group.into(),
        )
        .expect("multicast send");
    until(&mut app, |a| {
        get(a, "/scene/lights/key/color")
            == ParamValue::Color([10.0 / 255.0, 20.0 / 255.0, 30.0 / 255.0])
    });
    // No more data: after 2.5 s the source is gone; universe 1 holds its last look.
    std::thread::sleep(crate::dmx::SACN_LOSS + Duration::from_millis(100));
    app.update();
    assert!(!app.world().resource::<ControlRuntime>().universes[&1].live);
    assert_eq!(
        get(&app, "/scene/lights/key/color"),
        ParamValue::Color([10.0 / 255.0, 20.0 / 255.0, 30.0 / 255.0])
    );
}

#[test]
fn every_fixture_profile_maps_its_channels() {
    use crate::format::{DmxDef, FixtureDef, FixtureProfile, UniverseDef};
    let fixture = |name: &str,
                   address: u16,
                   profile: FixtureProfile,
                   light: Option<&str>,
                   target: Option<&str>| FixtureDef {
        name: backlot_scene::format::EntityName(name.into()),
        universe: 1,
        address,
        profile,
        light: light.map(String::from),
        target: target.map(String::from),
    };
    let def = DmxDef {
        universes: vec![UniverseDef {
            id: 1,
            artnet: None,
            sacn: None,
            on_loss: Default::default(),
            priority: 0,
        }],
        fixtures: vec![
            fixture("a", 1, FixtureProfile::Dimmer16, Some("a"), None),
            fixture("b", 3, FixtureProfile::Rgbw, Some("b"), None),
            fixture("c", 7, FixtureProfile::DimmerCct, Some("c"), None),
            fixture(
                "d",
                9,
                FixtureProfile::PanTilt16,
                None,
                Some("/scene/entities/head/rotation"),
            ),
            fixture("e", 13, FixtureProfile::DimmerStrobe, Some("e"), None),
        ],
        ..DmxDef::default()
    };
    let mut slots = [0u8; 512];
    // a: 1-2, b: 3-6, c: 7-8, d: 9-12, e: 13-14 (dimmer full, strobe at 25 Hz).
    slots[..14].copy_from_slice(&[
        0x80, 0x00, 10, 20, 30, 100, 255, 0, 0x80, 0x00, 0xFF, 0xFF, 255, 255,
    ]);
    let base = |_: &str| Some(1000.0);
    let v = |phase: f64| crate::dmx::patch_values(&def, 1, &slots, base, phase);
    let out = v(0.0);
    let find = |out: &Vec<(String, ParamValue, bool)>, a: &str| {
        out.iter()
            .find(|(x, _, _)| x == a)
            .map(|(_, v, _)| v.clone())
            .expect(a)
    };
    let a = find(&out, "/scene/lights/a/intensity").as_f32().expect("f");
    assert!(
        (a - 1000.0 * 32768.0 / 65535.0).abs() < 0.01,
        "16-bit dimmer {a}"
    );
    let b = find(&out, "/scene/lights/b/color").as_vec3().expect("c");
    assert!(
        (b[0] - (10.0 + 100.0) / 255.0).abs() < 1e-5,
        "white adds: {b:?}"
    );
    assert_eq!(
        find(&out, "/scene/lights/c/intensity"),
        ParamValue::Float(1000.0)
    );
    let warm = find(&out, "/scene/lights/c/color").as_vec3().expect("c");
    assert!(warm[0] >= warm[2], "0 = 2700 K is warm: {warm:?}");
    let pt = find(&out, "/scene/entities/head/rotation")
        .as_vec3()
        .expect("v");
    assert!(
        (pt[1] - (32768.0 / 65535.0 - 0.5) * 540.0).abs() < 0.01 && (pt[0] - 135.0).abs() < 0.01,
        "{pt:?}"
    );
    // Strobe at 25 Hz: open for the first half of each 40 ms cycle, closed in the second.
    assert_eq!(
        find(&v(0.0), "/scene/lights/e/intensity"),
        ParamValue::Float(1000.0)
    );
    assert_eq!(
        find(&v(0.03), "/scene/lights/e/intensity"),
        ParamValue::Float(0.0)
    );
    let htp = crate::dmx::intensity_slots(&def, 1);
    assert!(
        htp[0]
            && htp[1]
            && htp[2]
            && htp[5]
            && htp[6]
            && !htp[7]
            && !htp[8]
            && !htp[11]
            && htp[12]
            && !htp[13]
    );
}

#[test]
fn learn_writes_the_map_file_atomically() {
    let dir = std::env::temp_dir().join(format!("backlot-learn-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("learn.map.ron");
    std::fs::write(&path, MAP).expect("write");
    let mut app = app_with(MAP, None);
    app.world_mut().insert_resource(crate::MapSource {
        asset_path: String::new(),
        display_dir: dir.clone(),
        file: path.clone(),
    });
    app.world_mut()
        .resource_mut::<crate::midi::MidiEngine>()
        .learn = Some("/scene/lights/key/enabled".into());
    midi_in(&app, "s", &[0x90, 60, 100]);
    app.update();
    let saved = crate::format::parse_map_file(&path).expect("saved map parses");
    let b = saved
        .midi
        .bindings
        .iter()
        .find(|b| b.target == "/scene/lights/key/enabled")
        .expect("learned");
    assert_eq!(
        b.control,
        crate::format::MidiControl::Note {
            channel: 1,
            note: 60,
            mode: crate::format::NoteMode::Toggle
        }
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn higher_priority_bindings_keep_the_parameter_while_they_send() {
    let mut app = app_with(MAP, None);
    let a = "/scene/fog/density";
    let push = |app: &mut App, v: f32, source: &str, priority: i32| {
        app.world_mut()
            .resource_mut::<Arbiter>()
            .push(crate::Input {
                address: a.into(),
                value: ParamValue::Float(v),
                source: crate::Source::Osc(source.into()),
                slew_ms: 0.0,
                priority,
            });
        app.update();
    };
    push(&mut app, 0.5, "desk:1", 10);
    push(&mut app, 0.1, "tablet:2", 0);
    assert_eq!(
        get(&app, a),
        ParamValue::Float(0.5),
        "lower priority ignored while the desk sends"
    );
    push(&mut app, 0.2, "tablet:2", 10);
    assert_eq!(
        get(&app, a),
        ParamValue::Float(0.2),
        "equal priority: most recent wins"
    );
    std::thread::sleep(Duration::from_secs_f64(crate::arbiter::PRIORITY_HOLD + 0.1));
    push(&mut app, 0.3, "phone:3", 0);
    assert_eq!(
        get(&app, a),
        ParamValue::Float(0.3),
        "after the hold, recency again"
    );
}

#[test]
fn a_value_received_before_a_frame_applies_in_that_frame() {
    let mut app = app_with(MAP, None);
    let router = app.world().resource::<backlot_net::OscRouter>().clone();
    // The receive thread's own path, then exactly one frame.
    router.deliver(
        &osc("/scene/fog/density", vec![OscType::Float(0.75)]),
        "127.0.0.1:5000".parse().expect("addr"),
    );
    app.update();
    assert_eq!(get(&app, "/scene/fog/density"), ParamValue::Float(0.75));
    // OSCQuery reports the value that frame resolved, after that same single frame.
    let text = http_get(port(&app, |r| r.oscquery), "/scene/fog/density?VALUE");
    assert!(text.ends_with("{\"VALUE\":[0.75]}"), "{text}");
}

#[test]
fn feedback_sends_a_value_once_not_again_while_unchanged() {
    let surface = UdpSocket::bind("127.0.0.1:0").expect("surface");
    surface
        .set_read_timeout(Some(Duration::from_millis(300)))
        .expect("timeout");
    let mut app = app_with(MAP, Some(surface.local_addr().expect("addr").port()));
    let p = port(&app, |r| r.osc);
    let desk = UdpSocket::bind("127.0.0.1:0").expect("desk");
    for _ in 0..3 {
        desk.send_to(
            &osc("/scene/fog/density", vec![OscType::Float(0.6)]),
            ("127.0.0.1", p),
        )
        .expect("send");
        until(&mut app, |a| {
            get(a, "/scene/fog/density") == ParamValue::Float(0.6)
        });
        for _ in 0..3 {
            app.update();
        }
    }
    let mut buf = [0u8; 1024];
    let mut sent = 0;
    while let Ok(n) = surface.recv(&mut buf) {
        if let Ok((_, OscPacket::Message(m))) = rosc::decoder::decode_udp(&buf[..n])
            && m.addr == "/scene/fog/density"
        {
            assert_eq!(m.args, vec![OscType::Float(0.6)]);
            sent += 1;
        }
    }
    assert_eq!(sent, 1, "the same value three times is fed back once");
}

#[test]
fn oscquery_is_advertised_over_dns_sd() {
    let app = app_with(MAP, None);
    let query = port(&app, |r| r.oscquery);
    assert!(app.world().resource::<ControlRuntime>().mdns.is_some());
    let browser = mdns_sd::ServiceDaemon::new().expect("mdns");
    let events = browser.browse("_oscjson._tcp.local.").expect("browse");
    let start = Instant::now();
    let mut found = None;
    while start.elapsed() < Duration::from_secs(5) && found.is_none() {
        if let Ok(mdns_sd::ServiceEvent::ServiceResolved(info)) =
            events.recv_timeout(Duration::from_millis(200))
            && info.get_port() == query
        {
            found = Some(info.get_fullname().to_string());
        }
    }
    let _ = browser.shutdown();
    let name = found.expect("backlot's OSCQuery found by DNS-SD browsing");
    assert!(name.starts_with(&format!("backlot-{query}.")), "{name}");
}
