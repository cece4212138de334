//! The plugin in a `MinimalPlugins` app on a 60 fps manual clock: fades measured in
//! frames, follows, parallel lists, and cue values under layers, a controller and the
//! operator.

use std::time::Duration;

use backlot_params::{
    Arbiter, Input, ParamAddress, ParamRegistry, ParamSpec, ParamValue, ParamsPlugin, Source,
};
use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;

use crate::{CueCommand, LookEdit, ShowCommand, ShowPlayback, ShowPlugin, parse_show};

const FOG: &str = "/scene/fog/density";
const KEY: &str = "/scene/lights/key/intensity";
const CYAN: &str = "/scene/lights/cyan/intensity";
const AMBIENT: &str = "/scene/ambient/brightness";
const RESET: &str = "/scene/physics/reset";

const SHOW: &str = r#"(
    name: "test",
    looks: [
        (name: "dark", values: {"/scene/fog/density": Float(0.0)}),
        (name: "haze", values: {"/scene/fog/density": Float(1.0)}),
        (name: "thin", values: {"/scene/fog/density": Float(0.2)}),
        (name: "bright", values: {"/scene/lights/key/intensity": Float(1000.0)}),
        (name: "all", values: {
            "/scene/fog/density": Float(0.9),
            "/scene/lights/key/intensity": Float(900.0),
            "/scene/lights/cyan/intensity": Float(900.0),
            "/scene/ambient/brightness": Float(900.0),
            "/scene/physics/reset": Trigger,
        }),
    ],
    lists: [
        (name: "lights", release_fade: 0.5, cues: [
            (name: "1", look: "haze", fade: 2.0),
            (name: "2", look: "all", fade: 0.0),
        ]),
        (name: "chase", cues: [
            (name: "a", look: "thin", follow: 0.5),
            (name: "b", look: "haze"),
        ]),
        (name: "background", cues: [(name: "1", look: "bright", fade: 1.0)]),
    ],
)"#;

fn app() -> App {
    let file = parse_show(SHOW, "test.show.ron", None).expect("the test show parses");
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, ParamsPlugin))
        .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_secs_f64(
            1.0 / 60.0,
        )));
    {
        let mut r = app.world_mut().resource_mut::<ParamRegistry>();
        let a = |s: &str| ParamAddress::new(s).expect("address");
        for spec in [
            ParamSpec::float(a(FOG), 0.0, 0.0, 1.0, "1/m"),
            ParamSpec::float(a(KEY), 100.0, 0.0, 1000.0, "lm"),
            ParamSpec::float(a(CYAN), 100.0, 0.0, 1000.0, "lm"),
            ParamSpec::float(a(AMBIENT), 100.0, 0.0, 1000.0, "cd/m2"),
            ParamSpec::trigger(a(RESET)),
        ] {
            r.register(spec).expect("register");
        }
    }
    app.add_plugins(ShowPlugin { show: Some(file) });
    // The first frame has no time step; the status parameters are registered in it.
    app.update();
    app
}

