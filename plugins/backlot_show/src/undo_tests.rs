//! Undo and redo in a `MinimalPlugins` app with the show and undo plugins: operator edits
//! and look edits in one history, the keys that ask for them.

use std::time::Duration;

use backlot_params::{
    Arbiter, Input, ParamAddress, ParamRegistry, ParamSpec, ParamValue, ParamsPlugin, Source,
    UndoHistory,
};
use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;

use super::UndoPlugin;
use crate::look::Look;
use crate::{LookEdit, ShowPlayback, ShowPlugin, UndoRequest, parse_show};

const FOG: &str = "/scene/fog/density";

const SHOW: &str = r#"(
    name: "undo",
    looks: [(name: "haze", approved: true, values: {"/scene/fog/density": Float(1.0)})],
    lists: [(name: "lights", cues: [(name: "1", look: "haze")])],
)"#;

fn app() -> App {
    let file = parse_show(SHOW, "undo.show.ron", None).expect("the test show parses");
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, ParamsPlugin))
        .insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_secs_f64(
            1.0 / 60.0,
        )));
    let spec = ParamSpec::float(ParamAddress::new(FOG).expect("address"), 0.1, 0.0, 1.0, "");
    app.world_mut()
        .resource_mut::<ParamRegistry>()
        .register(spec)
        .expect("register");
    app.add_plugins((ShowPlugin { show: Some(file) }, UndoPlugin));
    app.update();
    app
}

fn desk(app: &mut App, value: f32) {
    app.world_mut().resource_mut::<Arbiter>().push(Input {
        address: FOG.into(),
        value: ParamValue::Float(value),
        source: Source::Osc("desk".into()),
        slew_ms: 0.0,
        priority: 0,
    });
}

fn edit(app: &mut App, value: f32) {
    app.world_mut()
        .resource_scope(|world, mut arbiter: Mut<Arbiter>| {
            arbiter.operator_edit(
                world.resource::<ParamRegistry>(),
                FOG,
                ParamValue::Float(value),
            )
        })
        .expect("the edit is taken");
}

fn ask(app: &mut App, request: UndoRequest) {
    app.world_mut().write_message(request);
    app.update();
}

fn fog(app: &App) -> (f32, Source) {
    let value = app
        .world()
        .resource::<ParamRegistry>()
        .f32_or(FOG, f32::NAN);
    (value, app.world().resource::<Arbiter>().driver(FOG))
}

fn look(app: &App, name: &str) -> Option<Look> {
    let playback = app.world().resource::<ShowPlayback>();
    let show = playback.show.as_ref().expect("a show plays");
    show.looks().iter().find(|l| l.name == name).cloned()
}

fn store(app: &mut App, name: &str) {
    app.world_mut().write_message(LookEdit::Store {
        look: name.into(),
        patterns: vec![FOG.into()],
    });
    app.update();
}

#[test]
fn undo_puts_an_operator_edit_back_and_redo_takes_it_again() {
    let mut app = app();
    let desk_source = Source::Osc("desk".into());
    desk(&mut app, 0.3);
    app.update();
    edit(&mut app, 0.8);
    app.update();
    assert_eq!(fog(&app), (0.8, Source::Operator));

    ask(&mut app, UndoRequest::Undo);
    assert_eq!(
        fog(&app),
        (0.3, desk_source),
        "the desk's value and the desk"
    );
    assert!(!app.world().resource::<Arbiter>().held(FOG));

    ask(&mut app, UndoRequest::Redo);
    assert_eq!(fog(&app), (0.8, Source::Operator));
    assert!(app.world().resource::<Arbiter>().held(FOG));
    let history = app.world().resource::<UndoHistory>();
    assert_eq!((history.undo_len(), history.redo_len()), (1, 0));
}

#[test]
fn undoing_a_look_store_brings_the_earlier_look_back() {
    let mut app = app();
    let earlier = look(&app, "haze").expect("haze");
    desk(&mut app, 0.55);
    app.update();
    store(&mut app, "haze");
    let stored = look(&app, "haze").expect("haze");
    assert_eq!(stored.values.get(FOG), Some(&ParamValue::Float(0.55)));
    assert!(!stored.approved);
    assert_eq!(
        app.world().resource::<UndoHistory>().next_undo(),
        Some("store look `haze`")
    );

    ask(&mut app, UndoRequest::Undo);
    assert_eq!(
        look(&app, "haze"),
        Some(earlier),
        "values, approval and versions"
    );
    ask(&mut app, UndoRequest::Redo);
    assert_eq!(look(&app, "haze"), Some(stored));
    let history = app.world().resource::<UndoHistory>();
    assert_eq!(
        (history.undo_len(), history.redo_len()),
        (1, 0),
        "putting looks back records nothing"
    );
}

