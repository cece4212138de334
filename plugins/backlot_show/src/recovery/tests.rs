//! Recovery in `MinimalPlugins` apps on a 60 fps manual clock: the live state of one app,
//! written as an autosave, comes back in another whose parameters register late, as a
//! scene's do; damaged autosaves are ignored; a clean quit clears the file; a GO is saved
//! at once.

use std::path::{Path, PathBuf};
use std::time::Duration;

use backlot_params::{
    Arbiter, Input, ParamAddress, ParamRegistry, ParamSpec, ParamValue, ParamsPlugin, Source,
};
use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;

use super::format::{self, Autosave, encode};
use super::snapshot::{Autosaver, take_snapshot};
use super::{RecoveryPlugin, RecoveryStatus, Restore, autosave_path};
use crate::{CueCommand, ShowCommand, ShowPlayback, ShowPlugin, ShowState, parse_show};

const FOG: &str = "/scene/fog/density";
const KEY: &str = "/scene/lights/key/intensity";
const CYAN: &str = "/scene/lights/cyan/intensity";
const AMBIENT: &str = "/scene/ambient/brightness";

const SHOW: &str = r#"(
    name: "recovery",
    looks: [
        (name: "haze", values: {"/scene/fog/density": Float(1.0)}),
        (name: "thin", values: {"/scene/fog/density": Float(0.2)}),
        (name: "bright", values: {"/scene/lights/key/intensity": Float(1000.0)}),
    ],
    lists: [
        (name: "lights", cues: [
            (name: "1", look: "thin"),
            (name: "2", look: "haze", fade: 2.0, follow: 5.0),
            (name: "3", look: "thin"),
        ]),
        (name: "background", cues: [(name: "1", look: "bright", delay: 3.0, fade: 1.0)]),
    ],
)"#;

fn dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("backlot-recovery-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn register(app: &mut App, addresses: &[&str]) {
    let mut registry = app.world_mut().resource_mut::<ParamRegistry>();
    for a in addresses {
        let address = ParamAddress::new(*a).expect("address");
        let spec = ParamSpec::float(address, 100.0, 0.0, 1000.0, "");
        registry.register(spec).expect("register");
    }
}

/// A show app; with recovery for the show at `show` when given. Not updated yet.
fn app(show: Option<&Path>) -> App {
    let file = parse_show(SHOW, "recovery.show.ron", None).expect("the test show parses");
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, ParamsPlugin))
        .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_secs_f64(
            1.0 / 60.0,
        )))
        .add_plugins(ShowPlugin { show: Some(file) });
    if let Some(show) = show {
        app.add_plugins(RecoveryPlugin {
            show_path: show.to_path_buf(),
        });
    }
    app
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

fn go(app: &mut App, list: &str) {
    app.world_mut().write_message(ShowCommand {
        list: Some(list.into()),
        command: CueCommand::Go,
    });
}

fn show_state(app: &App) -> ShowState {
    let playback = app.world().resource::<ShowPlayback>();
    playback.show.as_ref().expect("a show").export_state()
}

fn value(app: &App, address: &str) -> f32 {
    app.world()
        .resource::<ParamRegistry>()
        .f32_or(address, f32::NAN)
}

/// The autosave of `app` now, as the writer would write it.
fn autosave_of(app: &App) -> Autosave {
    let world = app.world();
    let playback = world.resource::<ShowPlayback>();
    take_snapshot(
        world.resource::<ParamRegistry>(),
        world.resource::<Arbiter>(),
        playback.show.as_ref(),
        None,
    )
}