fn send(app: &mut App, list: Option<&str>, command: CueCommand) {
    app.world_mut().write_message(ShowCommand {
        list: list.map(String::from),
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

#[track_caller]
fn within_1_percent(got: f32, want: f32, of: f32) {
    assert!(
        (got - want).abs() <= 0.01 * of,
        "got {got}, want {want} ± 1 % of {of}"
    );
}

fn push(app: &mut App, address: &str, value: f32, source: Source) {
    app.world_mut().resource_mut::<Arbiter>().push(Input {
        address: address.into(),
        value: ParamValue::Float(value),
        source,
        slew_ms: 0.0,
        priority: 0,
    });
}

#[test]
fn a_two_second_linear_fade_is_halfway_at_frame_60() {
    let mut app = app();
    send(&mut app, Some("lights"), CueCommand::Go);
    app.update(); // frame 0: the GO arrives, the fade shows its start
    assert_eq!(f(&app, FOG), 0.0);
    assert_eq!(get(&app, "/show/lights/cue"), ParamValue::Int(1));
    assert_eq!(get(&app, "/show/lights/next"), ParamValue::Int(2));
    frames(&mut app, 30);
    within_1_percent(f(&app, FOG), 0.25, 1.0);
    frames(&mut app, 30);
    within_1_percent(f(&app, FOG), 0.5, 1.0);
    within_1_percent(f(&app, "/show/lights/fade_progress"), 0.5, 1.0);
    // Past the end (a frame's time step is not exact in nanoseconds): exactly the look.
    frames(&mut app, 70);
    assert_eq!(f(&app, FOG), 1.0);
    assert_eq!(f(&app, "/show/lights/fade_progress"), 1.0);
    assert_eq!(
        app.world().resource::<Arbiter>().driver(FOG),
        Source::Cue("lights/1".into())
    );
}

#[test]
fn a_follow_cue_goes_on_by_itself() {
    let mut app = app();
    send(&mut app, Some("chase"), CueCommand::Go);
    app.update();
    within_1_percent(f(&app, FOG), 0.2, 1.0);
    frames(&mut app, 20);
    assert_eq!(get(&app, "/show/chase/cue"), ParamValue::Int(1));
    frames(&mut app, 20);
    assert_eq!(get(&app, "/show/chase/cue"), ParamValue::Int(2), "followed");
    assert_eq!(get(&app, "/show/chase/next"), ParamValue::Int(0));
    assert_eq!(f(&app, FOG), 1.0);
}

#[test]
fn lists_play_in_parallel_and_a_master_go_reaches_each() {
    let mut app = app();
    send(&mut app, None, CueCommand::Go);
    app.update();
    frames(&mut app, 30);
    // The background's one-second fade is halfway, as the lights' and the chase's are on.
    within_1_percent(f(&app, KEY), 550.0, 1000.0);
    frames(&mut app, 35);
    assert_eq!(f(&app, KEY), 1000.0);
    assert_eq!(get(&app, "/show/chase/cue"), ParamValue::Int(2));
    // GO on one list leaves the others where they are.
    send(&mut app, Some("lights"), CueCommand::Go);
    app.update();
    assert_eq!(get(&app, "/show/lights/cue"), ParamValue::Int(2));
    assert_eq!(get(&app, "/show/background/cue"), ParamValue::Int(1));
    assert_eq!(get(&app, "/show/chase/cue"), ParamValue::Int(2));
}

#[test]
fn cues_sit_under_layers_controllers_and_the_operator() {
    let mut app = app();
    push(&mut app, FOG, 0.3, Source::Osc("desk".into()));
    app.world_mut()
        .resource_mut::<Arbiter>()
        .hold(KEY, ParamValue::Float(42.0));
    app.update();
    send(
        &mut app,
        Some("lights"),
        CueCommand::Goto(crate::CueRef::Number(2)),
    );
    for _ in 0..3 {
        push(&mut app, CYAN, 200.0, Source::Layers);
        app.update();
    }
    assert_eq!(f(&app, FOG), 0.3, "the controller's value stays");
    assert_eq!(f(&app, KEY), 42.0, "the operator's hold stays");
    assert_eq!(f(&app, CYAN), 200.0, "the layers drive above the cue");
    assert_eq!(f(&app, AMBIENT), 900.0, "nobody else drives it: the cue's");
    // The operator lets go: the cue's value is the base again.
    app.world_mut().resource_mut::<Arbiter>().release(KEY);
    frames(&mut app, 2);
    assert_eq!(f(&app, KEY), 900.0);
    // The controller is lost and released: the cue's value, not the scene's, comes back.
    app.world_mut()
        .resource_mut::<Arbiter>()
        .forget_later(FOG.into(), Source::Osc("desk".into()));
    app.update();
    assert_eq!(f(&app, FOG), 0.9);
    assert_eq!(
        app.world().resource::<Arbiter>().driver(FOG),
        Source::Cue("lights/2".into())
    );
}

#[test]
fn a_trigger_in_a_look_fires_once() {
    let mut app = app();
    let seen = app
        .world()
        .resource::<ParamRegistry>()
        .entry(RESET)
        .map_or(0, |e| e.generation);
    send(
        &mut app,
        Some("lights"),
        CueCommand::Goto(crate::CueRef::Number(2)),
    );
    app.update();
    let registry = app.world().resource::<ParamRegistry>();
    let (fired, seen) = registry.trigger_fired(RESET, seen);
    assert!(fired, "the cue fired the reset");
    frames(&mut app, 5);
    let registry = app.world().resource::<ParamRegistry>();
    assert!(!registry.trigger_fired(RESET, seen).0, "once");
}

#[test]
fn release_fades_back_to_the_scene_and_hands_the_parameter_back() {
    let mut app = app();
    send(
        &mut app,
        Some("lights"),
        CueCommand::Goto(crate::CueRef::Number(2)),
    );
    app.update();
    assert_eq!(f(&app, AMBIENT), 900.0);
    send(&mut app, Some("lights"), CueCommand::Release);
    app.update();
    frames(&mut app, 15);
    within_1_percent(f(&app, AMBIENT), 500.0, 1000.0);
    frames(&mut app, 20);
    assert_eq!(f(&app, AMBIENT), 100.0, "the scene's value");
    assert_eq!(
        app.world().resource::<Arbiter>().driver(AMBIENT),
        Source::Scene
    );
    assert_eq!(get(&app, "/show/lights/cue"), ParamValue::Int(0));
}

#[test]
fn refused_commands_are_counted_and_said() {
    let mut app = app();
    send(&mut app, Some("nope"), CueCommand::Go);
    send(&mut app, Some("background"), CueCommand::Back);
    app.update();
    assert_eq!(get(&app, "/show/refused"), ParamValue::Int(2));
    let playback = app.world().resource::<ShowPlayback>();
    assert_eq!(
        playback.last_error.as_deref(),
        Some("cue list `background` has no cue before the current one")
    );
}

#[test]
fn a_look_is_stored_from_the_live_values() {
    let mut app = app();
    push(&mut app, FOG, 0.7, Source::Osc("desk".into()));
    app.update();
    app.world_mut().write_message(LookEdit::Store {
        look: "haze".into(),
        patterns: vec!["/scene/fog/**".into()],
    });
    app.world_mut().write_message(LookEdit::Approve {
        look: "haze".into(),
        approved: true,
    });
    app.update();
    let playback = app.world().resource::<ShowPlayback>();
    let show = playback.show.as_ref().expect("a show plays");
    let haze = show
        .looks()
        .iter()
        .find(|l| l.name == "haze")
        .expect("haze");
    assert_eq!(haze.values.len(), 1);
    assert_eq!(haze.values.get(FOG), Some(&ParamValue::Float(0.7)));
    assert!(haze.approved);
    assert_eq!(haze.versions.len(), 1, "the stored-over values are kept");
    app.world_mut().write_message(LookEdit::Store {
        look: "x".into(),
        patterns: vec!["no/slash".into()],
    });
    app.update();
    let playback = app.world().resource::<ShowPlayback>();
    assert_eq!(playback.refused, 1);
}
