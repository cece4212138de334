//! `*.scene.ron` as a Bevy asset, so Bevy's file watcher hot-reloads it.

use std::path::PathBuf;

use bevy::asset::{AssetLoader, LoadContext, io::Reader};
use bevy::prelude::*;

use crate::format::{FileError, FileErrors, SceneFile, parse_scene};

/// A parsed, validated scene file.
#[derive(Asset, TypePath, Debug, Clone)]
pub struct SceneAsset {
    /// The content.
    pub file: SceneFile,
}

/// Loads `*.scene.ron`; glTF and texture references are checked against `asset_root`.
#[derive(TypePath)]
pub struct SceneLoader {
    /// Where `assets/` is on disk, for missing-file checks.
    pub asset_root: Option<PathBuf>,
    /// How the scene's folder is shown in messages (so errors read `scenes/x.scene.ron:3:4`).
    pub display_dir: Option<PathBuf>,
}

impl AssetLoader for SceneLoader {
    type Asset = SceneAsset;
    type Settings = ();
    type Error = FileErrors;

    async fn load(
        &self,
        reader: &mut dyn Reader,
        _settings: &(),
        load_context: &mut LoadContext<'_>,
    ) -> Result<SceneAsset, FileErrors> {
        let (text, shown) = read_text(reader, load_context, self.display_dir.as_deref()).await?;
        let file = parse_scene(&text, &shown, self.asset_root.as_deref())?;
        Ok(SceneAsset { file })
    }

    fn extensions(&self) -> &[&str] {
        &["scene.ron"]
    }
}

/// Reads a file being loaded as UTF-8 text; also returns its path as the user would name
/// it (`display_dir` joined with the file name) for error messages. Shared by every
/// backlot file loader.
pub async fn read_text(
    reader: &mut dyn Reader,
    load_context: &LoadContext<'_>,
    display_dir: Option<&std::path::Path>,
) -> Result<(String, String), FileErrors> {
    let file_name = load_context.path().path().to_path_buf();
    let shown = match display_dir {
        Some(dir) => dir.join(&file_name),
        None => file_name,
    }
    .display()
    .to_string();
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| FileError::whole_file(&shown, format!("cannot read file: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| FileError::whole_file(&shown, format!("file is not UTF-8: {e}")))?;
    Ok((text, shown))
}
