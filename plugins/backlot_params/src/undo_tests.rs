use bevy::prelude::*;

use super::*;
use crate::{BacklotSystems, ParamAddress, ParamSpec, ParamsPlugin};

const FOG: &str = "/scene/fog/density";

fn app() -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, ParamsPlugin))
        .init_resource::<UndoHistory>()
        .add_systems(
            Update,
            record_operator_edits.before(BacklotSystems::Arbitrate),
        );
    let spec = ParamSpec::float(ParamAddress::new(FOG).expect("address"), 0.1, 0.0, 1.0, "");
    app.world_mut()
        .resource_mut::<ParamRegistry>()
        .register(spec)
        .expect("register");
    app.update();
    app
}

fn push(app: &mut App, value: f32, source: Source) {
    app.world_mut().resource_mut::<Arbiter>().push(Input {
        address: FOG.into(),
        value: ParamValue::Float(value),
        source,
        slew_ms: 0.0,
        priority: 0,
    });
}

/// What a panel does: an operator edit through the arbiter.
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

fn step(app: &mut App, redo: bool) -> Option<String> {
    app.world_mut()
        .resource_scope(|world, mut history: Mut<UndoHistory>| {
            world.resource_scope(|world, mut arbiter: Mut<Arbiter>| {
                let mut registry = world.resource_mut::<ParamRegistry>();
                let done = if redo {
                    history.redo(&mut arbiter, &mut registry)
                } else {
                    history.undo(&mut arbiter, &mut registry)
                };
                done.map(|s| s.what().to_string())
            })
        })
}

fn value(app: &App) -> f32 {
    app.world()
        .resource::<ParamRegistry>()
        .f32_or(FOG, f32::NAN)
}

fn driver(app: &App) -> Source {
    app.world().resource::<Arbiter>().driver(FOG)
}

fn held(app: &App) -> bool {
    app.world().resource::<Arbiter>().held(FOG)
}

#[test]
fn undoing_an_edit_over_a_controller_gives_the_controller_back_and_redo_takes_it_again() {
    let mut app = app();
    let desk = Source::Osc("desk".into());
    push(&mut app, 0.3, desk.clone());
    app.update();
    assert_eq!((value(&app), driver(&app)), (0.3, desk.clone()));

    edit(&mut app, 0.8);
    app.update();
    assert_eq!((value(&app), driver(&app)), (0.8, Source::Operator));
    assert_eq!(app.world().resource::<UndoHistory>().undo_len(), 1);

    let undone = step(&mut app, false).expect("one step to undo");
    assert_eq!(undone, format!("{FOG} → 0.8"));
    app.update();
    assert_eq!((value(&app), driver(&app)), (0.3, desk));
    assert!(!held(&app));
    assert_eq!(
        app.world().resource::<UndoHistory>().undo_len(),
        0,
        "putting it back is not a new step"
    );

    assert!(step(&mut app, true).is_some());
    app.update();
    assert_eq!((value(&app), driver(&app)), (0.8, Source::Operator));
    assert!(held(&app));
    assert_eq!(step(&mut app, true), None, "nothing more to redo");
}

#[test]
fn undoing_an_edit_of_a_scene_value_puts_the_scene_value_back() {
    let mut app = app();
    edit(&mut app, 0.9);
    app.update();
    assert_eq!(value(&app), 0.9);
    assert!(step(&mut app, false).is_some());
    app.update();
    assert_eq!((value(&app), driver(&app)), (0.1, Source::Scene));
    assert!(!held(&app));
}

#[test]
fn undoing_an_edit_over_a_cue_hands_the_parameter_back_to_the_cue() {
    let mut app = app();
    let cue = Source::Cue("lights/2".into());
    push(&mut app, 0.5, cue.clone());
    app.update();
    edit(&mut app, 0.9);
    app.update();
    assert_eq!(driver(&app), Source::Operator);
    assert!(step(&mut app, false).is_some());
    app.update();
    assert_eq!((value(&app), driver(&app)), (0.5, cue));
}

