//! The Tracking panel (status, health, rate/jitter graph, delay and smoothing, takes) and
//! the Lens panel (the lens curve and where the lens is now).

use backlot_net::{HealthReport, HealthSeverity};
use backlot_params::ParamRegistry;
use backlot_stage::format::LensDef;
use backlot_ui::widgets::{apply_operator_edits, held_addresses, operator_param_editor};
use backlot_ui::{PanelAppExt, PanelSlot};
use bevy::prelude::*;
use bevy_egui::egui;
use egui_plot::{Legend, Line, Plot, PlotPoints, Points};

use crate::recording::TakeRecorder;
use crate::setup::TrackingSetup;
use crate::state::{TrackingState, TrackingStatus};

pub(crate) fn build(app: &mut App) {
    app.add_panel("Tracking", PanelSlot::Side, tracking_panel)
        .add_panel("Lens", PanelSlot::Bottom, lens_panel);
}

fn status_color(s: TrackingStatus) -> egui::Color32 {
    match s {
        TrackingStatus::Tracking | TrackingStatus::Replay => egui::Color32::from_rgb(80, 200, 120),
        TrackingStatus::Lost => egui::Color32::from_rgb(240, 70, 60),
        TrackingStatus::Waiting => egui::Color32::from_rgb(230, 180, 60),
        TrackingStatus::Static => egui::Color32::GRAY,
    }
}

/// What a tracker's receiver is called in its health line.
const RECEIVER: &str = "receive thread";

/// A receive thread's health, worded and coloured as the control monitors' listeners are.
fn receiver_health(ui: &mut egui::Ui, h: &HealthReport) {
    let line = h.line(RECEIVER);
    match line.severity {
        HealthSeverity::Stopped => {
            ui.colored_label(egui::Color32::from_rgb(230, 80, 60), line.text)
        }
        HealthSeverity::Failing => {
            ui.colored_label(egui::Color32::from_rgb(230, 180, 60), line.text)
        }
        HealthSeverity::Ok => ui.small(line.text),
    };
}

fn tracking_panel(ui: &mut egui::Ui, world: &mut World) {
    takes_section(ui, world);
    let Some(state) = world.get_resource::<TrackingState>() else {
        return;
    };
    ui.separator();
    ui.heading("Trackers");
    if state.trackers.is_empty() {
        ui.label("The stage file names no trackers.");
    }
    for t in &state.trackers {
        let place = match (&t.local, &t.error) {
            (Some(addr), _) => format!("udp {addr}"),
            (None, Some(e)) => e.clone(),
            (None, None) => "-".into(),
        };
        ui.label(format!(
            "{}: {place} · {} received · {} rejected · {} for other cameras",
            t.name, t.packets, t.errors, t.unrouted
        ));
        if let Some(e) = &t.last_error {
            ui.small(format!("last rejected: {e}"));
        }
        match state.tracker_health(&t.name) {
            Some(h) => receiver_health(ui, &h),
            None if t.local.is_some() => {
                ui.small("on the shared OSC port: its listener's health is in the OSC monitor");
            }
            None => {}
        }
    }
    let cameras: Vec<(u32, TrackingStatus, Vec<[f64; 3]>)> = state
        .cameras
        .iter()
        .map(|c| (c.id, c.status, c.graph.iter().copied().collect()))
        .collect();
    let held = held_addresses(world);
    let mut edits = Vec::new();
    let registry = world.resource::<ParamRegistry>();
    for (id, status, graph) in cameras {
        ui.separator();
        ui.horizontal(|ui| {
            ui.heading(format!("Camera {id}"));
            ui.colored_label(status_color(status), status.name().to_uppercase());
        });
        if status == TrackingStatus::Lost {
            ui.colored_label(
                status_color(status),
                "No tracking: the wall holds the last pose.",
            );
        }
        let prefix = format!("/tracking/{id}");
        egui::Grid::new(format!("tracking-{id}"))
            .striped(true)
            .show(ui, |ui| {
                for entry in registry.iter_under(&prefix) {
                    let leaf = &entry.spec.address.as_str()[prefix.len() + 1..];
                    ui.label(leaf);
                    if let Some(v) =
                        operator_param_editor(ui, entry, held.contains(entry.spec.address.as_str()))
                    {
                        edits.push((entry.spec.address.to_string(), v));
                    }
                    ui.end_row();
                }
            });
        let rate: PlotPoints = graph.iter().map(|g| [g[0], g[1]]).collect();
        let jitter: PlotPoints = graph.iter().map(|g| [g[0], g[2]]).collect();
        Plot::new(format!("tracking-rate-{id}"))
            .height(110.0)
            .legend(Legend::default())
            .show(ui, |plot| {
                plot.line(Line::new("rate Hz", rate));
                plot.line(Line::new("jitter ms", jitter));
            });
    }
    apply_operator_edits(world, edits);
}

