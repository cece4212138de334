//! Arbitration: operator override, slew, binding priority, and a value received before a
//! frame applying in that frame.

use std::time::Duration;

use backlot_params::ParamValue;
use bevy::prelude::*;
use rosc::OscType;

use super::{MAP, app_with, get, http_get, osc, port, send, until};
use crate::{Arbiter, OscQueryServer, OscServers};

#[test]
fn operator_override_wins_until_released_and_slew_glides() {
    let mut app = app_with(MAP, None);
    let a = "/scene/lights/key/intensity";
    app.world_mut()
        .resource_mut::<Arbiter>()
        .hold(a, ParamValue::Float(5000.0));
    app.update();
    let p = port(&app, |r: &OscServers| r.osc);
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
    let text = http_get(
        port(&app, |r: &OscQueryServer| r.addr),
        "/scene/fog/density?VALUE",
    );
    assert!(text.ends_with("{\"VALUE\":[0.75]}"), "{text}");
}
