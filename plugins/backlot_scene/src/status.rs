//! What the UI and the CLI need to know about the scene: loaded, which title, last error.

use backlot_files::FileNews;
use bevy::prelude::*;

use crate::{SceneAsset, SceneKind};

/// The state of the live scene.
#[derive(Resource, Debug, Default)]
pub struct SceneStatus {
    /// The scene file's handle (kept strong so the asset stays loaded).
    pub handle: Option<Handle<SceneAsset>>,
    /// The scene's title, once loaded.
    pub title: String,
    /// How many times the scene has been (re)spawned.
    pub loads: u32,
    /// The last load error (`path:line:col: message` lines), cleared by the next good load.
    pub error: Option<String>,
    /// True when a load failed before any good scene was shown.
    pub failed_without_scene: bool,
    /// Set when the asset changed and the world must be respawned.
    pub(crate) dirty: bool,
}

/// Sent after the scene was (re)spawned.
#[derive(Message, Debug, Clone)]
pub struct SceneLoaded {
    /// How many loads so far, this one included.
    pub loads: u32,
}

/// Marks the scene for respawn when its file (re)loaded; a failed load keeps the last good
/// scene and shows the error.
pub(crate) fn watch_scene_assets(mut news: FileNews<SceneKind>, mut status: ResMut<SceneStatus>) {
    status.dirty |= news.loaded();
    if let Some(f) = news.failed() {
        status.failed_without_scene |= f.first;
        status.error = Some(f.message.clone());
    }
}

/// True once the scene is spawned and every glTF model, texture and sky it uses is loaded
/// (what a deterministic render waits for before its first frame).
pub fn scene_assets_ready(world: &mut World) -> bool {
    if world.resource::<SceneStatus>().loads == 0 {
        return false;
    }
    let server = world.resource::<AssetServer>().clone();
    let mut roots = world.query::<&bevy::world_serialization::WorldAssetRoot>();
    if roots
        .iter(world)
        .any(|r| !server.is_loaded_with_dependencies(&r.0))
    {
        return false;
    }
    let mut skies = world.query::<&crate::SkyImageSource>();
    if skies.iter(world).any(|s| s.cubemap.is_none()) {
        return false;
    }
    let textures_ready = |m: &StandardMaterial| {
        [
            &m.base_color_texture,
            &m.emissive_texture,
            &m.normal_map_texture,
        ]
        .into_iter()
        .flatten()
        .all(|h| server.is_loaded_with_dependencies(h) || server.get_load_state(h).is_none())
    };
    let standard = world
        .get_resource::<Assets<StandardMaterial>>()
        .is_none_or(|materials| materials.iter().all(|(_, m)| textures_ready(m)));
    let live = world
        .get_resource::<Assets<crate::emissive::LiveEmissiveMaterial>>()
        .is_none_or(|materials| materials.iter().all(|(_, m)| textures_ready(&m.base)));
    standard && live
}
