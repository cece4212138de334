//! The Scene panel (outliner, every scene parameter live, load errors) and the Preview panel.

use backlot_params::ParamRegistry;
use backlot_ui::widgets::{
    OperatorEdit, apply_operator_edits, held_addresses, operator_param_editor,
};
use backlot_ui::{PanelAppExt, PanelSlot, egui};
use bevy::prelude::*;
use bevy_egui::{EguiTextureHandle, EguiUserTextures};

use crate::{SceneItem, SceneStatus, SceneViewTarget};

pub(crate) fn build(app: &mut App) {
    app.add_panel("Preview", PanelSlot::Center, draw_preview)
        .add_panel("Scene", PanelSlot::Side, draw_scene);
}

fn draw_scene(ui: &mut egui::Ui, world: &mut World) {
    let (title, loads, error) = {
        let status = world.resource::<SceneStatus>();
        (status.title.clone(), status.loads, status.error.clone())
    };
    ui.heading(if title.is_empty() {
        "(untitled scene)"
    } else {
        &title
    });
    ui.label(format!("loaded {loads} time(s); edit the file to reload"));
    if let Some(error) = error {
        egui::Frame::new()
            .fill(egui::Color32::from_rgb(80, 20, 20))
            .inner_margin(6.0)
            .show(ui, |ui| {
                ui.colored_label(
                    egui::Color32::from_rgb(255, 160, 150),
                    "Scene file error (last good scene kept):",
                );
                ui.label(egui::RichText::new(error).monospace());
            });
    }
    ui.separator();

    let mut items: Vec<(String, bool)> = world
        .query::<&SceneItem>()
        .iter(world)
        .map(|i| (i.name.clone(), i.is_light))
        .collect();
    items.sort();
    let registry = world.resource::<ParamRegistry>().clone();
    let held = held_addresses(world);
    let mut edits: Vec<(String, OperatorEdit)> = Vec::new();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let mut section = |ui: &mut egui::Ui, label: &str, prefix: &str| {
                egui::CollapsingHeader::new(label)
                    .default_open(false)
                    .show(ui, |ui| {
                        egui::Grid::new(prefix)
                            .num_columns(2)
                            .striped(true)
                            .show(ui, |ui| {
                                for entry in registry.iter_under(prefix) {
                                    let name = entry
                                        .spec
                                        .address
                                        .as_str()
                                        .trim_start_matches(prefix)
                                        .trim_start_matches('/');
                                    ui.label(name);
                                    if let Some(v) = operator_param_editor(
                                        ui,
                                        entry,
                                        held.contains(entry.spec.address.as_str()),
                                    ) {
                                        edits.push((entry.spec.address.to_string(), v));
                                    }
                                    ui.end_row();
                                }
                            });
                    });
            };
            section(ui, "Camera", "/scene/camera");
            section(ui, "Sky", "/scene/sky");
            section(ui, "Ambient", "/scene/ambient");
            section(ui, "Fog", "/scene/fog");
            section(ui, "Physics", "/scene/physics");
            ui.separator();
            ui.label("Outliner");
            for (name, is_light) in &items {
                let prefix = if *is_light {
                    format!("/scene/lights/{name}")
                } else {
                    format!("/scene/entities/{name}")
                };
                let label = format!("{} {name}", if *is_light { "💡" } else { "▣" });
                section(ui, &label, &prefix);
            }
        });
    apply_operator_edits(world, edits);
}

fn draw_preview(ui: &mut egui::Ui, world: &mut World) {
    let Some(image) = world
        .get_resource::<SceneViewTarget>()
        .and_then(|t| t.0.as_image().cloned())
    else {
        ui.label("The scene renders to the main window.");
        return;
    };
    let size = world
        .get_resource::<Assets<Image>>()
        .and_then(|images| images.get(&image))
        .map(|i| i.size_f32())
        .unwrap_or(Vec2::new(16.0, 9.0));
    let Some(mut textures) = world.get_resource_mut::<EguiUserTextures>() else {
        return;
    };
    let id = textures.add_image(EguiTextureHandle::Weak(image.id()));
    let avail = ui.available_size();
    let scale = (avail.x / size.x).min(avail.y / size.y).max(0.05);
    ui.centered_and_justified(|ui| {
        ui.image(egui::load::SizedTexture::new(
            id,
            egui::vec2(size.x * scale, size.y * scale),
        ));
    });
}
