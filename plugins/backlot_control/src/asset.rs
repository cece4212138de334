//! `*.map.ron` as a Bevy asset, hot-reloaded by Bevy's file watcher.

use std::path::{Path, PathBuf};

use backlot_scene::format::FileErrors;
use backlot_scene::{read_text, register_file_source};
use bevy::asset::io::Reader;
use bevy::asset::{AssetLoader, LoadContext};
use bevy::prelude::*;

use crate::format::{MapFile, parse_map};

/// The asset source name given to the map file's folder.
pub const MAP_SOURCE: &str = "backlot-map";

/// A parsed, validated map.
#[derive(Asset, TypePath, Debug, Clone)]
pub struct MapAsset {
    /// Content.
    pub file: MapFile,
}

/// Loads `*.map.ron`.
#[derive(TypePath)]
pub struct MapLoader {
    /// The folder as the user named it.
    pub display_dir: Option<PathBuf>,
}

impl AssetLoader for MapLoader {
    type Asset = MapAsset;
    type Settings = ();
    type Error = FileErrors;

    async fn load(
        &self,
        reader: &mut dyn Reader,
        _settings: &(),
        load_context: &mut LoadContext<'_>,
    ) -> Result<MapAsset, FileErrors> {
        let (text, shown) = read_text(reader, load_context, self.display_dir.as_deref()).await?;
        Ok(MapAsset {
            file: parse_map(&text, &shown)?,
        })
    }

    fn extensions(&self) -> &[&str] {
        &["map.ron"]
    }
}

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
