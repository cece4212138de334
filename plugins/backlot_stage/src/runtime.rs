//! The live stage: outer cube cameras, inner-frustum cameras, one warp quad and camera per
//! output, parameters, and per-frame uniform updates.

use std::collections::HashMap;

use backlot_params::{ParamAddress, ParamKind, ParamRegistry, ParamSpec, ParamValue};
use backlot_scene::SharesSceneLook;
use bevy::asset::{AssetLoadFailedEvent, RenderAssetUsages};
use bevy::camera::visibility::RenderLayers;
use bevy::camera::{CameraProjection, Hdr, RenderTarget, ScalingMode};
use bevy::core_pipeline::tonemapping::{DebandDither, Tonemapping};
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat, TextureUsages};

use crate::format::{
    CameraMode, CubeLut, InnerResolution, OutputMap, SectionGeometry, StageFile, Transfer,
    camera_rotation,
};
use crate::warp::{MAX_CAMERAS, MAX_SECTIONS, WarpMaterial, WarpUniform};
use crate::{StageAsset, StageSource};
use backlot_scene::LiveBuffers;
use bevy::render::storage::ShaderBuffer;

/// Test patterns, in parameter order.
pub const PATTERNS: [&str; 9] = [
    "live",
    "cabinet_grid",
    "color_bars",
    "red",
    "green",
    "blue",
    "white",
    "black",
    "checkerboard",
];

/// Camera modes as parameter options.
const MODES: [&str; 3] = ["off", "normal", "chroma_key"];

/// Load state of the stage file.
#[derive(Resource, Debug, Default)]
pub struct StageStatus {
    /// The stage file's handle.
    pub handle: Option<Handle<StageAsset>>,
    /// How many times it has been (re)built.
    pub loads: u32,
    /// Last load error, cleared by the next good load.
    pub error: Option<String>,
    /// True when a load failed before any good stage was up.
    pub failed_without_stage: bool,
    dirty: bool,
}

/// Overrides for the first camera (CLI `--camera-pose`, `--fov`).
#[derive(Resource, Debug, Clone, Default)]
pub struct StageCameraOverride {
    /// x, y, z (m), pan, tilt, roll (degrees).
    pub pose: Option<[f32; 6]>,
    /// Horizontal field of view, degrees.
    pub fov: Option<f32>,
}

/// Render a reference view per camera (its lens, no overscan) at this size.
#[derive(Resource, Debug, Clone, Copy)]
pub struct ReferenceViews(pub UVec2);

/// Where `assets/` is (LUT files are read from there).
#[derive(Resource, Debug, Clone, Default)]
pub struct StageAssetRoot(pub Option<std::path::PathBuf>);

/// Reads and parses a `.cube` LUT under the asset root.
fn load_lut(root: Option<&std::path::Path>, path: &str) -> Result<CubeLut, String> {
    let full = root.map_or_else(|| std::path::PathBuf::from(path), |r| r.join(path));
    let text = std::fs::read_to_string(&full).map_err(|e| format!("{}: {e}", full.display()))?;
    CubeLut::parse(&text).map_err(|e| e.to_string())
}

/// A LUT as a 3D RGBA16F texture.
fn lut_image(lut: &CubeLut) -> Image {
    let n = lut.size as u32;
    let mut data = Vec::with_capacity(lut.data.len() * 8);
    for rgb in &lut.data {
        for c in [rgb[0], rgb[1], rgb[2], 1.0] {
            // Rounded to nearest, as the GPU would convert it.
            data.extend_from_slice(&half::f16::from_f32(c).to_bits().to_le_bytes());
        }
    }
    Image::new(
        Extent3d {
            width: n,
            height: n,
            depth_or_array_layers: n,
        },
        TextureDimension::D3,
        data,
        TextureFormat::Rgba16Float,
        RenderAssetUsages::RENDER_WORLD,
    )
}

/// Open one window per output (live runs with a display), placed as the stage file says.
#[derive(Resource, Debug, Clone, Copy)]
pub struct OutputWindows;

