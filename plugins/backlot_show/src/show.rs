//! A show playing: its looks and its cue lists side by side, Bevy-free. Where lists share
//! a parameter, the value of the fade that started last wins ("latest takes precedence",
//! as on a lighting desk), whichever list it is in.

use backlot_files::FileError;
use backlot_params::{ParamRegistry, ParamValue, SlotHint};

use crate::command::CueCommand;
use crate::cue_list::{CueList, Env, LiveValues, Released};
use crate::error::ShowError;
use crate::file::ShowFile;
use crate::look::{Look, LookValues, MAX_LOOKS};
use crate::slots::Slots;

#[path = "show_merge.rs"]
mod merge;
use merge::{MergeMap, Merged};

#[path = "show_state.rs"]
mod state;
pub use state::ShowState;

#[path = "cue_edit.rs"]
mod cue_edit;
pub(crate) use cue_edit::new_cue_name;
pub use cue_edit::{CueEdit, RECORD_FADE};

/// Triggers fired and releases finished that a show keeps for its owner to take; past
/// this the oldest are dropped (and counted): an owner that takes them every frame never
/// sees this many.
pub const MAX_PENDING: usize = 1024;

/// How many frames a full sweep of the show's unchanged values takes ([`Show::due`]).
pub const SWEEP: u64 = 16;

/// A fired trigger: the parameter and the cue label it fired as.
#[derive(Debug, Clone, PartialEq)]
pub struct Fired {
    /// The trigger parameter.
    pub address: String,
    /// `Source::Cue(label)`.
    pub label: String,
}

/// A show: looks, cue lists, and what they play.
#[derive(Debug, Clone)]
pub struct Show {
    file: ShowFile,
    looks: Vec<Look>,
    lists: Vec<CueList>,
    stamps: u64,
    merged: Slots<Merged>,
    /// Each list's part in the merge, in list order.
    merge_maps: Vec<MergeMap>,
    remerge: bool,
    fired: Vec<Fired>,
    released: Vec<Released>,
    dropped: u64,
    edits: u64,
}

/// What a list sees outside itself: the other lists' values first, then the live ones.
struct Layered<'a> {
    merged: &'a Slots<Merged>,
    live: &'a dyn LiveValues,
}

impl LiveValues for Layered<'_> {
    fn current(&self, address: &str) -> Option<ParamValue> {
        match self.merged.get(address) {
            Some(m) => Some(m.value.clone()),
            None => self.live.current(address),
        }
    }

    fn base(&self, address: &str) -> Option<ParamValue> {
        self.live.base(address)
    }

    fn capture(&self) -> LookValues {
        self.live.capture()
    }
}

impl Show {
    /// A show at rest: every list before its first cue.
    pub fn new(file: ShowFile) -> Self {
        let lists = file
            .lists
            .iter()
            .map(|l| CueList::new(l.clone(), file.timecode_fps))
            .collect();
        Self {
            looks: file.looks.clone(),
            lists,
            file,
            stamps: 0,
            merged: Slots::new(),
            merge_maps: Vec::new(),
            remerge: false,
            fired: Vec::new(),
            released: Vec::new(),
            dropped: 0,
            edits: 0,
        }
    }

    /// Takes a changed show file: the file's looks; each list stays on its cue by name and
    /// goes on playing; a list the file no longer has stops where it stands.
    pub fn reload(&mut self, file: ShowFile) {
        let mut lists = Vec::with_capacity(file.lists.len());
        for def in &file.lists {
            match self.lists.iter().position(|l| l.name() == def.name) {
                Some(i) => {
                    let mut list = self.lists.swap_remove(i);
                    list.redefine(def.clone(), file.timecode_fps);
                    lists.push(list);
                }
                None => lists.push(CueList::new(def.clone(), file.timecode_fps)),
            }
        }
        self.lists = lists;
        self.looks = file.looks.clone();
        self.file = file;
        self.remerge = true;
        self.merge();
    }

