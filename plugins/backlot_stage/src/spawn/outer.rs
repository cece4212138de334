//! The outer eye: six cube-face cameras rendering the environment from one point.

use backlot_scene::SharesSceneLook;
use bevy::camera::{Hdr, RenderTarget};
use bevy::prelude::*;
use bevy::render::render_resource::TextureFormat;

use super::{Spawner, image};
use crate::format::{SectionGeometry, StageFile};
use crate::state::StageRuntime;

/// Places the outer eye (`rt.eye`) and spawns its cube-face cameras under `root`, each into
/// its own image; returns the six face images (+X, -X, +Y, -Y, +Z, -Z).
pub(super) fn spawn_outer_eye(
    spawner: &mut Spawner,
    rt: &mut StageRuntime,
    file: &StageFile,
    sections: &[(String, SectionGeometry)],
    root: Entity,
) -> Vec<Handle<Image>> {
    // Outer eye: as given, else the centre of the LED surfaces at 1.7 m.
    rt.eye = file.outer_eye.position.map(Vec3::from).unwrap_or_else(|| {
        let centres: Vec<Vec3> = sections
            .iter()
            .map(|(_, g)| g.position(g.resolution[0] as f32 / 2.0, g.resolution[1] as f32 / 2.0))
            .collect();
        let c = centres.iter().copied().sum::<Vec3>() / centres.len().max(1) as f32;
        Vec3::new(c.x * 0.5, 1.7, c.z * 0.5)
    });
    let face = UVec2::splat(file.outer_eye.resolution.clamp(16, 4096));
    let faces = [
        (Vec3::X, Vec3::Y),
        (Vec3::NEG_X, Vec3::Y),
        (Vec3::Y, Vec3::Z),
        (Vec3::NEG_Y, Vec3::NEG_Z),
        (Vec3::Z, Vec3::Y),
        (Vec3::NEG_Z, Vec3::Y),
    ];
    let mut outer_images = Vec::new();
    for (i, (dir, up)) in faces.into_iter().enumerate() {
        let handle = spawner
            .images
            .add(image(face, TextureFormat::Rgba8UnormSrgb, None));
        let e = spawner
            .commands
            .spawn((
                Name::new(format!("outer face {i}")),
                Camera3d::default(),
                Camera {
                    order: -20 + i as isize,
                    ..default()
                },
                RenderTarget::Image(handle.clone().into()),
                // Slightly over 90 degrees so bilinear taps at face edges stay inside the face.
                Projection::Perspective(PerspectiveProjection {
                    fov: 92f32.to_radians(),
                    aspect_ratio: 1.0,
                    near: 0.05,
                    far: 2000.0,
                    ..default()
                }),
                Transform::from_translation(rt.eye).looking_to(dir, up),
                Msaa::Off,
                // HDR like the scene camera, so bright emissives tonemap the same way.
                Hdr,
                SharesSceneLook,
                ChildOf(root),
            ))
            .id();
        rt.outer.push(e);
        outer_images.push(handle);
    }
    outer_images
}
