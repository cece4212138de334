//! The Layers panel: a mixer with one strip per layer (weight fader, mute, solo, live meter
//! of its output and of its source), the tempo and the audio bands.

use backlot_params::{ParamRegistry, ParamValue};
use backlot_ui::widgets::{OperatorEdit, apply_operator_edits};
use backlot_ui::{PanelAppExt, PanelSlot};
use bevy::prelude::*;
use bevy_egui::egui;

use crate::state::LayersState;

pub(crate) fn build(app: &mut App) {
    app.add_panel("Layers", PanelSlot::Bottom, layers_panel);
}

fn meter(ui: &mut egui::Ui, v: f32, color: egui::Color32) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(10.0, 60.0), egui::Sense::hover());
    ui.painter()
        .rect_filled(rect, 2.0, egui::Color32::from_gray(30));
    let h = rect.height() * v.clamp(0.0, 1.0);
    let fill = egui::Rect::from_min_max(egui::pos2(rect.left(), rect.bottom() - h), rect.max);
    ui.painter().rect_filled(fill, 2.0, color);
}

/// Per model: off, building, last good kept, worker restarts or stopped; with a colour.
fn model_lines(state: &LayersState) -> Vec<(String, egui::Color32)> {
    let (red, amber, grey) = (
        egui::Color32::from_rgb(240, 70, 60),
        egui::Color32::from_rgb(230, 180, 60),
        egui::Color32::from_gray(160),
    );
    let mut names: Vec<&String> = state.models.keys().collect();
    names.sort();
    let mut lines = Vec::new();
    for name in names {
        let m = &state.models[name];
        if let Some(e) = &m.error {
            lines.push((format!("model `{name}` off: {e}"), red));
        }
        if m.is_building() {
            lines.push((format!("model `{name}`: building the new version…"), grey));
        }
        if let Some(e) = &m.reload_error {
            lines.push((
                format!("model `{name}`: new version failed, last good kept: {e}"),
                amber,
            ));
        }
        match m.worker_health() {
            Some((restarts, Some(why))) => lines.push((
                format!("model `{name}`: worker failed after {restarts} restarts: {why}"),
                red,
            )),
            Some((restarts, None)) if restarts > 0 => lines.push((
                format!("model `{name}`: worker restarted {restarts} times"),
                amber,
            )),
            _ => {}
        }
    }
    lines
}

fn layers_panel(ui: &mut egui::Ui, world: &mut World) {
    let Some(state) = world.get_resource::<LayersState>() else {
        return;
    };
    if let Some(e) = &state.error {
        ui.colored_label(
            egui::Color32::from_rgb(240, 70, 60),
            format!("layer file error (last good set kept): {e}"),
        );
    }
    if let Some(e) = &state.audio_error {
        ui.colored_label(egui::Color32::from_rgb(230, 180, 60), e);
    }
    if state.audio_loading() {
        ui.label("audio file decoding… (the previous audio plays on)");
    }
    for line in model_lines(state) {
        ui.colored_label(line.1, line.0);
    }
    let f = state.features;
    let strips: Vec<(String, f32, f32)> = state
        .file
        .layers
        .iter()
        .map(|l| {
            let s = state.layers.get(&l.name.0).cloned().unwrap_or_default();
            (l.name.0.clone(), s.input, s.output)
        })
        .collect();
    let registry = world.resource::<ParamRegistry>();
    let get_f = |a: &str| {
        registry
            .get(a)
            .ok()
            .and_then(ParamValue::as_f32)
            .unwrap_or(0.0)
    };
    let get_b = |a: &str| {
        registry
            .get(a)
            .ok()
            .and_then(ParamValue::as_bool)
            .unwrap_or(false)
    };
    ui.horizontal(|ui| {
        ui.label(format!(
            "tempo {:.1} BPM · beat {:.2} · bar {:.2} · audio {} BPM",
            get_f(backlot_params::addresses::LAYERS_TEMPO_BPM),
            get_f(backlot_params::addresses::LAYERS_TEMPO_BEAT),
            get_f(backlot_params::addresses::LAYERS_TEMPO_BAR),
            f.bpm.map_or("-".into(), |b| format!("{b:.1}"))
        ));
    });
    let mut edits: Vec<(String, ParamValue)> = Vec::new();
    let mut tap = false;
    ui.horizontal(|ui| {
        tap = ui.button("tap").clicked();
        ui.label("audio");
        meter(ui, f.rms * 2.0, egui::Color32::from_rgb(80, 200, 120));
        for b in f.bands {
            meter(ui, b, egui::Color32::from_rgb(90, 160, 240));
        }
        ui.separator();
        for (name, input, output) in &strips {
            ui.vertical(|ui| {
                ui.label(name);
                ui.horizontal(|ui| {
                    meter(ui, *input, egui::Color32::from_rgb(120, 120, 200));
                    meter(ui, *output, egui::Color32::from_rgb(240, 170, 60));
                    let mut w = get_f(&format!("/layers/{name}/weight"));
                    if ui
                        .add(
                            egui::Slider::new(&mut w, 0.0..=1.0)
                                .vertical()
                                .show_value(false),
                        )
                        .changed()
                    {
                        edits.push((format!("/layers/{name}/weight"), ParamValue::Float(w)));
                    }
                });
                ui.horizontal(|ui| {
                    let (mut mute, mut solo) = (
                        get_b(&format!("/layers/{name}/mute")),
                        get_b(&format!("/layers/{name}/solo")),
                    );
                    if ui.toggle_value(&mut mute, "M").changed() {
                        edits.push((format!("/layers/{name}/mute"), ParamValue::Bool(mute)));
                    }
                    if ui.toggle_value(&mut solo, "S").changed() {
                        edits.push((format!("/layers/{name}/solo"), ParamValue::Bool(solo)));
                    }
                });
            });
        }
    });
    if tap {
        // A momentary action, not a held value.
        let _ = world.resource_mut::<ParamRegistry>().set(
            backlot_params::addresses::LAYERS_TEMPO_TAP,
            ParamValue::Trigger,
        );
    }
    // Weight, mute and solo edits are operator writes like every panel's: held until released
    // (in the Controls panel or any parameter editor).
    apply_operator_edits(
        world,
        edits
            .into_iter()
            .map(|(a, v)| (a, OperatorEdit::Hold(v)))
            .collect(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mixer draws headlessly over a running layer set.
    #[test]
    fn mixer_draws() {
        let mut app = crate::tests::app(
            r#"(layers: [(name: "a", source: Constant(0.5), targets: [Float(param: "/scene/fog/density", min: 0.0, max: 1.0)])])"#,
        );
        app.update();
        let ctx = egui::Context::default();
        let out = ctx.run_ui(egui::RawInput::default(), |ui| {
            layers_panel(ui, app.world_mut())
        });
        assert!(!out.shapes.is_empty());
    }
}
