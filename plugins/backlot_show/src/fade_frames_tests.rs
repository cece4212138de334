//! Fades counted in frames through the plugin, on a 60 fps manual clock: each curve's
//! value at frames 30, 60 and 90 of a 2 s fade, a follow firing in the frame it falls in,
//! two lists fading side by side, a colour fade in linear light and a bool switching at its
//! `switch_at`. Frame 0 is the frame that carries the GO.
//!
//! The frame is 16 666 667 ns, 1/60 s rounded up, so that frame n is at or just past n/60 s
//! (by under a microsecond): a moment on a frame boundary falls in that frame, not the next.

use std::time::Duration;

use backlot_params::{ParamAddress, ParamRegistry, ParamSpec, ParamValue, ParamsPlugin};
use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;

use crate::{CueCommand, ShowCommand, ShowPlugin, parse_show};

const LINEAR: &str = "/t/linear";
const S_CURVE: &str = "/t/s";
const EASE: &str = "/t/ease";
const SLOW: &str = "/t/slow";
const LEVEL: &str = "/t/level";
const DIM: &str = "/t/dim";
const COLOR: &str = "/t/color";
const ENABLED: &str = "/t/enabled";

const SHOW: &str = r#"(
    name: "frames",
    looks: [
        (name: "linear_up", values: {"/t/linear": Float(1000.0)}),
        (name: "s_up", values: {"/t/s": Float(1000.0)}),
        (name: "ease_up", values: {"/t/ease": Float(1000.0)}),
        (name: "slow_up", values: {"/t/slow": Float(1000.0)}),
        (name: "level_zero", values: {"/t/level": Float(0.0)}),
        (name: "level_up", values: {"/t/level": Float(1000.0)}),
        (name: "green", values: {"/t/color": Color((0.0, 1.0, 0.0))}),
        (name: "on", values: {"/t/enabled": Bool(true), "/t/dim": Float(1000.0)}),
        (name: "off", values: {"/t/enabled": Bool(false)}),
    ],
    lists: [
        (name: "linear", cues: [(name: "1", look: "linear_up", fade: 2.0)]),
        (name: "s", cues: [(name: "1", look: "s_up", fade: 2.0, curve: S)]),
        (name: "ease", cues: [(name: "1", look: "ease_up", fade: 2.0, curve: Ease)]),
        (name: "slow", cues: [(name: "1", look: "slow_up", fade: 4.0)]),
        (name: "follow", cues: [
            (name: "1", look: "level_zero", follow: 0.51),
            (name: "2", look: "level_up", fade: 1.0),
        ]),
        (name: "colour", cues: [(name: "1", look: "green", fade: 2.0)]),
        (name: "switch", cues: [
            (name: "1", look: "on", fade: 2.0, switch_at: 0.25),
            (name: "2", look: "off", fade: 2.0, switch_at: 1.0),
            (name: "3", look: "on", fade: 2.0, switch_at: 0.0),
        ]),
    ],
)"#;

fn app() -> App {
    let file = parse_show(SHOW, "frames.show.ron", None).expect("the test show parses");
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, ParamsPlugin))
        .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_nanos(
            16_666_667,
        )));
    {
        let mut r = app.world_mut().resource_mut::<ParamRegistry>();
        let a = |s: &str| ParamAddress::new(s).expect("address");
        let level = |s: &str, default: f32| ParamSpec::float(a(s), default, 0.0, 1000.0, "");
        for spec in [
            level(LINEAR, 0.0),
            level(S_CURVE, 0.0),
            level(EASE, 0.0),
            level(SLOW, 0.0),
            level(LEVEL, 500.0),
            level(DIM, 0.0),
            ParamSpec::color(a(COLOR), [1.0, 0.0, 0.0]),
            ParamSpec::bool(a(ENABLED), false),
        ] {
            r.register(spec).expect("register");
        }
    }
    app.add_plugins(ShowPlugin { show: Some(file) });
    // The first frame has no time step; the status parameters are registered in it.
    app.update();
    app
}

fn send(app: &mut App, list: &str, command: CueCommand) {
    app.world_mut().write_message(ShowCommand {
        list: Some(list.to_string()),
        command,
    });
}

fn frames(app: &mut App, n: usize) {
    for _ in 0..n {
        app.update();
    }
}

