//! The inner frustums: one scene camera per tracked camera (in priority order) rendering
//! what it sees, plus its lens-only reference view when asked for.

use backlot_scene::SharesSceneLook;
use bevy::camera::{Hdr, RenderTarget};
use bevy::prelude::*;
use bevy::render::render_resource::TextureFormat;

use super::{Spawner, image, vertical_fov};
use crate::format::{CameraMode, InnerResolution, StageFile, camera_rotation};
use crate::state::{CameraRuntime, InnerCamera, StageRuntime};
use crate::warp::MAX_CAMERAS;

/// Spawns the inner-frustum camera (and reference view) of each tracked camera, up to
/// [`MAX_CAMERAS`] in ascending priority, under `root`, and records them in `rt.cameras`.
pub(super) fn spawn_inner_cameras(
    spawner: &mut Spawner,
    rt: &mut StageRuntime,
    file: &StageFile,
    root: Entity,
) {
    let mut cameras = file.cameras.clone();
    cameras.sort_by_key(|c| c.priority);
    for (i, c) in cameras.iter().take(MAX_CAMERAS).enumerate() {
        let (size, adaptive_max) = match c.inner_resolution {
            InnerResolution::Fixed(w, h) => {
                (UVec2::new(w.clamp(16, 8192), h.clamp(16, 8192)), None)
            }
            InnerResolution::Adaptive(w) => {
                let max = w.clamp(256, 8192);
                (UVec2::new(max, max * 9 / 16), Some(max))
            }
        };
        let aspect = size.x as f32 / size.y as f32;
        let handle = spawner
            .images
            .add(image(size, TextureFormat::Rgba8UnormSrgb, None));
        let transform = Transform::from_translation(Vec3::from(c.position))
            .with_rotation(camera_rotation(c.pan, c.tilt, c.roll));
        let entity = spawner
            .commands
            .spawn((
                InnerCamera { id: c.id },
                scene_view_camera(
                    format!("inner frustum {}", c.id),
                    -10 + i as isize,
                    &handle,
                    vertical_fov(c.lens.horizontal_fov_deg(), c.overscan.0, aspect),
                    aspect,
                    transform,
                    root,
                ),
            ))
            .id();
        let reference = spawner.reference.as_deref().map(|r| {
            let img = spawner
                .images
                .add(image(r.0, TextureFormat::Rgba8UnormSrgb, None));
            let raspect = r.0.x as f32 / r.0.y.max(1) as f32;
            let e = spawner
                .commands
                .spawn(scene_view_camera(
                    format!("camera view {}", c.id),
                    -5 + i as isize,
                    &img,
                    vertical_fov(c.lens.horizontal_fov_deg(), 0.0, raspect),
                    raspect,
                    transform,
                    root,
                ))
                .id();
            (e, img)
        });
        let (chroma, markers) = match &c.mode {
            CameraMode::ChromaKey { color, markers } => (*color, markers.map_or(0.0, |m| m.0)),
            _ => ([0.0, 1.0, 0.0], 0.0),
        };
        rt.cameras.push(CameraRuntime {
            id: c.id,
            entity,
            image: handle,
            reference,
            aspect,
            chroma,
            markers,
            adaptive_max,
            size,
            // Set once the grade LUTs are read (`respawn_stage`).
            grade_lut: None,
        });
    }
}

/// A camera that renders the scene, as the scene camera sees it, into an image.
fn scene_view_camera(
    name: String,
    order: isize,
    target: &Handle<Image>,
    vertical_fov: f32,
    aspect: f32,
    transform: Transform,
    root: Entity,
) -> impl Bundle {
    (
        Name::new(name),
        Camera3d::default(),
        Camera { order, ..default() },
        RenderTarget::Image(target.clone().into()),
        Projection::Perspective(PerspectiveProjection {
            fov: vertical_fov,
            aspect_ratio: aspect,
            near: 0.05,
            far: 2000.0,
            ..default()
        }),
        transform,
        Msaa::Off,
        // HDR like the scene camera, so bright emissives tonemap the same way.
        Hdr,
        SharesSceneLook,
        ChildOf(root),
    )
}
