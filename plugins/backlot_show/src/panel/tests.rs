//! The Cues panel draws headlessly, and what it asks for reaches the show as its messages.

use backlot_params::ParamsPlugin;
use bevy::prelude::*;
use bevy_egui::egui;

use super::*;
use crate::command::CueRef;
use crate::file::parse_show;
use crate::playback::ShowPlugin;

const SHOW: &str = r#"(
    name: "t",
    looks: [
        (name: "a", values: {"/scene/fog/density": Float(0.5)}, approved: true),
        (name: "b", values: {}, versions: [(values: {}, approved: false)]),
    ],
    lists: [
        (name: "main", cues: [
            (name: "1", look: "a", fade: 1.0),
            (name: "2", look: "b", delay: 0.5, follow: 2.0, timecode: "00:00:10:00"),
        ]),
        (name: "bg", cues: [(name: "1", look: "b")]),
    ],
)"#;

fn playing(show: Option<&str>) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, ParamsPlugin));
    let show = show.map(|s| parse_show(s, "t.show.ron", None).expect("the test show parses"));
    app.add_plugins(ShowPlugin { show });
    app.update();
    app
}

fn draw_once(app: &mut App) -> egui::FullOutput {
    let ctx = egui::Context::default();
    ctx.run_ui(egui::RawInput::default(), |ui| {
        cues_panel(ui, app.world_mut())
    })
}

#[test]
fn the_panel_draws_with_a_show_playing_and_without_one() {
    let mut app = playing(Some(SHOW));
    send(
        app.world_mut(),
        vec![
            Action::command(Some("main"), CueCommand::Go),
            Action::command(Some("bg"), CueCommand::Pause),
        ],
    );
    app.update();
    assert!(!draw_once(&mut app).shapes.is_empty());
    let mut app = playing(None);
    assert!(!draw_once(&mut app).shapes.is_empty());
}

#[test]
fn actions_reach_the_show_as_its_messages() {
    let mut app = playing(Some(SHOW));
    send(
        app.world_mut(),
        vec![
            Action::command(Some("main"), CueCommand::Goto(CueRef::Number(2))),
            Action::command(None, CueCommand::Go),
            Action::Edit(LookEdit::Approve {
                look: "b".into(),
                approved: true,
            }),
            Action::Save,
        ],
    );
    app.update();
    let playback = app.world().resource::<ShowPlayback>();
    let show = playback.show.as_ref().expect("a show plays");
    let current = |list: &str| show.list(list).and_then(|l| l.current());
    assert_eq!(current("main"), Some(1), "GOTO 2");
    assert_eq!(
        current("bg"),
        Some(0),
        "the master GO reached the other list"
    );
    assert!(show.looks()[1].approved);
    // The approval and the Save button both ask for a save; with no show file it is
    // refused once, with the reason.
    let saver = app.world().resource::<ShowSaver>();
    assert_eq!(saver.refused(), 1);
    let last = saver.last().expect("a save was asked for");
    assert!(
        last.result
            .as_ref()
            .is_err_and(|why| why.contains("--show"))
    );
}

#[test]
fn the_cue_editor_and_record_reach_the_show_as_cue_edits() {
    let mut app = playing(Some(SHOW));
    let mut actions = vec![Action::command(Some("main"), CueCommand::Record)];
    actions.push(Action::CueEdit(CueEdit::Move {
        list: "main".into(),
        cue: "2".into(),
        to: 0,
    }));
    send(app.world_mut(), actions);
    app.update();
    let playback = app.world().resource::<ShowPlayback>();
    let show = playback.show.as_ref().expect("a show plays");
    let cues: Vec<(&str, &str)> = show
        .list("main")
        .expect("main")
        .cues()
        .iter()
        .map(|c| (c.name.as_str(), c.look.as_str()))
        .collect();
    // Record added cue 3 at the end (the list stood before its first cue), playing the
    // look it stored; the move put cue 2 first.
    assert_eq!(cues, [("2", "b"), ("1", "a"), ("3", "main-3")]);
    assert!(show.looks().iter().any(|l| l.name == "main-3"));
    assert_eq!(playback.refused, 0, "{:?}", playback.last_error);
    // The editor draws, open on a cue.
    let mut form = cue_editor::CueForm::default();
    cue_editor::edit(
        &mut form,
        "main",
        &show.list("main").expect("main").cues()[0],
    );
    app.world_mut().insert_resource(form);
    assert!(!draw_once(&mut app).shapes.is_empty());
}
