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

// ---- Bounded OSC: the bundle schedule and sender patterns (kept together, appended) ----

/// An OSC message as the router hands it to control, from one fixed sender.
fn osc_in(address: &str, at: Option<f64>, args: Vec<OscType>) -> crate::inbox::OscIn {
    crate::inbox::OscIn {
        from: std::net::SocketAddr::from(([127, 0, 0, 1], 9)),
        timed: crate::codec::osc::Timed {
            at,
            message: OscMessage {
                addr: address.into(),
                args,
            },
        },
    }
}

/// Runs frames until control has taken everything in the inbox.
fn drain_inbox(app: &mut bevy::prelude::App) {
    for _ in 0..1_000 {
        app.update();
        let rt = app.world().resource::<ControlRuntime>();
        if rt.inbox.lock().stats().osc.queued == 0 {
            return;
        }
    }
    panic!("the inbox never drained");
}

fn sender_counters(app: &bevy::prelude::App) -> crate::inbox::Counters {
    let rt = app.world().resource::<ControlRuntime>();
    let inbox = rt.inbox.lock();
    inbox
        .counters
        .get("osc 127.0.0.1:9")
        .cloned()
        .unwrap_or_default()
}

#[test]
fn a_million_future_bundles_leave_the_schedule_bounded() {
    let mut app = app_with(MAP, None);
    // Batches stay under the inbox's own OSC limit, so every bundle reaches the schedule.
    let batches = 100;
    let per_batch = 10_000;
    for _ in 0..batches {
        let now = crate::codec::osc::ntp_now();
        {
            let rt = app.world().resource::<ControlRuntime>();
            let mut inbox = rt.inbox.lock();
            for i in 0..per_batch {
                // Half an hour ahead (beyond the horizon), half a few seconds ahead.
                let at = if i % 2 == 0 {
                    now + 3600.0
                } else {
                    now + 5.0 + f64::from(i % 1000_u32) / 1000.0
                };
                inbox.push_osc(osc_in(
                    "/scene/fog/density",
                    Some(at),
                    vec![OscType::Float(0.5)],
                ));
            }
        }
        drain_inbox(&mut app);
        let rt = app.world().resource::<ControlRuntime>();
        assert!(rt.scheduled_len() <= 4096, "{} held", rt.scheduled_len());
    }
    let rt = app.world().resource::<ControlRuntime>();
    let total = batches * per_batch;
    assert_eq!(rt.beyond_horizon(), total as u64 / 2);
    // Near ones past the limit are dropped (some may have come due on a slow machine).
    assert!(rt.scheduled_dropped() > 0);
    let counted = sender_counters(&app);
    assert_eq!(
        counted.errors,
        rt.beyond_horizon() + rt.scheduled_dropped(),
        "every refusal is counted against its sender"
    );
    assert!(rt.inbox.lock().osc_log.len() <= crate::inbox::MONITOR_LINES);
    let last = counted.last_error.unwrap_or_default();
    assert!(
        last.contains("beyond the 10 s horizon") || last.contains("dropped the one due latest"),
        "{last}"
    );
}

#[test]
fn sender_patterns_are_capped_budgeted_and_counted() {
    let mut app = app_with(MAP, None);
    {
        let rt = app.world().resource::<ControlRuntime>();
        let mut inbox = rt.inbox.lock();
        // 64 KB of stars: refused on its length, with the reason in the monitor.
        inbox.push_osc(osc_in(
            &format!("/{}", "*".repeat(65_536)),
            None,
            vec![OscType::Float(1.0)],
        ));
        // 40 new patterns in one frame: 32 are matched, 8 dropped over the budget.
        for extra in 0..40 {
            let stars = "*".repeat(extra);
            inbox.push_osc(osc_in(
                &format!("/scene/lights/*{stars}/intensity"),
                None,
                vec![OscType::Float(500.0)],
            ));
        }
    }
    drain_inbox(&mut app);
    let rt = app.world().resource::<ControlRuntime>();
    assert_eq!((rt.patterns_refused(), rt.patterns_over_budget()), (1, 8));
    let counted = sender_counters(&app);
    assert_eq!(counted.errors, 9);
    let log: Vec<String> = rt
        .inbox
        .lock()
        .osc_log
        .iter()
        .filter(|l| l.error)
        .map(|l| l.text.clone())
        .collect();
    assert!(
        log.iter()
            .any(|l| l.contains("pattern of 65537 bytes is longer than the 256 accepted")),
        "{log:?}"
    );
    assert!(
        log.iter().any(|l| l.contains("over this frame's budget")),
        "{log:?}"
    );
    assert!(log.iter().all(|l| l.len() < 400), "long addresses are cut");
    assert_eq!(
        get(&app, "/scene/lights/fill/intensity"),
        ParamValue::Float(500.0)
    );
    // The next frame has a fresh budget, and a cached pattern costs none of it.
    rt.inbox.lock().push_osc(osc_in(
        "/scene/lights/*/intensity",
        None,
        vec![OscType::Float(700.0)],
    ));
    drain_inbox(&mut app);
    assert_eq!(
        get(&app, "/scene/lights/key/intensity"),
        ParamValue::Float(700.0)
    );
}