fn get(app: &App, address: &str) -> ParamValue {
    app.world()
        .resource::<ParamRegistry>()
        .get(address)
        .cloned()
        .unwrap_or_else(|e| panic!("{address}: {e}"))
}

fn f(app: &App, address: &str) -> f32 {
    get(app, address).as_f32().unwrap_or(f32::NAN)
}

fn rgb(app: &App) -> [f32; 3] {
    get(app, COLOR).as_vec3().unwrap_or([f32::NAN; 3])
}

#[track_caller]
fn near(got: f32, want: f32, tolerance: f32, what: &str) {
    assert!(
        (got - want).abs() <= tolerance,
        "{what}: got {got}, want {want} ± {tolerance}"
    );
}

/// sRGB encoding (IEC 61966-2-1), written out here rather than taken from the crate.
fn encode(linear: f32) -> f32 {
    if linear <= 0.003_130_8 {
        linear * 12.92
    } else {
        1.055 * linear.powf(1.0 / 2.4) - 0.055
    }
}

#[test]
fn each_curve_has_its_value_at_frames_30_60_90_of_a_two_second_fade() {
    let mut app = app();
    for list in ["linear", "s", "ease"] {
        send(&mut app, list, CueCommand::Go);
    }
    app.update();
    for address in [LINEAR, S_CURVE, EASE] {
        assert_eq!(f(&app, address), 0.0, "{address} starts where it stood");
    }
    // At t = 0.25, 0.5, 0.75 of the fade. S: 2t² to halfway, 1 − 2(1 − t)² after;
    // Ease: 1 − (1 − t)². A frame off would be 4 to 17 away; rounding is far under 0.01.
    let want = [
        (LINEAR, [250.0, 500.0, 750.0]),
        (S_CURVE, [125.0, 500.0, 875.0]),
        (EASE, [437.5, 750.0, 937.5]),
    ];
    for (i, frame) in [30, 60, 90].into_iter().enumerate() {
        frames(&mut app, 30);
        for (address, values) in &want {
            near(
                f(&app, address),
                values[i],
                0.01,
                &format!("{address} at frame {frame}"),
            );
        }
    }
    frames(&mut app, 30);
    for address in [LINEAR, S_CURVE, EASE] {
        assert_eq!(
            f(&app, address),
            1000.0,
            "{address} ends on the look at frame 120"
        );
    }
}

#[test]
fn a_follow_fires_in_the_frame_it_falls_in_and_keeps_the_rest_of_it() {
    let mut app = app();
    send(&mut app, "follow", CueCommand::Go);
    app.update();
    assert_eq!(f(&app, LEVEL), 0.0, "cue 1 snaps");
    // Frame 30 is at 0.5 s: the 0.51 s follow is still to come.
    frames(&mut app, 30);
    assert_eq!(get(&app, "/show/follow/cue"), ParamValue::Int(1));
    assert_eq!(f(&app, LEVEL), 0.0);
    // Frame 31 (0.5167 s) runs past it: cue 2 plays in this frame, and its 1 s fade
    // started at 0.51 s, not at the frame, so it is already 6.7 ms in.
    app.update();
    assert_eq!(
        get(&app, "/show/follow/cue"),
        ParamValue::Int(2),
        "followed in frame 31"
    );
    near(
        f(&app, LEVEL),
        (31.0 / 60.0 - 0.51) * 1000.0,
        0.01,
        "frame 31",
    );
    frames(&mut app, 30);
    near(
        f(&app, LEVEL),
        (61.0 / 60.0 - 0.51) * 1000.0,
        0.01,
        "frame 61",
    );
    frames(&mut app, 30);
    assert_eq!(f(&app, LEVEL), 1000.0, "cue 2 ended 1 s after the follow");
}

