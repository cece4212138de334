//! Memory that stays flat: animated materials never change their assets (so Bevy never
//! re-prepares them), the render world's counts hold still while the neon_club show plays
//! on a stage, and the real binary's resident memory stays flat over a run and through 100
//! hot reloads of the scene and the layer set.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use backlot::app::AppOptions;
use backlot::render::FrameDriver;
use backlot_layers::visuals::GenerativeMaterial;
use backlot_scene::LiveBuffers;
use backlot_scene::emissive::LiveEmissiveMaterial;
use backlot_stage::WarpMaterial;
use backlot_ui::parse_vm_rss_kb;
use bevy::asset::{Asset, AssetEvent};
use bevy::ecs::message::{MessageCursor, Messages};
use bevy::pbr::{MaterialBindGroupAllocators, PreparedMaterial};
use bevy::prelude::{StandardMaterial, World};
use bevy::render::erased_render_asset::ErasedRenderAssets;
use bevy::render::renderer::RenderInstance;

use crate::support::{Running, backlot, flat_wall_variant, free_tcp, free_udp, repo, temp_dir};

/// flat_wall with small outputs, a small outer cube and inner render, so lavapipe renders
/// several frames a second.
pub(crate) fn small_stage(dir: &Path) -> PathBuf {
    flat_wall_variant(
        dir,
        "small.stage.ron",
        &[
            ("pixels: (160, 180)", "pixels: (16, 18)"),
            ("canvas: (1920, 1080)", "canvas: (192, 108)"),
            ("resolution: 512", "resolution: 64"),
            (
                "soft_edge: 0.05,",
                "soft_edge: 0.05,\n            inner_resolution: Fixed(192, 108),",
            ),
        ],
    )
}

/// Counts `Modified` events of each material type, frame after frame.
#[derive(Default)]
struct MaterialChanges {
    generative: MessageCursor<AssetEvent<GenerativeMaterial>>,
    emissive: MessageCursor<AssetEvent<LiveEmissiveMaterial>>,
    standard: MessageCursor<AssetEvent<StandardMaterial>>,
    warp: MessageCursor<AssetEvent<WarpMaterial>>,
    /// Generative, live emissive, standard, warp.
    counts: [usize; 4],
}

fn modified<M: Asset>(world: &World, cursor: &mut MessageCursor<AssetEvent<M>>) -> usize {
    world
        .get_resource::<Messages<AssetEvent<M>>>()
        .map_or(0, |messages| {
            cursor
                .read(messages)
                .filter(|e| matches!(e, AssetEvent::Modified { .. }))
                .count()
        })
}

