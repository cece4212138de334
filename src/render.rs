//! `backlot render`: pumps the app frame by frame at a fixed 60 Hz clock and writes each
//! frame of the scene view to a PNG. Deterministic: time, physics and animation advance
//! exactly one step per frame, and nothing is captured before the scene is fully loaded.
//! Frames stream to disk as they are read back, so memory stays flat however many.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use backlot_params::ParamRegistry;
use backlot_scene::{SceneStatus, SceneViewTarget, scene_assets_ready};
use backlot_stage::{StageRuntime, StageStatus};
use bevy::app::{AppLabel, SubApps};
use bevy::prelude::*;
use bevy::render::render_resource::PollType;
use bevy::render::renderer::RenderDevice;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy::time::TimeUpdateStrategy;

use crate::app::{AppOptions, build_app};

mod png_writer;

use png_writer::PngWriter;

const FRAME: Duration = Duration::from_nanos(16_666_667);
const LOAD_TIMEOUT: Duration = Duration::from_secs(120);

type Captured = Arc<Mutex<Vec<(String, u32, Image)>>>;

/// Drives an app frame by frame at a fixed 60 Hz clock (renders, benchmarks).
pub struct FrameDriver {
    apps: SubApps,
    param_sets: Vec<(String, String)>,
}

impl FrameDriver {
    /// Builds the app with a manual clock; scene time is paused until [`FrameDriver::load`].
    pub fn new(options: &AppOptions) -> Self {
        Self::new_with(options, |_| {})
    }

    /// [`FrameDriver::new`], with `extend` adding to the app before it is finished (a
    /// benchmark's diagnostics plugin).
    pub fn new_with(options: &AppOptions, extend: impl FnOnce(&mut App)) -> Self {
        let mut app = build_app(options);
        extend(&mut app);
        app.insert_resource(TimeUpdateStrategy::ManualDuration(FRAME));
        backlot_scene::use_fixed_physics_steps(&mut app);
        app.finish();
        app.cleanup();
        // Scene time stands still until the scene is loaded, so frame 0 is the file's t = 0.
        app.world_mut().resource_mut::<Time<Virtual>>().pause();
        Self {
            apps: std::mem::take(app.sub_apps_mut()),
            param_sets: options.param_sets.clone(),
        }
    }

    /// Steps until the scene and every asset it uses are loaded and settled, then starts
    /// scene time.
    pub fn load(&mut self) -> Result<(), String> {
        let started = Instant::now();
        loop {
            self.step()?;
            let world = self.apps.main.world_mut();
            let status = world.resource::<SceneStatus>();
            if status.failed_without_scene {
                return Err(status
                    .error
                    .clone()
                    .unwrap_or_else(|| "scene failed to load".into()));
            }
            let stage_ready = match world.get_resource::<StageStatus>() {
                Some(stage) if stage.failed_without_stage => {
                    return Err(stage
                        .error
                        .clone()
                        .unwrap_or_else(|| "stage failed to load".into()));
                }
                Some(stage) => stage.loads > 0,
                None => true,
            };
            if status.loads > 0 && stage_ready && scene_assets_ready(world) {
                break;
            }
            if started.elapsed() > LOAD_TIMEOUT {
                return Err(format!("scene assets still loading after {LOAD_TIMEOUT:?}"));
            }
        }
        let mut registry = self.apps.main.world_mut().resource_mut::<ParamRegistry>();
        for (address, text) in &self.param_sets {
            let spec = registry
                .entry(address)
                .map(|e| e.spec.clone())
                .ok_or_else(|| format!("--set: unknown parameter `{address}`"))?;
            let value = spec.parse_value(text).map_err(|e| format!("--set: {e}"))?;
            registry
                .set(address, value)
                .map_err(|e| format!("--set: {e}"))?;
        }
        // Spawned glTF instances, shadow maps and bloom chains settle in a few frames.
        for _ in 0..3 {
            self.step()?;
        }
        self.apps
            .main
            .world_mut()
            .resource_mut::<Time<Virtual>>()
            .unpause();
        Ok(())
    }

    /// One frame: main world update, extraction, rendering, and a wait for the GPU.
    pub fn step(&mut self) -> Result<(), String> {
        step(&mut self.apps)
    }

    /// The main world.
    pub fn world_mut(&mut self) -> &mut World {
        self.apps.main.world_mut()
    }

    /// The render world, where a renderer runs.
    pub fn render_world_mut(&mut self) -> Option<&mut World> {
        self.apps
            .sub_apps
            .get_mut(&bevy::render::RenderApp.intern())
            .map(|app| app.world_mut())
    }

