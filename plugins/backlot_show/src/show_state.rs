//! A show's playback as plain data (every list's position and the fade stamp counter), for
//! an autosave to write and a restart to take back; and putting looks back as they were,
//! for undo and recovery.

use serde::{Deserialize, Serialize};

use super::Show;
use crate::cue_list::ListState;
use crate::look::{Look, MAX_LOOKS};

/// Where every cue list of a show stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShowState {
    /// Each list, in the show's order.
    pub lists: Vec<ListState>,
    /// The show's last fade stamp (which fade started last decides a shared parameter).
    #[serde(default)]
    pub stamps: u64,
}

impl Show {
    /// Where every list stands, as plain data.
    pub fn export_state(&self) -> ShowState {
        ShowState {
            lists: self.lists.iter().map(|l| l.export_state()).collect(),
            stamps: self.stamps,
        }
    }

    /// Takes the positions [`Show::export_state`] gave, list by list by name (the file may
    /// have changed since): each list goes on from there in its next step. Returns what
    /// could not be taken: a list the show no longer has, a cue a list no longer has.
    pub fn import_state(&mut self, state: &ShowState) -> Vec<String> {
        let mut problems = Vec::new();
        for saved in &state.lists {
            match self.lists.iter_mut().find(|l| l.name() == saved.name) {
                Some(list) => problems.extend(list.import_state(saved)),
                None => problems.push(format!(
                    "the show has no cue list `{}` any more",
                    saved.name
                )),
            }
        }
        // Stamps only grow: a fade started after this one must win over what came back.
        let newest = state
            .lists
            .iter()
            .flat_map(|l| {
                let fade = l.fade.as_ref().map(|f| f.stamp);
                l.held.values().map(|h| h.stamp).chain(fade)
            })
            .max()
            .unwrap_or(0);
        self.stamps = self.stamps.max(state.stamps).max(newest);
        self.remerge = true;
        self.merge();
        problems
    }

    /// Puts look `name` back as `look` says: replaced, added (after the others) or, when
    /// none, removed. For undo and redo of look edits; counts as an edit.
    pub fn put_look(&mut self, name: &str, look: Option<Look>) {
        match (self.looks.iter().position(|l| l.name == name), look) {
            (Some(i), Some(look)) => self.looks[i] = look,
            (Some(i), None) => {
                self.looks.remove(i);
            }
            (None, Some(look)) => self.looks.push(look),
            (None, None) => return,
        }
        self.edits += 1;
    }

    /// Replaces every look (what an autosave kept of looks stored since the file was
    /// loaded); counts as an edit, so the show still has edits to save.
    pub fn set_looks(&mut self, mut looks: Vec<Look>) {
        looks.truncate(MAX_LOOKS);
        self.looks = looks;
        self.edits += 1;
    }
}
