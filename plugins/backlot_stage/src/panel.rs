//! The Stage panel: top and side plans of the volume with each camera's frustum and where
//! it meets the wall, output thumbnails with pattern and colour controls, camera controls,
//! and a grade section per output (outer frustum) and per camera (inner frustum).

use backlot_params::{ParamRegistry, ParamValue};
use backlot_ui::widgets::{
    OperatorEdit, apply_operator_edits, held_addresses, operator_param_editor,
};
use backlot_ui::{PanelAppExt, PanelSlot, egui};
use bevy::prelude::*;
use bevy_egui::{EguiTextureHandle, EguiUserTextures};

use crate::format::{SectionGeometry, StageFile, camera_rotation};
use crate::{StageAsset, StageRuntime, StageStatus};

pub(crate) fn build(app: &mut App) {
    app.add_panel("Stage", PanelSlot::Side, draw_stage);
}

/// A camera as the parameters have it now.
struct LiveCamera {
    position: Vec3,
    rotation: Quat,
    hfov: f32,
}

fn live_cameras(file: &StageFile, registry: &ParamRegistry) -> Vec<LiveCamera> {
    file.cameras
        .iter()
        .map(|c| {
            let base = format!("/stage/cameras/{}", c.id);
            let v3 = |a: &str, d: [f32; 3]| {
                registry
                    .get(&format!("{base}/{a}"))
                    .ok()
                    .and_then(ParamValue::as_vec3)
                    .unwrap_or(d)
            };
            let [pan, tilt, roll] = v3("rotation", [c.pan, c.tilt, c.roll]);
            LiveCamera {
                position: Vec3::from(v3("position", c.position)),
                rotation: camera_rotation(pan, tilt, roll),
                hfov: registry
                    .get(&format!("{base}/fov"))
                    .ok()
                    .and_then(ParamValue::as_f32)
                    .unwrap_or(c.lens.horizontal_fov_deg()),
            }
        })
        .collect()
}

/// Draws one plan: `axes` picks the two world axes (index, sign) shown as screen x and y.
fn plan(
    ui: &mut egui::Ui,
    title: &str,
    sections: &[SectionGeometry],
    cameras: &[LiveCamera],
    axes: [(usize, f32); 2],
) {
    let size = egui::vec2(ui.available_width().clamp(120.0, 400.0), 160.0);
    ui.label(title);
    let (response, painter) = ui.allocate_painter(size, egui::Sense::hover());
    let rect = response.rect;
    painter.rect_filled(rect, 4.0, egui::Color32::from_gray(18));
    let pick = |p: Vec3| egui::vec2(p[axes[0].0] * axes[0].1, p[axes[1].0] * axes[1].1);
    // Outline of every section, sampled along its pixel grid.
    let outlines: Vec<Vec<egui::Vec2>> = sections
        .iter()
        .map(|g| {
            let [w, h] = g.resolution.map(|r| r as f32);
            let mut pts = Vec::new();
            for i in 0..=16 {
                pts.push(pick(g.position(w * i as f32 / 16.0, h)));
            }
            for i in (0..=16).rev() {
                pts.push(pick(g.position(w * i as f32 / 16.0, 0.0)));
            }
            pts
        })
        .collect();
    let mut all: Vec<egui::Vec2> = outlines.iter().flatten().copied().collect();
    all.extend(cameras.iter().map(|c| pick(c.position)));
    let (min, max) = all.iter().fold(
        (
            egui::vec2(f32::MAX, f32::MAX),
            egui::vec2(f32::MIN, f32::MIN),
        ),
        |(lo, hi), p| (lo.min(*p), hi.max(*p)),
    );
    let span = (max - min).max(egui::vec2(0.5, 0.5));
    let scale = ((rect.width() - 20.0) / span.x).min((rect.height() - 20.0) / span.y);
    let centre = (min + max) / 2.0;
    let to_screen = |p: egui::Vec2| rect.center() + (p - centre) * scale;
    for outline in &outlines {
        let pts: Vec<egui::Pos2> = outline.iter().map(|p| to_screen(*p)).collect();
        painter.add(egui::Shape::closed_line(
            pts,
            egui::Stroke::new(1.5, egui::Color32::from_rgb(90, 160, 255)),
        ));
    }
    for cam in cameras {
        let eye = to_screen(pick(cam.position));
        painter.circle_filled(eye, 4.0, egui::Color32::from_rgb(255, 200, 60));
        // Frustum edges to where they meet the wall: the inner region's extent.
        let half = (cam.hfov.to_radians() / 2.0).tan();
        for sx in [-half, half] {
            for sy in [-half * 9.0 / 16.0, half * 9.0 / 16.0] {
                let dir = (cam.rotation * Vec3::new(sx, sy, -1.0)).normalize();
                let hit = sections
                    .iter()
                    .filter_map(|g| g.intersect(cam.position, dir).map(|(t, _, _)| t))
                    .fold(f32::MAX, f32::min);
                let end = cam.position + dir * if hit < f32::MAX { hit } else { 3.0 };
                let colour = if hit < f32::MAX {
                    egui::Color32::from_rgb(255, 200, 60)
                } else {
                    egui::Color32::from_gray(110)
                };
                painter.line_segment([eye, to_screen(pick(end))], egui::Stroke::new(1.0, colour));
            }
        }
    }
}

