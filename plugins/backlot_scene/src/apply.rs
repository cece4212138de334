//! Parameter values → components, in the same frame they were set.

use backlot_params::{ParamRegistry, ParamValue};
use bevy::camera::Exposure;
use bevy::pbr::{DistanceFog, FogFalloff};
use bevy::prelude::*;

use crate::SceneIndex;
use crate::animation::Animated;
use crate::emissive::{LiveEmissiveBuffer, values_of};
use crate::format::ParamTarget;
use crate::live_buffer::LiveBuffers;
use crate::sky::SkyDome;
use crate::skybox::{SkyImageSource, set_sky};
use crate::spawn::{
    BaseTransform, SceneCamera, SceneLight, emissive_linear, euler_deg, look_transform,
};
use bevy::light::{EnvironmentMapLight, GeneratedEnvironmentMapLight, Skybox};

type LightQuery<'w, 's> = Query<
    'w,
    's,
    (
        &'static mut SceneLight,
        Option<&'static mut PointLight>,
        Option<&'static mut SpotLight>,
        Option<&'static mut DirectionalLight>,
    ),
>;

type CameraQuery<'w, 's> = Query<
    'w,
    's,
    (
        &'static mut SceneCamera,
        &'static mut Transform,
        &'static mut Projection,
        &'static mut Exposure,
        &'static mut AmbientLight,
        Option<&'static mut DistanceFog>,
        Option<&'static mut SkyImageSource>,
        Option<&'static mut Skybox>,
        Option<&'static mut GeneratedEnvironmentMapLight>,
        Option<&'static mut EnvironmentMapLight>,
    ),
>;