fn takes_section(ui: &mut egui::Ui, world: &mut World) {
    let Some(recorder) = world.get_resource::<TakeRecorder>() else {
        return;
    };
    ui.heading("Takes");
    let recording = recorder.recording().map(|p| p.display().to_string());
    let mut press = false;
    ui.horizontal(|ui| {
        let label = if recording.is_some() {
            "⏹ Stop take"
        } else {
            "⏺ Record take"
        };
        press = ui.button(label).clicked();
        match &recording {
            Some(p) => ui.colored_label(
                egui::Color32::from_rgb(240, 70, 60),
                format!("recording {p} · {} samples", recorder.samples),
            ),
            None => ui.label(
                recorder
                    .last
                    .as_ref()
                    .map(|p| format!("last: {} ({} samples)", p.display(), recorder.samples))
                    .unwrap_or_else(|| "not recording".into()),
            ),
        };
    });
    if recorder.dropped > 0 {
        ui.colored_label(
            egui::Color32::from_rgb(230, 180, 60),
            format!(
                "{} rows dropped: the disk is not keeping up",
                recorder.dropped
            ),
        );
    }
    if recorder.closing() > 0 {
        ui.small(format!("closing {} take file(s)…", recorder.closing()));
    }
    if let Some(e) = &recorder.error {
        ui.colored_label(egui::Color32::from_rgb(240, 70, 60), e);
    }
    if press {
        let mut registry = world.resource_mut::<ParamRegistry>();
        if let Err(e) = registry.set("/takes/record", backlot_params::ParamValue::Trigger) {
            warn!("{e}");
        }
    }
}

fn lens_panel(ui: &mut egui::Ui, world: &mut World) {
    let (Some(setup), Some(state)) = (
        world.get_resource::<TrackingSetup>(),
        world.get_resource::<TrackingState>(),
    ) else {
        return;
    };
    for cam in &setup.cameras {
        let now = state.camera(cam.id).and_then(|c| c.applied);
        ui.heading(format!("Camera {}", cam.id));
        match &cam.lens {
            LensDef::Table { zoom, .. } => {
                let curve: PlotPoints = (0..=100)
                    .map(|i| {
                        let z = i as f32 / 100.0;
                        [f64::from(z), f64::from(cam.lens.evaluate(z, 0.0).focal_mm)]
                    })
                    .collect();
                let points: PlotPoints = zoom
                    .iter()
                    .map(|p| [f64::from(p.zoom), f64::from(p.focal_mm)])
                    .collect();
                if let Some(a) = now {
                    ui.label(format!(
                        "zoom {:.3} → {:.1} mm, {:.2}° horizontal; k1 {:.4}",
                        a.sample.zoom, a.lens.focal_mm, a.fov, a.lens.distortion.k1
                    ));
                }
                Plot::new(format!("lens-{}", cam.id))
                    .height(140.0)
                    .x_axis_label("zoom (normalised)")
                    .y_axis_label("focal mm")
                    .show(ui, |plot| {
                        plot.line(Line::new("focal length", curve));
                        plot.points(Points::new("calibrated", points).radius(3.0));
                        if let Some(a) = now {
                            plot.points(
                                Points::new(
                                    "now",
                                    vec![[f64::from(a.sample.zoom), f64::from(a.lens.focal_mm)]],
                                )
                                .radius(6.0),
                            );
                        }
                    });
            }
            fixed => {
                let lens = fixed.evaluate(0.0, 0.0);
                let fov = now.map_or(lens.hfov_deg, |a| a.fov);
                ui.label(format!(
                    "fixed lens: {:.1} mm on {:.2} mm → {fov:.2}° horizontal",
                    lens.focal_mm,
                    fixed.sensor_width_mm()
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use backlot_net::HealthLine;

    /// Draws both panels headlessly over a world with a lost camera and a table lens.
    #[test]
    fn panels_draw_every_state() {
        let mut app = crate::tests::app(crate::tests::STAGE, crate::TrackingPlugin::default());
        let port = crate::tests::port(&app, "freed");
        crate::tests::send(port, &crate::tests::packet(1000.0, 0x4000));
        crate::tests::update_until(&mut app, |a| {
            a.world()
                .resource::<TrackingState>()
                .camera(1)
                .map(|c| c.status)
                == Some(TrackingStatus::Lost)
        });
        let ctx = egui::Context::default();
        for draw in [tracking_panel as fn(&mut egui::Ui, &mut World), lens_panel] {
            let out = ctx.run_ui(egui::RawInput::default(), |ui| {
                draw(ui, app.world_mut());
            });
            assert!(!out.shapes.is_empty());
        }
    }

    /// The health the panel shows comes from each tracker's own running receiver on
    /// loopback; a tracker that is not listening has none.
    #[test]
    fn tracker_health_comes_from_the_running_receiver() {
        let mut app = crate::tests::app(crate::tests::STAGE, crate::TrackingPlugin::default());
        let health = |app: &App| {
            app.world()
                .resource::<TrackingState>()
                .tracker_health("freed")
        };
        let before = health(&app).expect("freed listens on its own socket");
        assert!(before.running, "{before:?}");
        assert_eq!(before.received, 0);
        let port = crate::tests::port(&app, "freed");
        crate::tests::send(port, &crate::tests::packet(1000.0, 0x4000));
        crate::tests::send(port, b"not a FreeD packet");
        crate::tests::update_until(&mut app, |a| health(a).is_some_and(|h| h.received == 2));
        let after = health(&app).expect("still listening");
        assert!(after.running);
        // A packet that does not decode is the decoder's rejection, not a socket error.
        assert_eq!((after.errors, after.panics, after.last_error), (0, 0, None));
        assert_eq!(
            health(&app).expect("listening").line(RECEIVER),
            HealthLine {
                text: "receive thread: 2 received, 0 socket errors, 0 handler panics".to_string(),
                severity: HealthSeverity::Ok,
            }
        );
        assert_eq!(
            app.world()
                .resource::<TrackingState>()
                .tracker_health("no such tracker"),
            None
        );
    }
}
