//! `*.scene.ron` as a backlot file kind: a Bevy asset, so Bevy's file watcher hot-reloads it.

use std::path::Path;

use backlot_files::{FileAsset, FileErrors, FileKind, FileLoader, FileSource};
use bevy::reflect::TypePath;

use crate::format::{SceneFile, parse_scene};

/// Scene files; glTF and texture references are checked against the asset root.
#[derive(TypePath, Debug, Clone, Copy)]
pub struct SceneKind;

impl FileKind for SceneKind {
    const NOUN: &'static str = "scene";
    const EXTENSION: &'static str = "scene.ron";
    const SOURCE: &'static str = "backlot-scene";
    type Content = SceneFile;

    fn parse(text: &str, shown: &str, asset_root: Option<&Path>) -> Result<SceneFile, FileErrors> {
        parse_scene(text, shown, asset_root)
    }
}

/// A parsed, validated scene file.
pub type SceneAsset = FileAsset<SceneKind>;
/// Loads `*.scene.ron`.
pub type SceneLoader = FileLoader<SceneKind>;

/// Which scene file to load (registered with [`backlot_files::register_file`]).
pub type SceneSource = FileSource<SceneKind>;