#[test]
fn undo_reaches_back_through_looks_and_edits_in_order() {
    let mut app = app();
    edit(&mut app, 0.4);
    app.update();
    store(&mut app, "fresh");
    assert!(look(&app, "fresh").is_some());
    app.world_mut().write_message(LookEdit::Approve {
        look: "fresh".into(),
        approved: true,
    });
    app.update();
    assert_eq!(
        app.world().resource::<UndoHistory>().next_undo(),
        Some("approve look `fresh`")
    );

    ask(&mut app, UndoRequest::Undo);
    assert_eq!(look(&app, "fresh").map(|l| l.approved), Some(false));
    ask(&mut app, UndoRequest::Undo);
    assert_eq!(look(&app, "fresh"), None, "a new look is gone again");
    ask(&mut app, UndoRequest::Undo);
    assert_eq!(fog(&app), (0.1, Source::Scene), "the edit before it");
    ask(&mut app, UndoRequest::Undo);
    assert_eq!(
        app.world().resource::<UndoHistory>().redo_len(),
        3,
        "nothing more"
    );

    ask(&mut app, UndoRequest::Redo);
    ask(&mut app, UndoRequest::Redo);
    assert_eq!(fog(&app), (0.4, Source::Operator));
    assert_eq!(
        look(&app, "fresh").map(|l| l.values.get(FOG).cloned()),
        Some(Some(ParamValue::Float(0.4)))
    );
}

#[test]
fn ctrl_z_undoes_and_ctrl_shift_z_redoes() {
    let mut app = app();
    app.init_resource::<ButtonInput<KeyCode>>();
    edit(&mut app, 0.6);
    app.update();
    let press = |app: &mut App, keys: &[KeyCode]| {
        let mut input = app.world_mut().resource_mut::<ButtonInput<KeyCode>>();
        input.reset_all();
        for k in keys {
            input.press(*k);
        }
        app.update();
        // Without the input plugin nothing clears the keys: done here, as it would.
        app.world_mut()
            .resource_mut::<ButtonInput<KeyCode>>()
            .reset_all();
    };
    press(&mut app, &[KeyCode::KeyZ]);
    assert_eq!(fog(&app).1, Source::Operator, "Z alone is no undo");
    press(&mut app, &[KeyCode::ControlLeft, KeyCode::KeyZ]);
    assert_eq!(fog(&app), (0.1, Source::Scene));
    press(
        &mut app,
        &[KeyCode::ControlLeft, KeyCode::ShiftLeft, KeyCode::KeyZ],
    );
    assert_eq!(fog(&app), (0.6, Source::Operator));
}

fn cues(app: &App) -> Vec<(String, f32)> {
    let playback = app.world().resource::<ShowPlayback>();
    let show = playback.show.as_ref().expect("a show plays");
    let list = show.list("lights").expect("the list");
    list.cues()
        .iter()
        .map(|c| (c.name.clone(), c.fade))
        .collect()
}

#[test]
fn cue_edits_are_undone_and_redone_with_the_looks_in_one_history() {
    let mut app = app();
    // Record: a look stored and a cue playing it, in one frame (two steps).
    store(&mut app, "verse");
    let cue = crate::CueDef {
        fade: 3.0,
        ..crate::CueDef::new("2", "verse")
    };
    app.world_mut().write_message(crate::CueEdit::Add {
        list: "lights".into(),
        after: None,
        cue: cue.clone(),
    });
    app.update();
    assert_eq!(cues(&app), [("1".into(), 0.0), ("2".into(), 3.0)]);
    assert_eq!(
        app.world().resource::<UndoHistory>().next_undo(),
        Some("add cue `2` to `lights`")
    );
    app.world_mut().write_message(crate::CueEdit::Change {
        list: "lights".into(),
        cue: "2".into(),
        with: crate::CueDef { fade: 1.0, ..cue },
    });
    app.update();
    assert_eq!(
        app.world().resource::<UndoHistory>().next_undo(),
        Some("change cue `2` of `lights`")
    );

    ask(&mut app, UndoRequest::Undo);
    assert_eq!(cues(&app), [("1".into(), 0.0), ("2".into(), 3.0)]);
    ask(&mut app, UndoRequest::Undo);
    assert_eq!(cues(&app), [("1".into(), 0.0)]);
    assert!(look(&app, "verse").is_some(), "the look is the step before");
    ask(&mut app, UndoRequest::Undo);
    assert!(look(&app, "verse").is_none());
    ask(&mut app, UndoRequest::Redo);
    ask(&mut app, UndoRequest::Redo);
    ask(&mut app, UndoRequest::Redo);
    assert_eq!(cues(&app), [("1".into(), 0.0), ("2".into(), 1.0)]);
    let history = app.world().resource::<UndoHistory>();
    assert_eq!((history.undo_len(), history.redo_len()), (3, 0));
}

#[test]
fn a_record_is_one_step_of_look_and_cue() {
    let mut app = app();
    app.world_mut().write_message(crate::ShowCommand {
        list: Some("lights".into()),
        command: crate::CueCommand::Record,
    });
    app.update();
    app.update();
    assert_eq!(cues(&app), [("1".into(), 0.0), ("2".into(), 3.0)]);
    assert!(look(&app, "lights-2").is_some());
    assert_eq!(
        app.world().resource::<UndoHistory>().next_undo(),
        Some("store new look `lights-2`; add cue `2` to `lights`")
    );
    ask(&mut app, UndoRequest::Undo);
    assert_eq!(cues(&app), [("1".into(), 0.0)]);
    assert!(
        look(&app, "lights-2").is_none(),
        "the look went with the cue"
    );
    ask(&mut app, UndoRequest::Redo);
    assert_eq!(cues(&app), [("1".into(), 0.0), ("2".into(), 3.0)]);
    assert!(look(&app, "lights-2").is_some());
}
