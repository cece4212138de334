//! The Cues panel: a big master GO; per cue list its current and next cue, fade progress,
//! pause state, GO / BACK / PAUSE-RESUME / RELEASE and its cues as a table (click one to
//! GOTO it) and a cue editor (edit, add, record, move, delete); the looks with their
//! approval and versions, Store, Approve, Restore and an A/B compare; the last refusal and
//! save. It holds no show logic: every button sends a [`ShowCommand`], [`LookEdit`],
//! [`CueEdit`] or [`SaveShow`] message, carried out by the show's systems
//! like those from OSC, MIDI or timecode.

mod cue_editor;
mod lists;
mod looks;

use backlot_ui::{PanelAppExt, PanelSlot};
use bevy::prelude::*;
use bevy_egui::egui;

use crate::command::CueCommand;
use crate::playback::{LookEdit, ShowCommand, ShowPlayback};
use crate::save::{SaveShow, ShowPath, ShowSaver};
use crate::show::CueEdit;

use cue_editor::CueForm;
use looks::PanelForm;

/// Errors and refusals.
const RED: egui::Color32 = egui::Color32::from_rgb(240, 70, 60);
/// Warnings: something the operator should know but that plays on.
const AMBER: egui::Color32 = egui::Color32::from_rgb(230, 180, 60);

pub(crate) fn build(app: &mut App) {
    // As every crate's panel: registered always; without the operator UI (headless, render)
    // nothing draws it.
    app.add_panel("Cues", PanelSlot::Side, cues_panel);
}

/// What the operator asked for while the panel drew, sent once it has.
#[derive(Debug, Clone, PartialEq)]
enum Action {
    Command(ShowCommand),
    Edit(LookEdit),
    CueEdit(CueEdit),
    Save,
}

impl Action {
    /// `command` for list `list`, or for every list.
    fn command(list: Option<&str>, command: CueCommand) -> Self {
        Action::Command(ShowCommand {
            list: list.map(String::from),
            command,
        })
    }
}

fn cues_panel(ui: &mut egui::Ui, world: &mut World) {
    world.init_resource::<PanelForm>();
    world.init_resource::<CueForm>();
    let actions = world
        .try_resource_scope(|world, mut cues: Mut<CueForm>| {
            world.try_resource_scope(|world, mut form: Mut<PanelForm>| {
                draw(ui, world, &mut form, &mut cues)
            })
        })
        .flatten()
        .unwrap_or_default();
    send(world, actions);
}

fn send(world: &mut World, actions: Vec<Action>) {
    for action in actions {
        let sent = match action {
            Action::Command(c) => world.write_message(c).is_some(),
            Action::Edit(e) => world.write_message(e).is_some(),
            Action::CueEdit(e) => world.write_message(e).is_some(),
            Action::Save => world.write_message(SaveShow).is_some(),
        };
        if !sent {
            warn!("Cues panel: the show plugin takes no messages; the action is dropped");
        }
    }
}

fn draw(ui: &mut egui::Ui, world: &World, form: &mut PanelForm, cues: &mut CueForm) -> Vec<Action> {
    let mut actions = Vec::new();
    let Some(playback) = world.get_resource::<ShowPlayback>() else {
        ui.label("The show plugin is not running.");
        return actions;
    };
    let Some(show) = playback.show.as_ref() else {
        ui.label("No show loaded: start with `--show FILE`.");
        problems(ui, playback);
        return actions;
    };
    ui.heading(format!("Show `{}`", show.file().name));
    let go = egui::Button::new(egui::RichText::new("GO").size(30.0).strong());
    let width = ui.available_width().max(120.0);
    if ui
        .add_sized([width, 56.0], go)
        .on_hover_text("Master GO: the next cue of every list")
        .clicked()
    {
        actions.push(Action::command(None, CueCommand::Go));
    }
    problems(ui, playback);
    save_line(ui, world, &mut actions);
    for list in show.lists() {
        ui.separator();
        lists::list_section(ui, list, show.looks(), cues, &mut actions);
    }
    ui.separator();
    looks::looks_section(ui, show, form, &mut actions);
    actions
}

/// The last refusal, in red, and look values the scene does not have.
fn problems(ui: &mut egui::Ui, playback: &ShowPlayback) {
    if let Some(e) = &playback.last_error {
        ui.colored_label(
            RED,
            format!("refused ({} so far), last: {e}", playback.refused),
        );
    }
    if playback.unknown_params > 0 {
        ui.colored_label(
            AMBER,
            format!(
                "{} look values name parameters the scene does not have (kept in the looks, \
                 not played; each is in the log with its place in the file)",
                playback.unknown_params
            ),
        );
    }
}

/// Save button, where the show is saved, and how the last save went.
fn save_line(ui: &mut egui::Ui, world: &World, actions: &mut Vec<Action>) {
    let path = world.get_resource::<ShowPath>().and_then(|p| p.0.as_ref());
    let saver = world.get_resource::<ShowSaver>();
    ui.horizontal(|ui| {
        if ui
            .button("Save")
            .on_hover_text("Write the looks into the show file (look edits save by themselves)")
            .clicked()
        {
            actions.push(Action::Save);
        }
        match path {
            Some(p) => ui.small(p.display().to_string()),
            None => ui.colored_label(AMBER, "no show file: looks are not saved"),
        };
        if saver.is_some_and(ShowSaver::busy) {
            ui.small("saving…");
        }
    });
    let Some(last) = saver.and_then(ShowSaver::last) else {
        return;
    };
    match &last.result {
        Ok(text) => {
            ui.small(format!("saved: {text}"));
        }
        Err(why) => {
            ui.colored_label(RED, why);
        }
    }
}

#[cfg(test)]
mod tests;
