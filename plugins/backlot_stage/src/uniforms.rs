//! Per-frame updates: camera parameters onto the inner (and reference) cameras, and every
//! output's warp uniform.

use std::collections::HashMap;

use backlot_params::{ParamRegistry, ParamValue};
use backlot_scene::LiveBuffers;
use bevy::camera::CameraProjection;
use bevy::prelude::*;

use crate::adaptive::adapt_inner_resolution;
use crate::format::{Transfer, camera_rotation};
use crate::params::{PATTERNS, grade_from_params};
use crate::spawn::vertical_fov;
use crate::state::{CalibrationPatches, StageRuntime};
use crate::warp::{GradeUniform, MAX_CAMERAS, WarpUniform};

/// Applies camera parameters to the inner (and reference) cameras and refreshes every
/// output's warp uniform, after the scene moved things this frame.
pub(crate) fn update_stage(
    registry: Res<ParamRegistry>,
    mut runtime: ResMut<StageRuntime>,
    mut cameras: Query<(&mut Transform, &mut Projection)>,
    mut live: ResMut<LiveBuffers>,
    mut images: ResMut<Assets<Image>>,
    patches: Res<CalibrationPatches>,
) {
    adapt_inner_resolution(&registry, &mut runtime, &mut images);
    let runtime = runtime.into_inner();
    let mut clip_from_world = [Mat4::IDENTITY; MAX_CAMERAS];
    let mut params = [Vec4::ZERO; MAX_CAMERAS];
    let mut chroma = [Vec4::ZERO; MAX_CAMERAS];
    let mut inner_grade = [GradeUniform::default(); MAX_CAMERAS];
    for (i, cam) in runtime.cameras.iter().enumerate().take(MAX_CAMERAS) {
        let base = format!("/stage/cameras/{}", cam.id);
        let position = Vec3::from(registry.vec3_or(&format!("{base}/position"), [0.0, 1.7, 4.0]));
        let [pan, tilt, roll] = registry.vec3_or(&format!("{base}/rotation"), [0.0; 3]);
        let fov = registry.f32_or(&format!("{base}/fov"), 40.0);
        let overscan = (1.0 + registry.f32_or(&format!("{base}/overscan"), 10.0) / 100.0)
            * (1.0 + registry.f32_or(&format!("{base}/distortion_overscan"), 0.0) / 100.0)
            * 100.0
            - 100.0;
        let soft = registry.f32_or(&format!("{base}/soft_edge"), 0.05);
        let mode = match registry.enum_value(&format!("{base}/mode")) {
            Some("off") => 0.0,
            Some("chroma_key") => 2.0,
            _ => 1.0,
        };
        let transform =
            Transform::from_translation(position).with_rotation(camera_rotation(pan, tilt, roll));
        let projection = PerspectiveProjection {
            fov: vertical_fov(fov, overscan, cam.aspect),
            aspect_ratio: cam.aspect,
            near: 0.05,
            far: 2000.0,
            ..default()
        };
        clip_from_world[i] = projection.get_clip_from_view() * transform.to_matrix().inverse();
        params[i] = Vec4::new(mode, soft, cam.markers, 0.0);
        let c = Color::srgb(cam.chroma[0], cam.chroma[1], cam.chroma[2]).to_linear();
        chroma[i] = Vec4::new(c.red, c.green, c.blue, 1.0);
        let grade = grade_from_params(&registry, &base);
        inner_grade[i] = GradeUniform::new(&grade.coefficients(), cam.grade_lut);
        if let Ok((mut t, mut p)) = cameras.get_mut(cam.entity) {
            *t = transform;
            *p = Projection::Perspective(projection);
        }
        if let Some((e, _)) = cam.reference
            && let Ok((mut t, mut p)) = cameras.get_mut(e)
        {
            *t = transform;
            if let Projection::Perspective(pp) = p.as_mut() {
                pp.fov = vertical_fov(fov, 0.0, pp.aspect_ratio);
            }
        }
    }
    let mut outer = [Mat4::IDENTITY; 6];
    for (i, e) in runtime.outer.iter().enumerate().take(6) {
        if let Ok((t, Projection::Perspective(p))) = cameras.get(*e).map(|(t, p)| (*t, p.clone())) {
            outer[i] = p.get_clip_from_view() * t.to_matrix().inverse();
        }
    }
    let names: HashMap<&str, usize> = PATTERNS.iter().enumerate().map(|(i, p)| (*p, i)).collect();
    for output in &runtime.outputs {
        let base = format!("/stage/outputs/{}", output.name);
        let gain = registry.f32_or(&format!("{base}/gain"), 1.0)
            * 2f32.powf(registry.f32_or(&format!("{base}/exposure"), 0.0));
        let wb = registry.vec3_or(&format!("{base}/white_balance"), [1.0; 3]);
        let pattern = registry
            .enum_value(&format!("{base}/pattern"))
            .and_then(|p| names.get(p))
            .copied()
            .unwrap_or(0);
        let outline = registry
            .get(&format!("{base}/outline"))
            .ok()
            .and_then(ParamValue::as_bool)
            .unwrap_or(false);
        // An id past the end of the patch list shows black rather than another patch.
        let patch = registry.f32_or(&format!("{base}/patch"), 0.0);
        let signal = usize::try_from(patch as i64)
            .ok()
            .and_then(|id| patches.0.get(id))
            .copied()
            .unwrap_or([0.0; 3]);
        let outer_grade = GradeUniform::new(
            &grade_from_params(&registry, &base).coefficients(),
            output.grade_lut,
        );
        let transfer = match output.transfer {
            Transfer::Srgb => 0.0,
            Transfer::Gamma22 => 1.0,
            Transfer::Gamma24 => 2.0,
            Transfer::Linear => 3.0,
        };
        let params = WarpUniform {
            inner_clip_from_world: clip_from_world,
            inner_params: params,
            chroma,
            outer_clip_from_world: outer,
            eye: runtime.eye.extend(1.0),
            color: Vec4::new(gain * wb[0], gain * wb[1], gain * wb[2], transfer),
            pattern: Vec4::new(
                pattern as f32,
                f32::from(u8::from(outline)),
                runtime.cameras.len() as f32,
                0.0,
            ),
            cabinets: runtime.cabinets,
            inner_grade,
            outer_grade,
            calibration: Vec3::from(signal).extend(1.0),
        };
        // Written in place: changing the material every frame leaked its bind groups.
        live.write(&output.params, &params);
        if let Some((_, window_params)) = &output.window {
            let mut params = params;
            params.pattern.w = 1.0;
            live.write(window_params, &params);
        }
    }
}
