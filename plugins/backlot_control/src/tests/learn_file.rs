//! What the MIDI and OSC learn tests share: a map in force with its file in a fresh folder,
//! waiting out the save that runs off the frame, and the check that a save over a broken
//! file was refused.

use std::path::{Path, PathBuf};

use bevy::prelude::*;

use super::{app_with, until};
use crate::ControlMap;

/// A fresh folder for one test; `name` is unique among the tests (they share a process).
pub(super) fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("backlot-learn-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

/// `map` in force, its file `learn.map.ron` in `dir` holding `text`; the file's path.
pub(super) fn app_on_file(map: &str, dir: &Path, text: &str) -> (App, PathBuf) {
    let path = dir.join("learn.map.ron");
    std::fs::write(&path, text).expect("write");
    let mut app = app_with(map, None);
    app.world_mut().insert_resource(crate::MapSource::new(
        String::new(),
        dir.to_path_buf(),
        path.clone(),
    ));
    (app, path)
}

/// Runs frames until no save of learned bindings is under way.
pub(super) fn wait_saved(app: &mut App) {
    until(app, |a| !a.world().resource::<ControlMap>().saving());
}

/// Waits out the save, then checks it was refused: the file at `path` still holds `broken`
/// byte for byte, and the refusal shown names the file and what to do.
pub(super) fn assert_save_refused(app: &mut App, path: &Path, broken: &str) {
    wait_saved(app);
    assert_eq!(
        std::fs::read_to_string(path).expect("read"),
        broken,
        "the file is untouched, byte for byte"
    );
    let map = app.world().resource::<ControlMap>();
    let e = map.save_error.as_deref().expect("the refusal is shown");
    assert!(
        e.contains(&format!("map file has errors at {}:", path.display()))
            && e.contains("fix it before saving learned bindings"),
        "{e}"
    );
}
