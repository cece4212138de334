//! OSC over UDP and SLIP over TCP: coercion, patterns, aliases, timed bundles, and OSC
//! feedback to surfaces.

use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use backlot_params::ParamValue;
use rosc::{OscMessage, OscPacket, OscType};

use super::{MAP, app_with, get, midi_in, osc, port, send, until};
use crate::{Arbiter, ControlRuntime, OscServers};

#[test]
fn osc_sets_parameters_with_coercion_patterns_and_aliases() {
    let mut app = app_with(MAP, None);
    let p = port(&app, |r: &OscServers| r.osc);
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
    let p = port(&app, |r: &OscServers| r.osc);
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
    let p = port(&app, |r: &OscServers| r.osc_tcp);
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
    let p = port(&app, |r: &OscServers| r.osc);
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
fn feedback_sends_a_value_once_not_again_while_unchanged() {
    let surface = UdpSocket::bind("127.0.0.1:0").expect("surface");
    surface
        .set_read_timeout(Some(Duration::from_millis(300)))
        .expect("timeout");
    let mut app = app_with(MAP, Some(surface.local_addr().expect("addr").port()));
    let p = port(&app, |r: &OscServers| r.osc);
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
