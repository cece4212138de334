//! Editors for parameter values, shared by every panel that shows parameters.

use std::collections::HashSet;

use backlot_params::{Arbiter, ParamEntry, ParamKind, ParamRegistry, ParamValue};
use bevy::prelude::*;
use bevy_egui::egui;

/// Draws an editor for one parameter; returns the new value when the user changed it.
pub fn param_editor(ui: &mut egui::Ui, entry: &ParamEntry) -> Option<ParamValue> {
    let spec = &entry.spec;
    let enabled = !spec.read_only;
    let (lo, hi) = spec.range.unwrap_or((-1000.0, 1000.0));
    let response = ui.add_enabled_ui(enabled, |ui| match (&spec.kind, &entry.value) {
        (ParamKind::Float, ParamValue::Float(v)) => {
            let mut v = *v;
            let slider = egui::Slider::new(&mut v, lo..=hi).suffix(format!(" {}", spec.unit));
            let slider = if hi - lo > 1000.0 && lo >= 0.0 {
                slider.logarithmic(true)
            } else {
                slider
            };
            ui.add(slider).changed().then_some(ParamValue::Float(v))
        }
        (ParamKind::Int, ParamValue::Int(v)) => {
            let mut v = *v;
            ui.add(egui::Slider::new(&mut v, lo as i32..=hi as i32))
                .changed()
                .then_some(ParamValue::Int(v))
        }
        (ParamKind::Bool, ParamValue::Bool(v)) => {
            let mut v = *v;
            ui.checkbox(&mut v, "")
                .changed()
                .then_some(ParamValue::Bool(v))
        }
        (ParamKind::Color, ParamValue::Color(c)) => {
            let mut c = *c;
            ui.color_edit_button_rgb(&mut c)
                .changed()
                .then_some(ParamValue::Color(c))
        }
        (ParamKind::Vec3, ParamValue::Vec3(v)) => {
            let mut v = *v;
            let speed = ((hi - lo) / 2000.0).max(0.001);
            let mut changed = false;
            ui.horizontal(|ui| {
                for c in &mut v {
                    changed |= ui
                        .add(egui::DragValue::new(c).speed(speed).range(lo..=hi))
                        .changed();
                }
                if !spec.unit.is_empty() {
                    ui.label(&spec.unit);
                }
            });
            changed.then_some(ParamValue::Vec3(v))
        }
        (ParamKind::Trigger, _) => ui.button("fire").clicked().then_some(ParamValue::Trigger),
        (ParamKind::Enum(options), ParamValue::Enum(current)) => {
            let mut chosen = None;
            egui::ComboBox::from_id_salt(spec.address.as_str())
                .selected_text(current.as_str())
                .show_ui(ui, |ui| {
                    for option in options {
                        if ui.selectable_label(option == current, option).clicked() {
                            chosen = Some(ParamValue::Enum(option.clone()));
                        }
                    }
                });
            chosen
        }
        (_, value) => {
            ui.label(value.to_string());
            None
        }
    });
    let out = response.inner;
    if !spec.description.is_empty() {
        response.response.on_hover_text(&spec.description);
    }
    out
}

/// What the operator did to a parameter in a panel.
#[derive(Debug, Clone, PartialEq)]
pub enum OperatorEdit {
    /// Set it and hold it there: it wins over layers and controllers until released.
    Hold(ParamValue),
    /// Let layers and controllers drive it again.
    Release,
}

/// A parameter's editor and, while the operator holds it, a release button; the same in
/// every panel.
pub fn operator_param_editor(
    ui: &mut egui::Ui,
    entry: &ParamEntry,
    held: bool,
) -> Option<OperatorEdit> {
    let mut edit = param_editor(ui, entry).map(OperatorEdit::Hold);
    if held
        && ui
            .small_button("release")
            .on_hover_text("Held by the operator: release to let layers and controllers drive it")
            .clicked()
    {
        edit = Some(OperatorEdit::Release);
    }
    edit
}

/// The parameters the operator holds now.
pub fn held_addresses(world: &World) -> HashSet<String> {
    world
        .get_resource::<Arbiter>()
        .map(|a| a.held_addresses().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Applies panel edits as operator writes through the one arbitration rule.
pub fn apply_operator_edits(world: &mut World, edits: Vec<(String, OperatorEdit)>) {
    if edits.is_empty() {
        return;
    }
    world.resource_scope(|world, mut arbiter: Mut<Arbiter>| {
        let registry = world.resource::<ParamRegistry>();
        for (address, edit) in edits {
            match edit {
                OperatorEdit::Hold(value) => {
                    if let Err(e) = arbiter.operator_edit(registry, &address, value) {
                        warn!("panel edit refused: {e}");
                    }
                }
                OperatorEdit::Release => arbiter.release(&address),
            }
        }
    });
}
