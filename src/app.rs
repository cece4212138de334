//! Composes the capability plugins into an app for each mode.

use std::path::{Path, PathBuf};
use std::time::Duration;

use backlot_cluster::Role;
use backlot_control::{ControlPlugin, ControlSettings, MapKind, OscQueryServer};
use backlot_files::{FileKind, register_file, register_file_unwatched};
use backlot_layers::{LayersKind, LayersPlugin};
use backlot_params::{BacklotSystems, ParamsPlugin};
use backlot_scene::{SceneKind, ScenePlugin, SceneViewTarget};
use backlot_stage::{
    OutputWindows, ReferenceViews, StageCameraOverride, StageKind, StageOutputs, StagePlugin,
};
use backlot_tracking::TrackingPlugin;
use backlot_ui::{Heartbeat, MemoryPlugin, UiPlugin, WatchdogPlugin};
use bevy::app::{PluginGroupBuilder, ScheduleRunnerPlugin};
use bevy::asset::{AssetMetaCheck, RenderAssetUsages};
use bevy::camera::RenderTarget;
use bevy::log::LogPlugin;
use bevy::prelude::*;
use bevy::render::RenderPlugin;
use bevy::render::pipelined_rendering::PipelinedRenderingPlugin;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat, TextureUsages};
use bevy::render::settings::WgpuSettings;
use bevy::window::ExitCondition;
use bevy::winit::WinitPlugin;

/// How the app runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppMode {
    /// Operator window with panels and a scene preview.
    Windowed,
    /// No windows; the engine runs and renders offscreen.
    Headless,
    /// Driven frame by frame by `backlot render`.
    Render,
}

/// Everything `build_app` needs.
#[derive(Debug, Clone)]
pub struct AppOptions {
    /// The scene file.
    pub scene: PathBuf,
    /// The assets folder.
    pub asset_root: PathBuf,
    /// How it runs.
    pub mode: AppMode,
    /// Size of the scene view.
    pub view_size: (u32, u32),
    /// Stop after this many frames (None: run until closed).
    pub max_frames: Option<u32>,
    /// Whether a render device exists; without one the engine runs headless, unrendered.
    pub render: bool,
    /// The LED stage file, if any.
    pub stage: Option<PathBuf>,
    /// Overrides for the stage's first camera (render `--camera-pose`, `--fov`).
    pub camera_override: StageCameraOverride,
    /// Also render each stage camera's own view (its lens, no overscan) at this size.
    pub camera_views: Option<(u32, u32)>,
    /// Parameter values (address, text) set once everything is loaded, before frame 0.
    pub param_sets: Vec<(String, String)>,
    /// Listen to live trackers (the stage's FreeD and OSC ports); off for renders.
    pub tracking_live: bool,
    /// Replay this take file as the tracking source instead.
    pub tracking_replay: Option<PathBuf>,
    /// Where recorded takes go.
    pub takes_dir: PathBuf,
    /// The control map (`*.map.ron`).
    pub map: Option<PathBuf>,
    /// Live control (OSC, OSCQuery, MIDI, DMX); none for renders.
    pub control: Option<ControlSettings>,
    /// The reactive layer set (`*.layers.ron`).
    pub layers: Option<PathBuf>,
    /// The show to play (`run --show`): its cue lists, hot reload and crash recovery.
    pub show: Option<crate::show::ShowChoice>,
    /// Where warnings and errors are also written, in rotating files; none: terminal only.
    pub log_dir: Option<PathBuf>,
    /// A frame running longer than this is logged as a stall and counted (`/status/stalls`);
    /// none: no watchdog (renders, whose frames may take long).
    pub watchdog: Option<Duration>,
    /// This process's node in a render cluster; none: a single process, no Zenoh session.
    pub cluster: Option<crate::cluster::ClusterChoice>,
    /// Which of the stage's outputs this process draws.
    pub stage_outputs: StageOutputs,
    /// The calibration patches (`--patches`); none: the default set.
    pub patches: Option<PathBuf>,
}

