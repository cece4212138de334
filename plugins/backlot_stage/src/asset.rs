//! `*.stage.ron` as a Bevy asset (hot-reloaded by Bevy's file watcher), and where it comes from.

use std::path::{Path, PathBuf};

use backlot_scene::format::FileErrors;
use backlot_scene::{read_text, register_file_source};
use bevy::asset::io::Reader;
use bevy::asset::{AssetLoader, LoadContext};
use bevy::prelude::*;

use crate::format::{StageFile, parse_stage};

/// The asset source name given to the stage file's folder.
pub const STAGE_SOURCE: &str = "backlot-stage";

/// A parsed, validated stage file.
#[derive(Asset, TypePath, Debug, Clone)]
pub struct StageAsset {
    /// The content.
    pub file: StageFile,
}

/// Loads `*.stage.ron`.
#[derive(TypePath)]
pub struct StageLoader {
    /// Where `assets/` is, for LUT checks.
    pub asset_root: Option<PathBuf>,
    /// The folder as the user named it, for messages.
    pub display_dir: Option<PathBuf>,
}

impl AssetLoader for StageLoader {
    type Asset = StageAsset;
    type Settings = ();
    type Error = FileErrors;

    async fn load(
        &self,
        reader: &mut dyn Reader,
        _settings: &(),
        load_context: &mut LoadContext<'_>,
    ) -> Result<StageAsset, FileErrors> {
        let (text, shown) = read_text(reader, load_context, self.display_dir.as_deref()).await?;
        Ok(StageAsset {
            file: parse_stage(&text, &shown, self.asset_root.as_deref())?,
        })
    }

    fn extensions(&self) -> &[&str] {
        &["stage.ron"]
    }
}

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
