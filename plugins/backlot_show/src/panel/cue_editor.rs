//! The cue editor in the Cues panel: edit, add, record, move and delete a list's cues. It
//! only sends [`CueEdit`]s (and, for Record, the RECORD command OSC and the map send too);
//! the show checks each as it would check its file and refuses, with the reason in
//! the panel, what its file could not hold.

use bevy::prelude::*;
use bevy_egui::egui;

use super::Action;
use crate::command::CueCommand;
use crate::cue_list::CueList;
use crate::fade::{DEFAULT_SWITCH_AT, FadeCurve};
use crate::file::CueDef;
use crate::look::Look;
use crate::show::{CueEdit, new_cue_name};

/// The cue being edited, kept between frames.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub(super) struct CueForm {
    /// The list and what Apply does there; none: the editor is closed.
    editing: Option<(String, Target)>,
    draft: Draft,
}

/// What Apply does with the draft.
#[derive(Debug, Clone, PartialEq)]
enum Target {
    /// Changes the cue of this name.
    Change(String),
    /// Adds a cue after the named one (none: at the end).
    Add(Option<String>),
}

/// A cue as the editor's fields hold it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Draft {
    pub name: String,
    pub look: String,
    pub fade: f32,
    pub delay: f32,
    pub follows: bool,
    pub follow: f32,
    pub curve: FadeCurve,
    pub switch_at: f32,
    /// The cue GO plays after it; empty: the one below.
    pub next: String,
    /// `hh:mm:ss:ff`; empty: none.
    pub timecode: String,
}

impl Draft {
    fn of(cue: &CueDef) -> Self {
        Self {
            name: cue.name.clone(),
            look: cue.look.clone(),
            fade: cue.fade,
            delay: cue.delay,
            follows: cue.follow.is_some(),
            follow: cue.follow.unwrap_or(0.0),
            curve: cue.curve,
            switch_at: cue.switch_at,
            next: cue.next.clone().unwrap_or_default(),
            timecode: cue.timecode.clone().unwrap_or_default(),
        }
    }

    /// The cue the draft makes: names trimmed, empty fields as not written.
    pub(super) fn to_cue(&self) -> CueDef {
        let text = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        CueDef {
            name: self.name.trim().to_string(),
            look: self.look.clone(),
            fade: self.fade,
            delay: self.delay,
            follow: self.follows.then_some(self.follow),
            curve: self.curve,
            switch_at: self.switch_at,
            next: text(&self.next),
            timecode: text(&self.timecode),
        }
    }
}

/// The editor's buttons for a list, and the editor when it is open on this list.
pub(super) fn editor(
    ui: &mut egui::Ui,
    list: &CueList,
    looks: &[Look],
    form: &mut CueForm,
    actions: &mut Vec<Action>,
) {
    let name = list.name();
    let current = list.current().and_then(|i| list.cues().get(i));
    ui.horizontal(|ui| {
        if ui
            .button("Add cue")
            .on_hover_text("A new cue after the current one (edit it, then Apply)")
            .clicked()
        {
            let look = current
                .map(|c| c.look.clone())
                .or_else(|| looks.first().map(|l| l.name.clone()))
                .unwrap_or_default();
            form.draft = Draft {
                name: new_cue_name(list.cues()),
                look,
                switch_at: DEFAULT_SWITCH_AT,
                ..Draft::default()
            };
            let after = current.map(|c| c.name.clone());
            form.editing = Some((name.to_string(), Target::Add(after)));
        }
        if ui
            .button("Record cue")
            .on_hover_text(
                "Store the live values as a new look and add a cue playing it after the \
                 current one (3 s fade): RECORD, as /show/<list>/record does",
            )
            .clicked()
        {
            actions.push(Action::command(Some(name), CueCommand::Record));
        }
    });
    let Some((editing, target)) = form.editing.clone() else {
        return;
    };
    if editing != name {
        return;
    }
    let title = match &target {
        Target::Change(cue) => format!("Edit cue `{cue}`"),
        Target::Add(Some(after)) => format!("New cue after `{after}`"),
        Target::Add(None) => "New cue at the end".to_string(),
    };
    ui.group(|ui| {
        ui.strong(title);
        fields(ui, &mut form.draft, looks);
        ui.horizontal(|ui| {
            let cue = form.draft.to_cue();
            if ui
                .add_enabled(!cue.name.is_empty(), egui::Button::new("Apply"))
                .clicked()
            {
                let list = name.to_string();
                let edit = match &target {
                    Target::Change(old) => CueEdit::Change {
                        list,
                        cue: old.clone(),
                        with: cue.clone(),
                    },
                    Target::Add(after) => CueEdit::Add {
                        list,
                        after: after.clone(),
                        cue: cue.clone(),
                    },
                };
                actions.push(Action::CueEdit(edit));
                // Closed, not left open on the new name: were the edit refused (a name
                // another cue has), a second Apply would overwrite that other cue.
                form.editing = None;
            }
            if let Target::Change(cue) = &target {
                let place = list.cues().iter().position(|c| c.name == *cue);
                let mut moved = |ui: &mut egui::Ui, label: &str, to: Option<usize>| {
                    if ui
                        .add_enabled(to.is_some(), egui::Button::new(label))
                        .clicked()
                        && let Some(to) = to
                    {
                        actions.push(Action::CueEdit(CueEdit::Move {
                            list: name.to_string(),
                            cue: cue.clone(),
                            to,
                        }));
                    }
                };
                moved(ui, "▲", place.and_then(|p| p.checked_sub(1)));
                let last = list.cues().len().saturating_sub(1);
                moved(ui, "▼", place.filter(|p| *p < last).map(|p| p + 1));
                if ui
                    .button("Delete")
                    .on_hover_text("Take the cue out of the list")
                    .clicked()
                {
                    actions.push(Action::CueEdit(CueEdit::Remove {
                        list: name.to_string(),
                        cue: cue.clone(),
                    }));
                    form.editing = None;
                }
            }
            if ui.button("Close").clicked() {
                form.editing = None;
            }
        });
    });
}

