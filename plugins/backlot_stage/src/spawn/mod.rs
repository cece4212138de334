//! Building the stage: when its file (re)loads, everything the last one spawned goes and the
//! outer cube cameras, inner-frustum cameras, and per-output warp quads, cameras and windows
//! are spawned afresh.

mod inner;
mod outer;
mod outputs;
mod windows;

use backlot_params::ParamRegistry;
use backlot_scene::LiveBuffers;
use bevy::asset::RenderAssetUsages;
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat, TextureUsages};
use bevy::render::storage::ShaderBuffer;

use crate::StageAsset;
use crate::format::SectionGeometry;
use crate::grade_luts::grade_luts;
use crate::params::stage_param_specs;
use crate::state::{
    GradeLutLayers, OutputWindows, ReferenceViews, StageAssetRoot, StageCameraOverride,
    StageOutputs, StageRuntime, StageStatus, StageWall,
};
use crate::warp::{MAX_SECTIONS, WarpMaterial};

/// What spawning a stage writes to (commands, asset stores) and the run settings it follows.
#[derive(SystemParam)]
pub(crate) struct Spawner<'w, 's> {
    commands: Commands<'w, 's>,
    images: ResMut<'w, Assets<Image>>,
    meshes: ResMut<'w, Assets<Mesh>>,
    materials: ResMut<'w, Assets<WarpMaterial>>,
    buffers: ResMut<'w, Assets<ShaderBuffer>>,
    live: ResMut<'w, LiveBuffers>,
    reference: Option<Res<'w, ReferenceViews>>,
    windows: Option<Res<'w, OutputWindows>>,
    asset_root: Option<Res<'w, StageAssetRoot>>,
    drawn: Res<'w, StageOutputs>,
}

/// Rebuilds the stage when its file (re)loaded: the old stage's entities go, the new one's
/// are spawned, and its parameters replace the old ones under `/stage`.
pub(crate) fn respawn_stage(
    mut status: ResMut<StageStatus>,
    stages: Res<Assets<StageAsset>>,
    mut runtime: ResMut<StageRuntime>,
    mut registry: ResMut<ParamRegistry>,
    overrides: Option<Res<StageCameraOverride>>,
    mut wall: ResMut<StageWall>,
    mut spawner: Spawner,
) {
    if !status.dirty {
        return;
    }
    let Some(stage) = status.handle.as_ref().and_then(|h| stages.get(h)) else {
        return;
    };
    let mut file = stage.file.clone();
    status.dirty = false;
    if let (Some(o), Some(first)) = (overrides.as_deref(), file.cameras.first_mut()) {
        if let Some([x, y, z, pan, tilt, roll]) = o.pose {
            first.position = [x, y, z];
            (first.pan, first.tilt, first.roll) = (pan, tilt, roll);
        }
        if let Some(fov) = o.fov {
            first.lens = crate::format::LensDef::Fov(backlot_scene::format::Positive(fov));
        }
    }
    if let Some(root) = runtime.root.take() {
        spawner.commands.entity(root).despawn();
    }
    let root = spawner
        .commands
        .spawn((
            Name::new("stage"),
            Transform::default(),
            Visibility::default(),
        ))
        .id();
    let mut rt = StageRuntime {
        root: Some(root),
        ..default()
    };

    let sections: Vec<(String, SectionGeometry)> = file
        .sections
        .iter()
        .filter_map(|s| Some((s.name.0.clone(), SectionGeometry::new(s).ok()?)))
        .collect();
    rt.cabinets = cabinet_grid(&sections);
    let outer_images = outer::spawn_outer_eye(&mut spawner, &mut rt, &file, &sections, root);
    let black = spawner.images.add(image(
        UVec2::ONE,
        TextureFormat::Rgba8UnormSrgb,
        Some(vec![0, 0, 0, 255]),
    ));
    inner::spawn_inner_cameras(&mut spawner, &mut rt, &file, root);
    let luts = grade_luts(
        spawner.asset_root.as_deref().and_then(|r| r.0.as_deref()),
        &file,
        &spawner.drawn,
    );
    for camera in &mut rt.cameras {
        camera.grade_lut = luts.cameras.get(&camera.id).copied();
    }
    rt.grade_luts = GradeLutLayers {
        image: spawner.images.add(luts.image),
        outputs: luts.outputs,
    };
    outputs::spawn_outputs(
        &mut spawner,
        &mut rt,
        &file,
        &sections,
        &outer_images,
        &black,
        root,
    );

    rt.sections = sections.into_iter().map(|(_, g)| g).collect();
    if wall.sections != file.sections {
        wall.sections = file.sections.clone();
    }
    let specs = stage_param_specs(&file);
    registry.replace_under("/stage", specs);
    *runtime = rt;
    status.loads += 1;
    status.error = None;
    status.failed_without_stage = false;
    info!(
        "stage `{}` loaded: {} sections, {} outputs, {} cameras (load #{})",
        file.title,
        file.sections.len(),
        runtime.outputs.len(),
        runtime.cameras.len(),
        status.loads
    );
}

/// Per section (up to [`MAX_SECTIONS`]), for the cabinet grid pattern: LED pixels per
/// cabinet across and down, then cabinets across and down.
fn cabinet_grid(sections: &[(String, SectionGeometry)]) -> [Vec4; MAX_SECTIONS] {
    let mut cabinets = [Vec4::ZERO; MAX_SECTIONS];
    for (i, (_, g)) in sections.iter().take(MAX_SECTIONS).enumerate() {
        let per = [
            g.resolution[0] / g.cabinets[0].max(1),
            g.resolution[1] / g.cabinets[1].max(1),
        ];
        cabinets[i] = Vec4::new(
            per[0] as f32,
            per[1] as f32,
            g.cabinets[0] as f32,
            g.cabinets[1] as f32,
        );
    }
    cabinets
}

/// A 2D image of `size` (at least 1×1) holding `data`, or uninitialised for a render
/// target; usable as a render attachment, a texture, and a copy source.
pub(crate) fn image(size: UVec2, format: TextureFormat, data: Option<Vec<u8>>) -> Image {
    let extent = Extent3d {
        width: size.x.max(1),
        height: size.y.max(1),
        depth_or_array_layers: 1,
    };
    let mut image = match data {
        Some(data) => Image::new(
            extent,
            TextureDimension::D2,
            data,
            format,
            RenderAssetUsages::RENDER_WORLD,
        ),
        None => Image::new_uninit(
            extent,
            TextureDimension::D2,
            format,
            RenderAssetUsages::RENDER_WORLD,
        ),
    };
    image.texture_descriptor.usage |=
        TextureUsages::RENDER_ATTACHMENT | TextureUsages::TEXTURE_BINDING | TextureUsages::COPY_SRC;
    image
}

/// Vertical fov (radians) from a horizontal fov (degrees) widened by overscan (percent).
pub(crate) fn vertical_fov(hfov_deg: f32, overscan_pct: f32, aspect: f32) -> f32 {
    let half_w = (hfov_deg.to_radians() * 0.5).tan() * (1.0 + overscan_pct / 100.0);
    2.0 * (half_w / aspect).atan()
}
