//! The Log panel: warnings and errors (scene errors with their position) first-class.

use bevy::prelude::*;
use bevy_egui::egui;
use tracing::Level;

use crate::LogBuffer;

pub(crate) fn draw(ui: &mut egui::Ui, world: &mut World) {
    let Some(buffer) = world.get_resource::<LogBuffer>().cloned() else {
        ui.label("Log capture is not installed.");
        return;
    };
    let show_info_id = egui::Id::new("backlot_log_show_info");
    let mut show_info = ui.data_mut(|d| *d.get_persisted_mut_or(show_info_id, true));
    ui.horizontal(|ui| {
        ui.checkbox(&mut show_info, "info");
        if ui.button("Clear").clicked() {
            buffer.clear();
        }
    });
    ui.data_mut(|d| d.insert_persisted(show_info_id, show_info));
    ui.separator();
    egui::ScrollArea::vertical()
        .stick_to_bottom(true)
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for line in buffer.snapshot() {
                let color = match line.level {
                    Level::ERROR => egui::Color32::from_rgb(255, 110, 100),
                    Level::WARN => egui::Color32::from_rgb(255, 200, 90),
                    _ if !show_info => continue,
                    _ => ui.visuals().text_color(),
                };
                ui.colored_label(
                    color,
                    egui::RichText::new(format!(
                        "{:>8.2} {:<5} {}",
                        line.at, line.level, line.message
                    ))
                    .monospace(),
                );
            }
        });
}
