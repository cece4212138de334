//! The plugin in a `MinimalPlugins` app: real loopback UDP, parameters, delay, dropout,
//! takes and replay.

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use backlot_params::{ParamRegistry, ParamValue, ParamsPlugin};
use backlot_stage::format::parse_stage;
use backlot_stage::stage_param_specs;
use bevy::prelude::*;

use crate::codec::freed::{FreedD1, encode};
use crate::take::{HEADER, TakeRow};
use crate::{TakeRecorder, TrackingPlugin, TrackingSetup, TrackingState};

pub(crate) const STAGE: &str = r#"(
    sections: [(
        name: "wall",
        shape: Flat(lower_left: (-3.0, 0.0, -4.0), lower_right: (3.0, 0.0, -4.0), upper_left: (-3.0, 3.375, -4.0)),
        cabinet: (size_mm: (500.0, 562.5), pixels: (16, 18)),
    )],
    outputs: [(name: "main", canvas: (192, 108), regions: [(section: "wall")])],
    trackers: [
        (name: "freed", protocol: FreeD(port: Some(0))),
        (name: "osc", protocol: Osc(port: 0)),
    ],
    cameras: [(
        id: 1,
        lens: Table(sensor_width_mm: 36.0, zoom: [
            (zoom: 0.0, focal_mm: 24.0, distortion: (k1: -0.1)),
            (zoom: 1.0, focal_mm: 72.0),
        ]),
        tracking: Some((sources: ["freed", "osc"], dropout_ms: 200.0)),
    )],
)"#;

pub(crate) fn app(stage: &str, plugin: TrackingPlugin) -> App {
    let file = parse_stage(stage, "test.stage.ron", None).expect("stage parses");
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, ParamsPlugin, plugin));
    {
        let mut registry = app.world_mut().resource_mut::<ParamRegistry>();
        for spec in stage_param_specs(&file) {
            let _ = registry.register(spec);
        }
    }
    let mut setup = TrackingSetup::from_stage(&file);
    setup.generation = 1;
    app.insert_resource(setup);
    app.update();
    app
}

pub(crate) fn port(app: &App, tracker: &str) -> u16 {
    app.world()
        .resource::<TrackingState>()
        .tracker_addr(tracker)
        .expect("listening")
        .port()
}

fn get(app: &App, address: &str) -> ParamValue {
    app.world()
        .resource::<ParamRegistry>()
        .get(address)
        .expect("registered")
        .clone()
}

pub(crate) fn send(port: u16, bytes: &[u8]) {
    let s = UdpSocket::bind("127.0.0.1:0").expect("bind");
    s.send_to(bytes, ("127.0.0.1", port)).expect("send");
}

/// Updates until `done` holds (packets cross threads), at most 3 s.
pub(crate) fn update_until(app: &mut App, done: impl Fn(&App) -> bool) {
    let start = Instant::now();
    while !done(app) {
        assert!(start.elapsed() < Duration::from_secs(3), "timed out");
        std::thread::sleep(Duration::from_millis(5));
        app.update();
    }
}

pub(crate) fn packet(x_mm: f64, zoom: u32) -> Vec<u8> {
    encode(&FreedD1::from_units(
        1,
        [90.0, -10.5, 0.0],
        [x_mm, -2500.25, 1500.0],
        zoom,
        0,
    ))
    .to_vec()
}

fn vec3(v: ParamValue) -> [f32; 3] {
    v.as_vec3().expect("vec3")
}

#[test]
fn freed_over_udp_drives_the_stage_camera() {
    let mut app = app(STAGE, TrackingPlugin::default());
    assert_eq!(
        get(&app, "/tracking/1/status"),
        ParamValue::Enum("waiting".into())
    );
    let p = port(&app, "freed");
    send(p, &packet(1000.0, 0x8000));
    update_until(&mut app, |a| {
        get(a, "/tracking/1/status") == ParamValue::Enum("tracking".into())
    });
    let pos = vec3(get(&app, "/stage/cameras/1/position"));
    assert!(
        (pos[0] - 1.0).abs() < 1e-4
            && (pos[1] - 1.5).abs() < 1e-4
            && (pos[2] - 2.50025).abs() < 1e-4,
        "{pos:?}"
    );
    assert_eq!(
        vec3(get(&app, "/stage/cameras/1/rotation")),
        [90.0, -10.5, 0.0]
    );
    assert_eq!(vec3(get(&app, "/tracking/1/position")), pos);
    // Zoom 0x8000 of 0..0x10000 is half way: 48 mm on a 36 mm sensor.
    let fov = get(&app, "/stage/cameras/1/fov").as_f32().expect("fov");
    assert!((fov - 41.1121).abs() < 0.01, "{fov}");
    assert!((get(&app, "/tracking/1/focal").as_f32().expect("f") - 48.0).abs() < 1e-3);
    // Barrel distortion at half zoom (k1 −0.05) needs extra overscan.
    let extra = get(&app, "/stage/cameras/1/distortion_overscan")
        .as_f32()
        .expect("o");
    assert!(extra > 0.1 && extra < 10.0, "{extra}");
    assert_eq!(get(&app, "/tracking/1/packets"), ParamValue::Int(1));
}

