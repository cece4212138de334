//! Scene benchmark (run with `cargo bench --bench scene_bench`, release mode).
//!
//! For each shipped scene and for an empty baseline scene, measured in the same run on the
//! same device: load-to-first-frame time (app build → scene loaded, assets ready, first
//! frame rendered) and the CPU time of the main world's frame schedule (First..Last) per
//! frame, with the full render running. Prints figures and ratios against the baseline.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use backlot::app::AppOptions;
use backlot::paths;
use backlot::render::FrameDriver;
use bevy::prelude::*;

/// Frames measured per scene, or fewer when `BUDGET` runs out (software rendering is slow).
const FRAMES: usize = 240;
const BUDGET: Duration = Duration::from_secs(40);

#[derive(Resource, Clone, Default)]
struct Timing {
    start: Arc<Mutex<Option<Instant>>>,
    samples: Arc<Mutex<Vec<Duration>>>,
}

fn begin(t: Res<Timing>) {
    *t.start.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
}

fn end(t: Res<Timing>) {
    if let Some(s) = t.start.lock().unwrap_or_else(|e| e.into_inner()).take() {
        t.samples
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(s.elapsed());
    }
}

struct Figures {
    load: Duration,
    mean: Duration,
    p95: Duration,
    frame_wall: Duration,
}

fn measure(scene: PathBuf) -> Result<Figures, String> {
    let options = AppOptions::render(scene, paths::asset_root(None), (1280, 720));
    let started = Instant::now();
    let mut driver = FrameDriver::new(&options);
    driver.load()?;
    driver.step()?;
    let load = started.elapsed();

    let timing = Timing::default();
    let world = driver.world_mut();
    world.insert_resource(timing.clone());
    let mut schedules = world.resource_mut::<Schedules>();
    schedules.add_systems(First, begin);
    schedules.add_systems(Last, end);
    let wall = Instant::now();
    let mut frames = 0u32;
    while frames < FRAMES as u32 && (frames < 10 || wall.elapsed() < BUDGET) {
        driver.step()?;
        frames += 1;
    }
    let frame_wall = wall.elapsed() / frames;
    let mut samples = timing
        .samples
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    samples.sort();
    let mean = samples.iter().sum::<Duration>() / samples.len().max(1) as u32;
    let p95 = samples
        .get(samples.len() * 95 / 100)
        .copied()
        .unwrap_or_default();
    Ok(Figures {
        load,
        mean,
        p95,
        frame_wall,
    })
}

fn main() {
    let dir = std::env::temp_dir().join("backlot-bench");
    let _ = std::fs::create_dir_all(&dir);
    let empty = dir.join("empty.scene.ron");
    if let Err(e) = std::fs::write(&empty, "(title: \"empty\")") {
        eprintln!("cannot write baseline scene: {e}");
        std::process::exit(1);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let scenes = [
        ("empty (baseline)", empty),
        ("neon_club", root.join("scenes/neon_club.scene.ron")),
        ("desert_road", root.join("scenes/desert_road.scene.ron")),
    ];
    let mut baseline: Option<Figures> = None;
    println!(
        "scene               load→first frame   update CPU mean   p95       frame wall (1280x720)"
    );
    for (name, path) in scenes {
        match measure(path) {
            Ok(f) => {
                let ratio = |a: Duration, b: fn(&Figures) -> Duration| {
                    baseline.as_ref().map_or("".to_string(), |base| {
                        format!(
                            " ({:.2}x)",
                            a.as_secs_f64() / b(base).as_secs_f64().max(1e-9)
                        )
                    })
                };
                println!(
                    "{name:<19} {:>9.1} ms{:<9} {:>8.3} ms{:<9} {:>7.3} ms {:>8.1} ms{}",
                    f.load.as_secs_f64() * 1e3,
                    ratio(f.load, |b| b.load),
                    f.mean.as_secs_f64() * 1e3,
                    ratio(f.mean, |b| b.mean),
                    f.p95.as_secs_f64() * 1e3,
                    f.frame_wall.as_secs_f64() * 1e3,
                    ratio(f.frame_wall, |b| b.frame_wall),
                );
                if baseline.is_none() {
                    baseline = Some(f);
                }
            }
            Err(e) => {
                eprintln!("{name}: {e}");
                std::process::exit(1);
            }
        }
    }
}
