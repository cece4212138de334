//! Turns a [`SceneFile`](crate::format::SceneFile) into entities, and respawns them when
//! the file changes.

mod camera;
mod entities;
mod lights;

use std::collections::HashMap;

use backlot_params::ParamRegistry;
use bevy::camera::RenderTarget;
use bevy::prelude::*;

use crate::emissive::LiveEmissiveMaterial;
use crate::format::{BackgroundDef, ColorDef, ParamTarget, scene_param_specs};
use crate::live_buffer::LiveBuffers;
pub(crate) use crate::surface::emissive_linear;
use crate::{SceneAsset, SceneLoaded, SceneStatus, sky};
use bevy::render::storage::ShaderBuffer;
use camera::spawn_camera;
use entities::spawn_entity;
use lights::spawn_light;

/// Parent of everything a scene spawned; despawning it removes the scene.
#[derive(Component, Debug)]
pub struct BacklotSceneRoot;

/// A named light or entity of the scene file.
#[derive(Component, Debug, Clone)]
pub struct SceneItem {
    /// Its name in the file.
    pub name: String,
    /// Light or entity (for the outliner).
    pub is_light: bool,
}

/// The scene's own camera.
#[derive(Component, Debug, Clone)]
pub struct SceneCamera {
    /// Where it stands.
    pub position: Vec3,
    /// What it looks at.
    pub look_at: Vec3,
}

/// The pose the file and parameters give; animation and physics move from here.
#[derive(Component, Debug, Clone, Copy)]
pub struct BaseTransform(pub Transform);

/// A light's live settings, kept apart from Bevy's light so on/off keeps the intensity.
#[derive(Component, Debug, Clone)]
pub struct SceneLight {
    /// Lux or lumens.
    pub intensity: f32,
    /// Off means intensity 0.
    pub enabled: bool,
    /// Fixed aim point.
    pub look_at: Option<Vec3>,
    /// Entity it follows.
    pub target: Option<Entity>,
}

/// Where the scene camera renders (an image for the operator preview or headless
/// rendering); absent means the primary window.
#[derive(Resource, Debug, Clone)]
pub struct SceneViewTarget(pub RenderTarget);

/// Lookup tables for the live scene.
#[derive(Resource, Debug, Default)]
pub struct SceneIndex {
    /// Root entity.
    pub root: Option<Entity>,
    /// Named items.
    pub by_name: HashMap<String, Entity>,
    /// Parameter address → what it drives.
    pub targets: HashMap<String, ParamTarget>,
    /// The scene camera.
    pub camera: Option<Entity>,
    /// The sky dome, if the background is a gradient.
    pub sky: Option<Entity>,
    /// Registry generation applied so far by the scene systems.
    pub applied_generation: u64,
    /// Registry generation applied so far by the physics systems.
    pub physics_generation: u64,
    /// Gravity the file asks for, m/s²; applied to the physics world on load.
    pub gravity: Vec3,
}

/// Render-side asset stores; absent under `MinimalPlugins`, where only the logic runs.
#[derive(bevy::ecs::system::SystemParam)]
pub(crate) struct RenderAssets<'w> {
    pub(crate) meshes: Option<ResMut<'w, Assets<Mesh>>>,
    pub(crate) materials: Option<ResMut<'w, Assets<StandardMaterial>>>,
    pub(crate) images: Option<ResMut<'w, Assets<Image>>>,
    pub(crate) server: Option<Res<'w, AssetServer>>,
    pub(crate) live_materials: Option<ResMut<'w, Assets<LiveEmissiveMaterial>>>,
    pub(crate) buffers: Option<ResMut<'w, Assets<ShaderBuffer>>>,
    pub(crate) live: ResMut<'w, LiveBuffers>,
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn respawn_on_change(
    mut commands: Commands,
    mut status: ResMut<SceneStatus>,
    scenes: Res<Assets<SceneAsset>>,
    mut registry: ResMut<ParamRegistry>,
    mut index: ResMut<SceneIndex>,
    mut render: RenderAssets,
    view_target: Option<Res<SceneViewTarget>>,
    mut loaded: MessageWriter<SceneLoaded>,
) {
    if !status.dirty {
        return;
    }
    let Some(scene) = status.handle.as_ref().and_then(|h| scenes.get(h)) else {
        return;
    };
    let file = scene.file.clone();
    status.dirty = false;
    if let Some(root) = index.root.take() {
        commands.entity(root).despawn();
    }
    *index = SceneIndex {
        gravity: Vec3::from(file.physics.gravity),
        ..default()
    };
    let root = commands
        .spawn((
            BacklotSceneRoot,
            Name::new("scene"),
            Transform::default(),
            Visibility::default(),
        ))
        .id();
    index.root = Some(root);

    spawn_camera(
        &mut commands,
        &mut index,
        root,
        &file,
        view_target.as_deref(),
        &render,
    );
    if let BackgroundDef::Gradient { .. } = &file.environment.background {
        index.sky = sky::spawn_sky(
            &mut commands,
            root,
            &file.environment.background,
            &mut render,
        );
    }
    for entity in &file.entities {
        spawn_entity(&mut commands, &mut index, root, entity, &mut render);
    }
    for light in &file.lights {
        spawn_light(&mut commands, &mut index, root, light);
    }

    let specs = scene_param_specs(&file);
    index.targets = specs
        .iter()
        .map(|(spec, target)| (spec.address.to_string(), target.clone()))
        .collect();
    let removed = registry.replace_under("/scene", specs.into_iter().map(|(s, _)| s).collect());
    if !removed.is_empty() {
        debug!("{} scene parameters no longer exist", removed.len());
    }
    // Apply every live value (kept operator values included) on the next apply pass.
    index.applied_generation = 0;
    index.physics_generation = 0;

    status.loads += 1;
    status.title = file.title.clone();
    status.error = None;
    status.failed_without_scene = false;
    info!(
        "scene `{}` loaded: {} entities, {} lights, {} parameters (load #{})",
        file.title,
        file.entities.len(),
        file.lights.len(),
        index.targets.len(),
        status.loads
    );
    loaded.write(SceneLoaded {
        loads: status.loads,
    });
}

/// A transform at `position` looking at `target`, robust to looking straight up or down.
pub(crate) fn look_transform(position: Vec3, target: Vec3) -> Transform {
    let dir = target - position;
    let up = if dir.normalize_or_zero().cross(Vec3::Y).length_squared() < 1e-6 {
        Vec3::NEG_Z
    } else {
        Vec3::Y
    };
    if dir.length_squared() < 1e-12 {
        Transform::from_translation(position)
    } else {
        Transform::from_translation(position).looking_at(target, up)
    }
}

pub(crate) fn srgb(c: &ColorDef) -> Color {
    let [r, g, b] = c.to_srgb();
    Color::srgb(r, g, b)
}

/// The rotation of Euler degrees as the file means them: yaw (Y), then pitch (X), then roll (Z).
pub(crate) fn euler_deg(rotation: [f32; 3]) -> Quat {
    let [x, y, z] = rotation.map(f32::to_radians);
    Quat::from_euler(EulerRot::YXZ, y, x, z)
}
