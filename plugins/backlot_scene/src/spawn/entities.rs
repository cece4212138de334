//! The file's entities: primitives with their materials (live emissive ones included) and
//! glTF models, with shadows, animation and rigid bodies.

use bevy::light::NotShadowCaster;
use bevy::prelude::*;

use super::{BaseTransform, RenderAssets, SceneIndex, SceneItem, euler_deg};
use crate::emissive::live_material;
use crate::format::{EntityDef, ShapeDef};
use crate::surface::{material, primitive_mesh};
use crate::{animation::Animated, physics};

pub(super) fn spawn_entity(
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
