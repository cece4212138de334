//! Undo and redo in a running show. The operator's edits (holds and releases, from any
//! panel) and the show's look and cue edits (store, approve, restore; add, change, move,
//! remove a cue) share one bounded
//! [`UndoHistory`], newest last; an [`UndoRequest`] — Ctrl+Z, Ctrl+Shift+Z (or Ctrl+Y),
//! the Cues panel, OSC `/show/undo` and `/show/redo` — undoes or redoes the newest step of
//! either kind.
//!
//! Look and cue edits are seen, not intercepted: when the show's edit count moves, the looks
//! and cue lists that changed are recorded before and after. A look's snapshots share their value sets with
//! the look's earlier snapshots (a store adds one new set; its versions are the sets it had),
//! so a long history of stores over big looks stays small.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use backlot_params::undo::record_operator_edits;
use backlot_params::{Arbiter, BacklotSystems, ParamRegistry, ParamsPlugin, UndoHistory};
use bevy::input::InputSystems;
use bevy::prelude::*;
use bevy_egui::input::EguiWantsInput;

use crate::file::CueListDef;
use crate::look::{Look, LookValues, LookVersion};
use crate::playback::{ShowPlayback, ShowSystems, edit_cues};
use crate::show::Show;
use crate::undo_request::UndoRequest;

/// The domain of the show's look edits in the [`UndoHistory`].
pub const LOOK_EDITS: &str = "show looks";

/// Records operator edits and look edits in the [`UndoHistory`] and carries out
/// [`UndoRequest`]s; Ctrl+Z / Ctrl+Shift+Z send them (not while a text field has the
/// keyboard). Add it with the [`crate::ShowPlugin`].
#[derive(Debug, Default)]
pub struct UndoPlugin;

impl Plugin for UndoPlugin {
    fn build(&self, app: &mut App) {
        if !app.is_plugin_added::<ParamsPlugin>() {
            app.add_plugins(ParamsPlugin);
        }
        app.init_resource::<UndoHistory>()
            .init_resource::<LookCache>()
            .add_message::<UndoRequest>()
            .add_systems(PreUpdate, undo_keys.after(InputSystems))
            .add_systems(
                Update,
                // Before the arbitration: the registry still shows what an edit replaced.
                (record_operator_edits, record_look_edits, carry_out_undo)
                    .chain()
                    .in_set(ShowSystems::Edit)
                    .after(edit_cues)
                    .before(BacklotSystems::Arbitrate),
            );
    }
}

/// Ctrl+Z: undo; Ctrl+Shift+Z or Ctrl+Y: redo (Cmd on a Mac). Keys are where they sit on
/// a US keyboard. Not while egui has the keyboard (a text field keeps its own undo).
fn undo_keys(
    keys: Option<Res<ButtonInput<KeyCode>>>,
    egui: Option<Res<EguiWantsInput>>,
    mut requests: MessageWriter<UndoRequest>,
) {
    let Some(keys) = keys else {
        return;
    };
    if egui.is_some_and(|e| e.wants_any_keyboard_input()) {
        return;
    }
    let command = keys.any_pressed([
        KeyCode::ControlLeft,
        KeyCode::ControlRight,
        KeyCode::SuperLeft,
        KeyCode::SuperRight,
    ]);
    if !command {
        return;
    }
    let shift = keys.any_pressed([KeyCode::ShiftLeft, KeyCode::ShiftRight]);
    if keys.just_pressed(KeyCode::KeyZ) {
        requests.write(if shift {
            UndoRequest::Redo
        } else {
            UndoRequest::Undo
        });
    } else if keys.just_pressed(KeyCode::KeyY) {
        requests.write(UndoRequest::Redo);
    }
}

/// A look as the history keeps it; its value sets shared with the look's other snapshots.
#[derive(Debug, Clone)]
struct LookSnap {
    values: Arc<LookValues>,
    approved: bool,
    versions: Vec<(Arc<LookValues>, bool)>,
}

