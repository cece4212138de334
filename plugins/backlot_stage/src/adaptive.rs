//! Adaptive inner resolution: each inner render sized to the wall pixels it covers.

use backlot_params::ParamRegistry;
use bevy::prelude::*;
use bevy::render::render_resource::TextureFormat;

use crate::format::camera_rotation;
use crate::spawn::image;
use crate::state::StageRuntime;

/// Sizes each adaptive inner render to the LED pixels its (overscanned) frustum covers on
/// the wall, so the inner render is neither softer nor heavier than the wall can show.
/// Resizes only on a change of more than a fifth, to avoid reallocating every frame.
pub(crate) fn adapt_inner_resolution(
    registry: &ParamRegistry,
    runtime: &mut StageRuntime,
    images: &mut Assets<Image>,
) {
    let StageRuntime {
        cameras, sections, ..
    } = runtime;
    for cam in cameras.iter_mut() {
        let Some(max) = cam.adaptive_max else {
            continue;
        };
        let base = format!("/stage/cameras/{}", cam.id);
        let position = Vec3::from(registry.vec3_or(&format!("{base}/position"), [0.0, 1.7, 4.0]));
        let [pan, tilt, roll] = registry.vec3_or(&format!("{base}/rotation"), [0.0; 3]);
        let fov = registry.f32_or(&format!("{base}/fov"), 40.0);
        let overscan = registry.f32_or(&format!("{base}/overscan"), 10.0);
        let rotation = camera_rotation(pan, tilt, roll);
        let half = (fov.to_radians() / 2.0).tan() * (1.0 + overscan / 100.0);
        // LED pixels along the frustum's horizontal centre line, in 32 steps.
        let mut covered = 0.0f32;
        let mut last: Option<(usize, f32, f32)> = None;
        for i in 0..=32 {
            let x = -half + 2.0 * half * i as f32 / 32.0;
            let dir = (rotation * Vec3::new(x, 0.0, -1.0)).normalize();
            let hit = sections
                .iter()
                .enumerate()
                .filter_map(|(s, g)| g.intersect(position, dir).map(|(t, px, py)| (t, s, px, py)))
                .min_by(|a, b| a.0.total_cmp(&b.0));
            if let (Some((_, s, px, py)), Some((ls, lx, ly))) = (hit, last)
                && s == ls
            {
                covered += ((px - lx).powi(2) + (py - ly).powi(2)).sqrt();
            }
            last = hit.map(|(_, s, px, py)| (s, px, py));
        }
        if covered < 1.0 {
            continue;
        }
        let width = ((covered.ceil() as u32).div_ceil(64) * 64).clamp(256, max);
        let current = cam.size.x as f32;
        if (width as f32 - current).abs() / current > 0.2 {
            let size = UVec2::new(width, (width as f32 / cam.aspect).round() as u32);
            if images
                .insert(&cam.image, image(size, TextureFormat::Rgba8UnormSrgb, None))
                .is_ok()
            {
                debug!(
                    "camera {} inner render now {}x{} ({covered:.0} wall pixels across)",
                    cam.id, size.x, size.y
                );
                cam.size = size;
            }
        }
    }
}
