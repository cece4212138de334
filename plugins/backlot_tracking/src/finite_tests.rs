//! A poisoned pose (extreme or not finite) is dropped before smoothing and counted; a
//! smoothed camera keeps following the good samples after it.

use backlot_params::{ParamRegistry, ParamValue};
use bevy::prelude::*;
use rosc::{OscMessage, OscPacket, OscType, encoder};

use crate::TrackingPlugin;
use crate::tests::{STAGE, app, port, send, update_until};

fn get(app: &App, address: &str) -> ParamValue {
    app.world()
        .resource::<ParamRegistry>()
        .get(address)
        .expect("registered")
        .clone()
}

fn pose(values: [f32; 6]) -> Vec<u8> {
    encoder::encode(&OscPacket::Message(OscMessage {
        addr: "/backlot/camera/1/pose".into(),
        args: values.map(OscType::Float).to_vec(),
    }))
    .expect("osc")
}

fn x(app: &App) -> f32 {
    get(app, "/stage/cameras/1/position")
        .as_vec3()
        .expect("vec3")[0]
}

#[test]
fn extreme_and_nan_poses_do_not_freeze_a_smoothed_camera() {
    let mut app = app(STAGE, TrackingPlugin::default());
    app.world_mut()
        .resource_mut::<ParamRegistry>()
        .set("/tracking/1/smoothing/enabled", ParamValue::Bool(true))
        .expect("smoothing parameter");
    let o = port(&app, "osc");
    send(o, &pose([0.5, 1.6, 2.0, 0.0, 0.0, 0.0]));
    update_until(&mut app, |a| {
        get(a, "/tracking/1/packets") == ParamValue::Int(1)
    });
    assert_eq!(x(&app), 0.5);

    // 1 km and more is no camera; NaN is refused by the decoder already.
    send(o, &pose([1e30, 1.6, 2.0, 0.0, 0.0, 0.0]));
    send(o, &pose([0.5, 1.6, 2.0, 1e30, 0.0, 0.0]));
    send(o, &pose([f32::NAN, 1.6, 2.0, 0.0, 0.0, 0.0]));
    update_until(&mut app, |a| {
        get(a, "/tracking/trackers/osc/errors") == ParamValue::Int(3)
            && get(a, "/tracking/1/errors") == ParamValue::Int(3)
    });
    assert_eq!(
        get(&app, "/tracking/1/packets"),
        ParamValue::Int(1),
        "no poisoned sample reached the camera"
    );
    assert_eq!(x(&app), 0.5);

    // Good samples again: the camera follows every one of them.
    let mut last = 0.5;
    for i in 1..=5 {
        send(o, &pose([0.5 + 0.1 * i as f32, 1.6, 2.0, 0.0, 0.0, 0.0]));
        update_until(&mut app, |a| {
            get(a, "/tracking/1/packets") == ParamValue::Int(1 + i)
        });
        let now = x(&app);
        assert!(
            now.is_finite() && now > last && now <= 1.0,
            "{now} after {last}"
        );
        last = now;
    }
    assert_eq!(
        get(&app, "/tracking/1/status"),
        ParamValue::Enum("tracking".into())
    );
}
