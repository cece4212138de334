//! `*.layers.ron` as a Bevy asset, hot-reloaded.

use std::path::{Path, PathBuf};

use backlot_scene::format::FileErrors;
use backlot_scene::{read_text, register_file_source};
use bevy::asset::io::Reader;
use bevy::asset::{AssetLoader, LoadContext};
use bevy::prelude::*;

use crate::format::{LayersFile, parse_layers};

/// The asset source name given to the layers file's folder.
pub const LAYERS_SOURCE: &str = "backlot-layers";

/// A parsed, validated layer set.
#[derive(Asset, TypePath, Debug, Clone)]
pub struct LayersAsset {
    /// Content.
    pub file: LayersFile,
}

/// Loads `*.layers.ron`.
#[derive(TypePath)]
pub struct LayersLoader {
    /// Where `assets/` is.
    pub asset_root: Option<PathBuf>,
    /// The folder as the user named it.
    pub display_dir: Option<PathBuf>,
}

impl AssetLoader for LayersLoader {
    type Asset = LayersAsset;
    type Settings = ();
    type Error = FileErrors;

    async fn load(
        &self,
        reader: &mut dyn Reader,
        _settings: &(),
        load_context: &mut LoadContext<'_>,
    ) -> Result<LayersAsset, FileErrors> {
        let (text, shown) = read_text(reader, load_context, self.display_dir.as_deref()).await?;
        Ok(LayersAsset {
            file: parse_layers(&text, &shown, self.asset_root.as_deref())?,
        })
    }

    fn extensions(&self) -> &[&str] {
        &["layers.ron"]
    }
}

/// Which layers file.
#[derive(Resource, Debug, Clone)]
pub struct LayersSource {
    /// Asset path.
    pub asset_path: String,
    /// The folder as the user named it.
    pub display_dir: PathBuf,
}

/// Registers the layers file's folder as an asset source; call before `AssetPlugin`.
pub fn register_layers_source(app: &mut App, file: &Path) {
    let (asset_path, display_dir) = register_file_source(app, LAYERS_SOURCE, file);
    app.insert_resource(LayersSource {
        asset_path,
        display_dir,
    });
}
