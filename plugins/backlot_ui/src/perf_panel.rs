//! The Performance panel: fps and a frame-time graph over the last seconds, and memory:
//! resident size and its growth, what the engine holds per type, GPU objects.

use std::collections::VecDeque;

use bevy::diagnostic::{DiagnosticsStore, FrameTimeDiagnosticsPlugin};
use bevy::prelude::*;
use bevy_egui::egui;
use egui_plot::{Line, Plot, PlotPoints};

use crate::memory::MemoryMonitor;

const WINDOW_SECS: f64 = 10.0;

/// Frame times (seconds since start, milliseconds) over the last ten seconds.
#[derive(Resource, Default)]
pub(crate) struct FrameHistory(VecDeque<[f64; 2]>);

pub(crate) fn record(time: Res<Time<Real>>, mut history: ResMut<FrameHistory>) {
    let now = time.elapsed_secs_f64();
    history.0.push_back([now, time.delta_secs_f64() * 1000.0]);
    while history.0.front().is_some_and(|p| now - p[0] > WINDOW_SECS) {
        history.0.pop_front();
    }
}

pub(crate) fn draw(ui: &mut egui::Ui, world: &mut World) {
    let fps = world
        .get_resource::<DiagnosticsStore>()
        .and_then(|d| d.get(&FrameTimeDiagnosticsPlugin::FPS))
        .and_then(|d| d.smoothed());
    let Some(history) = world.get_resource::<FrameHistory>() else {
        return;
    };
    let points: Vec<[f64; 2]> = history.0.iter().copied().collect();
    let worst = points.iter().map(|p| p[1]).fold(0.0, f64::max);
    let mean = if points.is_empty() {
        0.0
    } else {
        points.iter().map(|p| p[1]).sum::<f64>() / points.len() as f64
    };
    ui.horizontal(|ui| {
        ui.label(format!("fps {:.1}", fps.unwrap_or(0.0)));
        ui.separator();
        ui.label(format!(
            "frame {mean:.2} ms mean, {worst:.2} ms worst (last {WINDOW_SECS:.0} s)"
        ));
    });
    if let Some(monitor) = world.get_resource::<MemoryMonitor>() {
        draw_memory(ui, monitor);
    }
    Plot::new("frame_times")
        .height(ui.available_height().max(80.0))
        .include_y(0.0)
        .include_y(20.0)
        .y_axis_label("ms")
        .show(ui, |plot| {
            plot.line(Line::new("frame time", PlotPoints::from(points)));
        });
}

fn draw_memory(ui: &mut egui::Ui, m: &MemoryMonitor) {
    ui.horizontal_wrapped(|ui| {
        match m.rss_mb {
            Some(rss) => ui.label(format!("memory {rss:.0} MB")),
            None => ui.label("memory: not reported on this platform"),
        };
        ui.separator();
        match m.growth_mb_per_min {
            Some(g) => {
                let text = format!("{g:+.1} MB/min over the last minute");
                if m.warning {
                    ui.colored_label(
                        egui::Color32::from_rgb(255, 90, 70),
                        format!(
                            "{text}: growing (warning above {:.0})",
                            m.warn_growth_mb_per_min
                        ),
                    )
                } else {
                    ui.label(text)
                }
            }
            None => ui.label("growth: measuring (needs a minute)"),
        };
    });
    let r = &m.render;
    ui.horizontal_wrapped(|ui| {
        if r.rendering {
            ui.label(format!(
                "GPU: {} bind groups, {} buffers, {} textures",
                r.wgpu_bind_groups, r.wgpu_buffers, r.wgpu_textures
            ));
            match (r.gpu_allocated_bytes, r.gpu_reserved_bytes) {
                (Some(used), Some(reserved)) => ui.label(format!(
                    "{:.0} MB allocated of {:.0} MB reserved",
                    used as f64 / 1_048_576.0,
                    reserved as f64 / 1_048_576.0
                )),
                _ => ui.label("GPU memory: not reported by this backend"),
            };
            ui.separator();
            ui.label(format!(
                "prepared: {} materials, {} images, {} meshes; {} material types, {} bindless slabs ({} kB)",
                r.prepared_materials,
                r.prepared_images,
                r.prepared_meshes,
                r.material_allocators,
                r.material_slabs,
                r.material_slab_bytes / 1024
            ));
        } else {
            ui.label("not rendering");
        }
    });
    ui.horizontal_wrapped(|ui| {
        ui.label("assets:");
        for (name, count) in &m.assets {
            ui.label(format!("{name} {count}"));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory_render::RenderCounts;

    /// Draws the panel headlessly: before any sample, then warning with render counts.
    #[test]
    fn panel_draws_memory_states() {
        let mut world = World::new();
        world.init_resource::<FrameHistory>();
        world.insert_resource(MemoryMonitor::default());
        let ctx = egui::Context::default();
        let texts = |world: &mut World| {
            let out = ctx.run_ui(egui::RawInput::default(), |ui| draw(ui, world));
            assert!(!out.shapes.is_empty());
            format!("{:?}", out.shapes)
        };
        let empty = texts(&mut world);
        assert!(empty.contains("measuring"), "{empty}");
        {
            let mut m = world.resource_mut::<MemoryMonitor>();
            m.rss_mb = Some(812.0);
            m.growth_mb_per_min = Some(95.5);
            m.warn_growth_mb_per_min = 30.0;
            m.warning = true;
            m.assets = vec![("generative materials", 3)];
            m.render = RenderCounts {
                rendering: true,
                wgpu_bind_groups: 205,
                ..default()
            };
        }
        let warning = texts(&mut world);
        for needle in [
            "812 MB",
            "+95.5 MB/min",
            "205 bind groups",
            "generative materials 3",
        ] {
            assert!(warning.contains(needle), "{needle} missing");
        }
    }
}
