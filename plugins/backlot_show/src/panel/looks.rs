//! The looks in the Cues panel: each with its approval and versions (Approve, Restore the
//! previous version), storing the live values as a look, and an A/B compare.

use bevy::prelude::*;
use bevy_egui::egui;

use super::Action;
use crate::command::CueCommand;
use crate::look::{Look, LookRef};
use crate::playback::LookEdit;
use crate::show::Show;

/// What the operator has typed and picked in the looks section, kept between frames.
#[derive(Resource, Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct PanelForm {
    /// Store: the look's name.
    store_name: String,
    /// Store: address patterns, comma-separated (empty: every parameter).
    store_patterns: String,
    /// Compare: the list it plays on.
    compare_list: String,
    /// Compare: the first look and how many versions back.
    a: (String, usize),
    /// Compare: the other.
    b: (String, usize),
}

/// The edit the Store button sends: `name` (trimmed) with the comma-separated `patterns`;
/// none without a name.
pub(super) fn store_edit(name: &str, patterns: &str) -> Option<LookEdit> {
    let look = name.trim();
    if look.is_empty() {
        return None;
    }
    let patterns = patterns
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect();
    Some(LookEdit::Store {
        look: look.to_string(),
        patterns,
    })
}

pub(super) fn looks_section(
    ui: &mut egui::Ui,
    show: &Show,
    form: &mut PanelForm,
    actions: &mut Vec<Action>,
) {
    ui.strong(format!("Looks ({})", show.looks().len()));
    look_table(ui, show.looks(), actions);
    ui.separator();
    store_row(ui, form, actions);
    ui.separator();
    compare_rows(ui, show, form, actions);
}

fn look_table(ui: &mut egui::Ui, looks: &[Look], actions: &mut Vec<Action>) {
    egui::Grid::new("looks")
        .striped(true)
        .num_columns(4)
        .show(ui, |ui| {
            for title in ["look", "approved", "versions", ""] {
                ui.strong(title);
            }
            ui.end_row();
            for look in looks {
                ui.label(look.name.as_str());
                let mut approved = look.approved;
                let mark = if approved { "✔" } else { "" };
                if ui
                    .checkbox(&mut approved, mark)
                    .on_hover_text("Approved: signed off (storing over the look clears it)")
                    .changed()
                {
                    actions.push(Action::Edit(LookEdit::Approve {
                        look: look.name.clone(),
                        approved,
                    }));
                }
                ui.label(look.versions.len().to_string());
                let restore = egui::Button::new("restore previous");
                if ui
                    .add_enabled(!look.versions.is_empty(), restore)
                    .on_hover_text("Bring back the version before (the current one is kept)")
                    .clicked()
                {
                    actions.push(Action::Edit(LookEdit::Restore {
                        look: look.name.clone(),
                        back: 1,
                    }));
                }
                ui.end_row();
            }
        });
}

fn store_row(ui: &mut egui::Ui, form: &mut PanelForm, actions: &mut Vec<Action>) {
    ui.horizontal(|ui| {
        let name = egui::TextEdit::singleline(&mut form.store_name)
            .hint_text("look name")
            .desired_width(120.0);
        ui.add(name);
        let patterns = egui::TextEdit::singleline(&mut form.store_patterns)
            .hint_text("/scene/lights/**, … (empty: all)")
            .desired_width(200.0);
        ui.add(patterns);
        let edit = store_edit(&form.store_name, &form.store_patterns);
        let store = egui::Button::new("Store");
        if ui
            .add_enabled(edit.is_some(), store)
            .on_hover_text(
                "Store the live values as this look (over it, keeping a version, or as a new one)",
            )
            .clicked()
            && let Some(edit) = edit
        {
            actions.push(Action::Edit(edit));
        }
    });
}

/// A look and how far back, picked from the show's looks.
fn look_picker(ui: &mut egui::Ui, id: &str, looks: &[Look], pick: &mut (String, usize)) {
    egui::ComboBox::from_id_salt(id)
        .selected_text(pick.0.as_str())
        .show_ui(ui, |ui| {
            for look in looks {
                ui.selectable_value(&mut pick.0, look.name.clone(), look.name.as_str());
            }
        });
    let versions = looks
        .iter()
        .find(|l| l.name == pick.0)
        .map_or(0, |l| l.versions.len());
    pick.1 = pick.1.min(versions);
    ui.add(egui::DragValue::new(&mut pick.1).range(0..=versions))
        .on_hover_text("Versions back: 0 is the look as it is");
}

fn compare_rows(ui: &mut egui::Ui, show: &Show, form: &mut PanelForm, actions: &mut Vec<Action>) {
    let lists: Vec<&str> = show.lists().iter().map(|l| l.name()).collect();
    let Some(first) = lists.first() else {
        return;
    };
    if !lists.contains(&form.compare_list.as_str()) {
        form.compare_list = first.to_string();
    }
    ui.horizontal(|ui| {
        ui.label("A/B on");
        egui::ComboBox::from_id_salt("compare list")
            .selected_text(form.compare_list.as_str())
            .show_ui(ui, |ui| {
                for list in &lists {
                    ui.selectable_value(&mut form.compare_list, list.to_string(), *list);
                }
            });
    });
    let looks = show.looks();
    ui.horizontal(|ui| {
        ui.label("A");
        look_picker(ui, "compare a", looks, &mut form.a);
        ui.label("B");
        look_picker(ui, "compare b", looks, &mut form.b);
    });
    let list = Some(form.compare_list.as_str());
    let picked = !form.a.0.is_empty() && !form.b.0.is_empty();
    ui.horizontal(|ui| {
        let compare = egui::Button::new("Compare A/B");
        if ui
            .add_enabled(picked, compare)
            .on_hover_text("Show A now (a snap), ready to toggle to B")
            .clicked()
        {
            let (a, b) = (&form.a, &form.b);
            let command = CueCommand::Compare {
                a: LookRef {
                    look: a.0.clone(),
                    back: a.1,
                },
                b: LookRef {
                    look: b.0.clone(),
                    back: b.1,
                },
            };
            actions.push(Action::command(list, command));
        }
        if ui
            .button("TOGGLE")
            .on_hover_text("Switch between A and B")
            .clicked()
        {
            actions.push(Action::command(list, CueCommand::Toggle));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_takes_a_trimmed_name_and_comma_separated_patterns() {
        assert_eq!(
            store_edit("  chorus ", " /scene/lights/** ,, /scene/fog/* ,"),
            Some(LookEdit::Store {
                look: "chorus".into(),
                patterns: vec!["/scene/lights/**".into(), "/scene/fog/*".into()],
            })
        );
        assert_eq!(
            store_edit("verse", "  "),
            Some(LookEdit::Store {
                look: "verse".into(),
                patterns: Vec::new(),
            }),
            "no patterns: every parameter"
        );
        assert_eq!(store_edit("   ", "/scene/**"), None, "a look needs a name");
    }
}