/// Opens the editor on cue `cue` of `list`.
pub(super) fn edit(form: &mut CueForm, list: &str, cue: &CueDef) {
    form.draft = Draft::of(cue);
    form.editing = Some((list.to_string(), Target::Change(cue.name.clone())));
}

fn fields(ui: &mut egui::Ui, draft: &mut Draft, looks: &[Look]) {
    egui::Grid::new("cue editor").num_columns(2).show(ui, |ui| {
        ui.label("name");
        ui.add(egui::TextEdit::singleline(&mut draft.name).desired_width(80.0));
        ui.end_row();
        ui.label("look");
        egui::ComboBox::from_id_salt("cue look")
            .selected_text(draft.look.as_str())
            .show_ui(ui, |ui| {
                for look in looks {
                    ui.selectable_value(&mut draft.look, look.name.clone(), look.name.as_str());
                }
            });
        ui.end_row();
        let seconds = |ui: &mut egui::Ui, v: &mut f32| {
            ui.add(
                egui::DragValue::new(v)
                    .range(0.0..=3600.0)
                    .speed(0.05)
                    .suffix(" s"),
            );
        };
        ui.label("fade");
        seconds(ui, &mut draft.fade);
        ui.end_row();
        ui.label("delay");
        seconds(ui, &mut draft.delay);
        ui.end_row();
        ui.checkbox(&mut draft.follows, "follow")
            .on_hover_text("GO the next cue by itself this long after this cue's GO");
        ui.add_enabled_ui(draft.follows, |ui| seconds(ui, &mut draft.follow));
        ui.end_row();
        ui.label("curve");
        egui::ComboBox::from_id_salt("cue curve")
            .selected_text(format!("{:?}", draft.curve))
            .show_ui(ui, |ui| {
                for curve in [FadeCurve::Linear, FadeCurve::Ease, FadeCurve::S] {
                    ui.selectable_value(&mut draft.curve, curve, format!("{curve:?}"));
                }
            });
        ui.end_row();
        ui.label("switch at").on_hover_text(
            "Where in the fade (0..1) values that cannot fade switch (bools, ints, enums)",
        );
        ui.add(
            egui::DragValue::new(&mut draft.switch_at)
                .range(0.0..=1.0)
                .speed(0.01),
        );
        ui.end_row();
        ui.label("next");
        ui.add(
            egui::TextEdit::singleline(&mut draft.next)
                .hint_text("the cue below")
                .desired_width(80.0),
        );
        ui.end_row();
        ui.label("timecode");
        ui.add(
            egui::TextEdit::singleline(&mut draft.timecode)
                .hint_text("hh:mm:ss:ff")
                .desired_width(100.0),
        );
        ui.end_row();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cue(name: &str) -> CueDef {
        CueDef::new(name, "a")
    }

    #[test]
    fn a_draft_round_trips_a_cue_and_blank_fields_are_unwritten() {
        let mut full = cue("2.5");
        full.follow = Some(4.0);
        full.next = Some("1".into());
        full.timecode = Some("00:01:00:00".into());
        full.curve = FadeCurve::S;
        assert_eq!(Draft::of(&full).to_cue(), full);
        let mut draft = Draft::of(&cue(" 7 "));
        draft.next = "  ".into();
        draft.follow = 2.0; // not ticked: no follow
        let made = draft.to_cue();
        assert_eq!(
            (made.name.as_str(), made.next, made.follow),
            ("7", None, None)
        );
    }
}
