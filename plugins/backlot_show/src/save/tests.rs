//! Saving the show file: patched in keeping the user's text, a broken file left alone byte
//! for byte, a layout not followed rewritten with a backup, and in the frame: a stored look
//! reaches the file on disk.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use backlot_params::{ParamAddress, ParamRegistry, ParamSpec, ParamValue, ParamsPlugin};
use bevy::prelude::*;

use super::*;
use crate::file::{ShowFile, parse_show};
use crate::look::Look;
use crate::playback::{LookEdit, ShowPlugin};

const FOG: &str = "/scene/fog/density";

/// A show file with comments in and around its looks.
pub(super) const SHOW: &str = r#"// A test show.
(
    name: "t",
    looks: [
        (
            name: "base", // the house look
            values: {
                "/scene/fog/density": Float(0.1),
            },
        ),
    ],
    lists: [
        // one list, one cue
        (name: "main", cues: [(name: "1", look: "base")]),
    ],
)
"#;

/// An empty folder of its own for one test.
pub(super) fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("backlot-show-save-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// Temp files a save left in `dir`.
pub(super) fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.contains(".tmp-"))
                .collect()
        })
        .unwrap_or_default()
}

/// [`SHOW`] with one more look setting the fog.
pub(super) fn with_look(name: &str, fog: f32) -> ShowFile {
    let mut show = parse_show(SHOW, "t.show.ron", None).expect("the test show parses");
    let values = [(FOG.to_string(), ParamValue::Float(fog))].into();
    show.looks.push(Look::new(name, values));
    show
}

fn names(text: &str) -> Vec<String> {
    parse_show(text, "t.show.ron", None)
        .expect("the saved show parses")
        .looks
        .into_iter()
        .map(|l| l.name)
        .collect()
}

