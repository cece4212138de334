//! `*.layers.ron` as a Bevy asset, hot-reloaded.

use std::path::{Path, PathBuf};

use backlot_files::{FileAsset, FileErrors, FileKind, FileLoader, register_file_source};
use bevy::prelude::*;

use crate::format::{LayersFile, parse_layers};

/// The asset source name given to the layers file's folder.
pub const LAYERS_SOURCE: &str = "backlot-layers";

/// Layer-set files; audio, model and visual references are checked against the asset root.
#[derive(TypePath, Debug, Clone, Copy)]
pub struct LayersKind;

impl FileKind for LayersKind {
    const NOUN: &'static str = "layer set";
    const EXTENSION: &'static str = "layers.ron";
    type Content = LayersFile;

    fn parse(text: &str, shown: &str, asset_root: Option<&Path>) -> Result<LayersFile, FileErrors> {
        parse_layers(text, shown, asset_root)
    }
}

/// A parsed, validated layer set.
pub type LayersAsset = FileAsset<LayersKind>;
/// Loads `*.layers.ron`.
pub type LayersLoader = FileLoader<LayersKind>;

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
