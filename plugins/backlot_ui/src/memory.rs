//! Memory that can be watched: resident memory and its growth over the last minute, the
//! counts of the things that pile up when something leaks (assets per type, prepared render
//! assets, material bind-group slabs, wgpu objects, GPU memory where wgpu reports it), as
//! status parameters and in the Performance panel, with a warning when growth after warm-up
//! passes a threshold.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use backlot_params::{ParamAddress, ParamKind, ParamRegistry, ParamSpec, ParamValue};
use bevy::prelude::*;

use crate::memory_render::{self, RenderCounts};

/// How often memory is sampled.
pub const SAMPLE_PERIOD: Duration = Duration::from_secs(1);
/// The window growth is measured over.
pub const GROWTH_WINDOW: Duration = Duration::from_secs(60);
/// Samples kept (ten minutes at one a second), for the panel's graph.
const HISTORY: usize = 600;

/// Samples memory and publishes it; added in every mode, headless included.
pub struct MemoryPlugin {
    /// Growth (MB per minute) after warm-up that raises the warning.
    pub warn_growth_mb_per_min: f64,
    /// Time after start before growth counts (loading, shader compilation, caches filling);
    /// the first warning can come a growth window after it.
    pub warm_up: Duration,
}

impl Default for MemoryPlugin {
    fn default() -> Self {
        Self {
            warn_growth_mb_per_min: 30.0,
            warm_up: Duration::from_secs(60),
        }
    }
}

impl Plugin for MemoryPlugin {
    fn build(&self, app: &mut App) {
        let shared = SharedRenderCounts::default();
        app.insert_resource(MemoryMonitor {
            warn_growth_mb_per_min: self.warn_growth_mb_per_min,
            warm_up: self.warm_up,
            ..default()
        })
        .insert_resource(shared.clone())
        .init_resource::<TrackedAssets>()
        .add_systems(Startup, register_params)
        .add_systems(Last, sample_memory);
        memory_render::build(app, shared);
    }
}