impl AppOptions {
    /// A frame-by-frame render of `scene` at `view_size`: no stage, no overrides, rendering on.
    pub fn render(scene: PathBuf, asset_root: PathBuf, view_size: (u32, u32)) -> Self {
        Self {
            scene,
            asset_root,
            mode: AppMode::Render,
            view_size,
            max_frames: None,
            render: true,
            stage: None,
            camera_override: StageCameraOverride::default(),
            camera_views: None,
            param_sets: Vec::new(),
            tracking_live: false,
            tracking_replay: None,
            takes_dir: PathBuf::from("takes"),
            map: None,
            control: None,
            layers: None,
            show: None,
            log_dir: None,
            watchdog: None,
            cluster: None,
            stage_outputs: StageOutputs::All,
            patches: None,
        }
    }
}

/// Whether any GPU, or a software Vulkan driver such as Mesa's lavapipe, is available.
/// Asked before Bevy starts, because Bevy's renderer panics when it finds none.
pub fn render_device_available() -> bool {
    let instance =
        wgpu::Instance::new(wgpu::InstanceDescriptor::new_without_display_handle_from_env());
    !bevy::tasks::block_on(instance.enumerate_adapters(wgpu::Backends::all())).is_empty()
}

/// Every backlot capability plugin, in dependency order.
pub struct BacklotPlugins {
    /// The assets folder, for validating scene references.
    pub asset_root: PathBuf,
    /// Whether to add the operator UI.
    pub ui: bool,
    /// Whether to add the LED stage (a stage file was given).
    pub stage: bool,
    /// Camera tracking for the stage's cameras.
    pub tracking: TrackingPlugin,
    /// Live control, when the app listens to surfaces and desks.
    pub control: Option<ControlPlugin>,
    /// Reactive layers, when a layer set is given.
    pub layers: Option<LayersPlugin>,
    /// The show, when one is played.
    pub show: Option<crate::show::ShowChoice>,
    /// Rigid-body simulation (off on a cluster's render nodes and spares, which apply the
    /// primary's; held still on a backup until it takes over).
    pub physics: bool,
    /// The render cluster, when this process is one of its nodes.
    pub cluster: Option<backlot_cluster::ClusterPlugin>,
}

impl PluginGroup for BacklotPlugins {
    fn build(self) -> PluginGroupBuilder {
        let group = PluginGroupBuilder::start::<Self>()
            .add(ParamsPlugin)
            .add(MemoryPlugin::default())
            .add(ScenePlugin {
                asset_root: Some(self.asset_root.clone()),
                physics: self.physics,
            });
        let group = if self.stage {
            group
                .add(StagePlugin {
                    asset_root: Some(self.asset_root),
                })
                .add(self.tracking)
        } else {
            group
        };
        let group = match self.control {
            Some(control) => group.add(control),
            None => group,
        };
        let group = match self.layers {
            Some(layers) => group.add(layers),
            None => group,
        };
        let group = match self.show {
            Some(show) => crate::show::add_plugins(group, show),
            None => group,
        };
        let group = match self.cluster {
            Some(cluster) => group.add(cluster),
            None => group,
        };
        if self.ui { group.add(UiPlugin) } else { group }
    }
}

