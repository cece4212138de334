//! Turns a [`SceneFile`] into entities, and respawns them when the file changes.

use std::collections::HashMap;

use backlot_params::ParamRegistry;
use bevy::camera::{Exposure, Hdr, RenderTarget};
use bevy::light::{CascadeShadowConfigBuilder, NotShadowCaster};
use bevy::pbr::{DistanceFog, FogFalloff};
use bevy::post_process::bloom::Bloom;
use bevy::prelude::*;

use crate::emissive::{LiveEmissiveMaterial, live_material};
use crate::format::{
    BackgroundDef, ColorDef, EntityDef, LightDef, LightKind, ParamTarget, SceneFile, ShapeDef,
    scene_param_specs,
};
use crate::live_buffer::LiveBuffers;
pub(crate) use crate::surface::emissive_linear;
use crate::surface::{material, primitive_mesh};
use crate::{SceneAsset, SceneLoaded, SceneStatus, animation::Animated, physics, sky};
use bevy::render::storage::ShaderBuffer;

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

fn spawn_camera(
    commands: &mut Commands,
    index: &mut SceneIndex,
    root: Entity,
    file: &SceneFile,
    view_target: Option<&SceneViewTarget>,
    render: &RenderAssets,
) {
    let cam = &file.camera;
    let env = &file.environment;
    let position = Vec3::from(cam.position);
    let look_at = Vec3::from(cam.look_at);
    let clear = match &env.background {
        BackgroundDef::Color(c) => ClearColorConfig::Custom(srgb(c)),
        BackgroundDef::Gradient { horizon, .. } => ClearColorConfig::Custom(srgb(horizon)),
    };
    let mut entity = commands.spawn((
        Name::new("scene camera"),
        SceneCamera { position, look_at },
        Camera3d::default(),
        Camera {
            clear_color: clear,
            ..default()
        },
        Projection::Perspective(PerspectiveProjection {
            fov: cam.fov.0.to_radians(),
            far: 2000.0,
            ..default()
        }),
        look_transform(position, look_at),
        Exposure {
            ev100: cam.exposure_ev100,
        },
        AmbientLight {
            color: srgb(&env.ambient.color),
            brightness: env.ambient.brightness.0,
            affects_lightmapped_meshes: true,
        },
        Hdr,
        ChildOf(root),
    ));
    if cam.bloom.0 > 0.0 {
        entity.insert(Bloom {
            intensity: cam.bloom.0,
            ..Bloom::NATURAL
        });
    }
    if let Some(fog) = &env.fog {
        entity.insert(DistanceFog {
            color: srgb(&fog.color),
            directional_light_color: fog.sun_glow.as_ref().map_or(Color::NONE, srgb),
            directional_light_exponent: 30.0,
            falloff: FogFalloff::Exponential {
                density: fog.density.0,
            },
        });
    }
    if let Some(target) = view_target {
        entity.insert(target.0.clone());
    }
    if let (Some(sky), Some(server)) = (&env.sky_image, &render.server) {
        entity.insert(crate::skybox::SkyImageSource {
            source: server.load(sky.path.0.clone()),
            cubemap: None,
            rotation: sky.rotation,
            exposure: sky.exposure.0,
            filtered_frames: 0,
        });
    }
    index.camera = Some(entity.id());
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

fn spawn_entity(
    commands: &mut Commands,
    index: &mut SceneIndex,
    root: Entity,
    def: &EntityDef,
    render: &mut RenderAssets,
) {
    let transform = Transform {
        translation: Vec3::from(def.position),
        rotation: euler_deg(def.rotation),
        scale: Vec3::from(def.scale),
    };
    let visibility = if def.visible {
        Visibility::Inherited
    } else {
        Visibility::Hidden
    };
    let mut entity = commands.spawn((
        Name::new(def.name.0.clone()),
        SceneItem {
            name: def.name.0.clone(),
            is_light: false,
        },
        BaseTransform(transform),
        transform,
        visibility,
        ChildOf(root),
    ));
    match &def.shape {
        ShapeDef::Gltf { path, scene } => {
            if let Some(server) = &render.server {
                let handle = server.load(
                    bevy::gltf::GltfAssetLabel::Scene(*scene as usize).from_asset(path.0.clone()),
                );
                entity.insert(bevy::world_serialization::WorldAssetRoot(handle));
            }
        }
        shape => {
            if let Some(meshes) = &mut render.meshes {
                let mesh = meshes.add(primitive_mesh(shape));
                let standard = material(&def.material, render.server.as_deref());
                // Emissive surfaces are driven every frame: their emissive lives in a buffer
                // written in place, so the material never changes (see `live_buffer`).
                if def.material.emissive_strength.0 > 0.0
                    && let (Some(live_materials), Some(buffers)) =
                        (&mut render.live_materials, &mut render.buffers)
                {
                    let emissive = standard.emissive;
                    let (material, buffer) =
                        live_material(standard, emissive, &mut render.live, buffers);
                    let material = live_materials.add(material);
                    entity.insert((Mesh3d(mesh), MeshMaterial3d(material), buffer));
                } else if let Some(materials) = &mut render.materials {
                    entity.insert((Mesh3d(mesh), MeshMaterial3d(materials.add(standard))));
                }
            }
        }
    }
    if !def.cast_shadows {
        entity.insert(NotShadowCaster);
    }
    if let Some(anim) = &def.animation {
        entity.insert(Animated::new(anim.clone()));
    }
    if let Some(body) = &def.body {
        physics::insert_body(&mut entity, root, def, body, transform);
    }
    index.by_name.insert(def.name.0.clone(), entity.id());
}

fn spawn_light(commands: &mut Commands, index: &mut SceneIndex, root: Entity, def: &LightDef) {
    let position = Vec3::from(def.position);
    let look_at = def.look_at.map(Vec3::from);
    let transform = look_transform(position, look_at.unwrap_or(position - Vec3::Y));
    let color = srgb(&def.color);
    let target = def
        .target
        .as_ref()
        .and_then(|t| index.by_name.get(t).copied());
    let mut entity = commands.spawn((
        Name::new(def.name.0.clone()),
        SceneItem {
            name: def.name.0.clone(),
            is_light: true,
        },
        SceneLight {
            intensity: def.intensity.0,
            enabled: true,
            look_at,
            target,
        },
        BaseTransform(transform),
        transform,
        ChildOf(root),
    ));
    match &def.kind {
        LightKind::Directional => {
            entity.insert((
                DirectionalLight {
                    color,
                    illuminance: def.intensity.0,
                    shadow_maps_enabled: def.shadows,
                    ..default()
                },
                // Two cascades: sharp near the action, cheap enough for software rendering.
                CascadeShadowConfigBuilder {
                    num_cascades: 2,
                    maximum_distance: 120.0,
                    first_cascade_far_bound: 12.0,
                    ..default()
                }
                .build(),
            ));
        }
        LightKind::Point { radius } => {
            entity.insert(PointLight {
                color,
                intensity: def.intensity.0,
                range: def.range.map_or(20.0, |r| r.0),
                radius: radius.0,
                shadow_maps_enabled: def.shadows,
                ..default()
            });
        }
        LightKind::Spot {
            inner_angle,
            outer_angle,
        } => {
            entity.insert(SpotLight {
                color,
                intensity: def.intensity.0,
                range: def.range.map_or(20.0, |r| r.0),
                // The file gives full cone angles; Bevy wants half-angles.
                inner_angle: (inner_angle.0 * 0.5).to_radians(),
                outer_angle: (outer_angle.0 * 0.5).to_radians(),
                shadow_maps_enabled: def.shadows,
                ..default()
            });
        }
    }
    if let Some(anim) = &def.animation {
        entity.insert(Animated::new(anim.clone()));
    }
    index.by_name.insert(def.name.0.clone(), entity.id());
}