#[test]
fn the_live_state_comes_back_after_a_crash() {
    let dir = dir("round-trip");
    let show = dir.join("recovery.show.ron");

    // The app that crashes: a fade half way with a follow to come, a delayed fade still
    // waiting, a controller, an operator hold over a controller, a plain hold.
    let mut before = app(None);
    register(&mut before, &[FOG, KEY, CYAN, AMBIENT]);
    before.update();
    go(&mut before, "lights");
    before.update();
    go(&mut before, "lights");
    go(&mut before, "background");
    before.update();
    let desk = Source::Osc("desk".into());
    push(&mut before, CYAN, 500.0, desk.clone());
    push(&mut before, AMBIENT, 300.0, desk.clone());
    for _ in 0..60 {
        before.update();
    }
    {
        let mut arbiter = before.world_mut().resource_mut::<Arbiter>();
        arbiter.hold(AMBIENT, ParamValue::Float(42.0));
        arbiter.hold(KEY, ParamValue::Float(7.0));
    }
    before.update();
    let saved = autosave_of(&before);
    std::fs::write(autosave_path(&show), encode(&saved).expect("encodes")).expect("write");
    let state = show_state(&before);
    let lights = &state.lists[0];
    assert_eq!(lights.current.as_deref(), Some("2"));
    assert!(
        lights.progress > 0.4 && lights.progress < 0.6,
        "{}",
        lights.progress
    );
    assert!(
        state.lists[1]
            .fade
            .as_ref()
            .is_some_and(|f| f.from.is_none()),
        "delay runs"
    );
    let claims = before.world().resource::<Arbiter>().claims();
    let values: Vec<f32> = [FOG, KEY, CYAN, AMBIENT]
        .iter()
        .map(|a| value(&before, a))
        .collect();
    drop(before);

    // Started again: the scene's parameters come a few frames late, but the show's
    // positions are back before its first frame plays.
    let mut after = app(Some(&show));
    register(&mut after, &[FOG]);
    after.update();
    assert_eq!(
        show_state(&after),
        state,
        "every list where it was, timers included"
    );
    assert!(matches!(
        after.world().resource::<RecoveryStatus>().restore,
        Restore::Restoring { .. }
    ));
    for _ in 0..3 {
        after.update();
    }
    register(&mut after, &[KEY, CYAN, AMBIENT]);
    after.update();
    let got: Vec<f32> = [FOG, KEY, CYAN, AMBIENT]
        .iter()
        .map(|a| value(&after, a))
        .collect();
    // The first frames ran the lights' fade on a little: the fog is allowed to be ahead.
    assert_eq!(
        got[1..],
        values[1..],
        "held, controller and held-over-controller values"
    );
    assert!(
        got[0] >= values[0] && got[0] <= 1.0,
        "{} from {}",
        got[0],
        values[0]
    );
    let arbiter = after.world().resource::<Arbiter>();
    assert_eq!(
        arbiter.claims(),
        claims,
        "holds and controllers as they were"
    );
    assert_eq!(arbiter.driver(CYAN), desk);
    assert_eq!(arbiter.driver(FOG), Source::Cue("lights/2".into()));
    let status = after.world().resource::<RecoveryStatus>();
    let Restore::Restored(restored) = &status.restore else {
        panic!("not restored: {:?}", status.restore);
    };
    assert_eq!(restored.missing_count, 0);
    assert_eq!(restored.claims, 3);
    assert!(
        restored.lists[0].starts_with("lights at cue 2"),
        "{:?}",
        restored.lists
    );
    let summary = status.summary().expect("something to say");
    assert!(
        summary.starts_with("restored the live state of "),
        "{summary}"
    );

    // Releasing the operator's hold hands AMBIENT back to the desk's value under it.
    after.world_mut().resource_mut::<Arbiter>().release(AMBIENT);
    after.update();
    assert_eq!(value(&after, AMBIENT), 300.0);
    // The follow still fires, where it would have.
    for _ in 0..240 {
        after.update();
    }
    assert_eq!(
        show_state(&after).lists[0].current.as_deref(),
        Some("3"),
        "the follow ran on"
    );
    drop(after);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn damaged_autosaves_are_ignored_with_a_warning_naming_the_place() {
    let dir = dir("damaged");
    let show = dir.join("recovery.show.ron");
    let mut source = app(None);
    register(&mut source, &[FOG]);
    source.update();
    go(&mut source, "lights");
    source.update();
    let text = encode(&autosave_of(&source)).expect("encodes");
    drop(source);
    let mut cut = text.len() * 2 / 3;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let cases = [
        text[..cut].to_string(),
        "(format: 1, clean: false, saved_unix_ms: \"yesterday\")".to_string(),
        String::new(),
    ];
    for damaged in cases {
        std::fs::write(autosave_path(&show), &damaged).expect("write");
        let mut app = app(Some(&show));
        register(&mut app, &[FOG]);
        app.update();
        let status = app.world().resource::<RecoveryStatus>();
        let Restore::Ignored { why } = &status.restore else {
            panic!("{damaged:?} not ignored: {:?}", status.restore);
        };
        let place = format!("{}:", autosave_path(&show).display());
        assert!(
            why.starts_with(&place),
            "names the file and position: {why}"
        );
        assert!(
            why[place.len()..]
                .split(':')
                .take(2)
                .all(|n| n.parse::<usize>().is_ok()),
            "line and column: {why}"
        );
        // The show runs on from the top.
        go(&mut app, "lights");
        app.update();
        assert_eq!(show_state(&app).lists[0].current.as_deref(), Some("1"));
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_go_is_saved_at_once_and_a_clean_quit_clears_the_autosave() {
    let dir = dir("clean");
    let show = dir.join("recovery.show.ron");
    let path = autosave_path(&show);
    let mut app = app(Some(&show));
    register(&mut app, &[FOG]);
    // Only a GO writes in this test (the clock would add writes on a slow machine).
    app.world_mut().resource_mut::<Autosaver>().every = f64::INFINITY;
    app.update();
    let flush = |app: &App| {
        let saver = app.world().resource::<Autosaver>();
        assert!(
            saver.writer.flush(Duration::from_secs(20)),
            "{:?}",
            saver.writer.report()
        );
    };
    flush(&app);
    let first = format::read(&path)
        .expect("readable")
        .expect("written at start");
    assert!(!first.clean, "a running show's autosave is not clean");
    assert_eq!(first.playback.expect("lists").lists[0].current, None);

    go(&mut app, "lights");
    app.update();
    flush(&app);
    let saved = format::read(&path).expect("readable").expect("written");
    assert_eq!(
        saved.playback.expect("lists").lists[0].current.as_deref(),
        Some("1"),
        "the GO is in the file"
    );
    assert_eq!(
        saved.params.get(FOG).map(|p| p.value.clone()),
        Some(ParamValue::Float(0.2))
    );

    app.world_mut().write_message(AppExit::Success);
    app.update();
    assert!(!path.exists(), "a clean quit leaves nothing to restore");
    drop(app);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn cue_lists_edited_since_the_file_loaded_come_back_with_their_positions() {
    let dir = dir("cue-edits");
    let show = dir.join("recovery.show.ron");
    let mut before = app(None);
    register(&mut before, &[FOG, KEY]);
    before.update();
    let cue = crate::CueDef::new("1.5", "haze");
    before.world_mut().write_message(crate::CueEdit::Add {
        list: "lights".into(),
        after: Some("1".into()),
        cue,
    });
    go(&mut before, "lights");
    before.update();
    go(&mut before, "lights");
    before.update();
    // As the autosaver takes it once the show has edits: the looks, and the lists with them.
    let saved = {
        let world = before.world();
        let show = world
            .resource::<ShowPlayback>()
            .show
            .as_ref()
            .expect("a show");
        let looks = std::sync::Arc::new(show.looks().to_vec());
        take_snapshot(
            world.resource::<ParamRegistry>(),
            world.resource::<Arbiter>(),
            Some(show),
            Some(looks),
        )
    };
    assert_eq!(saved.lists.as_ref().map(|l| l[0].cues.len()), Some(4));
    std::fs::write(autosave_path(&show), encode(&saved).expect("encodes")).expect("write");
    let state = show_state(&before);
    assert_eq!(state.lists[0].current.as_deref(), Some("1.5"));
    drop(before);

    let mut after = app(Some(&show));
    register(&mut after, &[FOG, KEY]);
    after.update();
    assert_eq!(show_state(&after).lists[0].current.as_deref(), Some("1.5"));
    let playback = after.world().resource::<ShowPlayback>();
    let lights = playback
        .show
        .as_ref()
        .expect("a show")
        .list("lights")
        .expect("lights");
    let names: Vec<&str> = lights.cues().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["1", "1.5", "2", "3"]);
    let _ = std::fs::remove_dir_all(dir);
}