#[test]
fn a_save_patches_the_looks_in_and_a_second_finds_nothing_to_do() {
    let dir = scratch("patch");
    let path = dir.join("t.show.ron");
    std::fs::write(&path, SHOW).expect("write the show file");
    let show = with_look("new", 0.5);
    assert_eq!(save_show(&show, &path).expect("saved"), Saved::Patched);
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(names(&text), ["base", "new"]);
    let (before, after) = SHOW.split_at(SHOW.find("    ],\n    lists").expect("the end of looks"));
    assert!(
        text.starts_with(before) && text.ends_with(after),
        "the text around the new look is as it was:\n{text}"
    );
    assert_eq!(save_show(&show, &path).expect("saved"), Saved::Unchanged);
    assert_eq!(std::fs::read_to_string(&path).expect("read"), text);
    assert!(temp_files(&dir).is_empty());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_file_that_does_not_parse_is_left_as_it_is() {
    let dir = scratch("broken");
    let path = dir.join("t.show.ron");
    // Half-way through an edit: a map without its closing brace.
    let broken = SHOW.replace("Float(0.1),\n            },", "Float(0.1),");
    // And one that reads but does not hold together: a cue playing a look not defined.
    let dangling = SHOW.replace("look: \"base\"", "look: \"gone\"");
    for text in [broken, dangling] {
        std::fs::write(&path, &text).expect("write");
        let e = save_show(&with_look("new", 0.5), &path).expect_err("not saved over");
        let message = e.to_string();
        assert!(matches!(e, SaveError::Broken { .. }), "{message}");
        assert!(
            message.contains("t.show.ron:") && message.contains("fix it before saving"),
            "{message}"
        );
        let now = std::fs::read(&path).expect("read");
        assert_eq!(now, text.as_bytes(), "the file is untouched, byte for byte");
        assert!(temp_files(&dir).is_empty());
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_layout_not_followed_is_rewritten_whole_with_a_backup() {
    let dir = scratch("rewrite");
    let path = dir.join("t.show.ron");
    std::fs::write(&path, SHOW).expect("write the show file");
    // A new look before the one on disk cannot be patched in (new looks join the end).
    let mut show = with_look("first", 0.5);
    show.looks.rotate_right(1);
    let saved = save_show(&show, &path).expect("saved");
    let backup = dir.join("t.show.ron.bak");
    assert_eq!(
        saved,
        Saved::Rewritten {
            backup: backup.clone()
        }
    );
    assert_eq!(std::fs::read_to_string(&backup).expect("the backup"), SHOW);
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(names(&text), ["first", "base"]);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_missing_file_is_written_whole() {
    let dir = scratch("missing");
    let path = dir.join("t.show.ron");
    let show = with_look("new", 0.5);
    assert_eq!(save_show(&show, &path).expect("saved"), Saved::Created);
    let text = std::fs::read_to_string(&path).expect("read");
    let back = parse_show(&text, "t.show.ron", None).expect("the written show parses");
    assert!(disk::same_show(&back, &show));
    let _ = std::fs::remove_dir_all(dir);
}

/// A `MinimalPlugins` app playing [`SHOW`] over one fog parameter at 0.7.
fn app(path: Option<PathBuf>) -> App {
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, ParamsPlugin));
    let fog = ParamAddress::new(FOG).expect("address");
    app.world_mut()
        .resource_mut::<ParamRegistry>()
        .register(ParamSpec::float(fog, 0.7, 0.0, 1.0, "1/m"))
        .expect("register");
    let file = parse_show(SHOW, "t.show.ron", None).expect("the test show parses");
    app.add_plugins(ShowPlugin { show: Some(file) });
    if let Some(path) = path {
        app.insert_resource(ShowPath(Some(path)));
    }
    app.update();
    app
}

/// Runs frames until a save has finished or was refused, at most 5 s.
fn until_saved(app: &mut App) -> SaveOutcome {
    let start = Instant::now();
    loop {
        app.update();
        if let Some(last) = app.world().resource::<ShowSaver>().last() {
            return last.clone();
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the save never finished"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn store(app: &mut App, look: &str) {
    app.world_mut().write_message(LookEdit::Store {
        look: look.into(),
        patterns: vec!["/scene/**".into()],
    });
}

#[test]
fn a_stored_look_reaches_the_show_file() {
    let dir = scratch("ecs");
    let path = dir.join("t.show.ron");
    std::fs::write(&path, SHOW).expect("write the show file");
    let mut app = app(Some(path.clone()));
    store(&mut app, "stored");
    let outcome = until_saved(&mut app);
    assert_eq!(outcome.path.as_deref(), Some(path.as_path()));
    assert_eq!(outcome.result, Ok(Saved::Patched.to_string()));
    let text = std::fs::read_to_string(&path).expect("read the show file");
    let file = parse_show(&text, "t.show.ron", None).expect("the saved show parses");
    let stored = file
        .looks
        .iter()
        .find(|l| l.name == "stored")
        .expect("the stored look is in the file");
    assert_eq!(stored.values.get(FOG), Some(&ParamValue::Float(0.7)));
    assert!(text.starts_with("// A test show.") && text.contains("// the house look"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn without_a_show_file_a_save_is_refused_with_the_reason() {
    let mut app = app(None);
    store(&mut app, "stored");
    let outcome = until_saved(&mut app);
    let why = outcome.result.expect_err("nowhere to save");
    assert!(why.contains("--show"), "{why}");
    let saver = app.world().resource::<ShowSaver>();
    assert_eq!(saver.refused(), 1);
    // The look is stored all the same: only the file is missing.
    let playback = app.world().resource::<crate::ShowPlayback>();
    let show = playback.show.as_ref().expect("a show plays");
    assert!(show.looks().iter().any(|l| l.name == "stored"));
}

#[test]
fn a_saves_reload_arriving_after_a_newer_edit_is_its_echo() {
    let dir = scratch("echo");
    let path = dir.join("t.show.ron");
    std::fs::write(&path, SHOW).expect("write the show file");
    let mut app = app(Some(path.clone()));
    store(&mut app, "first");
    until_saved(&mut app);
    let saved = std::fs::read_to_string(&path).expect("read the show file");
    let echo = parse_show(&saved, "t.show.ron", None).expect("the saved show parses");
    // A second edit lands before the first save's hot reload comes back.
    store(&mut app, "second");
    app.update();
    let playback = app.world().resource::<crate::ShowPlayback>();
    let now = playback.show.as_ref().expect("a show plays").to_file();
    let saver = app.world().resource::<ShowSaver>();
    assert!(
        saver.echo(&now, &echo),
        "the reload of our own save is older than the show's looks"
    );
    // The same file with nothing newer since, or a file edited by hand, is played as read.
    assert!(!saver.echo(&echo, &echo));
    let mut by_hand = echo.clone();
    by_hand.looks.retain(|l| l.name != "first");
    assert!(!saver.echo(&now, &by_hand));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_recorded_cue_reaches_the_show_file_with_its_look() {
    let dir = scratch("cue");
    let path = dir.join("t.show.ron");
    std::fs::write(&path, SHOW).expect("write the show file");
    let mut app = app(Some(path.clone()));
    // What the panel's Record sends: the look, then a cue playing it, in one frame.
    store(&mut app, "main-2");
    app.world_mut().write_message(crate::CueEdit::Add {
        list: "main".into(),
        after: Some("1".into()),
        cue: crate::CueDef {
            fade: 3.0,
            curve: crate::FadeCurve::Ease,
            ..crate::CueDef::new("2", "main-2")
        },
    });
    let outcome = until_saved(&mut app);
    assert_eq!(outcome.result, Ok(Saved::Patched.to_string()));
    let text = std::fs::read_to_string(&path).expect("read the show file");
    assert!(
        text.contains(
            "        // one list, one cue\n        (name: \"main\", cues: [(name: \"1\", look: \
             \"base\"), (name: \"2\", look: \"main-2\", fade: 3.0, curve: Ease)]),\n"
        ),
        "the list stays on its line, its comment kept:\n{text}"
    );
    assert!(text.contains("// the house look"));
    assert_eq!(names(&text), ["base", "main-2"]);
    let _ = std::fs::remove_dir_all(dir);
}