    /// Renders one frame and returns every capture target (see [`render_frames`]) as RGB.
    pub fn capture(&mut self) -> Result<Vec<(String, image::RgbImage)>, String> {
        let targets = capture_targets(self.world_mut())?;
        let captured: Captured = Arc::default();
        for (name, image) in &targets {
            let sink = captured.clone();
            let name = name.clone();
            self.world_mut()
                .spawn(Screenshot::image(image.clone()))
                .observe(move |shot: On<ScreenshotCaptured>| {
                    sink.lock().unwrap_or_else(|e| e.into_inner()).push((
                        name.clone(),
                        0,
                        shot.image.clone(),
                    ));
                });
        }
        self.step()?;
        let started = Instant::now();
        while captured.lock().unwrap_or_else(|e| e.into_inner()).len() < targets.len() {
            if started.elapsed() > Duration::from_secs(30) {
                return Err("timed out waiting for frame readback".into());
            }
            self.step()?;
        }
        let shots = std::mem::take(&mut *captured.lock().unwrap_or_else(|e| e.into_inner()));
        shots
            .into_iter()
            .map(|(name, _, image)| Ok((name, to_rgb8(image)?)))
            .collect()
    }
}

/// What a render writes: without a stage, the scene view (`view`); with one, every output
/// by name and each camera's reference view (`camera-<id>`) when asked for.
fn capture_targets(world: &World) -> Result<Vec<(String, Handle<Image>)>, String> {
    if let Some(stage) = world.get_resource::<StageRuntime>()
        && world.contains_resource::<StageStatus>()
    {
        let mut targets: Vec<(String, Handle<Image>)> = stage
            .outputs
            .iter()
            .map(|o| (o.name.clone(), o.image.clone()))
            .collect();
        for camera in &stage.cameras {
            if let Some((_, image)) = &camera.reference {
                targets.push((format!("camera-{}", camera.id), image.clone()));
            }
        }
        return Ok(targets);
    }
    let view = world
        .resource::<SceneViewTarget>()
        .0
        .as_image()
        .cloned()
        .ok_or("scene view is not an image")?;
    Ok(vec![("view".to_string(), view)])
}

/// Creates the output folder; a clear error when it cannot be (a path under a file, no
/// permission).
pub fn prepare_out(out: &Path) -> Result<(), String> {
    std::fs::create_dir_all(out)
        .map_err(|e| format!("{}: cannot create folder: {e}", out.display()))
}

/// Renders `frames` frames into `out` as `<target>-NNNN.png`; returns the written paths.
/// Each frame goes to disk as soon as it is read back, a few frames behind at most, so a
/// long render holds no more in memory than a short one. A write that fails (a full disk)
/// ends the render with that error.
pub fn render_frames(
    options: &AppOptions,
    frames: u32,
    out: &Path,
) -> Result<Vec<PathBuf>, String> {
    prepare_out(out)?;
    let mut driver = FrameDriver::new(options);
    driver.load()?;
    drive(&mut driver, frames, out, &mut NoHooks)
}

/// What a frame-by-frame run does around each step (a cluster's lockstep).
pub trait StepHooks {
    /// Before frame `frame` is stepped.
    fn before(&mut self, _world: &mut World, _frame: u32) -> Result<(), String> {
        Ok(())
    }
    /// After frame `frame` was stepped (and rendered: the step waits for the GPU).
    fn after(&mut self, _world: &mut World, _frame: u32) -> Result<(), String> {
        Ok(())
    }
}

struct NoHooks;
impl StepHooks for NoHooks {}

/// Steps `frames` frames of a loaded driver, writing every capture target of each.
fn drive(
    driver: &mut FrameDriver,
    frames: u32,
    out: &Path,
    hooks: &mut dyn StepHooks,
) -> Result<Vec<PathBuf>, String> {
    let targets = capture_targets(driver.world_mut())?;
    let captured: Captured = Arc::default();
    let mut writer = PngWriter::start(out, QUEUED_FRAMES * targets.len().max(1))?;
    for frame in 0..frames {
        hooks.before(driver.world_mut(), frame)?;
        for (name, image) in &targets {
            let sink = captured.clone();
            let name = name.clone();
            driver
                .world_mut()
                .spawn(Screenshot::image(image.clone()))
                .observe(move |shot: On<ScreenshotCaptured>| {
                    sink.lock().unwrap_or_else(|e| e.into_inner()).push((
                        name.clone(),
                        frame,
                        shot.image.clone(),
                    ));
                });
        }
        driver.step()?;
        hooks.after(driver.world_mut(), frame)?;
        writer.take(&captured)?;
    }
    // GPU readback lags a frame or two behind.
    let expected = frames as usize * targets.len();
    let flush_started = Instant::now();
    while writer.queued() < expected {
        if flush_started.elapsed() > Duration::from_secs(30) {
            return Err("timed out waiting for frame readback".into());
        }
        driver.step()?;
        writer.take(&captured)?;
    }
    writer.finish()
}

