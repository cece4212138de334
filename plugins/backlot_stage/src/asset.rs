//! `*.stage.ron` as a Bevy asset (hot-reloaded by Bevy's file watcher), and where it comes from.

use std::path::{Path, PathBuf};

use backlot_files::{FileAsset, FileErrors, FileKind, FileLoader, register_file_source};
use bevy::prelude::*;

use crate::format::{StageFile, parse_stage};

/// The asset source name given to the stage file's folder.
pub const STAGE_SOURCE: &str = "backlot-stage";

/// Stage files; LUT references are checked against the asset root.
#[derive(TypePath, Debug, Clone, Copy)]
pub struct StageKind;

impl FileKind for StageKind {
    const NOUN: &'static str = "stage";
    const EXTENSION: &'static str = "stage.ron";
    type Content = StageFile;

    fn parse(text: &str, shown: &str, asset_root: Option<&Path>) -> Result<StageFile, FileErrors> {
        parse_stage(text, shown, asset_root)
    }
}

/// A parsed, validated stage file.
pub type StageAsset = FileAsset<StageKind>;
/// Loads `*.stage.ron`.
pub type StageLoader = FileLoader<StageKind>;

/// Which stage file to load.
#[derive(Resource, Debug, Clone)]
pub struct StageSource {
    /// The asset path, e.g. `backlot-stage://flat_wall.stage.ron`.
    pub asset_path: String,
    /// The folder as the user named it, for messages.
    pub display_dir: PathBuf,
}

/// Registers the stage file's folder as an asset source; call before `AssetPlugin`.
pub fn register_stage_source(app: &mut App, stage_file: &Path) {
    let (asset_path, display_dir) = register_file_source(app, STAGE_SOURCE, stage_file);
    app.insert_resource(StageSource {
        asset_path,
        display_dir,
    });
}
