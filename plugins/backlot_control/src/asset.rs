//! `*.map.ron` as a Bevy asset, hot-reloaded by Bevy's file watcher.

use std::path::{Path, PathBuf};

use backlot_files::{FileAsset, FileErrors, FileKind, FileLoader, register_file_source};
use bevy::prelude::*;

use crate::format::{MapFile, parse_map};

/// The asset source name given to the map file's folder.
pub const MAP_SOURCE: &str = "backlot-map";

/// Control map files (no asset references).
#[derive(TypePath, Debug, Clone, Copy)]
pub struct MapKind;

impl FileKind for MapKind {
    const NOUN: &'static str = "map";
    const EXTENSION: &'static str = "map.ron";
    type Content = MapFile;

    fn parse(text: &str, shown: &str, _asset_root: Option<&Path>) -> Result<MapFile, FileErrors> {
        parse_map(text, shown)
    }
}

/// A parsed, validated control map.
pub type MapAsset = FileAsset<MapKind>;
/// Loads `*.map.ron`.
pub type MapLoader = FileLoader<MapKind>;

/// Which map file, where it is on disk (for MIDI learn to write back).
#[derive(Resource, Debug, Clone)]
pub struct MapSource {
    /// Asset path.
    pub asset_path: String,
    /// The folder as the user named it.
    pub display_dir: PathBuf,
    /// The file.
    pub file: PathBuf,
}

/// Registers the map file's folder as an asset source; call before `AssetPlugin`.
pub fn register_map_source(app: &mut App, map_file: &Path) {
    let (asset_path, display_dir) = register_file_source(app, MAP_SOURCE, map_file);
    app.insert_resource(MapSource {
        asset_path,
        display_dir,
        file: map_file.to_path_buf(),
    });
}