/// Builds the app for `run` and `render`. The scene's folder is registered as an asset
/// source first, as Bevy requires before `AssetPlugin`.
pub fn build_app(options: &AppOptions) -> App {
    let mut app = App::new();
    // A cluster's render and spare nodes run no inputs, layers or physics: they apply the
    // primary's frame states. A backup runs the layers and physics held still while it
    // follows (`backlot_cluster::follow`), and opens its inputs when it takes over.
    let inputs = options
        .cluster
        .as_ref()
        .is_none_or(crate::cluster::ClusterChoice::runs_inputs);
    let backup = options
        .cluster
        .as_ref()
        .is_some_and(|c| c.node.role == Role::Backup);
    let layers_and_physics = inputs || backup;
    let cluster = options.cluster.is_some();
    register_shared_file::<SceneKind>(&mut app, &options.scene, cluster);
    // Each node follows its cluster file: pacing edits apply live, the rest waits for restarts.
    if let Some(choice) = &options.cluster {
        register_file::<backlot_cluster::ClusterKind>(&mut app, &choice.path);
    }
    if let Some(stage) = &options.stage {
        register_shared_file::<StageKind>(&mut app, stage, cluster);
        app.insert_resource(options.camera_override.clone());
        if options.mode == AppMode::Windowed {
            app.insert_resource(OutputWindows);
        }
        if let Some((w, h)) = options.camera_views {
            app.insert_resource(ReferenceViews(UVec2::new(w, h)));
        }
    }

    app.insert_resource(options.stage_outputs.clone());
    // A backup opens the map's inputs when it takes over.
    if let (Some(map), Some(_), true) = (&options.map, &options.control, inputs || backup) {
        register_file::<MapKind>(&mut app, map);
    }
    if let (Some(layers), true) = (&options.layers, layers_and_physics) {
        register_file::<LayersKind>(&mut app, layers);
    }
    // The show plays where the layers run (a render node applies the primary's values).
    let show = options.show.clone().filter(|_| layers_and_physics);
    if let Some(show) = &show {
        crate::show::register(&mut app, show);
    }

    if cluster {
        // Files from the primary are checked against this node's assets.
        app.insert_resource(backlot_cluster::ClusterAssetRoot(Some(
            options.asset_root.clone(),
        )));
    }

    let windowed = options.mode == AppMode::Windowed;
    let window = WindowPlugin {
        primary_window: windowed.then(|| Window {
            title: "backlot — operator".into(),
            resolution: (1600, 900).into(),
            ..default()
        }),
        exit_condition: if windowed {
            ExitCondition::OnPrimaryClosed
        } else {
            ExitCondition::DontExit
        },
        ..default()
    };
    let log = LogPlugin {
        filter: format!(
            "wgpu=error,naga=warn,bevy_render=warn,bevy_winit=warn,offset_allocator=warn{}",
            // Unrendered, render plugins say at start that there is no render world to
            // extract into: true, expected, and not an error an operator should see.
            if options.render {
                ""
            } else {
                ",bevy_render::extract_resource=off"
            }
        ),
        // The operator UI's Log panel when windowed, the log file when asked (`LogSetup`).
        custom_layer: crate::log_file::custom_layers,
        ..default()
    };
    let assets = AssetPlugin {
        file_path: options.asset_root.to_string_lossy().into_owned(),
        // Hot reload for live runs; a render must see exactly the file it started with.
        watch_for_changes_override: Some(options.mode != AppMode::Render),
        meta_check: AssetMetaCheck::Never,
        ..default()
    };
    let render = RenderPlugin {
        // Every pipeline ready on first use: renders are complete from frame 0.
        synchronous_pipeline_compilation: options.mode == AppMode::Render,
        render_creation: WgpuSettings {
            // No device: the engine still runs (parameters, physics, hot reload), unrendered.
            backends: if options.render {
                WgpuSettings::default().backends
            } else {
                None
            },
            ..default()
        }
        .into(),
        ..default()
    };
    app.insert_resource(crate::log_file::LogSetup {
        dir: options.log_dir.clone(),
        ui_capture: windowed,
    });
    let defaults = DefaultPlugins.set(window).set(log).set(assets).set(render);
    match options.mode {
        AppMode::Windowed => app.add_plugins(defaults),
        AppMode::Headless => app.add_plugins(defaults.disable::<WinitPlugin>().add(
            ScheduleRunnerPlugin::run_loop(Duration::from_secs_f64(1.0 / 60.0)),
        )),
        // Renders update main and render worlds in lockstep, so frame N shows main-world frame N.
        AppMode::Render => app.add_plugins(
            defaults
                .disable::<WinitPlugin>()
                .disable::<PipelinedRenderingPlugin>(),
        ),
    };
    if !options.render {
        app.add_plugins(crate::unrendered::UnrenderedSyncPlugin::default());
    }
    app.add_plugins(BacklotPlugins {
        asset_root: options.asset_root.clone(),
        ui: windowed,
        stage: options.stage.is_some(),
        tracking: TrackingPlugin {
            live: options.tracking_live && inputs,
            replay: options.tracking_replay.clone().filter(|_| inputs),
            takes_dir: options.takes_dir.clone(),
        },
        // Other nodes serve OSCQuery only: their values are the primary's.
        control: options.control.clone().map(|settings| ControlPlugin {
            settings: if inputs {
                settings
            } else {
                settings.status_only()
            },
        }),
        layers: options
            .layers
            .as_ref()
            .filter(|_| layers_and_physics)
            .map(|_| LayersPlugin {
                live: options.mode != AppMode::Render,
                asset_root: options.asset_root.clone(),
            }),
        physics: layers_and_physics,
        show,
        cluster: options
            .cluster
            .as_ref()
            .map(crate::cluster::ClusterChoice::plugin),
    });

    if options.stage.is_some() {
        // Checked before the app is built (`main`): a file that fails now changed since.
        match crate::calibrate::stage_patches(options.patches.as_deref()) {
            Ok(patches) => {
                app.insert_resource(patches);
            }
            Err(e) => error!("{e}; the calibration pattern shows black"),
        }
    }
    if backup {
        app.add_systems(Last, crate::cluster::open_inputs_on_promotion);
    }
    if options.cluster.is_some() && options.layers.is_some() && layers_and_physics {
        app.add_systems(
            Update,
            (
                crate::cluster::take_layer_clock
                    .after(BacklotSystems::Control)
                    .before(BacklotSystems::Layers),
                crate::cluster::carry_layer_clock
                    .after(BacklotSystems::Layers)
                    .before(BacklotSystems::Arbitrate),
            ),
        );
    }

    if let Some(limit) = options.watchdog {
        app.add_plugins(WatchdogPlugin { limit });
        // OSCQuery answers the frame's age from the heartbeat, so a stuck frame shows there.
        let world = app.world();
        if let (Some(query), Some(beat)) = (
            world.get_resource::<OscQueryServer>(),
            world.get_resource::<Heartbeat>(),
        ) {
            query.serve_heartbeat(beat.clone());
        }
    }

    let target = scene_view_image(&mut app, options.view_size);
    app.insert_resource(SceneViewTarget(target));
    if let Some(max) = options.max_frames {
        app.add_systems(
            Last,
            move |frames: Res<bevy::diagnostic::FrameCount>, mut exit: MessageWriter<AppExit>| {
                if frames.0 + 1 >= max {
                    exit.write(AppExit::Success);
                }
            },
        );
    }
    app
}

/// The scene or stage file. In a cluster Bevy does not watch it: the primary watches it and
/// every node swaps an edit in at one frame number (`backlot_cluster::file_sync`), where
/// Bevy's watcher would reload each node on its own.
fn register_shared_file<K: FileKind>(app: &mut App, file: &Path, cluster: bool) {
    if cluster {
        register_file_unwatched::<K>(app, file);
    } else {
        register_file::<K>(app, file);
    }
}

/// The offscreen image the scene camera renders into (preview tab, headless output).
fn scene_view_image(app: &mut App, (width, height): (u32, u32)) -> RenderTarget {
    let mut image = Image::new_uninit(
        Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::RENDER_WORLD,
    );
    image.texture_descriptor.usage |=
        TextureUsages::RENDER_ATTACHMENT | TextureUsages::TEXTURE_BINDING | TextureUsages::COPY_SRC;
    let handle = app.world_mut().resource_mut::<Assets<Image>>().add(image);
    RenderTarget::Image(handle.into())
}