/// How long a lockstep node waits for the others: a node on a loaded machine may take a
/// while to load its scene, but one that never comes must not hang the render forever.
const CLUSTER_READY_TIMEOUT: Duration = Duration::from_secs(300);
const CLUSTER_FRAME_TIMEOUT: Duration = Duration::from_secs(60);

/// The lockstep of a cluster node: the primary publishes frame N once every render node is
/// ready and has rendered N-1; a render node steps frame N once it has N's state.
struct ClusterLockstep {
    primary: bool,
}

impl StepHooks for ClusterLockstep {
    fn before(&mut self, world: &mut World, frame: u32) -> Result<(), String> {
        if self.primary {
            if frame == 0 {
                backlot_cluster::lockstep::wait_render_nodes_ready(world, CLUSTER_READY_TIMEOUT)?;
                backlot_cluster::lockstep::start_publishing(world);
            } else {
                backlot_cluster::lockstep::wait_rendered(
                    world,
                    u64::from(frame - 1),
                    CLUSTER_FRAME_TIMEOUT,
                )?;
            }
            Ok(())
        } else {
            let timeout = if frame == 0 {
                CLUSTER_READY_TIMEOUT
            } else {
                CLUSTER_FRAME_TIMEOUT
            };
            backlot_cluster::lockstep::wait_frame(world, u64::from(frame), timeout)
        }
    }

    fn after(&mut self, world: &mut World, frame: u32) -> Result<(), String> {
        if !self.primary {
            backlot_cluster::lockstep::rendered(world, u64::from(frame))?;
        }
        Ok(())
    }
}

/// `render --cluster`: renders `frames` frames of this node in lockstep with the others;
/// a render node writes its own outputs, the primary those no render node owns.
pub fn render_cluster_frames(
    options: &AppOptions,
    frames: u32,
    out: &Path,
) -> Result<Vec<PathBuf>, String> {
    let primary = options
        .cluster
        .as_ref()
        .is_some_and(crate::cluster::ClusterChoice::runs_inputs);
    prepare_out(out)?;
    let mut driver = FrameDriver::new(options);
    driver.load()?;
    let mut hooks = ClusterLockstep { primary };
    let paths = drive(&mut driver, frames, out, &mut hooks)?;
    if primary && frames > 0 {
        // Every node has its last frame before the primary leaves the cluster.
        backlot_cluster::lockstep::wait_rendered(
            driver.world_mut(),
            u64::from(frames - 1),
            CLUSTER_FRAME_TIMEOUT,
        )?;
    }
    Ok(paths)
}

/// Frames, per capture target, that may wait for the disk; readback waits past that.
const QUEUED_FRAMES: usize = 2;

/// RGB8 pixels of a captured image. Output canvases are `Rgba8Unorm` (the signal as
/// computed, no sRGB conversion), which Bevy's own conversion does not cover.
fn to_rgb8(image: Image) -> Result<image::RgbImage, String> {
    let (w, h) = (image.width(), image.height());
    if image.texture_descriptor.format == bevy::render::render_resource::TextureFormat::Rgba8Unorm {
        let data = image.data.ok_or("image has no pixel data")?;
        let rgb: Vec<u8> = data
            .chunks_exact(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect();
        return image::RgbImage::from_raw(w, h, rgb)
            .ok_or_else(|| "pixel data does not match the image size".to_string());
    }
    image
        .try_into_dynamic()
        .map(|d| d.to_rgb8())
        .map_err(|e| format!("cannot convert image: {e}"))
}

fn step(apps: &mut SubApps) -> Result<(), String> {
    apps.update();
    if let Some(exit) = apps.main.world_mut().get_resource::<Messages<AppExit>>()
        && let Some(AppExit::Error(code)) = exit.iter_current_update_messages().next()
    {
        return Err(format!("app exited with error code {code}"));
    }
    apps.main
        .world()
        .resource::<RenderDevice>()
        .wgpu_device()
        .poll(PollType::Wait {
            submission_index: None,
            timeout: Some(Duration::from_secs(30)),
        })
        .map_err(|e| format!("GPU did not finish a frame: {e}"))?;
    Ok(())
}
