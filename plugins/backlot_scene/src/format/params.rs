//! The live parameters a scene declares, and what each one drives.

use backlot_params::{ParamAddress, ParamSpec, ParamValue};

use super::{AnimationDef, BackgroundDef, BodyKind, LightKind, SceneFile};

/// What a scene parameter drives; the Bevy side applies it to the matching entity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ParamTarget {
    /// Lux or lumens of the named light.
    LightIntensity(String),
    /// Colour of the named light.
    LightColor(String),
    /// Whether the named light is on.
    LightEnabled(String),
    /// Base position of the named entity or light.
    Position(String),
    /// Base rotation (Euler degrees) of the named entity.
    Rotation(String),
    /// Scale of the named entity.
    Scale(String),
    /// Visibility of the named entity.
    Visible(String),
    /// Emissive luminance of the named entity's material.
    EmissiveStrength(String),
    /// Emissive colour of the named entity's material.
    EmissiveColor(String),
    /// Animation speed of the named entity or light.
    AnimationSpeed(String),
    /// Applies the named body's configured impulse.
    Push(String),
    /// Scene camera position.
    CameraPosition,
    /// Scene camera look-at point.
    CameraLookAt,
    /// Scene camera vertical field of view.
    CameraFov,
    /// Scene camera exposure (EV100).
    CameraExposure,
    /// Gradient sky luminance.
    SkyExposure,
    /// HDR sky rotation about the vertical axis.
    SkyRotation,
    /// Ambient light brightness.
    AmbientBrightness,
    /// Ambient light colour.
    AmbientColor,
    /// Fog extinction per metre.
    FogDensity,
    /// Fog colour.
    FogColor,
    /// Whether physics runs.
    PhysicsEnabled,
    /// Puts every body back where the file placed it.
    PhysicsReset,
}

fn addr(segments: &[&str]) -> ParamAddress {
    // Names were validated while parsing; the lossy builder cannot fail either way.
    ParamAddress::from_segments_lossy(segments.iter().copied())
}

