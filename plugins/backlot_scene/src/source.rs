//! Where the scene file comes from: its folder becomes a Bevy asset source, so the file
//! can live anywhere (not only under `assets/`) and still be watched.

use std::path::{Path, PathBuf};

use backlot_files::{WatchedFile, register_file_source};
use bevy::prelude::*;

use crate::{SceneKind, SceneStatus};

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

pub(crate) fn start_loading(
    source: Option<Res<SceneSource>>,
    server: Res<AssetServer>,
    mut status: ResMut<SceneStatus>,
    mut watched: ResMut<WatchedFile<SceneKind>>,
) {
    let Some(source) = source else {
        warn!("no scene file configured; the view stays empty");
        return;
    };
    status.handle = Some(watched.load(&server, &source.asset_path));
}
