//! Editing a show's cue lists while it plays (the Cues panel's cue editor): add, change,
//! move and remove cues. An edit must leave a show its file could hold — the checks
//! `parse_show` makes (looks that exist, unique names, times of 0 s or more, no endless
//! follows…) — and a refused edit changes nothing. The list goes on playing: it stays on its
//! cue, which an edit may rename or move; when the edit removes it, the list stands on the
//! cue before, so GO plays the one that followed it.

use bevy::prelude::*;

use super::Show;
use crate::error::ShowError;
use crate::file::{CueDef, CueListDef, check_show};
use crate::look::{Look, LookValues};

/// RECORD's fade, seconds.
pub const RECORD_FADE: f32 = 3.0;

/// A name for a new cue: one more than the highest whole-numbered cue (lighting style),
/// else the number of cues plus one, made unique.
pub(crate) fn new_cue_name(cues: &[CueDef]) -> String {
    let highest = cues
        .iter()
        .filter_map(|c| c.name.parse::<f64>().ok())
        .filter(|n| n.is_finite() && *n >= 0.0)
        .fold(None, |m: Option<f64>, n| Some(m.map_or(n, |m| m.max(n))));
    let mut n = highest.map_or(cues.len() + 1, |h| h.floor() as usize + 1);
    while cues.iter().any(|c| c.name == n.to_string()) {
        n += 1;
    }
    n.to_string()
}