#[test]
fn bad_packets_are_counted_and_ignored() {
    let mut app = app(STAGE, TrackingPlugin::default());
    let p = port(&app, "freed");
    let mut bad = packet(0.0, 0);
    bad[28] ^= 0xFF;
    send(p, &bad);
    send(p, &packet(0.0, 0)[..20]);
    send(p, b"garbage that is not freed at all");
    send(p, &packet(500.0, 0));
    update_until(&mut app, |a| {
        get(a, "/tracking/1/packets") == ParamValue::Int(1)
            && get(a, "/tracking/trackers/freed/errors") == ParamValue::Int(3)
    });
    // Only the checksum-broken packet names camera 1 (type byte and id readable).
    assert_eq!(get(&app, "/tracking/1/errors"), ParamValue::Int(2));
    let x = vec3(get(&app, "/stage/cameras/1/position"))[0];
    assert!((x - 0.5).abs() < 1e-4, "{x}");
    // OSC garbage and a wrong-arity pose on the OSC port.
    let o = port(&app, "osc");
    send(o, b"\x00\x01\x02");
    let short = rosc::encoder::encode(&rosc::OscPacket::Message(rosc::OscMessage {
        addr: "/backlot/camera/1/pose".into(),
        args: vec![rosc::OscType::Float(1.0)],
    }))
    .expect("osc");
    send(o, &short);
    update_until(&mut app, |a| {
        get(a, "/tracking/trackers/osc/errors") == ParamValue::Int(2)
    });
}

#[test]
fn osc_pose_fov_and_focal() {
    let mut app = app(STAGE, TrackingPlugin::default());
    let o = port(&app, "osc");
    let msg = |addr: &str, args: Vec<rosc::OscType>| {
        rosc::encoder::encode(&rosc::OscPacket::Message(rosc::OscMessage {
            addr: addr.into(),
            args,
        }))
        .expect("osc")
    };
    send(
        o,
        &msg("/backlot/camera/1/fov", vec![rosc::OscType::Float(30.0)]),
    );
    send(
        o,
        &msg(
            "/backlot/camera/1/pose",
            [0.5, 1.6, 2.0, -20.0, 5.0, 1.0]
                .map(rosc::OscType::Float)
                .to_vec(),
        ),
    );
    update_until(&mut app, |a| {
        get(a, "/tracking/1/packets") == ParamValue::Int(1)
    });
    assert_eq!(
        vec3(get(&app, "/stage/cameras/1/position")),
        [0.5, 1.6, 2.0]
    );
    assert_eq!(
        vec3(get(&app, "/stage/cameras/1/rotation")),
        [-20.0, 5.0, 1.0]
    );
    assert_eq!(get(&app, "/stage/cameras/1/fov"), ParamValue::Float(30.0));
    // 50 mm on the lens's 36 mm sensor.
    send(
        o,
        &msg("/backlot/camera/1/focal", vec![rosc::OscType::Float(50.0)]),
    );
    send(
        o,
        &msg(
            "/backlot/camera/1/pose",
            [0.0; 6].map(rosc::OscType::Float).to_vec(),
        ),
    );
    update_until(&mut app, |a| {
        get(a, "/tracking/1/packets") == ParamValue::Int(2)
    });
    let fov = get(&app, "/stage/cameras/1/fov").as_f32().expect("fov");
    assert!((fov - 39.5978).abs() < 1e-3, "{fov}");
}

#[test]
fn dropout_holds_the_pose_and_recovers() {
    let mut app = app(STAGE, TrackingPlugin::default());
    let p = port(&app, "freed");
    send(p, &packet(1000.0, 0));
    update_until(&mut app, |a| {
        get(a, "/tracking/1/status") == ParamValue::Enum("tracking".into())
    });
    // Dropout is 200 ms in this stage.
    update_until(&mut app, |a| {
        get(a, "/tracking/1/status") == ParamValue::Enum("lost".into())
    });
    assert!(get(&app, "/tracking/1/age_ms").as_f32().expect("age") > 200.0);
    assert!((vec3(get(&app, "/stage/cameras/1/position"))[0] - 1.0).abs() < 1e-4);
    send(p, &packet(2000.0, 0));
    update_until(&mut app, |a| {
        get(a, "/tracking/1/status") == ParamValue::Enum("tracking".into())
    });
    assert!((vec3(get(&app, "/stage/cameras/1/position"))[0] - 2.0).abs() < 1e-4);
}

