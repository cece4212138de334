//! The Performance panel: fps and a frame-time graph over the last seconds.

use std::collections::VecDeque;

use bevy::diagnostic::{DiagnosticsStore, FrameTimeDiagnosticsPlugin};
use bevy::prelude::*;
use bevy_egui::egui;
use egui_plot::{Line, Plot, PlotPoints};

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
    Plot::new("frame_times")
        .height(ui.available_height().max(80.0))
        .include_y(0.0)
        .include_y(20.0)
        .y_axis_label("ms")
        .show(ui, |plot| {
            plot.line(Line::new("frame time", PlotPoints::from(points)));
        });
}
