//! Forgets what Bevy's renderer keeps per render view once that view is gone.
//!
//! A render view is named by a [`RetainedViewEntity`], which holds the main-world entity of
//! its camera or light. Every scene reload spawns a new scene camera and new lights (and a
//! stage reload new cameras), so each reload ends some views and starts new ones. Bevy 0.19.1
//! never removes the entries of ended views from [`BinUnpackingBindGroups`]: one bind group
//! per multidraw batch set per phase, each keeping that view's GPU work-item and bin buffers
//! alive. On lavapipe that grew backlot by ~27 bind groups and ~0.3 MB per scene reload of
//! neon_club (the scene camera, and the shadow view of each shadowed spot light).
//! [`ViewKeyCache`] and [`ViewKeyPrepassCache`] keep a key per ended view the same way.
//! Pruned as Bevy prunes its own per-view state (`expire_specializations_for_views`): at the
//! end of each frame, entries whose view has no [`ExtractedView`] any more are dropped.

use bevy::pbr::{BinUnpackingBindGroups, ViewKeyCache, ViewKeyPrepassCache};
use bevy::platform::collections::{HashMap, HashSet};
use bevy::prelude::*;
use bevy::render::batching::gpu_preprocessing::BinUnpackingBuffersKey;
use bevy::render::view::{ExtractedView, RetainedViewEntity};
use bevy::render::{Render, RenderApp, RenderSystems};

/// Prunes per-view render caches of views that no longer exist; nothing without a renderer.
pub struct DeadViewsPlugin;

impl Plugin for DeadViewsPlugin {
    fn build(&self, app: &mut App) {
        let Some(render_app) = app.get_sub_app_mut(RenderApp) else {
            return;
        };
        render_app.add_systems(Render, forget_dead_views.in_set(RenderSystems::Cleanup));
    }
}

/// Drops the cache entries of views that no longer have an [`ExtractedView`]. Each store
/// is optional: the bin unpacking one exists only with GPU mesh preprocessing.
pub(crate) fn forget_dead_views(
    views: Query<&ExtractedView>,
    bin_unpacking: Option<ResMut<BinUnpackingBindGroups>>,
    view_keys: Option<ResMut<ViewKeyCache>>,
    prepass_keys: Option<ResMut<ViewKeyPrepassCache>>,
) {
    let live: HashSet<RetainedViewEntity> =
        views.iter().map(|view| view.retained_view_entity).collect();
    let mut dropped = 0;
    if let Some(mut groups) = bin_unpacking {
        dropped += retain_live(&mut groups, &live, |key: &BinUnpackingBuffersKey| key.view);
    }
    if let Some(mut keys) = view_keys {
        dropped += retain_live(&mut keys, &live, |view: &RetainedViewEntity| *view);
    }
    if let Some(mut keys) = prepass_keys {
        dropped += retain_live(&mut keys, &live, |view: &RetainedViewEntity| *view);
    }
    if dropped > 0 {
        debug!("forgot {dropped} render cache entries of views that are gone");
    }
}

/// Removes the entries of `map` whose view is not in `live`; returns how many went.
fn retain_live<K, V>(
    map: &mut HashMap<K, V>,
    live: &HashSet<RetainedViewEntity>,
    view_of: impl Fn(&K) -> RetainedViewEntity,
) -> usize {
    let before = map.len();
    map.retain(|key, _| live.contains(&view_of(key)));
    before - map.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bevy::pbr::MeshPipelineKey;
    use bevy::render::render_resource::TextureFormat;
    use bevy::render::sync_world::MainEntity;
    use bevy::render::view::ColorGrading;

    fn extracted(view: RetainedViewEntity) -> ExtractedView {
        ExtractedView {
            retained_view_entity: view,
            clip_from_view: Mat4::IDENTITY,
            world_from_view: GlobalTransform::IDENTITY,
            clip_from_world: None,
            target_format: TextureFormat::Rgba8UnormSrgb,
            viewport: UVec4::ZERO,
            color_grading: ColorGrading::default(),
            invert_culling: false,
        }
    }

    /// A main-world camera and its render-world view, as extraction makes them.
    fn spawn_view(world: &mut World) -> (RetainedViewEntity, Entity) {
        let camera = world.spawn_empty().id();
        let view = RetainedViewEntity::new(MainEntity::from(camera), None, 0);
        (view, world.spawn(extracted(view)).id())
    }

    fn cache_keys(world: &mut World, view: RetainedViewEntity) {
        world
            .resource_mut::<ViewKeyCache>()
            .insert(view, MeshPipelineKey::empty());
        world
            .resource_mut::<ViewKeyPrepassCache>()
            .insert(view, MeshPipelineKey::empty());
    }

    #[test]
    fn keys_of_views_that_went_away_are_forgotten_through_any_number_of_reloads() {
        let mut app = App::new();
        app.add_plugins(MinimalPlugins)
            .init_resource::<ViewKeyCache>()
            .init_resource::<ViewKeyPrepassCache>()
            .init_resource::<BinUnpackingBindGroups>()
            .add_systems(Update, forget_dead_views);
        // A stage camera stays; the scene camera is a new entity after every reload.
        let (stage, _) = spawn_view(app.world_mut());
        let mut scene_view = None;
        for _ in 0..50 {
            let world = app.world_mut();
            if let Some(old) = scene_view.take() {
                assert!(world.despawn(old), "the old scene view existed");
            }
            let (scene, entity) = spawn_view(world);
            scene_view = Some(entity);
            cache_keys(world, stage);
            cache_keys(world, scene);
            app.update();
            let world = app.world();
            assert!(world.resource::<ViewKeyCache>().contains_key(&scene));
            assert!(world.resource::<ViewKeyPrepassCache>().contains_key(&scene));
        }
        let world = app.world();
        for (name, cache) in [
            ("mesh", &**world.resource::<ViewKeyCache>()),
            ("prepass", &**world.resource::<ViewKeyPrepassCache>()),
        ] {
            assert_eq!(cache.len(), 2, "{name} keys after 50 reloads");
            assert!(cache.contains_key(&stage), "{name} keys lost a live view");
        }
    }
}
