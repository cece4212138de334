//! `*.map.ron` as a Bevy asset, hot-reloaded by Bevy's file watcher.

use std::path::Path;

use backlot_files::{FileAsset, FileErrors, FileKind, FileLoader, FileSource};
use bevy::reflect::TypePath;

use crate::format::{MapFile, parse_map};

/// Control map files (no asset references).
#[derive(TypePath, Debug, Clone, Copy)]
pub struct MapKind;

impl FileKind for MapKind {
    const NOUN: &'static str = "map";
    const EXTENSION: &'static str = "map.ron";
    const SOURCE: &'static str = "backlot-map";
    type Content = MapFile;

    fn parse(text: &str, shown: &str, _asset_root: Option<&Path>) -> Result<MapFile, FileErrors> {
        parse_map(text, shown)
    }
}

/// A parsed, validated control map.
pub type MapAsset = FileAsset<MapKind>;
/// Loads `*.map.ron`.
pub type MapLoader = FileLoader<MapKind>;

/// Which control map file to load (registered with [`backlot_files::register_file`]).
pub type MapSource = FileSource<MapKind>;