/// A built output.
#[derive(Debug, Clone)]
pub struct OutputRuntime {
    /// Its name.
    pub name: String,
    /// The canvas image (what the processor receives).
    pub image: Handle<Image>,
    /// Kept so the material lives as long as the output.
    _material: Handle<WarpMaterial>,
    /// Its warp values, written in place every frame (the material never changes).
    params: Handle<ShaderBuffer>,
    /// The material drawing this output into its window, and its values, if it has one.
    window: Option<(Handle<WarpMaterial>, Handle<ShaderBuffer>)>,
    transfer: Transfer,
}

/// A built tracked camera.
#[derive(Debug, Clone)]
pub struct CameraRuntime {
    /// Tracker id.
    pub id: u32,
    /// Its inner-frustum render camera.
    pub entity: Entity,
    /// The inner render.
    pub image: Handle<Image>,
    /// Reference view (lens only) when requested.
    pub reference: Option<(Entity, Handle<Image>)>,
    aspect: f32,
    chroma: [f32; 3],
    markers: f32,
    /// Largest inner width when the resolution adapts to the wall pixels covered.
    adaptive_max: Option<u32>,
    /// Current inner render size.
    size: UVec2,
}

/// Everything the current stage spawned.
#[derive(Resource, Debug, Default)]
pub struct StageRuntime {
    root: Option<Entity>,
    /// Outputs in file order.
    pub outputs: Vec<OutputRuntime>,
    /// Cameras in ascending priority.
    pub cameras: Vec<CameraRuntime>,
    outer: Vec<Entity>,
    sections: Vec<SectionGeometry>,
    eye: Vec3,
    cabinets: [Vec4; MAX_SECTIONS],
}

/// Marks an inner-frustum camera.
#[derive(Component, Debug)]
pub struct InnerCamera {
    /// Tracker id.
    pub id: u32,
}

pub(crate) fn start_loading(
    source: Option<Res<StageSource>>,
    server: Res<AssetServer>,
    mut status: ResMut<StageStatus>,
) {
    if let Some(source) = source {
        status.handle = Some(server.load::<StageAsset>(source.asset_path.clone()));
    }
}

pub(crate) fn watch_stage_assets(
    mut events: MessageReader<AssetEvent<StageAsset>>,
    mut failures: MessageReader<AssetLoadFailedEvent<StageAsset>>,
    mut status: ResMut<StageStatus>,
) {
    let Some(id) = status.handle.as_ref().map(Handle::id) else {
        return;
    };
    for event in events.read() {
        if let AssetEvent::LoadedWithDependencies { id: e } | AssetEvent::Modified { id: e } = event
            && *e == id
        {
            status.dirty = true;
        }
    }
    for failure in failures.read().filter(|f| f.id == id) {
        let message = backlot_scene::scene_error_text(&failure.error);
        if status.loads > 0 {
            error!("{message}\n(keeping the last good stage)");
        } else {
            error!("{message}");
            status.failed_without_stage = true;
        }
        status.error = Some(message);
    }
}

