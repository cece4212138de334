//! One cue list in the Cues panel: where it stands, its transport, its cues and their editor.

use bevy_egui::egui;

use super::cue_editor::{self, CueForm};
use super::{AMBER, Action};
use crate::command::{CueCommand, CueRef};
use crate::cue_list::CueList;
use crate::file::CueDef;
use crate::look::Look;

/// A cue as the panel names it: `3 · verse (neon_verse)`.
fn cue_line(cues: &[CueDef], index: Option<usize>, none: &str) -> String {
    match index.and_then(|i| cues.get(i).map(|c| (i, c))) {
        Some((i, c)) => format!("{} · {} ({})", i + 1, c.name, c.look),
        None => none.to_string(),
    }
}

fn seconds(s: f32) -> String {
    if s == 0.0 {
        "0".into()
    } else {
        format!("{s:.2} s")
    }
}

/// The list's name, current and next cue, fade progress, pause, buttons and cue table.
pub(super) fn list_section(
    ui: &mut egui::Ui,
    list: &CueList,
    looks: &[Look],
    form: &mut CueForm,
    actions: &mut Vec<Action>,
) {
    let name = list.name();
    let cues = list.cues();
    ui.push_id(("cue list", name), |ui| {
        ui.horizontal(|ui| {
            ui.strong(name);
            if list.paused() {
                ui.colored_label(AMBER, "PAUSED");
            }
        });
        ui.label(format!(
            "now: {}",
            cue_line(cues, list.current(), "— (before its first cue)")
        ));
        ui.label(format!(
            "next: {}",
            cue_line(cues, list.next(), "— (end of the list)")
        ));
        let bar = egui::ProgressBar::new(list.progress().clamp(0.0, 1.0)).show_percentage();
        ui.add(bar);
        ui.horizontal(|ui| {
            let mut command = |ui: &mut egui::Ui, label: &str, hover: &str, c: CueCommand| {
                if ui.button(label).on_hover_text(hover).clicked() {
                    actions.push(Action::command(Some(name), c));
                }
            };
            command(ui, "GO", "Play the next cue", CueCommand::Go);
            command(ui, "BACK", "Fade back to the cue before", CueCommand::Back);
            if list.paused() {
                command(
                    ui,
                    "RESUME",
                    "Go on with the paused fade",
                    CueCommand::Resume,
                );
            } else {
                command(
                    ui,
                    "PAUSE",
                    "Hold the fade, delay and follow",
                    CueCommand::Pause,
                );
            }
            command(
                ui,
                "RELEASE",
                "Fade what the list holds back to the scene",
                CueCommand::Release,
            );
        });
        cue_table(ui, list, form, actions);
        cue_editor::editor(ui, list, looks, form, actions);
    });
}

/// The cues: a click on one plays it (GOTO); its pencil opens it in the editor.
fn cue_table(ui: &mut egui::Ui, list: &CueList, form: &mut CueForm, actions: &mut Vec<Action>) {
    let name = list.name();
    egui::Grid::new("cues")
        .striped(true)
        .num_columns(8)
        .show(ui, |ui| {
            for title in ["", "cue", "look", "fade", "delay", "follow", "timecode", ""] {
                ui.strong(title);
            }
            ui.end_row();
            for (i, cue) in list.cues().iter().enumerate() {
                let mark = if list.current() == Some(i) {
                    "now"
                } else if list.next() == Some(i) {
                    "next"
                } else {
                    ""
                };
                ui.small(mark);
                let label = format!("{} {}", i + 1, cue.name);
                if ui
                    .selectable_label(list.current() == Some(i), label)
                    .on_hover_text("GOTO this cue")
                    .clicked()
                {
                    let goto = CueCommand::Goto(CueRef::Number(i + 1));
                    actions.push(Action::command(Some(name), goto));
                }
                ui.label(cue.look.as_str());
                ui.label(seconds(cue.fade));
                ui.label(seconds(cue.delay));
                ui.label(cue.follow.map_or_else(|| "—".into(), seconds));
                ui.label(cue.timecode.as_deref().unwrap_or("—"));
                if ui
                    .small_button("✏")
                    .on_hover_text("Edit this cue")
                    .clicked()
                {
                    cue_editor::edit(form, name, cue);
                }
                ui.end_row();
            }
        });
}
