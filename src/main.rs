//! The `backlot` command.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use backlot::app::{AppMode, AppOptions, render_device_available};
use backlot::cli::{Cli, Command};
use backlot::cluster::ClusterChoice;
use backlot::show::{Replaced, ShowChoice};
use backlot::{calibrate, files, log_file, paths, render};
use backlot_control::{ControlSettings, PortProblems};
use backlot_scene::format::parse_scene_file;
use backlot_stage::StageCameraOverride;
use backlot_tracking::take::read_take;
use clap::Parser;

const NO_DEVICE: &str = "no GPU or Vulkan driver found (on Debian: apt-get install mesa-vulkan-drivers for software rendering)";

/// Validates the files a command was given; prints every problem and says whether all are good.
fn files_ok(files: &[&std::path::Path], asset_root: &std::path::Path) -> bool {
    let mut ok = true;
    for file in files {
        let result = if let Some(kind) = files::file_type(file) {
            kind.check(file, asset_root)
        } else {
            // Tracking takes (CSV).
            if let Err(e) = read_take(file) {
                eprintln!("{e}");
                ok = false;
            }
            continue;
        };
        if let Err(errors) = result {
            eprintln!("{errors}");
            ok = false;
        }
    }
    ok
}

/// `--cluster FILE --node NAME`, read and checked; `Err` has been printed.
fn cluster_choice(
    cluster: Option<&std::path::Path>,
    node: Option<&str>,
    asset_root: &std::path::Path,
) -> Result<Option<ClusterChoice>, ()> {
    let (Some(file), Some(node)) = (cluster, node) else {
        return Ok(None);
    };
    if !files_ok(&[file], asset_root) {
        return Err(());
    }
    ClusterChoice::load(file, node, asset_root)
        .map(Some)
        .map_err(|e| eprintln!("{e}"))
}

/// The outputs this process draws: every one, or in a cluster what its node's role draws.
fn stage_outputs(
    cluster: Option<&ClusterChoice>,
    stage: Option<&std::path::Path>,
    asset_root: &std::path::Path,
) -> backlot_stage::StageOutputs {
    use backlot_files::FileKind;
    let (Some(cluster), Some(stage)) = (cluster, stage) else {
        return backlot_stage::StageOutputs::All;
    };
    let names: Vec<String> = backlot_stage::StageKind::parse_file(stage, Some(asset_root))
        .map(|s| s.outputs.iter().map(|o| o.name.0.clone()).collect())
        .unwrap_or_default();
    cluster.outputs(&names)
}

/// `run --strict-ports`: a port needed at start could not be bound; says which (and who
/// holds it, when the system says) and exits 2.
fn refuse_taken_ports(
    problems: Option<bevy::prelude::Res<PortProblems>>,
    mut exit: bevy::prelude::MessageWriter<bevy::app::AppExit>,
    mut done: bevy::prelude::Local<bool>,
) {
    let Some(problems) = problems else { return };
    if *done || problems.at_start().next().is_none() {
        return;
    }
    *done = true;
    for p in problems.at_start() {
        eprintln!("backlot: --strict-ports: {p}");
    }
    exit.write(bevy::app::AppExit::from_code(2));
}