    /// The file as loaded (names, paths, positions).
    pub fn file(&self) -> &ShowFile {
        &self.file
    }

    /// The file to save: as loaded, with the looks as they are now.
    pub fn to_file(&self) -> ShowFile {
        ShowFile {
            looks: self.looks.clone(),
            ..self.file.clone()
        }
    }

    /// The looks.
    pub fn looks(&self) -> &[Look] {
        &self.looks
    }

    /// The cue lists, in file order.
    pub fn lists(&self) -> &[CueList] {
        &self.lists
    }

    /// The list called `name`.
    pub fn list(&self, name: &str) -> Option<&CueList> {
        self.lists.iter().find(|l| l.name() == name)
    }

    /// Look edits so far (a store, an approval, a restore): what an autosave follows.
    pub fn edits(&self) -> u64 {
        self.edits
    }

    /// Triggers and releases dropped because nobody took them.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Carries out `command` on list `list`, or on every list (a master GO, PAUSE,
    /// RELEASE…). Commands that play a look need a list. On every list, each list that
    /// can carries it out; the first refusal is returned.
    pub fn command(
        &mut self,
        list: Option<&str>,
        command: &CueCommand,
        live: &dyn LiveValues,
    ) -> Result<(), ShowError> {
        if matches!(command, CueCommand::Record) {
            let list = list.ok_or(ShowError::NeedsList("RECORD"))?;
            return self.record(list, live.capture());
        }
        let targets: Vec<usize> = match list {
            Some(name) => vec![
                self.lists
                    .iter()
                    .position(|l| l.name() == name)
                    .ok_or_else(|| ShowError::UnknownList(name.to_string()))?,
            ],
            None => {
                let needs = match command {
                    CueCommand::Recall { .. } => Some("RECALL"),
                    CueCommand::Compare { .. } => Some("COMPARE"),
                    CueCommand::Toggle => Some("TOGGLE"),
                    _ => None,
                };
                if let Some(what) = needs {
                    return Err(ShowError::NeedsList(what));
                }
                (0..self.lists.len()).collect()
            }
        };
        let mut first = None;
        for i in targets {
            let result = self.with_env(live, i, |list, env| list.command(command, env));
            if let Err(e) = result {
                first.get_or_insert(e);
            }
        }
        self.merge();
        first.map_or(Ok(()), Err)
    }

    /// Moves every list's clock on by `dt` seconds.
    pub fn advance(&mut self, dt: f64, live: &dyn LiveValues) {
        for i in 0..self.lists.len() {
            self.with_env(live, i, |list, env| list.advance(dt, env));
        }
        self.merge();
    }

