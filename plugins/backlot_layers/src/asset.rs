//! `*.layers.ron` as a Bevy asset, hot-reloaded.

use std::path::Path;

use backlot_files::{FileAsset, FileErrors, FileKind, FileLoader, FileSource};
use bevy::reflect::TypePath;

use crate::format::{LayersFile, parse_layers};

/// Layer-set files; audio, model and visual references are checked against the asset root.
#[derive(TypePath, Debug, Clone, Copy)]
pub struct LayersKind;

impl FileKind for LayersKind {
    const NOUN: &'static str = "layer set";
    const EXTENSION: &'static str = "layers.ron";
    const SOURCE: &'static str = "backlot-layers";
    type Content = LayersFile;

    fn parse(text: &str, shown: &str, asset_root: Option<&Path>) -> Result<LayersFile, FileErrors> {
        parse_layers(text, shown, asset_root)
    }
}

/// A parsed, validated layer set.
pub type LayersAsset = FileAsset<LayersKind>;
/// Loads `*.layers.ron`.
pub type LayersLoader = FileLoader<LayersKind>;

/// Which layer set file to load (registered with [`backlot_files::register_file`]).
pub type LayersSource = FileSource<LayersKind>;
