//! The outputs: per processor output, a canvas image drawn by a warp quad (each canvas pixel
//! looked up on the wall, graded inner frustums over the graded outer cube, then the
//! output's colour pipeline) and the camera drawing it.

use bevy::camera::visibility::RenderLayers;
use bevy::camera::{RenderTarget, ScalingMode};
use bevy::core_pipeline::tonemapping::{DebandDither, Tonemapping};
use bevy::prelude::*;
use bevy::render::render_resource::TextureFormat;

use super::windows::spawn_output_window;
use super::{Spawner, image};
use crate::format::{CubeLut, OutputMap, SectionGeometry, StageFile};
use crate::lut::{lut_image, output_lut};
use crate::state::{OutputRuntime, StageRuntime};
use crate::warp::{WarpMaterial, WarpUniform};

/// Spawns each output of `file` that maps onto `sections` (canvas image, warp material,
/// quad and camera, and its window when outputs get windows) under `root`, drawing the
/// inner renders in `rt.cameras` (`black` where a camera is missing) over the outer cube
/// faces, and records them in `rt.outputs`.
pub(super) fn spawn_outputs(
    spawner: &mut Spawner,
    rt: &mut StageRuntime,
    file: &StageFile,
    sections: &[(String, SectionGeometry)],
    outer_images: &[Handle<Image>],
    black: &Handle<Image>,
    root: Entity,
) {
    let quad = spawner.meshes.add(Rectangle::new(2.0, 2.0));
    let identity_lut = spawner.images.add(lut_image(&CubeLut::identity(2)));
    for (i, output) in file.outputs.iter().enumerate() {
        // Another render node of the cluster draws it.
        if !spawner.drawn.draws(&output.name.0) {
            continue;
        }
        let Ok(map) = OutputMap::new(output, sections) else {
            continue;
        };
        let [w, h] = output.canvas;
        let mut positions = Vec::with_capacity((w * h * 16) as usize);
        let mut info = Vec::with_capacity((w * h * 8) as usize);
        for y in 0..h {
            for x in 0..w {
                let (p, inf) = match map.lookup(x, y) {
                    Some((s, sx, sy)) => {
                        let p = sections[s].1.position(sx as f32 + 0.5, sy as f32 + 0.5);
                        ([p.x, p.y, p.z, 1.0], [s as u16, sx as u16, sy as u16, 1])
                    }
                    None => ([0.0; 4], [0; 4]),
                };
                p.iter()
                    .for_each(|v| positions.extend_from_slice(&v.to_le_bytes()));
                inf.iter()
                    .for_each(|v| info.extend_from_slice(&v.to_le_bytes()));
            }
        }
        let size = UVec2::new(w, h);
        let canvas = spawner
            .images
            .add(image(size, TextureFormat::Rgba8Unorm, None));
        let asset_root = spawner.asset_root.as_deref().and_then(|r| r.0.as_deref());
        let lut = match output_lut(asset_root, file, output) {
            Ok(Some(lut)) => spawner.images.add(lut_image(&lut)),
            Ok(None) => identity_lut.clone(),
            Err(e) => {
                // The show goes on without the LUT rather than without the output.
                error!("output `{}`: {e}; showing it without its LUT", output.name);
                identity_lut.clone()
            }
        };
        let inner = |k: usize| rt.cameras.get(k).map_or(black.clone(), |c| c.image.clone());
        let params = spawner
            .live
            .create(&mut spawner.buffers, &WarpUniform::default());
        let material = spawner.materials.add(WarpMaterial {
            params: params.clone(),
            positions: spawner
                .images
                .add(image(size, TextureFormat::Rgba32Float, Some(positions))),
            info: spawner
                .images
                .add(image(size, TextureFormat::Rgba16Uint, Some(info))),
            inner0: inner(0),
            inner1: inner(1),
            inner2: inner(2),
            inner3: inner(3),
            outer_px: outer_images[0].clone(),
            outer_nx: outer_images[1].clone(),
            outer_py: outer_images[2].clone(),
            outer_ny: outer_images[3].clone(),
            outer_pz: outer_images[4].clone(),
            outer_nz: outer_images[5].clone(),
            lut,
            grade_luts: rt.grade_luts.image.clone(),
        });
        spawn_warp_view(
            &mut spawner.commands,
            format!("output {}", output.name),
            (&quad, &material),
            10 + i,
            RenderTarget::Image(canvas.clone().into()),
            root,
        );
        let window_output = if spawner.windows.is_some() {
            let Some(window) = spawn_output_window(spawner, i, output, &material, &quad, root)
            else {
                continue;
            };
            Some(window)
        } else {
            None
        };
        rt.outputs.push(OutputRuntime {
            name: output.name.0.clone(),
            image: canvas,
            _material: material,
            params,
            window: window_output,
            transfer: output.color.transfer,
            grade_lut: rt.grade_luts.outputs.get(&output.name.0).copied(),
        });
    }
}

/// An output's warp quad on render layer `layer` and the camera that draws it into
/// `target`, untouched: no tonemapping, dither or MSAA. Cameras order by layer.
pub(super) fn spawn_warp_view(
    commands: &mut Commands,
    name: String,
    (quad, material): (&Handle<Mesh>, &Handle<WarpMaterial>),
    layer: usize,
    target: RenderTarget,
    root: Entity,
) {
    let layers = RenderLayers::layer(layer);
    commands.spawn((
        Name::new(format!("{name} quad")),
        Mesh3d(quad.clone()),
        MeshMaterial3d(material.clone()),
        Transform::from_xyz(0.0, 0.0, -1.0),
        layers.clone(),
        ChildOf(root),
    ));
    commands.spawn((
        Name::new(name),
        Camera3d::default(),
        Camera {
            order: layer as isize,
            clear_color: ClearColorConfig::Custom(Color::BLACK),
            ..default()
        },
        target,
        Projection::Orthographic(OrthographicProjection {
            scaling_mode: ScalingMode::Fixed {
                width: 2.0,
                height: 2.0,
            },
            ..OrthographicProjection::default_3d()
        }),
        Transform::default(),
        Tonemapping::None,
        DebandDither::Disabled,
        Msaa::Off,
        layers,
        ChildOf(root),
    ));
}