/// Every parameter of a scene, in file order, with what it drives.
pub fn scene_param_specs(scene: &SceneFile) -> Vec<(ParamSpec, ParamTarget)> {
    use ParamTarget as T;
    let mut out = Vec::new();
    let cam = &scene.camera;
    out.push((
        ParamSpec::vec3(
            addr(&["scene", "camera", "position"]),
            cam.position,
            -1000.0,
            1000.0,
            "m",
        )
        .with_description("Scene camera position"),
        T::CameraPosition,
    ));
    out.push((
        ParamSpec::vec3(
            addr(&["scene", "camera", "look_at"]),
            cam.look_at,
            -1000.0,
            1000.0,
            "m",
        )
        .with_description("Point the scene camera looks at"),
        T::CameraLookAt,
    ));
    out.push((
        ParamSpec::float(
            addr(&["scene", "camera", "fov"]),
            cam.fov.0,
            5.0,
            150.0,
            "deg",
        )
        .with_description("Vertical field of view"),
        T::CameraFov,
    ));
    out.push((
        ParamSpec::float(
            addr(&["scene", "camera", "exposure"]),
            cam.exposure_ev100,
            -4.0,
            20.0,
            "EV100",
        )
        .with_description("Camera exposure"),
        T::CameraExposure,
    ));

    let env = &scene.environment;
    if let Some(sky) = &env.sky_image {
        let e = sky.exposure.0;
        out.push((
            ParamSpec::float(
                addr(&["scene", "sky", "exposure"]),
                e,
                0.0,
                (e * 4.0).max(10_000.0),
                "cd/m2",
            )
            .with_description("Sky image luminance (background and image-based light)"),
            T::SkyExposure,
        ));
        out.push((
            ParamSpec::float(
                addr(&["scene", "sky", "rotation"]),
                sky.rotation,
                -360.0,
                360.0,
                "deg",
            )
            .with_description("Sky image turn about the vertical axis"),
            T::SkyRotation,
        ));
    } else if let BackgroundDef::Gradient { exposure, .. } = &env.background {
        out.push((
            ParamSpec::float(
                addr(&["scene", "sky", "exposure"]),
                exposure.0,
                0.0,
                (exposure.0 * 4.0).max(10_000.0),
                "cd/m2",
            )
            .with_description("Sky dome luminance"),
            T::SkyExposure,
        ));
    }
    out.push((
        ParamSpec::float(
            addr(&["scene", "ambient", "brightness"]),
            env.ambient.brightness.0,
            0.0,
            (env.ambient.brightness.0 * 4.0).max(2000.0),
            "cd/m2",
        )
        .with_description("Ambient light"),
        T::AmbientBrightness,
    ));
    out.push((
        ParamSpec::color(
            addr(&["scene", "ambient", "color"]),
            env.ambient.color.to_srgb(),
        ),
        T::AmbientColor,
    ));
    if let Some(fog) = &env.fog {
        out.push((
            ParamSpec::float(
                addr(&["scene", "fog", "density"]),
                fog.density.0,
                0.0,
                1.0,
                "1/m",
            )
            .with_description("Haze extinction per metre"),
            T::FogDensity,
        ));
        out.push((
            ParamSpec::color(addr(&["scene", "fog", "color"]), fog.color.to_srgb()),
            T::FogColor,
        ));
    }
    out.push((
        ParamSpec::bool(
            addr(&["scene", "physics", "enabled"]),
            scene.physics.enabled,
        )
        .with_description("Run the rigid-body simulation"),
        T::PhysicsEnabled,
    ));
    out.push((
        ParamSpec::trigger(addr(&["scene", "physics", "reset"]))
            .with_description("Put every body back where the file placed it"),
        T::PhysicsReset,
    ));

    for light in &scene.lights {
        let name = light.name.0.as_str();
        let (unit, floor) = match light.kind {
            LightKind::Directional => ("lx", 200_000.0),
            _ => ("lm", 100_000.0),
        };
        let i = light.intensity.0;
        out.push((
            ParamSpec::float(
                addr(&["scene", "lights", name, "intensity"]),
                i,
                0.0,
                (i * 4.0).max(floor),
                unit,
            )
            .with_description(format!("Intensity of light {name}")),
            T::LightIntensity(name.to_string()),
        ));
        out.push((
            ParamSpec::color(
                addr(&["scene", "lights", name, "color"]),
                light.color.to_srgb(),
            )
            .with_description(format!("Colour of light {name}")),
            T::LightColor(name.to_string()),
        ));
        out.push((
            ParamSpec::bool(addr(&["scene", "lights", name, "enabled"]), true),
            T::LightEnabled(name.to_string()),
        ));
        out.push((
            ParamSpec::vec3(
                addr(&["scene", "lights", name, "position"]),
                light.position,
                -1000.0,
                1000.0,
                "m",
            ),
            T::Position(name.to_string()),
        ));
        if let Some(anim) = &light.animation {
            out.push((
                anim_speed(&["scene", "lights", name, "animation", "speed"], anim),
                T::AnimationSpeed(name.to_string()),
            ));
        }
    }

    for entity in &scene.entities {
        let name = entity.name.0.as_str();
        out.push((
            ParamSpec::vec3(
                addr(&["scene", "entities", name, "position"]),
                entity.position,
                -1000.0,
                1000.0,
                "m",
            ),
            T::Position(name.to_string()),
        ));
        out.push((
            ParamSpec::vec3(
                addr(&["scene", "entities", name, "rotation"]),
                entity.rotation,
                -360.0,
                360.0,
                "deg",
            ),
            T::Rotation(name.to_string()),
        ));
        out.push((
            ParamSpec::vec3(
                addr(&["scene", "entities", name, "scale"]),
                entity.scale,
                0.001,
                100.0,
                "",
            ),
            T::Scale(name.to_string()),
        ));
        out.push((
            ParamSpec::bool(
                addr(&["scene", "entities", name, "visible"]),
                entity.visible,
            ),
            T::Visible(name.to_string()),
        ));
        let m = &entity.material;
        if m.emissive_strength.0 > 0.0 {
            out.push((
                ParamSpec::float(
                    addr(&["scene", "entities", name, "emissive"]),
                    m.emissive_strength.0,
                    0.0,
                    (m.emissive_strength.0 * 4.0).max(10_000.0),
                    "cd/m2",
                )
                .with_description(format!("Glow of {name}")),
                T::EmissiveStrength(name.to_string()),
            ));
            out.push((
                ParamSpec::color(
                    addr(&["scene", "entities", name, "emissive_color"]),
                    m.emissive.to_srgb(),
                ),
                T::EmissiveColor(name.to_string()),
            ));
        }
        if let Some(anim) = &entity.animation {
            out.push((
                anim_speed(&["scene", "entities", name, "animation", "speed"], anim),
                T::AnimationSpeed(name.to_string()),
            ));
        }
        if let Some(body) = &entity.body
            && body.kind == BodyKind::Dynamic
            && body.push.is_some()
        {
            out.push((
                ParamSpec::trigger(addr(&["scene", "entities", name, "push"]))
                    .with_description(format!("Give {name} its configured push")),
                T::Push(name.to_string()),
            ));
        }
    }
    // The file is the authority on its own values: each range widens to hold the default,
    // so registering (which clamps a default into its range) never moves what the file
    // placed (desert_road's mesas are scaled past 100).
    for (spec, _) in &mut out {
        widen_to_default(spec);
    }
    out
}

fn widen_to_default(spec: &mut ParamSpec) {
    let Some((lo, hi)) = spec.range else {
        return;
    };
    let values: &[f32] = match &spec.default {
        ParamValue::Float(v) => std::slice::from_ref(v),
        ParamValue::Vec3(v) | ParamValue::Color(v) => v,
        _ => return,
    };
    let lo = values.iter().copied().fold(lo, f32::min);
    let hi = values.iter().copied().fold(hi, f32::max);
    spec.range = Some((lo, hi));
}

fn anim_speed(segments: &[&str], anim: &AnimationDef) -> ParamSpec {
    let speed = anim.speed();
    let (lo, hi) = match anim {
        AnimationDef::Bob { .. } => (0.0, (speed.abs() * 4.0).max(10.0)),
        _ => {
            let m = (speed.abs() * 4.0).max(720.0);
            (-m, m)
        }
    };
    ParamSpec::float(addr(segments), speed, lo, hi, anim.speed_unit())
        .with_description("Animation speed")
}
