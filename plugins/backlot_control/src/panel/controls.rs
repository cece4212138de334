//! The Controls panel: the map's state, the Network section, the bindings editor, then every
//! parameter with its value, what drives it, override, MIDI learn and OSC learn.

use backlot_params::ParamRegistry;
use backlot_ui::widgets::param_editor;
use bevy::prelude::*;
use bevy_egui::egui;

use super::bindings::bindings_editor;
use crate::arbiter::{Arbiter, Source};
use crate::map::ControlMap;
use crate::midi::MidiEngine;
use crate::route::ControlRuntime;
use crate::servers::DmxServers;

#[derive(Resource, Default)]
struct ControlsFilter(String);

pub(super) fn controls_panel(ui: &mut egui::Ui, world: &mut World) {
    world.init_resource::<ControlsFilter>();
    if let Some(map) = world.get_resource::<ControlMap>() {
        match &map.error {
            Some(e) => {
                ui.colored_label(
                    egui::Color32::from_rgb(240, 70, 60),
                    format!("map error (last good map kept): {e}"),
                );
            }
            None => {
                ui.label(format!(
                    "map: {} OSC, {} MIDI bindings, {} fixtures (load #{})",
                    map.file.osc.bindings.len(),
                    map.file.midi.bindings.len(),
                    map.file.dmx.fixtures.len(),
                    map.loads
                ));
            }
        }
        // Learned bindings that could not be written to the file, and why.
        if let Some(e) = &map.save_error {
            ui.colored_label(egui::Color32::from_rgb(240, 70, 60), e);
        } else if let Some(saved) = &map.last_save {
            ui.small(saved);
        }
    }
    crate::network::network_section(ui, world);
    let failing = world
        .get_resource::<DmxServers>()
        .map_or(0, DmxServers::multicast_failing);
    if failing > 0 {
        ui.colored_label(
            egui::Color32::from_rgb(230, 180, 60),
            format!("sACN multicast: {failing} group(s) not joined, tried again (DMX monitor)"),
        );
    }
    bindings_editor(ui, world);
    let mut filter = world.resource::<ControlsFilter>().0.clone();
    ui.horizontal(|ui| {
        ui.label("filter");
        ui.text_edit_singleline(&mut filter);
    });
    world.resource_mut::<ControlsFilter>().0 = filter.clone();
    let learning = world
        .get_resource::<MidiEngine>()
        .and_then(|e| e.learn.clone());
    if let Some(l) = &learning {
        ui.colored_label(
            egui::Color32::from_rgb(230, 180, 60),
            format!("MIDI learn: move a control for {l}"),
        );
    }
    // OSC learn, armed here or by `/control/learn` from the network.
    let osc_learning = world.get_resource::<ControlRuntime>().and_then(|rt| {
        let target = rt.osc_learning()?.to_string();
        Some((target, rt.osc_learn_expires_in()?))
    });
    let mut cancel_osc = false;
    if let Some((target, left)) = &osc_learning {
        ui.horizontal(|ui| {
            ui.colored_label(
                egui::Color32::from_rgb(230, 180, 60),
                format!(
                    "OSC learn: send from a new OSC address for {target} ({} s left)",
                    left.as_secs()
                ),
            );
            cancel_osc = ui.button("cancel").clicked();
        });
        // The countdown moves without input.
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(500));
    }
    let osc_target = osc_learning.map(|(target, _)| target);
    let mut edits = Vec::new();
    let mut holds = Vec::new();
    let mut releases = Vec::new();
    let mut learn = None;
    let mut learn_osc = None;
    {
        let registry = world.resource::<ParamRegistry>();
        let arbiter = world.resource::<Arbiter>();
        egui::ScrollArea::vertical().show(ui, |ui| {
            egui::Grid::new("controls").striped(true).show(ui, |ui| {
                for entry in registry
                    .iter()
                    .filter(|e| e.spec.address.as_str().contains(filter.as_str()))
                {
                    let address = entry.spec.address.to_string();
                    ui.label(&address);
                    if let Some(v) = param_editor(ui, entry) {
                        edits.push((address.clone(), v));
                    }
                    let driver = arbiter.driver(&address);
                    let color = match driver {
                        Source::Operator => egui::Color32::from_rgb(240, 70, 60),
                        Source::Scene => egui::Color32::GRAY,
                        _ => egui::Color32::from_rgb(80, 200, 120),
                    };
                    ui.colored_label(color, driver.label());
                    if !entry.spec.read_only {
                        if arbiter.held(&address) {
                            if ui.button("release").clicked() {
                                releases.push(address.clone());
                            }
                        } else if ui
                            .button("hold")
                            .on_hover_text("Operator override: wins until released")
                            .clicked()
                        {
                            holds.push((address.clone(), entry.value.clone()));
                        }
                        let learn_label = if learning.as_deref() == Some(address.as_str()) {
                            "learning…"
                        } else {
                            "learn"
                        };
                        if ui
                            .button(learn_label)
                            .on_hover_text("MIDI learn: move a control to bind it")
                            .clicked()
                        {
                            learn = Some(address.clone());
                        }
                        let osc_label = if osc_target.as_deref() == Some(address.as_str()) {
                            "learning OSC…"
                        } else {
                            "learn OSC"
                        };
                        if ui
                            .button(osc_label)
                            .on_hover_text("OSC learn: send from a new OSC address to bind it")
                            .clicked()
                        {
                            learn_osc = Some(address.clone());
                        }
                    }
                    ui.end_row();
                }
            });
        });
    }
    let mut arbiter = world.resource_mut::<Arbiter>();
    for (a, v) in &edits {
        // An edit here is an override: the operator wins until release.
        arbiter.hold(a, v.clone());
    }
    for (a, v) in holds {
        arbiter.hold(&a, v);
    }
    for a in releases {
        arbiter.release(&a);
    }
    if let Some(l) = learn {
        world.resource_mut::<MidiEngine>().learn = Some(l);
    }
    if let Some(mut rt) = world.get_resource_mut::<ControlRuntime>() {
        if cancel_osc {
            rt.cancel_osc_learn();
        }
        if let Some(target) = learn_osc {
            rt.arm_osc_learn(&target);
        }
    }
}