#[test]
fn two_lists_fade_side_by_side_each_on_its_own_clock() {
    let mut app = app();
    send(&mut app, "linear", CueCommand::Go);
    send(&mut app, "slow", CueCommand::Go);
    app.update();
    frames(&mut app, 30);
    near(f(&app, LINEAR), 250.0, 0.01, "the 2 s fade at frame 30");
    near(f(&app, SLOW), 125.0, 0.01, "the 4 s fade at frame 30");
    // Progress is shown in thousandths; a frame off would be 8 or 4 thousandths away.
    near(
        f(&app, "/show/linear/fade_progress"),
        0.25,
        1e-3,
        "linear progress",
    );
    near(
        f(&app, "/show/slow/fade_progress"),
        0.125,
        1e-3,
        "slow progress",
    );
    frames(&mut app, 30);
    near(f(&app, LINEAR), 500.0, 0.01, "the 2 s fade at frame 60");
    near(f(&app, SLOW), 250.0, 0.01, "the 4 s fade at frame 60");
    // PAUSE holds one list; the other goes on. The pause arrives after its frame's step.
    send(&mut app, "linear", CueCommand::Pause);
    app.update();
    let held = f(&app, LINEAR);
    near(held, 61.0 / 120.0 * 1000.0, 0.01, "paused at frame 61");
    frames(&mut app, 29);
    assert_eq!(f(&app, LINEAR), held, "the paused list holds its value");
    assert_eq!(get(&app, "/show/linear/paused"), ParamValue::Bool(true));
    assert_eq!(get(&app, "/show/slow/paused"), ParamValue::Bool(false));
    near(f(&app, SLOW), 375.0, 0.01, "the other list at frame 90");
    // RESUME: it goes on from where it stood, 30 frames later by 30 frames' worth.
    send(&mut app, "linear", CueCommand::Resume);
    app.update();
    frames(&mut app, 30);
    near(f(&app, LINEAR), held + 250.0, 0.01, "resumed, frame 121");
    near(
        f(&app, SLOW),
        121.0 / 240.0 * 1000.0,
        0.01,
        "the other list at frame 121",
    );
}

#[test]
fn a_colour_fades_in_linear_light() {
    let mut app = app();
    send(&mut app, "colour", CueCommand::Go);
    app.update();
    assert_eq!(rgb(&app), [1.0, 0.0, 0.0]);
    // Red to green: each channel's light moves linearly, its sRGB number does not.
    frames(&mut app, 30);
    let [r, g, b] = rgb(&app);
    near(r, encode(0.75), 1e-3, "red at frame 30");
    near(g, encode(0.25), 1e-3, "green at frame 30");
    assert_eq!(b, 0.0);
    frames(&mut app, 30);
    let [r, g, b] = rgb(&app);
    near(r, encode(0.5), 1e-3, "red at frame 60");
    near(g, encode(0.5), 1e-3, "green at frame 60");
    assert_eq!(b, 0.0);
    // Halfway is ~0.735 in each: the sRGB numbers' midpoint (0.5, 0.5) would dip in light.
    assert!(
        r > 0.7 && g > 0.7,
        "({r}, {g}) is the sRGB midpoint, not the light's"
    );
    frames(&mut app, 60);
    assert_eq!(rgb(&app), [0.0, 1.0, 0.0]);
}

#[test]
fn a_bool_switches_at_its_switch_point_while_floats_fade() {
    let mut app = app();
    // Cue 1: switch_at 0.25 of a 2 s fade, frame 30.
    send(&mut app, "switch", CueCommand::Go);
    app.update();
    assert_eq!(get(&app, ENABLED), ParamValue::Bool(false));
    frames(&mut app, 29);
    assert_eq!(get(&app, ENABLED), ParamValue::Bool(false), "frame 29");
    near(f(&app, DIM), 29.0 / 120.0 * 1000.0, 0.01, "dim at frame 29");
    app.update();
    assert_eq!(get(&app, ENABLED), ParamValue::Bool(true), "frame 30");
    near(f(&app, DIM), 250.0, 0.01, "dim fades on past the switch");
    frames(&mut app, 90);
    assert_eq!(f(&app, DIM), 1000.0);
    // Cue 2: switch_at 1, the fade's last frame (120).
    send(&mut app, "switch", CueCommand::Go);
    app.update();
    frames(&mut app, 119);
    assert_eq!(get(&app, ENABLED), ParamValue::Bool(true), "frame 119");
    app.update();
    assert_eq!(get(&app, ENABLED), ParamValue::Bool(false), "frame 120");
    // Cue 3: switch_at 0, in the GO's own frame.
    send(&mut app, "switch", CueCommand::Go);
    app.update();
    assert_eq!(get(&app, ENABLED), ParamValue::Bool(true), "frame 0");
}