impl MaterialChanges {
    fn read(&mut self, world: &World) {
        self.counts[0] += modified(world, &mut self.generative);
        self.counts[1] += modified(world, &mut self.emissive);
        self.counts[2] += modified(world, &mut self.standard);
        self.counts[3] += modified(world, &mut self.warp);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    prepared_materials: usize,
    material_slabs: usize,
    wgpu_bind_groups: usize,
    wgpu_buffers: usize,
    wgpu_textures: usize,
}

fn render_counts(world: &World) -> Counts {
    let prepared_materials = world
        .resource::<ErasedRenderAssets<PreparedMaterial>>()
        .iter()
        .count();
    let material_slabs = world
        .resource::<MaterialBindGroupAllocators>()
        .iter()
        .map(|(_, a)| a.slab_count())
        .sum();
    let report = world
        .resource::<RenderInstance>()
        .0
        .generate_report()
        .expect("wgpu-core report");
    let hub = report.hub_report();
    Counts {
        prepared_materials,
        material_slabs,
        wgpu_bind_groups: hub.bind_groups.num_kept_from_user,
        wgpu_buffers: hub.buffers.num_kept_from_user,
        wgpu_textures: hub.textures.num_kept_from_user,
    }
}

#[test]
fn animated_materials_leave_the_render_world_unchanged() {
    let dir = temp_dir("memory-render-world");
    let mut options = AppOptions::render(
        repo().join("scenes/neon_club.scene.ron"),
        repo().join("assets"),
        (160, 90),
    );
    options.layers = Some(repo().join("scenes/neon_club.layers.ron"));
    options.stage = Some(small_stage(&dir));
    let mut driver = FrameDriver::new(&options);
    driver.load().expect("loads");
    for _ in 0..60 {
        driver.step().expect("step");
    }
    let world = driver.world_mut();
    assert!(
        !world
            .resource::<bevy::prelude::Assets<GenerativeMaterial>>()
            .is_empty(),
        "the layer set draws generative visuals"
    );
    assert!(
        world
            .resource::<bevy::prelude::Assets<LiveEmissiveMaterial>>()
            .len()
            >= 5,
        "neon_club's emissive surfaces are live"
    );
    let writes_before = world.resource::<LiveBuffers>().writes();
    let mut modified = MaterialChanges::default();
    // Skip what warm-up left in the queues.
    modified.read(driver.world_mut());
    modified.counts = [0; 4];

    let baseline = render_counts(driver.render_world_mut().expect("render world"));
    let mut worst = baseline;
    for frame in 0..240 {
        driver.step().expect("step");
        modified.read(driver.world_mut());
        let now = render_counts(driver.render_world_mut().expect("render world"));
        assert_eq!(
            now.prepared_materials, baseline.prepared_materials,
            "frame {frame}: prepared materials changed"
        );
        assert_eq!(
            now.material_slabs, baseline.material_slabs,
            "frame {frame}: material slabs changed"
        );
        worst.wgpu_bind_groups = worst.wgpu_bind_groups.max(now.wgpu_bind_groups);
        worst.wgpu_buffers = worst.wgpu_buffers.max(now.wgpu_buffers);
        worst.wgpu_textures = worst.wgpu_textures.max(now.wgpu_textures);
    }
    // Per-frame view bind groups come and go; a frame that kept one would climb by 240.
    assert!(
        worst.wgpu_bind_groups <= baseline.wgpu_bind_groups + 16,
        "bind groups grew: {baseline:?} -> {worst:?}"
    );
    assert!(
        worst.wgpu_buffers <= baseline.wgpu_buffers + 16,
        "buffers grew: {baseline:?} -> {worst:?}"
    );
    assert!(
        worst.wgpu_textures <= baseline.wgpu_textures + 4,
        "textures grew: {baseline:?} -> {worst:?}"
    );
    assert_eq!(
        modified.counts, [0; 4],
        "no material asset changes while the show plays (generative, emissive, standard, warp)"
    );
    // The check above could pass by nothing animating: the live values did move.
    let writes = driver.world_mut().resource::<LiveBuffers>().writes() - writes_before;
    assert!(
        writes > 240,
        "live buffers written {writes} times in 240 frames"
    );
}

/// Resident memory of a process, MB.
fn rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_vm_rss_kb(&status).map(|kb| kb as f64 / 1024.0)
}

/// Least-squares slope of (x, y) pairs.
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
    let (num, den) = points.iter().fold((0.0, 0.0), |(a, b), (x, y)| {
        (a + (x - mx) * (y - my), b + (x - mx) * (x - mx))
    });
    if den == 0.0 { 0.0 } else { num / den }
}

/// Waits for a log line that `done` accepts, keeping every line read.
fn wait_line(rx: &Receiver<String>, log: &mut Vec<String>, done: impl Fn(&str) -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
            let found = done(&line);
            log.push(line);
            if found {
                return true;
            }
        }
    }
    false
}

/// The load number of a "layer set loaded … (load #N)" line.
fn layer_load(line: &str) -> Option<u32> {
    let (_, rest) = line.split_once("layer set loaded")?;
    rest.split_once("(load #")?
        .1
        .split(')')
        .next()?
        .parse()
        .ok()
}