fn main() -> ExitCode {
    ignore_file_size_signal();
    let cli = Cli::parse();
    let asset_root = paths::asset_root(cli.assets.as_deref());
    match cli.command {
        Command::Check(args) => {
            let mut problems = 0;
            for file in &args.files {
                let name = file.to_string_lossy();
                let result = if let Some(kind) = files::file_type(file) {
                    kind.check(file, &asset_root)
                } else {
                    eprintln!(
                        "{name}:1:1: unknown file type (expected {})",
                        files::expected()
                    );
                    problems += 1;
                    continue;
                };
                match result {
                    Ok(()) => println!("{name}: ok"),
                    Err(errors) => {
                        for e in errors.0 {
                            eprintln!("{e}");
                            problems += 1;
                        }
                    }
                }
            }
            if problems == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Command::Params(args) => match parse_scene_file(&args.scene, Some(&asset_root)) {
            Ok(scene) => {
                for (spec, _) in backlot_scene::format::scene_param_specs(&scene) {
                    println!("{spec}");
                }
                ExitCode::SUCCESS
            }
            Err(errors) => {
                eprintln!("{errors}");
                ExitCode::FAILURE
            }
        },
        Command::Render(args) => {
            if let Some(csv) = args.patches.as_deref()
                && let Err(e) = calibrate::stage_patches(Some(csv))
            {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
            let Ok(mut cluster) =
                cluster_choice(args.cluster.as_deref(), args.node.as_deref(), &asset_root)
            else {
                return ExitCode::FAILURE;
            };
            if let Some(c) = cluster.as_mut() {
                c.lockstep = true;
            }
            let stage = cluster
                .as_ref()
                .map(ClusterChoice::stage)
                .or(args.stage.clone());
            let given: Vec<&std::path::Path> = std::iter::once(args.scene.as_path())
                .chain(stage.as_deref())
                .chain(args.tracking_replay.as_deref())
                .chain(args.layers.as_deref())
                .collect();
            if !files_ok(&given, &asset_root) {
                return ExitCode::FAILURE;
            }
            // Before the device: a render that cannot write fails at once, GPU or not.
            if let Err(e) = render::prepare_out(&args.out) {
                eprintln!("render failed: {e}");
                return ExitCode::FAILURE;
            }
            if !render_device_available() {
                eprintln!("{NO_DEVICE}");
                return ExitCode::FAILURE;
            }
            let stage_outputs = stage_outputs(cluster.as_ref(), stage.as_deref(), &asset_root);
            let options = AppOptions {
                stage,
                stage_outputs,
                cluster,
                camera_override: StageCameraOverride {
                    pose: args.camera_pose,
                    fov: args.fov,
                },
                camera_views: args.camera_view.then_some(args.size),
                param_sets: args.set.clone(),
                tracking_replay: args.tracking_replay.clone(),
                layers: args.layers.clone(),
                patches: args.patches.clone(),
                ..AppOptions::render(args.scene.clone(), asset_root, args.size)
            };
            let rendered = if options.cluster.is_some() {
                render::render_cluster_frames(&options, args.frames, &args.out)
            } else {
                render::render_frames(&options, args.frames, &args.out)
            };
            match rendered {
                Ok(paths) => {
                    println!("wrote {} frame(s) to {}", paths.len(), args.out.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("render failed: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Calibrate(args) => match calibrate::run(&args.command) {
            Ok(summary) => {
                println!("{summary}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("calibrate failed: {e}");
                ExitCode::FAILURE
            }
        },
        Command::Run(args) => {
            if let Some(csv) = args.patches.as_deref()
                && let Err(e) = calibrate::stage_patches(Some(csv))
            {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
            let Ok(cluster) =
                cluster_choice(args.cluster.as_deref(), args.node.as_deref(), &asset_root)
            else {
                return ExitCode::FAILURE;
            };
            let stage = cluster
                .as_ref()
                .map(ClusterChoice::stage)
                .or(args.stage.clone());
            let cluster_scene = cluster.as_ref().and_then(ClusterChoice::scene);
            // A show names files too; the command line (and a cluster file) wins.
            let show = match args.show.as_deref() {
                Some(path) => {
                    let replaced = Replaced {
                        scene: args.scene.is_some() || cluster_scene.is_some(),
                        stage: stage.is_some(),
                        map: args.map.is_some(),
                        layers: args.layers.is_some() || args.no_layers,
                    };
                    match ShowChoice::read(path, &asset_root, replaced) {
                        Ok(show) => Some(show),
                        Err(errors) => {
                            eprintln!("{errors}");
                            return ExitCode::FAILURE;
                        }
                    }
                }
                None => None,
            };
            let named = |file: fn(&ShowChoice) -> Option<PathBuf>| show.as_ref().and_then(file);
            let stage = stage.or_else(|| named(ShowChoice::stage));
            let network = args.network();
            let map = args
                .map
                .clone()
                .or_else(|| named(ShowChoice::map))
                .or_else(|| {
                    let default = paths::default_map();
                    default.exists().then_some(default)
                });
            let scene = args
                .scene
                .clone()
                .or(cluster_scene)
                .or_else(|| named(ShowChoice::scene))
                .unwrap_or_else(paths::default_scene);
            let layers = if args.no_layers {
                None
            } else {
                args.layers
                    .clone()
                    .or_else(|| named(ShowChoice::layers))
                    .or_else(|| paths::scene_layers(&scene))
            };
            let given: Vec<&std::path::Path> = std::iter::once(scene.as_path())
                .chain(map.as_deref())
                .chain(stage.as_deref())
                .chain(args.tracking_replay.as_deref())
                .chain(layers.as_deref())
                .collect();
            if !files_ok(&given, &asset_root) {
                return ExitCode::FAILURE;
            }
            let has_display = std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty())
                || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|d| !d.is_empty());
            let render = !args.no_render && render_device_available();
            let mode = if args.headless || args.no_render || !has_display || !render {
                AppMode::Headless
            } else {
                AppMode::Windowed
            };
            // A node serves OSC and OSCQuery on the ports its cluster file gives it.
            let node_port = |port: Option<u16>, given: u16| port.unwrap_or(given);
            let (osc_port, oscquery_port) = match &cluster {
                Some(c) => (
                    node_port(c.node.osc_port, args.osc_port),
                    node_port(c.node.oscquery_port, args.oscquery_port),
                ),
                None => (args.osc_port, args.oscquery_port),
            };
            let stage_outputs = stage_outputs(cluster.as_ref(), stage.as_deref(), &asset_root);
            let options = AppOptions {
                mode,
                max_frames: args.max_frames,
                render,
                show,
                stage,
                stage_outputs,
                cluster,
                tracking_live: true,
                patches: args.patches.clone(),
                tracking_replay: args.tracking_replay.clone(),
                takes_dir: args.takes_dir.clone(),
                map,
                layers,
                log_dir: log_file::log_dir(args.log_dir.as_deref(), args.no_log_file),
                watchdog: match args.watchdog_ms {
                    0 => None,
                    ms => Some(Duration::from_millis(ms)),
                },
                control: Some(ControlSettings {
                    osc_port,
                    osc_tcp_port: args.osc_tcp_port,
                    oscquery_port,
                    artnet_port: args.artnet_port,
                    sacn_port: args.sacn_port,
                    live: true,
                    oscquery: !args.no_oscquery,
                    dmx_interface: args.dmx_interface.clone(),
                    dmx_share: args.dmx_share,
                    network,
                    status_only: false,
                }),
                ..AppOptions::render(scene, asset_root, args.size)
            };
            let mut app = backlot::build_app(&options);
            if let Some(file) = app.world().get_resource::<log_file::LogFile>() {
                tracing::info!(
                    "warnings and errors are also written to {}",
                    file.dir.display()
                );
            }
            if let Some(show) = &options.show {
                tracing::info!(
                    "show {}: scene {}, map {}, stage {}, layers {}",
                    show.path.display(),
                    options.scene.display(),
                    shown(options.map.as_deref()),
                    shown(options.stage.as_deref()),
                    shown(options.layers.as_deref()),
                );
            }
            if args.strict_ports {
                app.add_systems(bevy::app::Last, refuse_taken_ports);
            }
            if args.no_render {
                tracing::info!("running without rendering: --no-render given");
            } else if !render {
                tracing::error!("{NO_DEVICE}; running headless without rendering");
            } else if mode == AppMode::Headless {
                let why = if args.headless {
                    "--headless given"
                } else {
                    "no display (DISPLAY and WAYLAND_DISPLAY unset)"
                };
                tracing::info!("running headless: {why}; no windows, the scene renders offscreen");
            }
            match app.run() {
                bevy::app::AppExit::Success => ExitCode::SUCCESS,
                bevy::app::AppExit::Error(code) => ExitCode::from(code.get()),
            }
        }
    }
}

/// A file in use, or `none`, for the log.
fn shown(file: Option<&std::path::Path>) -> String {
    file.map_or_else(|| "none".to_string(), |f| f.display().to_string())
}

/// Past a file size limit (`ulimit -f`, RLIMIT_FSIZE) the kernel sends SIGXFSZ, whose default
/// action ends the process; ignored, the write fails with EFBIG instead, and the take writer,
/// map saves and log file each report their error while the show goes on.
fn ignore_file_size_signal() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to SIG_IGN at start, before any other thread
    // exists, installs no handler code and races with nothing.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}