#[test]
fn delay_applies_the_pose_from_that_long_ago() {
    let mut app = app(STAGE, TrackingPlugin::default());
    app.world_mut()
        .resource_mut::<ParamRegistry>()
        .set("/tracking/1/delay_ms", ParamValue::Float(150.0))
        .expect("delay");
    let p = port(&app, "freed");
    send(p, &packet(1000.0, 0));
    update_until(&mut app, |a| {
        get(a, "/tracking/1/packets") == ParamValue::Int(1)
    });
    std::thread::sleep(Duration::from_millis(300));
    app.update();
    let sent = Instant::now();
    send(p, &packet(3000.0, 0));
    update_until(&mut app, |a| {
        get(a, "/tracking/1/packets") == ParamValue::Int(2)
    });
    // Within 150 ms of the new sample the camera still shows the old one.
    if sent.elapsed() < Duration::from_millis(120) {
        assert!((vec3(get(&app, "/stage/cameras/1/position"))[0] - 1.0).abs() < 1e-4);
    }
    update_until(&mut app, |a| {
        (vec3(get(a, "/stage/cameras/1/position"))[0] - 3.0).abs() < 1e-4
    });
    assert!(
        sent.elapsed() >= Duration::from_millis(150),
        "applied before the delay"
    );
    // The applied sample is the one from 150 ms before the frame.
    let state = app.world().resource::<TrackingState>();
    let applied = state.camera(1).and_then(|c| c.applied).expect("applied");
    assert!(applied.sample.t <= state.frame_start - 0.15 + 1e-6);
}

#[test]
fn delayed_lookup_holds_each_sample_until_the_next() {
    let mut app = app(STAGE, TrackingPlugin::default());
    // Two samples stamped 100 ms apart on the tracking clock: x = 0 m, then 1 m.
    {
        let state = app.world().resource::<TrackingState>();
        let inbox = state.inbox.clone();
        let receiver = 1; // the first receiver started, the FreeD one
        let now = inbox.now();
        let (mut guard, _) = inbox.lock();
        for (dt, x) in [(-0.30, 0.0), (-0.20, 1000.0)] {
            guard.items.push(crate::receiver::Incoming {
                t: now + dt,
                receiver,
                payload: crate::receiver::Payload::Freed(FreedD1::from_units(
                    1,
                    [0.0; 3],
                    [x, 0.0, 0.0],
                    0,
                    0,
                )),
            });
        }
    }
    app.world_mut()
        .resource_mut::<ParamRegistry>()
        .set("/tracking/1/delay_ms", ParamValue::Float(1000.0))
        .expect("set");
    // Old samples would otherwise count as a dropout.
    app.world_mut()
        .resource_mut::<ParamRegistry>()
        .set("/tracking/1/dropout_ms", ParamValue::Float(5000.0))
        .expect("set");
    app.update();
    let state = app.world().resource::<TrackingState>();
    let cam = state.camera(1).expect("camera");
    let newest = cam.history.newest().expect("newest").t;
    let between = cam.history.at(newest - 0.05).expect("sample");
    assert_eq!(
        between.pose.position.x, 0.0,
        "the older sample holds until the next"
    );
    assert_eq!(cam.history.at(newest).expect("sample").pose.position.x, 1.0);
    // A delay reaching before the first sample holds the oldest one.
    let applied = cam.applied.expect("applied");
    assert_eq!(applied.sample.pose.position.x, 0.0);
}