fn image(size: UVec2, format: TextureFormat, data: Option<Vec<u8>>) -> Image {
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
fn vertical_fov(hfov_deg: f32, overscan_pct: f32, aspect: f32) -> f32 {
    let half_w = (hfov_deg.to_radians() * 0.5).tan() * (1.0 + overscan_pct / 100.0);
    2.0 * (half_w / aspect).atan()
}

fn addr(segments: &[&str]) -> ParamAddress {
    ParamAddress::from_segments_lossy(segments.iter().copied())
}

/// Every parameter a stage declares.
pub fn stage_param_specs(stage: &StageFile) -> Vec<ParamSpec> {
    let mut out = Vec::new();
    for c in &stage.cameras {
        let id = c.id.to_string();
        let id = id.as_str();
        out.push(ParamSpec::float(
            addr(&["stage", "cameras", id, "overscan"]),
            c.overscan.0,
            0.0,
            100.0,
            "%",
        ));
        out.push(ParamSpec::float(
            addr(&["stage", "cameras", id, "soft_edge"]),
            c.soft_edge.0,
            0.0,
            0.5,
            "",
        ));
        let mode = match c.mode {
            CameraMode::Off => "off",
            CameraMode::Normal => "normal",
            CameraMode::ChromaKey { .. } => "chroma_key",
        };
        out.push(ParamSpec::new(
            addr(&["stage", "cameras", id, "mode"]),
            ParamKind::Enum(MODES.iter().map(|s| s.to_string()).collect()),
            ParamValue::Enum(mode.into()),
        ));
        out.push(ParamSpec::vec3(
            addr(&["stage", "cameras", id, "position"]),
            c.position,
            -100.0,
            100.0,
            "m",
        ));
        out.push(ParamSpec::vec3(
            addr(&["stage", "cameras", id, "rotation"]),
            [c.pan, c.tilt, c.roll],
            -360.0,
            360.0,
            "deg",
        ));
        out.push(ParamSpec::float(
            addr(&["stage", "cameras", id, "fov"]),
            c.lens.horizontal_fov_deg(),
            1.0,
            170.0,
            "deg",
        ));
        // Lens distortion shows the camera more than its pinhole view; tracking updates
        // this as the zoom moves.
        let lens = c.lens.evaluate(0.0, 0.0);
        let half_w = (lens.hfov_deg.to_radians() * 0.5).tan();
        out.push(
            ParamSpec::float(
                addr(&["stage", "cameras", id, "distortion_overscan"]),
                lens.distortion.covering_overscan_pct(half_w, 16.0 / 9.0),
                0.0,
                100.0,
                "%",
            )
            .with_description("Extra overscan covering the lens's distortion"),
        );
    }
    for o in &stage.outputs {
        let n = o.name.0.as_str();
        out.push(ParamSpec::float(
            addr(&["stage", "outputs", n, "gain"]),
            o.color.gain.0,
            0.0,
            4.0,
            "",
        ));
        out.push(ParamSpec::float(
            addr(&["stage", "outputs", n, "exposure"]),
            o.color.exposure,
            -6.0,
            6.0,
            "stops",
        ));
        let wb = o.color.white_balance.map(|g| g.0);
        out.push(
            ParamSpec::new(
                addr(&["stage", "outputs", n, "white_balance"]),
                ParamKind::Vec3,
                ParamValue::Vec3(wb),
            )
            .with_range(0.0, 2.0),
        );
        out.push(ParamSpec::new(
            addr(&["stage", "outputs", n, "pattern"]),
            ParamKind::Enum(PATTERNS.iter().map(|s| s.to_string()).collect()),
            ParamValue::Enum("live".into()),
        ));
        out.push(ParamSpec::bool(
            addr(&["stage", "outputs", n, "outline"]),
            false,
        ));
    }
    out
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

/// A camera that draws an output's warp quad (on `layer`) into `target`, untouched: no
/// tonemapping, dither or MSAA.
fn warp_camera(
    name: String,
    order: isize,
    target: RenderTarget,
    layer: RenderLayers,
    root: Entity,
) -> impl Bundle {
    (
        Name::new(name),
        Camera3d::default(),
        Camera {
            order,
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
        layer,
        ChildOf(root),
    )
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn respawn_stage(
    mut commands: Commands,
    mut status: ResMut<StageStatus>,
    stages: Res<Assets<StageAsset>>,
    mut images: ResMut<Assets<Image>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<WarpMaterial>>,
    mut buffers: ResMut<Assets<ShaderBuffer>>,
    mut live: ResMut<LiveBuffers>,
    mut runtime: ResMut<StageRuntime>,
    mut registry: ResMut<ParamRegistry>,
    overrides: Option<Res<StageCameraOverride>>,
    reference: Option<Res<ReferenceViews>>,
    windows: Option<Res<OutputWindows>>,
    asset_root: Option<Res<StageAssetRoot>>,
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
        commands.entity(root).despawn();
    }
    let root = commands
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
    for (i, (_, g)) in sections.iter().take(MAX_SECTIONS).enumerate() {
        let per = [
            g.resolution[0] / g.cabinets[0].max(1),
            g.resolution[1] / g.cabinets[1].max(1),
        ];
        rt.cabinets[i] = Vec4::new(
            per[0] as f32,
            per[1] as f32,
            g.cabinets[0] as f32,
            g.cabinets[1] as f32,
        );
    }

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
        let handle = images.add(image(face, TextureFormat::Rgba8UnormSrgb, None));
        let e = commands
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

    let black = images.add(image(
        UVec2::ONE,
        TextureFormat::Rgba8UnormSrgb,
        Some(vec![0, 0, 0, 255]),
    ));
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
        let handle = images.add(image(size, TextureFormat::Rgba8UnormSrgb, None));
        let transform = Transform::from_translation(Vec3::from(c.position))
            .with_rotation(camera_rotation(c.pan, c.tilt, c.roll));
        let entity = commands
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
        let reference = reference.as_deref().map(|r| {
            let img = images.add(image(r.0, TextureFormat::Rgba8UnormSrgb, None));
            let raspect = r.0.x as f32 / r.0.y.max(1) as f32;
            let e = commands
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
        });
    }

    let quad = meshes.add(Rectangle::new(2.0, 2.0));
    let identity_lut = images.add(lut_image(&CubeLut::identity(2)));
    for (i, output) in file.outputs.iter().enumerate() {
        let Ok(map) = OutputMap::new(output, &sections) else {
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
        let canvas = images.add(image(size, TextureFormat::Rgba8Unorm, None));
        let lut = match &output.color.lut {
            Some(path) => {
                match load_lut(asset_root.as_deref().and_then(|r| r.0.as_deref()), &path.0) {
                    Ok(lut) => images.add(lut_image(&lut)),
                    Err(e) => {
                        // The show goes on without the LUT rather than without the output.
                        error!(
                            "output `{}`: LUT `{}`: {e}; showing it without the LUT",
                            output.name, path.0
                        );
                        identity_lut.clone()
                    }
                }
            }
            None => identity_lut.clone(),
        };
        let inner = |k: usize| rt.cameras.get(k).map_or(black.clone(), |c| c.image.clone());
        let params = live.create(&mut buffers, &WarpUniform::default());
        let material = materials.add(WarpMaterial {
            params: params.clone(),
            positions: images.add(image(size, TextureFormat::Rgba32Float, Some(positions))),
            info: images.add(image(size, TextureFormat::Rgba16Uint, Some(info))),
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
        });
        let layer = RenderLayers::layer(10 + i);
        commands.spawn((
            Name::new(format!("output {} quad", output.name)),
            Mesh3d(quad.clone()),
            MeshMaterial3d(material.clone()),
            Transform::from_xyz(0.0, 0.0, -1.0),
            layer.clone(),
            ChildOf(root),
        ));
        commands.spawn(warp_camera(
            format!("output {}", output.name),
            10 + i as isize,
            RenderTarget::Image(canvas.clone().into()),
            layer,
            root,
        ));
        let mut window_output = None;
        if windows.is_some() {
            // The processor input as a window: the same quad, drawn again into it.
            let placement = output.window.clone().unwrap_or(crate::format::WindowDef {
                monitor: 0,
                position: [0, 0],
                fullscreen: false,
            });
            let monitor = bevy::window::MonitorSelection::Index(placement.monitor as usize);
            let window = commands
                .spawn((
                    Window {
                        title: format!("backlot output {}", output.name),
                        resolution: (w, h).into(),
                        position: WindowPosition::At(IVec2::from(placement.position)),
                        mode: if placement.fullscreen {
                            bevy::window::WindowMode::BorderlessFullscreen(monitor)
                        } else {
                            bevy::window::WindowMode::Windowed
                        },
                        decorations: !placement.fullscreen,
                        ..default()
                    },
                    ChildOf(root),
                ))
                .id();
            // Window surfaces are sRGB: this copy of the material undoes that encoding so
            // the bytes on the wire are exactly the output signal.
            let window_params = live.create(&mut buffers, &WarpUniform::default());
            let material = materials.get(&material).cloned();
            let Some(material) = material.map(|m| {
                materials.add(WarpMaterial {
                    params: window_params.clone(),
                    ..m
                })
            }) else {
                continue;
            };
            let layer = RenderLayers::layer(40 + i);
            commands.spawn((
                Name::new(format!("output {} window quad", output.name)),
                Mesh3d(quad.clone()),
                MeshMaterial3d(material.clone()),
                Transform::from_xyz(0.0, 0.0, -1.0),
                layer.clone(),
                ChildOf(root),
            ));
            window_output = Some((material.clone(), window_params));
            commands.spawn(warp_camera(
                format!("output {} window", output.name),
                50 + i as isize,
                RenderTarget::Window(bevy::window::WindowRef::Entity(window)),
                layer,
                root,
            ));
        }
        rt.outputs.push(OutputRuntime {
            name: output.name.0.clone(),
            image: canvas,
            _material: material,
            params,
            window: window_output,
            transfer: output.color.transfer,
        });
    }

    rt.sections = sections.into_iter().map(|(_, g)| g).collect();
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

/// Sizes each adaptive inner render to the LED pixels its (overscanned) frustum covers on
/// the wall, so the inner render is neither softer nor heavier than the wall can show.
/// Resizes only on a change of more than a fifth, to avoid reallocating every frame.
fn adapt_inner_resolution(
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
        let position = Vec3::from(param_vec3(
            registry,
            &format!("{base}/position"),
            [0.0, 1.7, 4.0],
        ));
        let [pan, tilt, roll] = param_vec3(registry, &format!("{base}/rotation"), [0.0; 3]);
        let fov = param_f32(registry, &format!("{base}/fov"), 40.0);
        let overscan = param_f32(registry, &format!("{base}/overscan"), 10.0);
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

fn param_f32(registry: &ParamRegistry, address: &str, default: f32) -> f32 {
    registry
        .get(address)
        .ok()
        .and_then(ParamValue::as_f32)
        .unwrap_or(default)
}

fn param_vec3(registry: &ParamRegistry, address: &str, default: [f32; 3]) -> [f32; 3] {
    registry
        .get(address)
        .ok()
        .and_then(ParamValue::as_vec3)
        .unwrap_or(default)
}

fn param_enum<'a>(registry: &'a ParamRegistry, address: &str) -> Option<&'a str> {
    match registry.get(address) {
        Ok(ParamValue::Enum(v)) => Some(v.as_str()),
        _ => None,
    }
}

/// Applies camera parameters to the inner (and reference) cameras and refreshes every
/// output's warp uniform, after the scene moved things this frame.
pub(crate) fn update_stage(
    registry: Res<ParamRegistry>,
    mut runtime: ResMut<StageRuntime>,
    mut cameras: Query<(&mut Transform, &mut Projection)>,
    mut live: ResMut<LiveBuffers>,
    mut images: ResMut<Assets<Image>>,
) {
    adapt_inner_resolution(&registry, &mut runtime, &mut images);
    let runtime = runtime.into_inner();
    let mut clip_from_world = [Mat4::IDENTITY; MAX_CAMERAS];
    let mut params = [Vec4::ZERO; MAX_CAMERAS];
    let mut chroma = [Vec4::ZERO; MAX_CAMERAS];
    for (i, cam) in runtime.cameras.iter().enumerate() {
        let base = format!("/stage/cameras/{}", cam.id);
        let position = Vec3::from(param_vec3(
            &registry,
            &format!("{base}/position"),
            [0.0, 1.7, 4.0],
        ));
        let [pan, tilt, roll] = param_vec3(&registry, &format!("{base}/rotation"), [0.0; 3]);
        let fov = param_f32(&registry, &format!("{base}/fov"), 40.0);
        let overscan = (1.0 + param_f32(&registry, &format!("{base}/overscan"), 10.0) / 100.0)
            * (1.0 + param_f32(&registry, &format!("{base}/distortion_overscan"), 0.0) / 100.0)
            * 100.0
            - 100.0;
        let soft = param_f32(&registry, &format!("{base}/soft_edge"), 0.05);
        let mode = match param_enum(&registry, &format!("{base}/mode")) {
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
        let gain = param_f32(&registry, &format!("{base}/gain"), 1.0)
            * 2f32.powf(param_f32(&registry, &format!("{base}/exposure"), 0.0));
        let wb = param_vec3(&registry, &format!("{base}/white_balance"), [1.0; 3]);
        let pattern = param_enum(&registry, &format!("{base}/pattern"))
            .and_then(|p| names.get(p))
            .copied()
            .unwrap_or(0);
        let outline = registry
            .get(&format!("{base}/outline"))
            .ok()
            .and_then(ParamValue::as_bool)
            .unwrap_or(false);
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
