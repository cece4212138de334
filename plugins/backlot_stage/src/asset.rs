//! `*.stage.ron` as a Bevy asset (hot-reloaded by Bevy's file watcher), and where it comes from.

use std::path::Path;

use backlot_files::{FileAsset, FileErrors, FileKind, FileLoader, FileSource};
use bevy::reflect::TypePath;

use crate::format::{StageFile, parse_stage};

/// Stage files; LUT references are checked against the asset root.
#[derive(TypePath, Debug, Clone, Copy)]
pub struct StageKind;

impl FileKind for StageKind {
    const NOUN: &'static str = "stage";
    const EXTENSION: &'static str = "stage.ron";
    const SOURCE: &'static str = "backlot-stage";
    type Content = StageFile;

    fn parse(text: &str, shown: &str, asset_root: Option<&Path>) -> Result<StageFile, FileErrors> {
        parse_stage(text, shown, asset_root)
    }
}

/// A parsed, validated stage file.
pub type StageAsset = FileAsset<StageKind>;
/// Loads `*.stage.ron`.
pub type StageLoader = FileLoader<StageKind>;

/// Which stage file to load (registered with [`backlot_files::register_file`]).
pub type StageSource = FileSource<StageKind>;
