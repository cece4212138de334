//! Scene environments: `*.scene.ron` files loaded through a Bevy asset loader, validated
//! with file:line:col errors, spawned as lights, primitives, glTF models, sky, fog and
//! physics props, hot-reloaded on save, and driven live through the parameter registry.

mod animation;
mod apply;
mod asset;
mod dead_views;
pub mod emissive;
pub mod format;
pub mod live_buffer;
mod look;
mod panel;
mod physics;
mod sky;
mod skybox;
mod source;
mod spawn;
mod status;
mod surface;

pub use animation::Animated;
pub use asset::{SceneAsset, SceneKind, SceneLoader, SceneSource};
pub use dead_views::DeadViewsPlugin;
pub use live_buffer::{LiveBufferPlugin, LiveBuffers};
pub use look::SharesSceneLook;
pub use physics::{PhysicsBody, use_fixed_physics_steps};
pub use skybox::{SkyImageSource, equirect_to_cube};
pub use spawn::{BacklotSceneRoot, SceneCamera, SceneIndex, SceneItem, SceneViewTarget};
pub use status::{SceneLoaded, SceneStatus, scene_assets_ready};

use std::path::PathBuf;

use backlot_params::{BacklotSystems, ParamsPlugin};
use backlot_ui::TrackAssetsExt;
use bevy::prelude::*;

/// Loads the scene named by [`SceneSource`], keeps it spawned, reloads it on change.
pub struct ScenePlugin {
    /// Where `assets/` is on disk, for missing-file checks; `None` skips them.
    pub asset_root: Option<PathBuf>,
    /// Run rigid-body physics (off in unit tests that have no use for it).
    pub physics: bool,
}

impl Default for ScenePlugin {
    fn default() -> Self {
        Self {
            asset_root: None,
            physics: true,
        }
    }
}

impl Plugin for ScenePlugin {
    fn build(&self, app: &mut App) {
        if !app.is_plugin_added::<ParamsPlugin>() {
            app.add_plugins(ParamsPlugin);
        }
        if !app.is_plugin_added::<LiveBufferPlugin>() {
            app.add_plugins(LiveBufferPlugin);
        }
        // Every reload ends the old camera's and lights' render views.
        if !app.is_plugin_added::<DeadViewsPlugin>() {
            app.add_plugins(DeadViewsPlugin);
        }
        emissive::build(app);
        app.track_assets::<Mesh>("meshes")
            .track_assets::<Image>("images")
            .track_assets::<StandardMaterial>("standard materials")
            .track_assets::<emissive::LiveEmissiveMaterial>("live emissive materials")
            .track_assets::<bevy::render::storage::ShaderBuffer>("shader buffers")
            .track_assets::<SceneAsset>("scene files");
        app.add_plugins(backlot_files::FilePlugin::<SceneKind>::new(
            self.asset_root.clone(),
        ))
        .init_resource::<SceneStatus>()
        .init_resource::<SceneIndex>()
        .add_message::<SceneLoaded>()
        .add_systems(Startup, source::start_loading)
        .add_systems(
            Update,
            (
                status::watch_scene_assets,
                spawn::respawn_on_change,
                skybox::build_cubemaps,
                skybox::freeze_filtered_sky,
                apply::apply_scene_params,
                animation::animate,
                animation::aim_lights,
                sky::follow_camera,
                look::share_scene_look,
            )
                .chain()
                .in_set(BacklotSystems::Scene),
        );
        if self.physics {
            physics::build(app);
        }
        panel::build(app);
    }
}

#[cfg(test)]
mod tests;
