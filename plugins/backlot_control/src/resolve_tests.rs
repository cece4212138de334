//! Feedback target names resolve off the frame: a slow lookup never holds `app.update()`,
//! an unresolvable name is shown and retried, a panicking lookup costs only its own name.

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use backlot_params::{ParamRegistry, ParamValue};
use bevy::prelude::*;
use rosc::OscPacket;

use super::{Lookup, Resolver, TargetState};
use crate::tests::{MAP, app_with, until};
use crate::{ControlMap, DmxServers, Feedback, configure_map};

/// Polls until `done`, at most three seconds (a guard against hanging, not a speed check).
fn poll_until(r: &mut Resolver, done: impl Fn(&Resolver) -> bool) {
    let start = Instant::now();
    while !done(r) {
        assert!(start.elapsed() < Duration::from_secs(3), "timed out");
        std::thread::sleep(Duration::from_millis(2));
        r.poll(Instant::now());
    }
}

fn state(r: &Resolver, text: &str) -> TargetState {
    r.states()
        .into_iter()
        .find(|(t, _)| *t == text)
        .map(|(_, s)| s.clone())
        .expect("target named")
}

#[test]
fn numeric_targets_apply_at_once_without_a_lookup_or_a_thread() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let lookup: Lookup = Arc::new(move |_: &str| -> Result<SocketAddr, String> {
        counted.fetch_add(1, Ordering::SeqCst);
        Err("not asked".into())
    });
    let mut r = Resolver::new(lookup);
    r.set(
        &["127.0.0.1:9000".into(), "[::1]:9001".into()],
        Instant::now(),
    );
    assert!(!r.poll(Instant::now()));
    assert_eq!(
        r.addresses(),
        vec![
            SocketAddr::from(([127, 0, 0, 1], 9000)),
            "[::1]:9001".parse().expect("v6")
        ]
    );
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[test]
fn an_unresolvable_name_is_shown_and_retried_with_back_off() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let lookup: Lookup = Arc::new(move |_: &str| -> Result<SocketAddr, String> {
        counted.fetch_add(1, Ordering::SeqCst);
        Err("no such host".into())
    });
    let mut r = Resolver::new(lookup);
    let t0 = Instant::now();
    r.set(&["nowhere.invalid:9000".into()], t0);
    assert_eq!(state(&r, "nowhere.invalid:9000"), TargetState::Resolving);
    r.poll(t0);
    poll_until(&mut r, |r| {
        matches!(state(r, "nowhere.invalid:9000"), TargetState::Failed { .. })
    });
    assert_eq!(
        state(&r, "nowhere.invalid:9000"),
        TargetState::Failed {
            error: "no such host".into(),
            failures: 1
        }
    );
    assert!(r.addresses().is_empty());
    // Not asked again before its wait is over (the clock is passed in: `t0` is before it)…
    r.poll(t0);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // …and asked again after it, without sleeping through the back-off.
    let later = Instant::now() + Duration::from_secs(30);
    r.poll(later);
    let start = Instant::now();
    while calls.load(Ordering::SeqCst) < 2 {
        assert!(start.elapsed() < Duration::from_secs(3), "not retried");
        std::thread::sleep(Duration::from_millis(2));
    }
    poll_until(&mut r, |r| {
        matches!(
            state(r, "nowhere.invalid:9000"),
            TargetState::Failed { failures: 2, .. }
        )
    });
}

#[test]
fn a_panicking_lookup_costs_its_own_name_only() {
    let lookup: Lookup = Arc::new(|name: &str| -> Result<SocketAddr, String> {
        assert_ne!(name, "boom:1", "resolver bug");
        Ok(SocketAddr::from(([127, 0, 0, 1], 7)))
    });
    let mut r = Resolver::new(lookup);
    r.set(&["boom:1".into(), "fine:7".into()], Instant::now());
    r.poll(Instant::now());
    poll_until(&mut r, |r| {
        !matches!(state(r, "boom:1"), TargetState::Resolving)
            && !matches!(state(r, "fine:7"), TargetState::Resolving)
    });
    match state(&r, "boom:1") {
        TargetState::Failed { error, .. } => assert!(error.contains("panicked"), "{error}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(r.addresses(), vec![SocketAddr::from(([127, 0, 0, 1], 7))]);
    assert_eq!(r.restarts(), 0, "the thread survived");
}

#[test]
fn a_slow_lookup_never_holds_the_frame_and_feedback_follows_once_resolved() {
    let surface = UdpSocket::bind("127.0.0.1:0").expect("surface");
    surface
        .set_read_timeout(Some(Duration::from_millis(500)))
        .expect("timeout");
    let port = surface.local_addr().expect("addr").port();
    let mut app = app_with(MAP, None);
    // The lookup waits until the test lets it go: the frame must not wait with it.
    let (release, gate) = mpsc::channel::<()>();
    let gate = Mutex::new(gate);
    let lookup: Lookup = Arc::new(move |name: &str| -> Result<SocketAddr, String> {
        if let Ok(g) = gate.lock() {
            let _ = g.recv();
        }
        match name {
            "surface.test:9000" => Ok(SocketAddr::from(([127, 0, 0, 1], port))),
            _ => Err("no such host".into()),
        }
    });
    {
        let world = app.world_mut();
        let mut file = world.resource::<ControlMap>().file.clone();
        file.osc.feedback = vec!["surface.test:9000".into()];
        world.resource_scope(|world, mut servers: Mut<DmxServers>| {
            let mut feedback = world.resource_mut::<Feedback>();
            feedback.set_lookup(lookup);
            configure_map(&file, &mut servers, &mut feedback);
        });
    }
    app.update();
    app.update();
    {
        let feedback = app.world().resource::<Feedback>();
        assert!(feedback.targets.is_empty(), "nothing resolved yet");
        assert_eq!(
            feedback.status(),
            vec![(
                "feedback → surface.test:9000: resolving…".to_string(),
                false
            )]
        );
    }
    release.send(()).expect("release the lookup");
    until(&mut app, |a| {
        !a.world().resource::<Feedback>().targets.is_empty()
    });
    assert_eq!(
        app.world().resource::<Feedback>().targets,
        vec![SocketAddr::from(([127, 0, 0, 1], port))]
    );
    app.world_mut()
        .resource_mut::<ParamRegistry>()
        .set("/scene/fog/density", ParamValue::Float(0.4))
        .expect("set");
    app.update();
    let mut buf = [0u8; 1024];
    let mut heard = false;
    while let Ok(n) = surface.recv(&mut buf) {
        if let Ok((_, OscPacket::Message(m))) = rosc::decoder::decode_udp(&buf[..n])
            && m.addr == "/scene/fog/density"
        {
            heard = true;
            break;
        }
    }
    assert!(heard, "the resolved surface gets feedback");
}
