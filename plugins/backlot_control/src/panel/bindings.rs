//! The Controls panel's bindings editor: every OSC and MIDI binding of the map, editable,
//! and "Save map".

use bevy::prelude::*;
use bevy_egui::egui;

use crate::map::ControlMap;

#[derive(Resource, Default)]
struct SaveStatus(Option<String>);

/// Every binding of the map, editable; "Save map" writes the file atomically (and the
/// running map reloads from it).
pub(super) fn bindings_editor(ui: &mut egui::Ui, world: &mut World) {
    world.init_resource::<SaveStatus>();
    let path = world
        .get_resource::<crate::MapSource>()
        .map(|s| s.file.clone());
    let mut save = false;
    egui::CollapsingHeader::new("Bindings")
        .default_open(false)
        .show(ui, |ui| {
            let mut map = world.resource_mut::<ControlMap>();
            let file = &mut map.file;
            let mut remove_osc = None;
            ui.label("OSC");
            egui::Grid::new("osc-bindings")
                .striped(true)
                .show(ui, |ui| {
                    for (i, b) in file.osc.bindings.iter_mut().enumerate() {
                        ui.label(format!("{} → {}", b.address, b.target));
                        ui.checkbox(&mut b.unit_scale, "0..1");
                        ui.add(
                            egui::DragValue::new(&mut b.slew_ms)
                                .range(0.0..=60_000.0)
                                .suffix(" ms slew"),
                        );
                        ui.add(egui::DragValue::new(&mut b.priority).prefix("priority "));
                        if ui.button("remove").clicked() {
                            remove_osc = Some(i);
                        }
                        ui.end_row();
                    }
                });
            if let Some(i) = remove_osc {
                file.osc.bindings.remove(i);
            }
            let mut remove_midi = None;
            ui.label("MIDI");
            egui::Grid::new("midi-bindings")
                .striped(true)
                .show(ui, |ui| {
                    for (i, b) in file.midi.bindings.iter_mut().enumerate() {
                        ui.label(format!("{:?} → {}", b.control, b.target));
                        ui.checkbox(&mut b.pickup, "pickup");
                        ui.checkbox(&mut b.feedback, "feedback");
                        ui.add(
                            egui::DragValue::new(&mut b.slew_ms)
                                .range(0.0..=60_000.0)
                                .suffix(" ms slew"),
                        );
                        if ui.button("remove").clicked() {
                            remove_midi = Some(i);
                        }
                        ui.end_row();
                    }
                });
            if let Some(i) = remove_midi {
                file.midi.bindings.remove(i);
            }
            ui.horizontal(|ui| {
                save = ui
                    .add_enabled(path.is_some(), egui::Button::new("Save map"))
                    .clicked();
                if let Some(p) = &path {
                    ui.label(p.display().to_string());
                }
            });
        });
    if save && let Some(p) = path {
        let result = crate::format::save_map(&world.resource::<ControlMap>().file, &p);
        let status = match result {
            Ok(saved) => {
                // The map in force holds any learned bindings still waiting: now in the file.
                let mut map = world.resource_mut::<ControlMap>();
                map.pending.clear();
                map.save_error = None;
                format!("saved {}: {saved}", p.display())
            }
            Err(e) => format!("cannot save {}: {e}", p.display()),
        };
        world.resource_mut::<SaveStatus>().0 = Some(status);
    }
    if let Some(status) = &world.resource::<SaveStatus>().0 {
        ui.small(status);
    }
}