#[test]
fn undoing_a_release_holds_again() {
    let mut app = app();
    edit(&mut app, 0.7);
    app.update();
    // Another step in between: the release is not part of the edit's drag.
    app.world_mut()
        .resource_mut::<UndoHistory>()
        .record_external("test", "something else", Box::new(()));
    app.world_mut().resource_mut::<Arbiter>().release(FOG);
    app.update();
    assert!(!held(&app));
    let release = format!("release {FOG}");
    let history = app.world().resource::<UndoHistory>();
    assert_eq!(history.next_undo(), Some(release.as_str()));
    assert_eq!(history.undo_len(), 3);
    assert!(step(&mut app, false).is_some());
    app.update();
    assert!(held(&app));
    assert_eq!((value(&app), driver(&app)), (0.7, Source::Operator));
}

fn change(address: &str, to: f32) -> OperatorChange {
    OperatorChange {
        address: address.into(),
        before: OperatorState {
            held: None,
            driver: Source::Scene,
            value: Some(ParamValue::Float(0.0)),
        },
        after: OperatorState {
            held: Some(ParamValue::Float(to)),
            driver: Source::Operator,
            value: None,
        },
    }
}

#[test]
fn a_drag_is_one_step_and_a_pause_or_another_parameter_starts_a_new_one() {
    let mut history = UndoHistory::default();
    for (i, t) in [0.0, 0.1, 0.2, 0.9, 1.5].iter().enumerate() {
        history.record_operator(change(FOG, i as f32), *t);
    }
    assert_eq!(
        history.undo_len(),
        1,
        "each edit within a second of the last"
    );
    assert_eq!(history.next_undo(), Some(format!("{FOG} → 4").as_str()));
    history.record_operator(change(FOG, 5.0), 3.0);
    assert_eq!(history.undo_len(), 2, "two seconds later: a new step");
    history.record_operator(change("/scene/sun/intensity", 1.0), 3.1);
    assert_eq!(history.undo_len(), 3, "another parameter: a new step");
}

#[test]
fn the_history_is_bounded_and_a_new_step_forgets_the_redo() {
    let mut history = UndoHistory::default();
    for i in 0..UNDO_STEPS + 44 {
        history.record_external("test", format!("step {i}"), Box::new(i));
    }
    assert_eq!(history.undo_len(), UNDO_STEPS);
    assert_eq!(history.dropped(), 44);
    let mut arbiter = Arbiter::default();
    let mut registry = ParamRegistry::default();
    let newest = history
        .undo(&mut arbiter, &mut registry)
        .expect("a step to undo");
    assert_eq!(newest.payload::<usize>("test"), Some(&(UNDO_STEPS + 43)));
    assert_eq!(newest.payload::<usize>("other"), None, "another domain's");
    assert_eq!(newest.payload::<String>("test"), None, "another type");
    let mut undone = 1;
    while history.undo(&mut arbiter, &mut registry).is_some() {
        undone += 1;
    }
    assert_eq!(undone, UNDO_STEPS);
    assert_eq!(history.redo_len(), UNDO_STEPS);
    assert_eq!(history.next_redo(), Some("step 44"), "the oldest kept");
    history.record_external("test", "new", Box::new(0_usize));
    assert_eq!(history.redo_len(), 0);
    assert_eq!(history.undo_len(), 1);
}

#[test]
fn operator_notes_are_bounded() {
    let mut arbiter = Arbiter::default();
    for i in 0..MAX_NOTES + 5 {
        arbiter.hold(FOG, ParamValue::Float(i as f32));
    }
    assert_eq!(arbiter.operator_notes_dropped(), 5);
    let notes = arbiter.take_operator_notes();
    assert_eq!(notes.len(), MAX_NOTES);
    assert_eq!(notes[0].before_held, Some(ParamValue::Float(4.0)));
    assert!(!arbiter.has_operator_notes());
}