impl LookSnap {
    /// `look`, sharing every value set it has in common with `earlier` (its last snapshot).
    fn of(look: &Look, earlier: Option<&LookSnap>) -> Self {
        let pool: Vec<&Arc<LookValues>> = earlier
            .map(|s| {
                std::iter::once(&s.values)
                    .chain(s.versions.iter().map(|(v, _)| v))
                    .collect()
            })
            .unwrap_or_default();
        // The look's own sets are shared already; an equal earlier one is kept instead, so
        // a snapshot of an unchanged look points at the same sets as the one before.
        let share = |values: &Arc<LookValues>| {
            pool.iter()
                .find(|p| Arc::ptr_eq(p, values) || ***p == *values)
                .map_or_else(|| Arc::clone(values), |p| Arc::clone(p))
        };
        Self {
            values: share(&look.values),
            approved: look.approved,
            versions: look
                .versions
                .iter()
                .map(|v| (share(&v.values), v.approved))
                .collect(),
        }
    }

    fn same_as(&self, look: &Look) -> bool {
        self.approved == look.approved
            && self.values == look.values
            && self.versions.len() == look.versions.len()
            && self
                .versions
                .iter()
                .zip(&look.versions)
                .all(|((values, approved), v)| *approved == v.approved && *values == v.values)
    }

    fn to_look(&self, name: &str) -> Look {
        Look {
            name: name.to_string(),
            values: Arc::clone(&self.values),
            approved: self.approved,
            versions: self
                .versions
                .iter()
                .map(|(values, approved)| LookVersion {
                    values: Arc::clone(values),
                    approved: *approved,
                })
                .collect(),
        }
    }
}

/// Looks an edit changed: each by name, before and after (none: the look did not exist).
type LookChanges = Vec<(String, Option<LookSnap>, Option<LookSnap>)>;

/// Cue lists an edit changed: each before and after.
type ListChanges = Vec<(CueListDef, CueListDef)>;

/// One look or cue edit in the history.
#[derive(Debug)]
struct LookChange {
    looks: LookChanges,
    lists: ListChanges,
}

/// The looks and cue lists as last seen, to tell what an edit changed.
#[derive(Resource, Debug, Default)]
pub(crate) struct LookCache {
    looks: BTreeMap<String, LookSnap>,
    lists: Vec<CueListDef>,
    edits: u64,
    loads: Option<u64>,
}

impl LookCache {
    /// Takes the show's looks as they are, recording nothing.
    fn refresh(&mut self, show: &Show, loads: u64) {
        let looks = show
            .looks()
            .iter()
            .map(|l| (l.name.clone(), LookSnap::of(l, self.looks.get(&l.name))))
            .collect();
        self.looks = looks;
        self.lists = list_defs(show);
        self.edits = show.edits();
        self.loads = Some(loads);
    }

    /// The cue lists an edit changed; takes the lists as they are now.
    fn list_changes(&mut self, show: &Show) -> ListChanges {
        let now = list_defs(show);
        let changes = now
            .iter()
            .filter_map(|after| {
                let before = self.lists.iter().find(|b| b.name == after.name)?;
                (before != after).then(|| (before.clone(), after.clone()))
            })
            .collect();
        self.lists = now;
        changes
    }

    /// What changed since the looks were last seen; takes the looks as they are now.
    fn changes(&mut self, show: &Show) -> LookChanges {
        let mut changes = Vec::new();
        for look in show.looks() {
            let before = self.looks.get(&look.name);
            if before.is_some_and(|b| b.same_as(look)) {
                continue;
            }
            let after = LookSnap::of(look, before);
            let before = before.cloned();
            changes.push((look.name.clone(), before, Some(after.clone())));
            self.looks.insert(look.name.clone(), after);
        }
        let names: BTreeSet<&str> = show.looks().iter().map(|l| l.name.as_str()).collect();
        let gone: Vec<String> = self
            .looks
            .keys()
            .filter(|n| !names.contains(n.as_str()))
            .cloned()
            .collect();
        for name in gone {
            let before = self.looks.remove(&name);
            changes.push((name, before, None));
        }
        self.edits = show.edits();
        changes
    }
}

fn list_defs(show: &Show) -> Vec<CueListDef> {
    show.lists().iter().map(|l| l.def().clone()).collect()
}