/// The name RECORD gives the look it stores for a new cue: `<list>-<cue>`, made unique.
pub(crate) fn record_look_name(list: &str, cue: &str, looks: &[Look]) -> String {
    let base = format!("{list}-{cue}");
    let mut name = base.clone();
    let mut n = 2;
    while looks.iter().any(|l| l.name == name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    name
}

/// A change to a cue list. What the Cues panel's cue editor sends; carried out in
/// `ShowSystems::Edit`, saved into the show file and undoable like a look edit.
#[derive(Message, Debug, Clone, PartialEq)]
pub enum CueEdit {
    /// Adds `cue` to `list`, after the cue named `after` (none: at the end).
    Add {
        /// The list.
        list: String,
        /// The cue it goes after.
        after: Option<String>,
        /// The new cue.
        cue: CueDef,
    },
    /// Puts `with` in place of cue `cue`. A new name is followed by the list's `next`s.
    Change {
        /// The list.
        list: String,
        /// The cue, by name.
        cue: String,
        /// What it becomes.
        with: CueDef,
    },
    /// Takes cue `cue` out of the list (refused for a list's only cue, and for a cue another
    /// names as its `next`).
    Remove {
        /// The list.
        list: String,
        /// The cue, by name.
        cue: String,
    },
    /// Moves cue `cue` to place `to` in GO order (0: first; past the end: last).
    Move {
        /// The list.
        list: String,
        /// The cue, by name.
        cue: String,
        /// Its new place.
        to: usize,
    },
}

impl CueEdit {
    /// The list it edits.
    pub fn list(&self) -> &str {
        match self {
            CueEdit::Add { list, .. }
            | CueEdit::Change { list, .. }
            | CueEdit::Remove { list, .. }
            | CueEdit::Move { list, .. } => list,
        }
    }
}

/// `def` with `edit` made, and where the list then stands: the cue by name, else by index.
fn edited(
    def: &CueListDef,
    current: Option<usize>,
    edit: &CueEdit,
) -> Result<(CueListDef, Option<String>, Option<usize>), ShowError> {
    let mut def = def.clone();
    let mut stand = current
        .and_then(|i| def.cues.get(i))
        .map(|c| c.name.clone());
    let mut fallback = None;
    let unknown = |cue: &str| ShowError::UnknownCue {
        list: def.name.clone(),
        cue: format!("`{cue}`"),
    };
    let find = |cue: &str| {
        def.cues
            .iter()
            .position(|c| c.name == cue)
            .ok_or_else(|| unknown(cue))
    };
    match edit {
        CueEdit::Add { after, cue, .. } => {
            let at = match after {
                Some(after) => find(after)? + 1,
                None => def.cues.len(),
            };
            def.cues.insert(at, cue.clone());
        }
        CueEdit::Change { cue, with, .. } => {
            let i = find(cue)?;
            if with.name != *cue {
                for c in &mut def.cues {
                    if c.next.as_deref() == Some(cue.as_str()) {
                        c.next = Some(with.name.clone());
                    }
                }
                if stand.as_deref() == Some(cue.as_str()) {
                    stand = Some(with.name.clone());
                }
            }
            def.cues[i] = with.clone();
        }
        CueEdit::Remove { cue, .. } => {
            let i = find(cue)?;
            if def.cues.len() == 1 {
                return Err(ShowError::BadCueEdit(format!(
                    "cue `{cue}` is the only cue of list `{}`; a list needs one",
                    def.name
                )));
            }
            if let Some(by) = def
                .cues
                .iter()
                .find(|c| c.name != *cue && c.next.as_deref() == Some(cue.as_str()))
            {
                return Err(ShowError::BadCueEdit(format!(
                    "cue `{}` of list `{}` names `{cue}` as its next cue; change that first",
                    by.name, def.name
                )));
            }
            def.cues.remove(i);
            if stand.as_deref() == Some(cue.as_str()) {
                stand = None;
                fallback = i.checked_sub(1);
            }
        }
        CueEdit::Move { cue, to, .. } => {
            let i = find(cue)?;
            let moved = def.cues.remove(i);
            let to = (*to).min(def.cues.len());
            def.cues.insert(to, moved);
        }
    }
    Ok((def, stand, fallback))
}

impl Show {
    /// Carries out a cue edit. Returns whether anything changed; a refused edit changes
    /// nothing and says why.
    pub fn edit_cues(&mut self, edit: &CueEdit) -> Result<bool, ShowError> {
        let name = edit.list();
        let l = self
            .lists
            .iter()
            .position(|l| l.name() == name)
            .ok_or_else(|| ShowError::UnknownList(name.to_string()))?;
        let list = &self.lists[l];
        let (def, stand, fallback) = edited(list.def(), list.current(), edit)?;
        if def == *list.def() {
            return Ok(false);
        }
        // The whole show is checked as its file would be: the edit may break a rule that
        // spans cues (a `next` naming a renamed cue, follows that now loop).
        let mut file = self.file.clone();
        file.looks.clone_from(&self.looks);
        match file.lists.iter_mut().find(|d| d.name == name) {
            Some(d) => *d = def.clone(),
            None => file.lists.push(def.clone()),
        }
        check_show(&file).map_err(|problems| ShowError::BadCueEdit(problems.join("; ")))?;
        self.file.lists = file.lists;
        let list = &mut self.lists[l];
        list.redefine(def, self.file.timecode_fps);
        let index = match stand {
            Some(cue) => list.cues().iter().position(|c| c.name == cue),
            None => fallback,
        };
        list.set_current(index);
        self.remerge = true;
        self.edits += 1;
        Ok(true)
    }

    /// RECORD on list `list`: `values` (the live values) stored as a new look `<list>-<cue>`
    /// and a cue `<cue>` playing it, with a [`RECORD_FADE`], after the cue the list stands on
    /// (at the end before its first cue). Refused as a whole: a refused cue takes its look
    /// back.
    pub fn record(&mut self, list: &str, values: LookValues) -> Result<(), ShowError> {
        let playing = self
            .lists
            .iter()
            .find(|l| l.name() == list)
            .ok_or_else(|| ShowError::UnknownList(list.to_string()))?;
        let cue = new_cue_name(playing.cues());
        let after = playing
            .current()
            .and_then(|i| playing.cues().get(i))
            .map(|c| c.name.clone());
        let look = record_look_name(list, &cue, &self.looks);
        self.store(&look, values)?;
        let add = CueEdit::Add {
            list: list.to_string(),
            after,
            cue: CueDef {
                fade: RECORD_FADE,
                ..CueDef::new(cue, look.clone())
            },
        };
        if let Err(e) = self.edit_cues(&add) {
            self.put_look(&look, None);
            return Err(e);
        }
        Ok(())
    }

    /// Puts `def` in place of the list of its name (undo and redo of a cue edit): the list
    /// stays on its cue by name and goes on playing. A list the show does not have is
    /// ignored (a reload took it away).
    pub(crate) fn put_list(&mut self, def: CueListDef) {
        let Some(list) = self.lists.iter_mut().find(|l| l.name() == def.name) else {
            return;
        };
        if let Some(d) = self.file.lists.iter_mut().find(|d| d.name == def.name) {
            d.clone_from(&def);
        }
        list.redefine(def, self.file.timecode_fps);
        self.remerge = true;
        self.edits += 1;
    }
}

#[cfg(test)]
#[path = "cue_edit_tests.rs"]
mod tests;
