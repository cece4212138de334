//! The meshes and standard materials of a scene's primitives.

use bevy::image::{ImageAddressMode, ImageLoaderSettings, ImageSampler, ImageSamplerDescriptor};
use bevy::prelude::*;

use crate::format::{AssetRef, MaterialDef, ShapeDef};
use crate::spawn::srgb;

pub(crate) fn primitive_mesh(shape: &ShapeDef) -> Mesh {
    match shape {
        ShapeDef::Plane { size } => Plane3d::default().mesh().size(size[0].0, size[1].0).build(),
        ShapeDef::Box { size } => Cuboid::new(size[0].0, size[1].0, size[2].0).into(),
        ShapeDef::Sphere { radius } => Sphere::new(radius.0).mesh().uv(48, 24),
        ShapeDef::Cylinder { radius, height } => Cylinder::new(radius.0, height.0)
            .mesh()
            .resolution(48)
            .build(),
        ShapeDef::Capsule { radius, length } => Capsule3d::new(radius.0, length.0).into(),
        ShapeDef::Torus {
            minor_radius,
            major_radius,
        } => Torus {
            minor_radius: minor_radius.0,
            major_radius: major_radius.0,
        }
        .mesh()
        .minor_resolution(24)
        .major_resolution(64)
        .build(),
        // glTF is loaded, not built; an empty mesh never reaches here.
        ShapeDef::Gltf { .. } => Mesh::from(Cuboid::default()),
    }
}

pub(crate) fn emissive_linear(color: [f32; 3], strength: f32) -> LinearRgba {
    let c = Color::srgb(color[0], color[1], color[2]).to_linear();
    LinearRgba::rgb(c.red * strength, c.green * strength, c.blue * strength)
}

/// Loads a texture that tiles (repeat addressing); `srgb` false for data such as normal maps.
fn load_texture(
    server: Option<&AssetServer>,
    path: &Option<AssetRef>,
    srgb: bool,
) -> Option<Handle<Image>> {
    let path = path.as_ref()?.0.clone();
    Some(
        server?
            .load_builder()
            .with_settings(move |s: &mut ImageLoaderSettings| {
                s.is_srgb = srgb;
                s.sampler = ImageSampler::Descriptor(ImageSamplerDescriptor {
                    address_mode_u: ImageAddressMode::Repeat,
                    address_mode_v: ImageAddressMode::Repeat,
                    // No anisotropic filtering: it costs ~4x frame time on software renderers.
                    ..ImageSamplerDescriptor::linear()
                });
            })
            .load(path),
    )
}

pub(crate) fn material(def: &MaterialDef, server: Option<&AssetServer>) -> StandardMaterial {
    StandardMaterial {
        base_color: srgb(&def.base_color),
        base_color_texture: load_texture(server, &def.base_color_texture, true),
        emissive: emissive_linear(def.emissive.to_srgb(), def.emissive_strength.0),
        emissive_texture: load_texture(server, &def.emissive_texture, true),
        normal_map_texture: load_texture(server, &def.normal_map, false),
        metallic: def.metallic.0,
        perceptual_roughness: def.roughness.0.max(0.045),
        unlit: def.unlit,
        double_sided: def.double_sided,
        cull_mode: if def.double_sided {
            None
        } else {
            Some(bevy::render::render_resource::Face::Back)
        },
        uv_transform: bevy::math::Affine2::from_scale(Vec2::new(
            def.uv_scale[0].0,
            def.uv_scale[1].0,
        )),
        ..default()
    }
}