#[test]
fn takes_record_and_replay_frame_accurately() {
    let dir = std::env::temp_dir().join(format!("backlot-takes-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut app = app(
        STAGE,
        TrackingPlugin {
            takes_dir: dir.clone(),
            ..default()
        },
    );
    let p = port(&app, "freed");
    let trigger = |app: &mut App| {
        app.world_mut()
            .resource_mut::<ParamRegistry>()
            .set("/takes/record", ParamValue::Trigger)
            .expect("trigger");
        app.update();
    };
    trigger(&mut app);
    assert_eq!(get(&app, "/takes/recording"), ParamValue::Bool(true));
    for i in 0..5 {
        send(p, &packet(f64::from(i) * 100.0, 0));
        std::thread::sleep(Duration::from_millis(20));
        app.update();
    }
    update_until(&mut app, |a| get(a, "/takes/samples") == ParamValue::Int(5));
    trigger(&mut app);
    assert_eq!(get(&app, "/takes/recording"), ParamValue::Bool(false));
    // The writer thread closes the file while frames go on.
    update_until(&mut app, |a| {
        a.world().resource::<TakeRecorder>().closing() == 0
    });
    let path = app
        .world()
        .resource::<TakeRecorder>()
        .last
        .clone()
        .expect("take");
    let text = std::fs::read_to_string(&path).expect("take file");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(HEADER));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 5);
    assert!(rows[2].contains(",1,freed,200.0000,-2500.2500,1500.0000,90.000000,-10.500000,0.000000,0,0,0.200000,1.500000,2.500250,"), "{}", rows[2]);

    // Replay: samples arrive by scene time, whatever the wall clock does.
    let rows = crate::take::read_take(&path).expect("parse");
    let mut replay = app_with_manual_time(&path);
    let mut seen = Vec::new();
    for _ in 0..20 {
        replay.update();
        seen.push(vec3(get(&replay, "/stage/cameras/1/position"))[0]);
    }
    let t0 = rows[0].time_s;
    for (frame, x) in seen.iter().enumerate() {
        let t = frame as f64 * 0.01;
        let expected: &TakeRow = rows
            .iter()
            .rev()
            .find(|r| r.time_s - t0 <= t + 1e-9)
            .expect("row");
        assert!(
            (x - expected.pose.position.x).abs() < 1e-5,
            "frame {frame}: {x} vs {expected:?}"
        );
    }
    assert_eq!(
        get(&replay, "/tracking/1/status"),
        ParamValue::Enum("replay".into())
    );
    assert!(
        replay
            .world()
            .resource::<TrackingState>()
            .tracker_addr("freed")
            .is_none()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn app_with_manual_time(take: &std::path::Path) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, ParamsPlugin))
        .insert_resource(bevy::time::TimeUpdateStrategy::ManualDuration(
            Duration::from_millis(10),
        ));
    app.add_plugins(TrackingPlugin {
        replay: Some(take.to_path_buf()),
        ..default()
    });
    let file = parse_stage(STAGE, "test.stage.ron", None).expect("stage");
    {
        let mut registry = app.world_mut().resource_mut::<ParamRegistry>();
        for spec in stage_param_specs(&file) {
            let _ = registry.register(spec);
        }
    }
    let mut setup = TrackingSetup::from_stage(&file);
    setup.generation = 1;
    app.insert_resource(setup);
    app
}

#[test]
fn static_cameras_are_left_alone() {
    let stage = STAGE.replace(
        "tracking: Some((sources: [\"freed\", \"osc\"], dropout_ms: 200.0)),",
        "",
    );
    let mut app = app(&stage, TrackingPlugin::default());
    let p = port(&app, "freed");
    send(p, &packet(1000.0, 0));
    std::thread::sleep(Duration::from_millis(50));
    app.update();
    app.update();
    assert_eq!(
        get(&app, "/tracking/1/status"),
        ParamValue::Enum("static".into())
    );
    assert_eq!(
        vec3(get(&app, "/stage/cameras/1/position")),
        [0.0, 1.7, 4.0]
    );
    let state = app.world().resource::<TrackingState>();
    assert_eq!(state.trackers[0].unrouted, 1);
}

#[test]
fn a_sample_from_a_slow_frame_is_applied_before_dropout_counts() {
    let mut app = app(STAGE, TrackingPlugin::default());
    {
        let state = app.world().resource::<TrackingState>();
        let inbox = state.inbox.clone();
        let now = inbox.now();
        let (mut guard, _) = inbox.lock();
        // Received 300 ms before this frame (the last frame was that slow); dropout is 200 ms.
        guard.items.push(crate::receiver::Incoming {
            t: now - 0.3,
            receiver: 1,
            payload: crate::receiver::Payload::Freed(FreedD1::from_units(
                1,
                [0.0; 3],
                [1500.0, 0.0, 0.0],
                0,
                0,
            )),
        });
    }
    app.update();
    assert!(
        (vec3(get(&app, "/stage/cameras/1/position"))[0] - 1.5).abs() < 1e-4,
        "applied"
    );
    assert_eq!(
        get(&app, "/tracking/1/status"),
        ParamValue::Enum("tracking".into())
    );
    app.update();
    assert_eq!(
        get(&app, "/tracking/1/status"),
        ParamValue::Enum("lost".into()),
        "then it counts"
    );
}

// Takes against failing disks, stalled disks and unwritable folders.
mod takes;
