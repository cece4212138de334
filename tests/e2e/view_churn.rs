//! Render views that a hot reload ends leave nothing behind. Each scene reload spawns a new
//! scene camera and new lights, so their render views (the camera's, each shadowed spot
//! light's) are new ones; Bevy 0.19.1 kept the bin unpacking bind groups of every ended view,
//! and with them the GPU buffers they bind: ~27 bind groups and ~0.3 MB per reload of
//! neon_club. `backlot_scene::DeadViewsPlugin` prunes them.

use std::collections::HashSet;

use backlot::app::AppOptions;
use backlot::render::FrameDriver;
use backlot_scene::{SceneAsset, SceneStatus};
use bevy::pbr::BinUnpackingBindGroups;
use bevy::prelude::{Assets, World};
use bevy::render::renderer::RenderInstance;
use bevy::render::view::{ExtractedView, RetainedViewEntity};

use crate::memory::small_stage;
use crate::support::{repo, temp_dir};

/// Changes the loaded scene asset, as a save of its file does: Bevy sends `Modified` and the
/// scene respawns.
fn reload_scene(world: &mut World) {
    let handle = world
        .resource::<SceneStatus>()
        .handle
        .clone()
        .expect("scene handle");
    let mut scenes = world.resource_mut::<Assets<SceneAsset>>();
    let mut scene = scenes.get_mut(&handle).expect("scene asset");
    scene.file.title.push('.');
}

/// What the render world holds for views.
#[derive(Debug, Clone, Copy)]
struct ViewState {
    /// (view, phase) entries of bin unpacking bind groups.
    entries: usize,
    /// Entries whose view has ended.
    ended: usize,
    /// Live wgpu bind groups.
    bind_groups: usize,
}

fn view_state(world: &mut World) -> ViewState {
    let live: HashSet<RetainedViewEntity> = world
        .query::<&ExtractedView>()
        .iter(world)
        .map(|view| view.retained_view_entity)
        .collect();
    let groups = world
        .get_resource::<BinUnpackingBindGroups>()
        .expect("GPU mesh preprocessing runs (bin unpacking bind groups exist)");
    let entries = groups.len();
    let ended = groups
        .keys()
        .filter(|key| !live.contains(&key.view))
        .count();
    let report = world
        .resource::<RenderInstance>()
        .0
        .generate_report()
        .expect("wgpu-core report");
    ViewState {
        entries,
        ended,
        bind_groups: report.hub_report().bind_groups.num_kept_from_user,
    }
}

#[test]
fn scene_reloads_leave_nothing_of_the_views_they_end() {
    let dir = temp_dir("view-churn");
    let mut options = AppOptions::render(
        repo().join("scenes/neon_club.scene.ron"),
        repo().join("assets"),
        (160, 90),
    );
    options.stage = Some(small_stage(&dir));
    let mut driver = FrameDriver::new(&options);
    driver.load().expect("loads");
    for _ in 0..10 {
        driver.step().expect("step");
    }
    let first_load = driver.world_mut().resource::<SceneStatus>().loads;
    let before = view_state(driver.render_world_mut().expect("render world"));
    assert!(
        before.entries > 0,
        "the views unpack their bins on the GPU: {before:?}"
    );
    assert_eq!(before.ended, 0, "ended views before any reload: {before:?}");

    for reload in 1..=20 {
        reload_scene(driver.world_mut());
        let mut steps = 0;
        while driver.world_mut().resource::<SceneStatus>().loads < first_load + reload {
            assert!(
                steps < 30,
                "reload {reload} not respawned after {steps} frames"
            );
            driver.step().expect("step");
            steps += 1;
        }
        // The new camera and lights render, so their views get entries of their own.
        for _ in 0..3 {
            driver.step().expect("step");
        }
        let now = view_state(driver.render_world_mut().expect("render world"));
        assert_eq!(
            now.ended, 0,
            "reload {reload}: bind groups of ended views kept: {now:?}"
        );
    }
    let after = view_state(driver.render_world_mut().expect("render world"));
    // Per-frame bind groups come and go; keeping the ended views' grew ~27 a reload.
    assert!(
        after.bind_groups <= before.bind_groups + 32,
        "bind groups grew over 20 reloads: {before:?} -> {after:?}"
    );
}
