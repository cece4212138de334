//! The scene's own camera, with what the environment puts on it: clear colour, exposure,
//! ambient light, bloom, fog and the sky image.

use bevy::camera::{Exposure, Hdr};
use bevy::pbr::{DistanceFog, FogFalloff};
use bevy::post_process::bloom::Bloom;
use bevy::prelude::*;

use super::{RenderAssets, SceneCamera, SceneIndex, SceneViewTarget, look_transform, srgb};
use crate::format::{BackgroundDef, SceneFile};

pub(super) fn spawn_camera(
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