/// Counts a type of asset in the memory report; every plugin names its own.
pub trait TrackAssetsExt {
    /// Adds `Assets<A>`'s length to the report under `name`.
    fn track_assets<A: Asset>(&mut self, name: &'static str) -> &mut Self;
}

impl TrackAssetsExt for App {
    fn track_assets<A: Asset>(&mut self, name: &'static str) -> &mut Self {
        let mut tracked = self.world_mut().get_resource_or_init::<TrackedAssets>();
        if !tracked.0.iter().any(|(n, _)| *n == name) {
            tracked.0.push((name, |world: &World| {
                world.get_resource::<Assets<A>>().map(|a| a.len())
            }));
        }
        self
    }
}

type CountFn = fn(&World) -> Option<usize>;

/// Asset types counted in the report.
#[derive(Resource, Default)]
pub struct TrackedAssets(Vec<(&'static str, CountFn)>);

/// Render-world counts, filled by the render world and read by the main world.
#[derive(Resource, Clone, Default)]
pub struct SharedRenderCounts(pub Arc<Mutex<RenderCounts>>);

/// The latest memory report.
#[derive(Resource, Debug, Clone, Default)]
pub struct MemoryMonitor {
    /// Resident memory now, MB (None where the platform does not say).
    pub rss_mb: Option<f64>,
    /// (seconds since start, RSS MB), one a second.
    pub history: VecDeque<[f64; 2]>,
    /// RSS growth over the last [`GROWTH_WINDOW`], MB per minute (after a full window).
    pub growth_mb_per_min: Option<f64>,
    /// (type, count) of every tracked asset store present.
    pub assets: Vec<(&'static str, usize)>,
    /// Render-world and GPU counts.
    pub render: RenderCounts,
    /// Whether growth after warm-up is over the threshold now.
    pub warning: bool,
    /// Threshold, MB per minute.
    pub warn_growth_mb_per_min: f64,
    /// Warm-up before growth counts.
    pub warm_up: Duration,
    last_sample: Option<Duration>,
}

impl MemoryMonitor {
    /// Whether the warm-up is over.
    pub fn warmed_up(&self, now: Duration) -> bool {
        now >= self.warm_up
    }
}

/// Resident set size of this process in MB, from `/proc/self/status` (Linux).
pub fn resident_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_rss_kb(&status).map(|kb| kb as f64 / 1024.0)
}

/// The `VmRSS:` line of a `/proc/<pid>/status` text, in kB.
pub fn parse_vm_rss_kb(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// MB per minute between the oldest sample inside the window and the newest.
pub fn growth_per_minute(history: &VecDeque<[f64; 2]>, window: Duration) -> Option<f64> {
    let &[now, latest] = history.back()?;
    let start = now - window.as_secs_f64();
    // Needs (nearly) a full window: a partial one overstates start-up growth.
    let &[t0, first] = history.iter().find(|s| s[0] >= start)?;
    if history.front().is_some_and(|f| f[0] > start + 1.5) || now - t0 < 1.0 {
        return None;
    }
    Some((latest - first) / (now - t0) * 60.0)
}

const STATUS: [(&str, &str, &str); 8] = [
    ("/status/frames", "", "Frames run since start"),
    (
        "/status/memory_mb",
        "MB",
        "Resident memory of the backlot process",
    ),
    (
        "/status/memory_growth_mb_min",
        "MB/min",
        "Resident memory growth over the last minute",
    ),
    (
        "/status/gpu_memory_mb",
        "MB",
        "GPU memory wgpu has allocated (0 where the backend does not report it)",
    ),
    ("/status/gpu_bind_groups", "", "Live wgpu bind groups"),
    ("/status/gpu_buffers", "", "Live wgpu buffers"),
    ("/status/gpu_textures", "", "Live wgpu textures"),
    (
        "/status/prepared_materials",
        "",
        "Materials prepared in the render world",
    ),
];

fn register_params(registry: Option<ResMut<ParamRegistry>>) {
    let Some(mut registry) = registry else {
        return;
    };
    for (address, unit, description) in STATUS {
        let Ok(address) = ParamAddress::new(address) else {
            continue;
        };
        let spec = if unit.is_empty() {
            ParamSpec::new(address, ParamKind::Int, ParamValue::Int(0))
        } else {
            ParamSpec::float(address, 0.0, 0.0, 1.0e9, unit)
        };
        let _ = registry.register(spec.read_only().with_description(description));
    }
    if let Ok(address) = ParamAddress::new("/status/memory_warning") {
        let _ = registry.register(
            ParamSpec::bool(address, false)
                .read_only()
                .with_description("Memory grows faster than the warning threshold"),
        );
    }
}

fn sample_memory(world: &mut World) {
    let now = world.resource::<Time<Real>>().elapsed();
    let counts = {
        let tracked = world.resource::<TrackedAssets>();
        tracked
            .0
            .iter()
            .filter_map(|(name, count)| count(world).map(|n| (*name, n)))
            .collect::<Vec<_>>()
    };
    let render = world
        .resource::<SharedRenderCounts>()
        .0
        .lock()
        .map(|c| c.clone())
        .unwrap_or_default();
    let mut monitor = world.resource_mut::<MemoryMonitor>();
    if monitor
        .last_sample
        .is_some_and(|t| now.saturating_sub(t) < SAMPLE_PERIOD)
    {
        return;
    }
    monitor.last_sample = Some(now);
    monitor.rss_mb = resident_mb();
    if let Some(rss) = monitor.rss_mb {
        monitor.history.push_back([now.as_secs_f64(), rss]);
        while monitor.history.len() > HISTORY {
            monitor.history.pop_front();
        }
    }
    monitor.growth_mb_per_min = growth_per_minute(&monitor.history, GROWTH_WINDOW);
    monitor.assets = counts;
    monitor.render = render;
    // Judged on a window that starts after warm-up: loading is not a leak.
    let over = monitor.warmed_up(now.saturating_sub(GROWTH_WINDOW))
        && monitor
            .growth_mb_per_min
            .is_some_and(|g| g > monitor.warn_growth_mb_per_min);
    if over && !monitor.warning {
        warn!(
            "memory grows {:.1} MB/min (warning above {:.0}); now {:.0} MB resident",
            monitor.growth_mb_per_min.unwrap_or(0.0),
            monitor.warn_growth_mb_per_min,
            monitor.rss_mb.unwrap_or(0.0)
        );
    } else if !over && monitor.warning {
        info!("memory growth back under the warning threshold");
    }
    monitor.warning = over;
    let monitor = monitor.clone();
    let frames = world
        .get_resource::<bevy::diagnostic::FrameCount>()
        .map_or(0, |f| f.0);
    let Some(mut registry) = world.get_resource_mut::<ParamRegistry>() else {
        return;
    };
    let float = |v: f64| ParamValue::Float(v as f32);
    let int = |v: usize| ParamValue::Int(i32::try_from(v).unwrap_or(i32::MAX));
    let r = &monitor.render;
    let values = [
        ("/status/frames", ParamValue::Int(frames as i32 & i32::MAX)),
        ("/status/memory_mb", float(monitor.rss_mb.unwrap_or(0.0))),
        (
            "/status/memory_growth_mb_min",
            float(monitor.growth_mb_per_min.unwrap_or(0.0).max(0.0)),
        ),
        (
            "/status/gpu_memory_mb",
            float(r.gpu_allocated_bytes.unwrap_or(0) as f64 / 1_048_576.0),
        ),
        ("/status/gpu_bind_groups", int(r.wgpu_bind_groups)),
        ("/status/gpu_buffers", int(r.wgpu_buffers)),
        ("/status/gpu_textures", int(r.wgpu_textures)),
        ("/status/prepared_materials", int(r.prepared_materials)),
        ("/status/memory_warning", ParamValue::Bool(monitor.warning)),
    ];
    for (address, value) in values {
        let _ = registry.set_status(address, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_rss_is_read_from_proc_status_text() {
        let text = "Name:\tbacklot\nVmPeak:\t  900 kB\nVmRSS:\t  123456 kB\nThreads:\t12\n";
        assert_eq!(parse_vm_rss_kb(text), Some(123_456));
        assert_eq!(parse_vm_rss_kb("Name: x\n"), None);
        assert_eq!(parse_vm_rss_kb("VmRSS: lots kB\n"), None);
    }

    #[test]
    fn this_process_has_a_resident_size() {
        let rss = resident_mb().expect("Linux reports VmRSS");
        assert!(rss > 1.0, "{rss}");
    }

    #[test]
    fn growth_needs_a_full_window_and_is_per_minute() {
        let window = Duration::from_secs(60);
        let mut h: VecDeque<[f64; 2]> = (0..30).map(|t| [t as f64, 100.0 + t as f64]).collect();
        assert_eq!(growth_per_minute(&h, window), None, "half a window");
        h = (0..=120)
            .map(|t| [t as f64, 100.0 + t as f64 * 0.5])
            .collect();
        let g = growth_per_minute(&h, window).expect("full window");
        assert!((g - 30.0).abs() < 1e-6, "{g}");
        h = (0..=120).map(|t| [t as f64, 250.0]).collect();
        assert_eq!(growth_per_minute(&h, window), Some(0.0));
    }

    #[test]
    fn status_parameters_follow_the_samples() {
        let mut app = App::new();
        app.add_plugins(MinimalPlugins)
            .add_plugins(backlot_params::ParamsPlugin)
            .add_plugins(MemoryPlugin::default());
        app.track_assets::<Mesh>("meshes");
        app.init_resource::<Assets<Mesh>>();
        app.world_mut()
            .resource_mut::<Assets<Mesh>>()
            .add(Mesh::from(Cuboid::default()));
        app.update();
        let registry = app.world().resource::<ParamRegistry>();
        let rss = registry
            .get("/status/memory_mb")
            .ok()
            .and_then(ParamValue::as_f32)
            .expect("memory_mb");
        assert!(rss > 1.0, "{rss}");
        let monitor = app.world().resource::<MemoryMonitor>();
        assert_eq!(monitor.assets, vec![("meshes", 1)]);
        assert!(!monitor.warning);
    }
}