#[test]
fn the_shipped_show_on_a_stage_holds_its_memory_through_hot_reloads() {
    let dir = temp_dir("memory-soak");
    let scene = dir.join("soak.scene.ron");
    let layers = dir.join("soak.layers.ron");
    let scene_text =
        std::fs::read_to_string(repo().join("scenes/neon_club.scene.ron")).expect("scene");
    let layers_text =
        std::fs::read_to_string(repo().join("scenes/neon_club.layers.ron")).expect("layers");
    std::fs::write(&scene, &scene_text).expect("write scene");
    std::fs::write(&layers, &layers_text).expect("write layers");
    let query = free_tcp();
    let mut cmd = backlot();
    cmd.args(["run", "--headless", "--size", "160x90", "--scene"])
        .arg(&scene)
        .arg("--layers")
        .arg(&layers)
        .arg("--stage")
        .arg(small_stage(&dir))
        .args(["--osc-port", &free_udp().to_string()])
        .args(["--osc-tcp-port", &free_tcp().to_string()])
        .args(["--oscquery-port", &query.to_string()])
        .args(["--artnet-port", &free_udp().to_string()])
        .args(["--sacn-port", &free_udp().to_string()]);
    // The log is read live, for the reload confirmations.
    cmd.stderr(Stdio::piped());
    let mut child = cmd.stdout(Stdio::null()).spawn().expect("spawn");
    let rx = crate::support::lines_of(child.stderr.take().expect("stderr"));
    let pid = child.id();
    let running = Running {
        child,
        oscquery: query,
        log: dir.join("unused.log"),
    };
    let mut log = Vec::new();
    assert!(
        wait_line(&rx, &mut log, |l| layer_load(l).is_some()),
        "never loaded:\n{}",
        log.join("\n")
    );
    let mut layer_loads = log.iter().filter_map(|l| layer_load(l)).max().unwrap_or(1);
    let frames = |r: &Running| {
        r.value("/status/frames")
            .and_then(|v| v.first().copied())
            .unwrap_or(0.0)
    };
    // Warm-up: shaders compiled, caches and pools filled.
    let start = Instant::now();
    while frames(&running) < 120.0 && start.elapsed() < Duration::from_secs(90) {
        std::thread::sleep(Duration::from_millis(200));
        while let Ok(line) = rx.try_recv() {
            log.push(line);
        }
    }
    let published = running
        .value("/status/memory_mb")
        .and_then(|v| v.first().copied())
        .unwrap_or(0.0);
    assert!(published > 10.0, "/status/memory_mb is {published}");

    // Steady show: 30 s of samples, once a second.
    let mut samples = Vec::new();
    let f0 = frames(&running);
    for _ in 0..30 {
        std::thread::sleep(Duration::from_secs(1));
        samples.push((frames(&running), rss_mb(pid).expect("rss")));
        while let Ok(line) = rx.try_recv() {
            log.push(line);
        }
    }
    let rendered = samples.last().map_or(0.0, |s| s.0) - f0;
    assert!(
        rendered >= 30.0,
        "only {rendered} frames in 30 s:\n{}",
        log.join("\n")
    );
    let per_frame_kb = slope(&samples) * 1024.0;
    let first = samples.first().map_or(0.0, |s| s.1);
    let last = samples.last().map_or(0.0, |s| s.1);
    eprintln!(
        "steady: {rendered} frames in 30 s, {first:.1} -> {last:.1} MB, {per_frame_kb:.1} kB/frame"
    );
    // The leak was 1-7 MB a frame; allocator noise stays far below 100 kB a frame.
    assert!(
        per_frame_kb < 100.0 && last - first < 48.0,
        "memory grows {per_frame_kb:.1} kB/frame over {rendered} frames: {first:.0} -> {last:.0} MB"
    );

    // 100 hot reloads, scene and layer set in turn, each confirmed in the log.
    let mut after_warm = 0.0;
    for i in 0..100 {
        if i % 2 == 0 {
            let title = format!("Neon Club {i}");
            let edited =
                scene_text.replacen("title: \"Neon Club\"", &format!("title: \"{title}\""), 1);
            std::fs::write(&scene, edited).expect("write scene");
            let needle = format!("scene `{title}` loaded");
            assert!(
                wait_line(&rx, &mut log, |l| l.contains(&needle)),
                "scene reload {i} not seen:\n{}",
                log.join("\n")
            );
        } else {
            std::fs::write(&layers, format!("{layers_text}\n// reload {i}\n"))
                .expect("write layers");
            let before = layer_loads;
            assert!(
                wait_line(&rx, &mut log, |l| layer_load(l).is_some_and(|n| n > before)),
                "layer reload {i} not seen:\n{}",
                log.join("\n")
            );
            layer_loads = log
                .iter()
                .filter_map(|l| layer_load(l))
                .max()
                .unwrap_or(before);
        }
        if i == 19 {
            // Let the last frames of the reload settle before taking the reference.
            std::thread::sleep(Duration::from_secs(2));
            after_warm = rss_mb(pid).expect("rss");
        }
    }
    std::thread::sleep(Duration::from_secs(2));
    let after = rss_mb(pid).expect("rss");
    eprintln!("reloads: {after_warm:.1} MB after 20, {after:.1} MB after 100");
    assert!(
        after - after_warm < 64.0,
        "80 reloads grew memory {after_warm:.0} -> {after:.0} MB"
    );
    let text = log.join("\n");
    assert!(!text.contains("panicked"), "{text}");
    drop(running);
}
