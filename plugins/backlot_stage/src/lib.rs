//! The LED volume: `*.stage.ron` files (wall sections with cabinet grids, processor
//! outputs, the outer eye, tracked cameras, per-output colour), the geometry of every LED
//! pixel, off-axis (Kooima) projection, output mapping, and the renderer that puts the
//! inner frustum (what the tracked camera sees, in parallax) over the outer frustum
//! (environment) on every output, every frame, each graded on its own (`grade`).

mod adaptive;
mod asset;
pub mod format;
pub mod grade;
mod grade_luts;
mod load;
mod lut;
mod panel;
mod params;
mod spawn;
mod state;
mod uniforms;
#[cfg(test)]
mod uniforms_tests;
mod warp;

pub use asset::{StageAsset, StageKind, StageLoader, StageSource};
pub use params::{MAX_CALIBRATION_PATCHES, PATTERNS, stage_param_specs};
pub use state::{
    CalibrationPatches, CameraRuntime, InnerCamera, OutputRuntime, OutputWindows, ReferenceViews,
    StageAssetRoot, StageCameraOverride, StageOutputs, StageRuntime, StageStatus, StageWall,
};
pub use warp::{GradeUniform, WarpMaterial, WarpUniform};

use std::path::PathBuf;

use backlot_params::{BacklotSystems, ParamsPlugin};
use backlot_ui::TrackAssetsExt;
use bevy::prelude::*;

/// Loads the stage named by [`StageSource`] (hot-reloaded) and renders its outputs.
#[derive(Default)]
pub struct StagePlugin {
    /// Where `assets/` is, for LUT checks.
    pub asset_root: Option<PathBuf>,
}

impl Plugin for StagePlugin {
    fn build(&self, app: &mut App) {
        if !app.is_plugin_added::<ParamsPlugin>() {
            app.add_plugins(ParamsPlugin);
        }
        if !app.is_plugin_added::<backlot_scene::LiveBufferPlugin>() {
            app.add_plugins(backlot_scene::LiveBufferPlugin);
        }
        // Every stage reload ends the old cameras' render views.
        if !app.is_plugin_added::<backlot_scene::DeadViewsPlugin>() {
            app.add_plugins(backlot_scene::DeadViewsPlugin);
        }
        warp::build(app);
        app.track_assets::<WarpMaterial>("warp materials")
            .track_assets::<StageAsset>("stage files");
        panel::build(app);
        app.add_plugins(backlot_files::FilePlugin::<StageKind>::new(
            self.asset_root.clone(),
        ))
        .insert_resource(StageAssetRoot(self.asset_root.clone()))
        .init_resource::<StageStatus>()
        .init_resource::<StageOutputs>()
        .init_resource::<StageWall>()
        .init_resource::<StageRuntime>()
        .init_resource::<CalibrationPatches>()
        .add_systems(Startup, load::start_loading)
        .add_systems(
            Update,
            (
                load::watch_stage_assets,
                spawn::respawn_stage,
                uniforms::update_stage,
            )
                .chain()
                .in_set(BacklotSystems::Stage),
        );
    }
}