#[allow(clippy::too_many_arguments)]
pub(crate) fn apply_scene_params(
    registry: Res<ParamRegistry>,
    mut index: ResMut<SceneIndex>,
    mut lights: LightQuery,
    mut items: Query<
        (&mut BaseTransform, &mut Visibility, Option<&mut Animated>),
        Without<SceneCamera>,
    >,
    mut cameras: CameraQuery,
    emissive_buffers: Query<&LiveEmissiveBuffer>,
    mut live: ResMut<LiveBuffers>,
    skies: Query<&LiveEmissiveBuffer, With<SkyDome>>,
) {
    if registry.generation() == index.applied_generation {
        return;
    }
    let since = index.applied_generation;
    index.applied_generation = registry.generation();
    let _span = info_span!("apply_scene_params").entered();
    for entry in registry.changed_since(since) {
        let Some(target) = index.targets.get(entry.spec.address.as_str()) else {
            continue;
        };
        let value = &entry.value;
        let entity_of = |name: &str| index.by_name.get(name).copied();
        match target {
            ParamTarget::LightIntensity(name)
            | ParamTarget::LightEnabled(name)
            | ParamTarget::LightColor(name) => {
                let Some(Ok((mut light, point, spot, dir))) =
                    entity_of(name).map(|e| lights.get_mut(e))
                else {
                    continue;
                };
                let mut color = None;
                match (target, value) {
                    (ParamTarget::LightIntensity(_), v) => {
                        light.intensity = v.as_f32().unwrap_or(light.intensity)
                    }
                    (ParamTarget::LightEnabled(_), v) => {
                        light.enabled = v.as_bool().unwrap_or(light.enabled)
                    }
                    (_, ParamValue::Color([r, g, b])) => color = Some(Color::srgb(*r, *g, *b)),
                    _ => {}
                }
                let intensity = if light.enabled { light.intensity } else { 0.0 };
                if let Some(mut l) = point {
                    l.intensity = intensity;
                    l.color = color.unwrap_or(l.color);
                }
                if let Some(mut l) = spot {
                    l.intensity = intensity;
                    l.color = color.unwrap_or(l.color);
                }
                if let Some(mut l) = dir {
                    l.illuminance = intensity;
                    l.color = color.unwrap_or(l.color);
                }
            }
            ParamTarget::Position(name)
            | ParamTarget::Rotation(name)
            | ParamTarget::Scale(name)
            | ParamTarget::Visible(name) => {
                let Some(Ok((mut base, mut visibility, _))) =
                    entity_of(name).map(|e| items.get_mut(e))
                else {
                    continue;
                };
                match (target, value) {
                    (ParamTarget::Position(_), ParamValue::Vec3(p)) => {
                        base.0.translation = Vec3::from(*p)
                    }
                    (ParamTarget::Rotation(_), ParamValue::Vec3(r)) => {
                        base.0.rotation = euler_deg(*r)
                    }
                    (ParamTarget::Scale(_), ParamValue::Vec3(s)) => base.0.scale = Vec3::from(*s),
                    (ParamTarget::Visible(_), ParamValue::Bool(v)) => {
                        *visibility = if *v {
                            Visibility::Inherited
                        } else {
                            Visibility::Hidden
                        };
                    }
                    _ => {}
                }
            }
            ParamTarget::AnimationSpeed(name) => {
                if let Some(Ok((_, _, Some(mut anim)))) = entity_of(name).map(|e| items.get_mut(e))
                {
                    anim.speed = value.as_f32().unwrap_or(anim.speed);
                }
            }
            ParamTarget::EmissiveStrength(name) | ParamTarget::EmissiveColor(name) => {
                let Some(Ok(buffer)) = entity_of(name).map(|e| emissive_buffers.get(e)) else {
                    continue;
                };
                let strength_addr = format!("/scene/entities/{name}/emissive");
                let color_addr = format!("/scene/entities/{name}/emissive_color");
                let strength = registry
                    .get(&strength_addr)
                    .ok()
                    .and_then(ParamValue::as_f32)
                    .unwrap_or(0.0);
                let color = registry
                    .get(&color_addr)
                    .ok()
                    .and_then(ParamValue::as_vec3)
                    .unwrap_or([1.0; 3]);
                // Written in place: the material is not touched (see `live_buffer`).
                live.write(&buffer.0, &values_of(emissive_linear(color, strength)));
            }
            ParamTarget::SkyExposure | ParamTarget::SkyRotation => {
                if let (ParamTarget::SkyExposure, Some(buffer), Some(v)) =
                    (target, skies.iter().next(), value.as_f32())
                {
                    live.write(&buffer.0, &values_of(emissive_linear([1.0; 3], v)));
                }
                for (_, _, _, _, _, _, sky, skybox, generated, env) in &mut cameras {
                    if let (Some(mut sky), Some(v)) = (sky, value.as_f32()) {
                        match target {
                            ParamTarget::SkyExposure => sky.exposure = v,
                            _ => sky.rotation = v,
                        }
                        set_sky(&mut sky, skybox, generated, env);
                    }
                }
            }
            ParamTarget::CameraPosition
            | ParamTarget::CameraLookAt
            | ParamTarget::CameraFov
            | ParamTarget::CameraExposure
            | ParamTarget::AmbientBrightness
            | ParamTarget::AmbientColor
            | ParamTarget::FogDensity
            | ParamTarget::FogColor => {
                for (mut cam, mut transform, mut projection, mut exposure, mut ambient, fog, ..) in
                    &mut cameras
                {
                    match (target, value) {
                        (ParamTarget::CameraPosition, ParamValue::Vec3(p)) => {
                            cam.position = Vec3::from(*p)
                        }
                        (ParamTarget::CameraLookAt, ParamValue::Vec3(p)) => {
                            cam.look_at = Vec3::from(*p)
                        }
                        (ParamTarget::CameraFov, v) => {
                            if let (Projection::Perspective(p), Some(fov)) =
                                (projection.as_mut(), v.as_f32())
                            {
                                p.fov = fov.to_radians();
                            }
                        }
                        (ParamTarget::CameraExposure, v) => {
                            exposure.ev100 = v.as_f32().unwrap_or(exposure.ev100)
                        }
                        (ParamTarget::AmbientBrightness, v) => {
                            ambient.brightness = v.as_f32().unwrap_or(ambient.brightness)
                        }
                        (ParamTarget::AmbientColor, ParamValue::Color([r, g, b])) => {
                            ambient.color = Color::srgb(*r, *g, *b)
                        }
                        (ParamTarget::FogDensity, v) => {
                            if let (Some(mut fog), Some(d)) = (fog, v.as_f32()) {
                                fog.falloff = FogFalloff::Exponential { density: d };
                            }
                        }
                        (ParamTarget::FogColor, ParamValue::Color([r, g, b])) => {
                            if let Some(mut fog) = fog {
                                fog.color = Color::srgb(*r, *g, *b);
                            }
                        }
                        _ => {}
                    }
                    *transform = look_transform(cam.position, cam.look_at);
                }
            }
            // Physics targets are applied by the physics systems.
            ParamTarget::Push(_) | ParamTarget::PhysicsEnabled | ParamTarget::PhysicsReset => {}
        }
    }
}