fn draw_stage(ui: &mut egui::Ui, world: &mut World) {
    let (loads, error, file) = {
        let status = world.resource::<StageStatus>();
        let file = status
            .handle
            .as_ref()
            .and_then(|h| world.resource::<Assets<StageAsset>>().get(h))
            .map(|a| a.file.clone());
        (status.loads, status.error.clone(), file)
    };
    let Some(file) = file else {
        ui.label("No stage loaded (start with --stage FILE).");
        return;
    };
    ui.heading(if file.title.is_empty() {
        "(untitled stage)"
    } else {
        &file.title
    });
    ui.label(format!("loaded {loads} time(s); edit the file to reload"));
    if let Some(error) = error {
        ui.colored_label(
            egui::Color32::from_rgb(255, 160, 150),
            "Stage file error (last good stage kept):",
        );
        ui.label(egui::RichText::new(error).monospace());
    }
    let registry = world.resource::<ParamRegistry>().clone();
    let sections: Vec<SectionGeometry> = file
        .sections
        .iter()
        .filter_map(|s| SectionGeometry::new(s).ok())
        .collect();
    let cameras = live_cameras(&file, &registry);
    let outputs: Vec<(String, Handle<Image>)> = world
        .resource::<StageRuntime>()
        .outputs
        .iter()
        .map(|o| (o.name.clone(), o.image.clone()))
        .collect();
    let thumbs: Vec<(egui::TextureId, f32)> = {
        let aspects: Vec<f32> = outputs
            .iter()
            .map(|(_, h)| {
                world
                    .resource::<Assets<Image>>()
                    .get(h)
                    .map_or(16.0 / 9.0, |i| i.aspect_ratio().ratio())
            })
            .collect();
        let mut textures = world.resource_mut::<EguiUserTextures>();
        outputs
            .iter()
            .zip(aspects)
            .map(|((_, h), a)| (textures.add_image(EguiTextureHandle::Weak(h.id())), a))
            .collect()
    };

    let held = held_addresses(world);
    let mut edits: Vec<(String, OperatorEdit)> = Vec::new();
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            plan(
                ui,
                "Top (x across, z down the page)",
                &sections,
                &cameras,
                [(0, 1.0), (2, 1.0)],
            );
            plan(
                ui,
                "Side (z across, height up)",
                &sections,
                &cameras,
                [(2, -1.0), (1, -1.0)],
            );
            // The grade's parameters go in a section of their own (`grade` below).
            let mut editors = |ui: &mut egui::Ui, prefix: &str, skip: Option<&str>| {
                egui::Grid::new(prefix).num_columns(2).show(ui, |ui| {
                    for entry in registry
                        .iter_under(prefix)
                        .filter(|e| skip.is_none_or(|s| !e.spec.address.is_under(s)))
                    {
                        ui.label(
                            entry
                                .spec
                                .address
                                .as_str()
                                .trim_start_matches(prefix)
                                .trim_start_matches('/'),
                        );
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
            };
            for ((name, _), (texture, aspect)) in outputs.iter().zip(&thumbs) {
                egui::CollapsingHeader::new(format!("Output {name}"))
                    .default_open(true)
                    .show(ui, |ui| {
                        let w = ui.available_width().min(320.0);
                        ui.image(egui::load::SizedTexture::new(
                            *texture,
                            egui::vec2(w, w / aspect.max(0.1)),
                        ));
                        let base = format!("/stage/outputs/{name}");
                        let grade = format!("{base}/grade");
                        editors(ui, &base, Some(grade.as_str()));
                        egui::CollapsingHeader::new("Grade (outer frustum)")
                            .id_salt(&grade)
                            .default_open(false)
                            .show(ui, |ui| editors(ui, &grade, None));
                    });
            }
            for camera in &file.cameras {
                egui::CollapsingHeader::new(format!("Camera {}", camera.id))
                    .default_open(false)
                    .show(ui, |ui| {
                        let base = format!("/stage/cameras/{}", camera.id);
                        let grade = format!("{base}/grade");
                        editors(ui, &base, Some(grade.as_str()));
                        egui::CollapsingHeader::new("Grade (inner frustum)")
                            .id_salt(&grade)
                            .default_open(false)
                            .show(ui, |ui| editors(ui, &grade, None));
                    });
            }
        });
    apply_operator_edits(world, edits);
}