/// What a cue edit did, as the history names it: `add cue 4 to lights`.
fn describe_lists(changes: &ListChanges) -> String {
    let [(before, after)] = changes.as_slice() else {
        return format!("edit {} cue lists", changes.len());
    };
    let names = |d: &CueListDef| d.cues.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    let (b, a) = (names(before), names(after));
    let list = &after.name;
    let only_in = |x: &[String], y: &[String]| x.iter().find(|n| !y.contains(n)).cloned();
    match (only_in(&a, &b), only_in(&b, &a)) {
        (Some(new), None) => format!("add cue `{new}` to `{list}`"),
        (None, Some(gone)) => format!("remove cue `{gone}` from `{list}`"),
        (None, None) if a != b => format!("move a cue of `{list}`"),
        _ => {
            let changed = after
                .cues
                .iter()
                .find(|c| !before.cues.contains(c))
                .map_or_else(|| "a cue".into(), |c| format!("cue `{}`", c.name));
            format!("change {changed} of `{list}`")
        }
    }
}

fn describe(changes: &[(String, Option<LookSnap>, Option<LookSnap>)]) -> String {
    match changes {
        [(name, None, Some(_))] => format!("store new look `{name}`"),
        [(name, Some(_), None)] => format!("remove look `{name}`"),
        [(name, Some(b), Some(a))]
            if Arc::ptr_eq(&b.values, &a.values) && b.versions.len() == a.versions.len() =>
        {
            let verb = if a.approved { "approve" } else { "unapprove" };
            format!("{verb} look `{name}`")
        }
        [(name, _, _)] => format!("store look `{name}`"),
        _ => format!("change {} looks", changes.len()),
    }
}

/// Records the looks an edit changed (seen by the show's edit count moving).
fn record_look_edits(
    playback: Option<Res<ShowPlayback>>,
    mut cache: ResMut<LookCache>,
    mut history: ResMut<UndoHistory>,
) {
    let Some(playback) = playback else {
        return;
    };
    let Some(show) = playback.show.as_ref() else {
        return;
    };
    if cache.loads != Some(playback.loads()) {
        // A loaded or reloaded file is no edit: it is what later edits are undone to.
        cache.refresh(show, playback.loads());
        return;
    }
    if show.edits() == cache.edits {
        return;
    }
    let looks = cache.changes(show);
    let lists = cache.list_changes(show);
    let what = match (looks.is_empty(), lists.is_empty()) {
        (true, true) => return,
        (false, true) => describe(&looks),
        (true, false) => describe_lists(&lists),
        (false, false) => format!("{}; {}", describe(&looks), describe_lists(&lists)),
    };
    history.record_external(LOOK_EDITS, what, Box::new(LookChange { looks, lists }));
}

/// Carries out this frame's undo and redo requests, newest step first.
fn carry_out_undo(
    mut requests: MessageReader<UndoRequest>,
    mut history: ResMut<UndoHistory>,
    mut arbiter: ResMut<Arbiter>,
    mut registry: ResMut<ParamRegistry>,
    mut playback: Option<ResMut<ShowPlayback>>,
    mut cache: ResMut<LookCache>,
) {
    for request in requests.read() {
        let undo = *request == UndoRequest::Undo;
        let verb = if undo { "undo" } else { "redo" };
        let step = if undo {
            history.undo(&mut arbiter, &mut registry)
        } else {
            history.redo(&mut arbiter, &mut registry)
        };
        let Some(step) = step else {
            info!("show: nothing to {verb}");
            continue;
        };
        if let Some(change) = step.payload::<LookChange>(LOOK_EDITS) {
            let Some(show) = playback.as_deref_mut().and_then(|p| p.show.as_mut()) else {
                warn!("show: cannot {verb} `{}`: no show is loaded", step.what());
                continue;
            };
            for (name, before, after) in &change.looks {
                let to = if undo { before } else { after };
                show.put_look(name, to.as_ref().map(|s| s.to_look(name)));
                match to {
                    Some(snap) => cache.looks.insert(name.clone(), snap.clone()),
                    None => cache.looks.remove(name),
                };
            }
            for (before, after) in &change.lists {
                show.put_list(if undo { before } else { after }.clone());
            }
            // Putting the looks and lists back is no new edit to record.
            cache.lists = list_defs(show);
            cache.edits = show.edits();
        }
        info!("show: {verb}: {}", step.what());
    }
}

#[cfg(test)]
#[path = "undo_tests.rs"]
mod tests;
