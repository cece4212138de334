//! Where the scene file comes from: its folder becomes a Bevy asset source, so the file
//! can live anywhere (not only under `assets/`) and still be watched.

use std::path::{Path, PathBuf};

use bevy::asset::io::AssetSourceBuilder;
use bevy::prelude::*;

use crate::{SceneAsset, SceneStatus};

/// The asset source name given to the scene's folder.
pub const SCENE_SOURCE: &str = "backlot-scene";

/// Which scene file to load.
#[derive(Resource, Debug, Clone)]
pub struct SceneSource {
    /// The asset path, e.g. `backlot-scene://neon_club.scene.ron`.
    pub asset_path: String,
    /// The folder as the user named it, for messages.
    pub display_dir: PathBuf,
}

/// Registers the scene file's folder as an asset source. Call before `AssetPlugin` is
/// added (i.e. before `DefaultPlugins`/`AssetPlugin`), as Bevy requires.
pub fn register_scene_source(app: &mut App, scene_file: &Path) {
    let (asset_path, display_dir) = register_file_source(app, SCENE_SOURCE, scene_file);
    app.insert_resource(SceneSource {
        asset_path,
        display_dir,
    });
}

/// Registers the folder of `file` as the asset source `source` (so the file can live
/// anywhere and still be watched); returns the file's asset path and its folder as the
/// user named it (for messages). Shared by every backlot file type.
pub fn register_file_source(app: &mut App, source: &'static str, file: &Path) -> (String, PathBuf) {
    let display_dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
    let dir = if display_dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        display_dir.clone()
    };
    // Absolute, so Bevy does not resolve it against its own asset root.
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    let file_name = file
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    app.register_asset_source(
        source,
        AssetSourceBuilder::platform_default(&dir.to_string_lossy(), None),
    );
    (format!("{source}://{file_name}"), display_dir)
}

pub(crate) fn start_loading(
    source: Option<Res<SceneSource>>,
    server: Res<AssetServer>,
    mut status: ResMut<SceneStatus>,
) {
    let Some(source) = source else {
        warn!("no scene file configured; the view stays empty");
        return;
    };
    status.handle = Some(server.load::<SceneAsset>(source.asset_path.clone()));
}