    /// Runs `f` on list `i` with what it plays against, then collects what it fired and
    /// released.
    fn with_env<R>(
        &mut self,
        live: &dyn LiveValues,
        i: usize,
        f: impl FnOnce(&mut CueList, &mut Env<'_>) -> R,
    ) -> R {
        let layered = Layered {
            merged: &self.merged,
            live,
        };
        let list = &mut self.lists[i];
        let mut env = Env {
            looks: &self.looks,
            live: &layered,
            stamps: &mut self.stamps,
        };
        let result = f(list, &mut env);
        let label = list.label().unwrap_or(list.name()).to_string();
        let fired = list.take_fired();
        let released = list.take_released();
        for address in fired {
            let label = label.clone();
            push_bounded(&mut self.fired, Fired { address, label }, &mut self.dropped);
        }
        if let Some(released) = released {
            push_bounded(&mut self.released, released, &mut self.dropped);
            self.remerge = true;
        }
        result
    }

    /// Every value the show plays now, one per parameter: `(address, value, cue label)`,
    /// the label being what to push it as (`Source::Cue(label)`).
    pub fn writes(&self) -> impl Iterator<Item = (&str, &ParamValue, &str)> {
        self.merged.iter().map(|(address, m)| {
            let list = &self.lists[m.list];
            (address, &m.value, list.label().unwrap_or(list.name()))
        })
    }

    /// The values to hand to the arbiter this frame, `(address, value, list, new)` (`list`:
    /// an index into [`Show::lists`], whose label the value is played as):
    /// every value that changed since it was last handed over (`new`), and in turn one in
    /// [`SWEEP`] of the others, so a value the arbiter or registry lost (a scene reload,
    /// another list's release) is played again within that many frames while a frame of
    /// held looks costs next to nothing.
    pub fn due(
        &mut self,
        turn: u64,
    ) -> impl Iterator<Item = (&str, &ParamValue, usize, bool, &mut SlotHint)> {
        let turn = (turn % SWEEP) as usize;
        self.merged
            .iter_mut()
            .enumerate()
            .filter_map(move |(i, (address, m))| {
                let new = !m.pushed;
                if !new && i % SWEEP as usize != turn {
                    return None;
                }
                m.pushed = true;
                Some((address, &m.value, m.list, new, &mut m.hint))
            })
    }

    /// The value the show plays at `address`.
    pub fn value(&self, address: &str) -> Option<&ParamValue> {
        self.merged.get(address).map(|m| &m.value)
    }

    /// Triggers fired since the last call.
    pub fn take_fired(&mut self) -> Vec<Fired> {
        std::mem::take(&mut self.fired)
    }

    /// Releases finished since the last call: what to hand back to the scene.
    pub fn take_released(&mut self) -> Vec<Released> {
        std::mem::take(&mut self.released)
    }

    /// Stores `values` as look `name`: over it (keeping what it held as a version) or as a
    /// new look. Returns whether anything changed.
    pub fn store(&mut self, name: &str, values: LookValues) -> Result<bool, ShowError> {
        let count = self.looks.len();
        let changed = match self.looks.iter_mut().find(|l| l.name == name) {
            Some(look) => look.store(values),
            None if count >= MAX_LOOKS => {
                return Err(ShowError::TooManyLooks(count));
            }
            None => {
                self.looks.push(Look::new(name, values));
                true
            }
        };
        self.edits += u64::from(changed);
        Ok(changed)
    }

    /// Marks look `name` approved, or not.
    pub fn approve(&mut self, name: &str, approved: bool) -> Result<(), ShowError> {
        let look = self.look_mut(name)?;
        look.approved = approved;
        self.edits += 1;
        Ok(())
    }

    /// Brings back the version of look `name` `back` steps before the current one.
    pub fn restore(&mut self, name: &str, back: usize) -> Result<(), ShowError> {
        let look = self.look_mut(name)?;
        if !look.restore(back) {
            return Err(ShowError::UnknownVersion {
                look: name.to_string(),
                back,
            });
        }
        self.edits += 1;
        Ok(())
    }

    fn look_mut(&mut self, name: &str) -> Result<&mut Look, ShowError> {
        self.looks
            .iter_mut()
            .find(|l| l.name == name)
            .ok_or_else(|| ShowError::UnknownLook(name.to_string()))
    }

    /// Values of looks whose parameter the running scene does not have, each at its place
    /// in the show file: kept in the look (the scene may come back with it), not played.
    pub fn unknown_params(&self, registry: &ParamRegistry) -> Vec<FileError> {
        let positions = &self.file.positions;
        self.looks
            .iter()
            .flat_map(|look| {
                look.values
                    .keys()
                    .filter(move |a| registry.entry(a).is_none())
                    .map(move |a| {
                        positions.value_problem(
                            &look.name,
                            a,
                            format!(
                                "look `{}` sets `{a}`, which no parameter of the running scene \
                                 has (kept in the look, not played)",
                                look.name
                            ),
                        )
                    })
            })
            .collect()
    }
}

fn push_bounded<T>(queue: &mut Vec<T>, item: T, dropped: &mut u64) {
    if queue.len() >= MAX_PENDING {
        queue.remove(0);
        *dropped += 1;
    }
    queue.push(item);
}

#[cfg(test)]
#[path = "show_tests.rs"]
mod tests;
