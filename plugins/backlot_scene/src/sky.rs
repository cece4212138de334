//! The procedural gradient sky: an inside-out dome with an emissive gradient texture,
//! so its brightness is physical (cd/m²) and follows camera exposure like everything else.

use bevy::asset::RenderAssetUsages;
use bevy::light::{NotShadowCaster, NotShadowReceiver};
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, Face, TextureDimension, TextureFormat};

use crate::emissive::live_material;
use crate::format::BackgroundDef;
use crate::spawn::{RenderAssets, SceneCamera, emissive_linear};

/// Marks the sky dome, which stays centred on the scene camera.
#[derive(Component, Debug)]
pub struct SkyDome;

const SKY_RADIUS: f32 = 1500.0;
const ROWS: usize = 128;

pub(crate) fn spawn_sky(
    commands: &mut Commands,
    root: Entity,
    background: &BackgroundDef,
    render: &mut RenderAssets,
) -> Option<Entity> {
    let BackgroundDef::Gradient {
        zenith,
        horizon,
        ground,
        exposure,
    } = background
    else {
        return None;
    };
    let mut entity = commands.spawn((
        Name::new("sky"),
        SkyDome,
        Transform::default(),
        Visibility::default(),
        NotShadowCaster,
        NotShadowReceiver,
        ChildOf(root),
    ));
    if let (Some(meshes), Some(materials), Some(images), Some(buffers)) = (
        &mut render.meshes,
        &mut render.live_materials,
        &mut render.images,
        &mut render.buffers,
    ) {
        let pixels = gradient_rows(zenith.to_srgb(), horizon.to_srgb(), ground.to_srgb());
        let image = Image::new(
            Extent3d {
                width: 1,
                height: ROWS as u32,
                depth_or_array_layers: 1,
            },
            TextureDimension::D2,
            pixels,
            TextureFormat::Rgba8UnormSrgb,
            RenderAssetUsages::RENDER_WORLD,
        );
        let material = StandardMaterial {
            base_color: Color::BLACK,
            emissive_texture: Some(images.add(image)),
            perceptual_roughness: 1.0,
            reflectance: 0.0,
            fog_enabled: false,
            double_sided: true,
            cull_mode: Some(Face::Front),
            ..default()
        };
        // Exposure is a live parameter: it scales the gradient through a live buffer.
        let (material, buffer) = live_material(
            material,
            emissive_linear([1.0; 3], exposure.0),
            &mut render.live,
            buffers,
        );
        entity.insert((
            Mesh3d(meshes.add(Sphere::new(SKY_RADIUS).mesh().uv(64, 32))),
            MeshMaterial3d(materials.add(material)),
            buffer,
        ));
    }
    Some(entity.id())
}

/// RGBA8 rows from the zenith (row 0) through the horizon (middle) to the ground.
fn gradient_rows(zenith: [f32; 3], horizon: [f32; 3], ground: [f32; 3]) -> Vec<u8> {
    let mut out = Vec::with_capacity(ROWS * 4);
    for row in 0..ROWS {
        let v = (row as f32 + 0.5) / ROWS as f32;
        let c = if v < 0.5 {
            // Elevation-shaped: most of the change happens near the horizon, as in a real sky.
            let t = (1.0 - v / 0.5).powf(0.45);
            mix(horizon, zenith, t)
        } else {
            let t = ((v - 0.5) / 0.5 * 8.0).min(1.0);
            mix(horizon, ground, t)
        };
        out.extend(c.map(|x| (x.clamp(0.0, 1.0) * 255.0).round() as u8));
        out.push(255);
    }
    out
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [0, 1, 2].map(|i| a[i] + (b[i] - a[i]) * t)
}

pub(crate) fn follow_camera(
    cameras: Query<&Transform, (With<SceneCamera>, Without<SkyDome>)>,
    mut skies: Query<&mut Transform, With<SkyDome>>,
) {
    let Some(cam) = cameras.iter().next() else {
        return;
    };
    for mut sky in &mut skies {
        sky.translation = cam.translation;
    }
}
