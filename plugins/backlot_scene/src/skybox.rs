//! Equirectangular HDR/EXR skies: converted once to a cube map, drawn as the skybox and
//! used for image-based lighting (Bevy filters the cube map into diffuse/specular maps).

use bevy::asset::RenderAssetUsages;
use bevy::light::{EnvironmentMapLight, GeneratedEnvironmentMapLight, Skybox};
use bevy::prelude::*;
use bevy::render::render_resource::{
    Extent3d, TextureDimension, TextureFormat, TextureUsages, TextureViewDescriptor,
    TextureViewDimension,
};

/// A sky image waiting for (or done with) its cube map, on the scene camera.
#[derive(Component, Debug, Clone)]
pub struct SkyImageSource {
    /// The equirectangular image.
    pub source: Handle<Image>,
    /// The converted cube map, once built.
    pub cubemap: Option<Handle<Image>>,
    /// Degrees about Y.
    pub rotation: f32,
    /// cd/m² for an image value of 1.
    pub exposure: f32,
    /// Frames the real-time filter has run; after a few the result is kept and the filter
    /// stops, since a sky image does not change.
    pub filtered_frames: u32,
}

/// Frames of real-time filtering before the filtered maps are frozen.
const FILTER_FRAMES: u32 = 3;

/// Bevy filters a `GeneratedEnvironmentMapLight` again every frame (it is built for live
/// reflection probes); that costs hundreds of milliseconds a frame on a software renderer.
/// Once the maps exist, keep them as a plain `EnvironmentMapLight` and stop filtering.
/// Cameras whose sky image is still being filtered every frame.
type FilteringSkies<'w, 's> = Query<
    'w,
    's,
    (Entity, &'static mut SkyImageSource),
    (
        With<GeneratedEnvironmentMapLight>,
        With<EnvironmentMapLight>,
    ),
>;

pub(crate) fn freeze_filtered_sky(mut commands: Commands, mut skies: FilteringSkies) {
    for (entity, mut sky) in &mut skies {
        sky.filtered_frames += 1;
        if sky.filtered_frames > FILTER_FRAMES {
            commands
                .entity(entity)
                .remove::<GeneratedEnvironmentMapLight>();
        }
    }
}

/// Cube face size: enough for a soft sky and its reflections, cheap to build.
const FACE: u32 = 256;

pub(crate) fn build_cubemaps(
    mut commands: Commands,
    images: Option<ResMut<Assets<Image>>>,
    mut skies: Query<(Entity, &mut SkyImageSource)>,
) {
    let Some(mut images) = images else {
        return;
    };
    for (entity, mut sky) in &mut skies {
        if sky.cubemap.is_some() {
            continue;
        }
        let Some(source) = images.get(&sky.source) else {
            continue;
        };
        let _span = info_span!("sky_cubemap").entered();
        let cube = equirect_to_cube(&source.clone(), FACE);
        let handle = images.add(cube);
        let rotation = Quat::from_rotation_y(sky.rotation.to_radians());
        commands.entity(entity).insert((
            Skybox {
                image: Some(handle.clone()),
                brightness: sky.exposure,
                rotation,
            },
            GeneratedEnvironmentMapLight {
                environment_map: handle.clone(),
                intensity: sky.exposure,
                rotation,
                affects_lightmapped_mesh_diffuse: true,
            },
        ));
        sky.cubemap = Some(handle);
    }
}

/// Applies live exposure/rotation values to a camera's sky and its image-based light.
pub(crate) fn set_sky(
    sky: &mut SkyImageSource,
    skybox: Option<Mut<Skybox>>,
    generated: Option<Mut<GeneratedEnvironmentMapLight>>,
    env: Option<Mut<EnvironmentMapLight>>,
) {
    let rotation = Quat::from_rotation_y(sky.rotation.to_radians());
    if let Some(mut s) = skybox {
        s.brightness = sky.exposure;
        s.rotation = rotation;
    }
    if let Some(mut e) = generated {
        e.intensity = sky.exposure;
        e.rotation = rotation;
    }
    if let Some(mut e) = env {
        e.intensity = sky.exposure;
        e.rotation = rotation;
    }
}

/// Direction through texel (u, v ∈ −1..1, v down) of cube face `face` (+X −X +Y −Y +Z −Z).
fn face_direction(face: usize, u: f32, v: f32) -> Vec3 {
    match face {
        0 => Vec3::new(1.0, -v, -u),
        1 => Vec3::new(-1.0, -v, u),
        2 => Vec3::new(u, 1.0, v),
        3 => Vec3::new(u, -1.0, -v),
        4 => Vec3::new(u, -v, 1.0),
        _ => Vec3::new(-u, -v, -1.0),
    }
    .normalize()
}

/// Equirect texel coordinates (0..1) of a direction; −Z is the image centre.
fn equirect_uv(d: Vec3) -> Vec2 {
    let lon = d.x.atan2(-d.z);
    let lat = d.y.clamp(-1.0, 1.0).asin();
    Vec2::new(
        0.5 + lon / std::f32::consts::TAU,
        0.5 - lat / std::f32::consts::PI,
    )
}

fn sample(src: &Image, uv: Vec2) -> LinearRgba {
    let (w, h) = (src.width().max(1), src.height().max(1));
    let x = (uv.x.rem_euclid(1.0) * w as f32) as u32 % w;
    let y = ((uv.y.clamp(0.0, 1.0) * h as f32) as u32).min(h - 1);
    src.get_color_at(x, y)
        .map(|c| c.to_linear())
        .unwrap_or(LinearRgba::BLACK)
}

/// Resamples an equirectangular image into a six-face RGBA16F cube map.
pub fn equirect_to_cube(src: &Image, face: u32) -> Image {
    let mut data = Vec::with_capacity((face * face * 6 * 8) as usize);
    for f in 0..6 {
        for y in 0..face {
            for x in 0..face {
                let u = (x as f32 + 0.5) / face as f32 * 2.0 - 1.0;
                let v = (y as f32 + 0.5) / face as f32 * 2.0 - 1.0;
                let c = sample(src, equirect_uv(face_direction(f, u, v)));
                for channel in [c.red, c.green, c.blue, 1.0] {
                    data.extend_from_slice(&f32_to_f16(channel.clamp(0.0, 65000.0)).to_le_bytes());
                }
            }
        }
    }
    let mut image = Image::new(
        Extent3d {
            width: face,
            height: face,
            depth_or_array_layers: 6,
        },
        TextureDimension::D2,
        data,
        TextureFormat::Rgba16Float,
        RenderAssetUsages::RENDER_WORLD,
    );
    image.texture_view_descriptor = Some(TextureViewDescriptor {
        dimension: Some(TextureViewDimension::Cube),
        ..default()
    });
    image.texture_descriptor.usage |= TextureUsages::TEXTURE_BINDING | TextureUsages::COPY_DST;
    image
}

/// IEEE 754 half from f32 (round toward zero; sky values need no more).
fn f32_to_f16(v: f32) -> u16 {
    let bits = v.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exp = ((bits >> 23) & 0xff) as i32 - 127 + 15;
    let mantissa = bits & 0x7f_ffff;
    if exp <= 0 {
        sign
    } else if exp >= 31 {
        sign | 0x7bff
    } else {
        sign | ((exp as u16) << 10) | (mantissa >> 13) as u16
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_floats() {
        assert_eq!(f32_to_f16(1.0), 0x3c00);
        assert_eq!(f32_to_f16(0.5), 0x3800);
        assert_eq!(f32_to_f16(-2.0), 0xc000);
        assert_eq!(f32_to_f16(0.0), 0);
        assert_eq!(f32_to_f16(1e9), 0x7bff);
    }

    #[test]
    fn forward_is_image_centre_and_up_is_top() {
        let c = equirect_uv(Vec3::NEG_Z);
        assert!((c - Vec2::new(0.5, 0.5)).length() < 1e-5, "{c:?}");
        assert!(equirect_uv(Vec3::Y).y < 1e-3);
        // Every face's centre points along its axis.
        let axes = [
            Vec3::X,
            Vec3::NEG_X,
            Vec3::Y,
            Vec3::NEG_Y,
            Vec3::Z,
            Vec3::NEG_Z,
        ];
        for (f, axis) in axes.iter().enumerate() {
            assert!(
                (face_direction(f, 0.0, 0.0) - *axis).length() < 1e-5,
                "face {f}"
            );
        }
    }
}
