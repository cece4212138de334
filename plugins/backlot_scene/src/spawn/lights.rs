//! The file's lights: directional (with shadow cascades), point and spot.

use bevy::light::CascadeShadowConfigBuilder;
use bevy::prelude::*;

use super::{BaseTransform, SceneIndex, SceneItem, SceneLight, look_transform, srgb};
use crate::animation::Animated;
use crate::format::{LightDef, LightKind};

pub(super) fn spawn_light(
    commands: &mut Commands,
    index: &mut SceneIndex,
    root: Entity,
    def: &LightDef,
) {
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
