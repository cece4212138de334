//! Undo and redo of the operator's edits, with a bounded history.
//!
//! The [`Arbiter`] notes every operator hold and release as it happens ([`Arbiter::hold`],
//! [`Arbiter::release`], so [`Arbiter::operator_edit`] and every panel that calls them), in a
//! bounded journal. [`record_operator_edits`] moves the notes into the [`UndoHistory`] once a
//! frame, before the frame's arbitration: the registry then still shows each parameter's
//! value from before the edit, which is what an undo brings back. A drag (edits of one
//! parameter less than [`COALESCE_SECS`] apart) is one step.
//!
//! Other crates put their own edits in the same history ([`UndoHistory::record_external`]: a
//! show's look edits), each step carrying what its owner needs to undo and redo it; the
//! owner carries those steps out itself when [`UndoHistory::undo`] or
//! [`UndoHistory::redo`] hands them back.

use std::any::Any;
use std::collections::VecDeque;
use std::fmt;

use bevy::prelude::*;

use crate::{Arbiter, Input, ParamRegistry, ParamValue, Source};

/// Steps the history keeps; past this the oldest is forgotten (and counted).
pub const UNDO_STEPS: usize = 256;

/// Operator notes the arbiter keeps until [`record_operator_edits`] takes them; past this the
/// oldest are dropped (and counted). Taken every frame, they never come near it.
pub const MAX_NOTES: usize = 1024;

/// Edits of one parameter closer together than this, seconds, are one step (a fader drag
/// sends one every frame).
pub const COALESCE_SECS: f64 = 1.0;

/// One operator hold or release, as the arbiter saw it happen.
#[derive(Debug, Clone, PartialEq)]
pub struct OperatorNote {
    /// The parameter.
    pub address: String,
    /// The operator's value before, when it was held already.
    pub before_held: Option<ParamValue>,
    /// Who drove it before.
    pub before_driver: Source,
    /// The operator's value after; none: released.
    pub after_held: Option<ParamValue>,
}

/// The arbiter's bounded list of [`OperatorNote`]s.
#[derive(Debug, Default)]
pub(crate) struct Journal {
    notes: VecDeque<OperatorNote>,
    dropped: u64,
}

impl Journal {
    pub(crate) fn note(
        &mut self,
        address: &str,
        before_held: Option<ParamValue>,
        before_driver: Source,
        after_held: Option<ParamValue>,
    ) {
        if self.notes.len() >= MAX_NOTES {
            self.notes.pop_front();
            self.dropped += 1;
        }
        self.notes.push_back(OperatorNote {
            address: address.to_string(),
            before_held,
            before_driver,
            after_held,
        });
    }
}

impl Arbiter {
    /// The operator holds and releases noted since the last call, oldest first.
    pub fn take_operator_notes(&mut self) -> Vec<OperatorNote> {
        self.journal.notes.drain(..).collect()
    }

    /// Whether any operator hold or release waits to be taken.
    pub fn has_operator_notes(&self) -> bool {
        !self.journal.notes.is_empty()
    }

    /// Operator notes dropped because nobody took them.
    pub fn operator_notes_dropped(&self) -> u64 {
        self.journal.dropped
    }
}

/// How a parameter stands for the operator: what an undo or redo puts back.
#[derive(Debug, Clone, PartialEq)]
pub struct OperatorState {
    /// The operator's value, while held.
    pub held: Option<ParamValue>,
    /// Who drives it (not held).
    pub driver: Source,
    /// Its value (not held): put back with the driver. None: whatever releasing leaves.
    pub value: Option<ParamValue>,
}

/// One operator edit: a parameter from one state to another.
#[derive(Debug, Clone, PartialEq)]
pub struct OperatorChange {
    /// The parameter.
    pub address: String,
    /// Before the edit: what undo puts back.
    pub before: OperatorState,
    /// After it: what redo puts back.
    pub after: OperatorState,
}

enum StepKind {
    Operator(OperatorChange),
    External {
        domain: &'static str,
        payload: Box<dyn Any + Send + Sync>,
    },
}

/// One undoable step.
pub struct UndoStep {
    what: String,
    at: f64,
    kind: StepKind,
}

impl UndoStep {
    /// What it did, for the log and panels (`/scene/fog/density → 0.4`, `store look warm`).
    pub fn what(&self) -> &str {
        &self.what
    }

    /// The operator edit, when it is one.
    pub fn operator(&self) -> Option<&OperatorChange> {
        match &self.kind {
            StepKind::Operator(change) => Some(change),
            StepKind::External { .. } => None,
        }
    }

    /// The domain of a step another crate recorded.
    pub fn domain(&self) -> Option<&'static str> {
        match &self.kind {
            StepKind::Operator(_) => None,
            StepKind::External { domain, .. } => Some(*domain),
        }
    }

    /// What another crate recorded under `domain`, as the type it recorded.
    pub fn payload<T: Any>(&self, domain: &str) -> Option<&T> {
        match &self.kind {
            StepKind::External { domain: d, payload } if *d == domain => {
                (**payload).downcast_ref::<T>()
            }
            _ => None,
        }
    }
}

impl fmt::Debug for UndoStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UndoStep")
            .field("what", &self.what)
            .field("at", &self.at)
            .field("domain", &self.domain())
            .finish()
    }
}

/// The operator's steps to undo and redo, newest last, at most [`UNDO_STEPS`].
#[derive(Resource, Debug, Default)]
pub struct UndoHistory {
    undo: VecDeque<UndoStep>,
    redo: Vec<UndoStep>,
    dropped: u64,
    /// The newest step may take a following edit of its parameter (a drag).
    open: bool,
}

impl UndoHistory {
    /// Records an operator edit made at `now` (seconds, any clock that only goes forward).
    /// An edit of the parameter the newest step edited, less than [`COALESCE_SECS`] after
    /// it, joins that step. Whatever could be redone is forgotten.
    pub fn record_operator(&mut self, change: OperatorChange, now: f64) {
        if self.open
            && let Some(last) = self.undo.back_mut()
            && let StepKind::Operator(newest) = &mut last.kind
            && newest.address == change.address
            && now - last.at < COALESCE_SECS
        {
            newest.after = change.after;
            last.what = describe(newest);
            last.at = now;
            self.redo.clear();
            return;
        }
        let what = describe(&change);
        self.push(UndoStep {
            what,
            at: now,
            kind: StepKind::Operator(change),
        });
        self.open = true;
    }

    /// Records a step another crate carries out itself: `payload` is what it needs to undo
    /// and redo it, found again with [`UndoStep::payload`] under `domain`.
    pub fn record_external(
        &mut self,
        domain: &'static str,
        what: impl Into<String>,
        payload: Box<dyn Any + Send + Sync>,
    ) {
        self.push(UndoStep {
            what: what.into(),
            at: 0.0,
            kind: StepKind::External { domain, payload },
        });
        self.open = false;
    }

    /// Undoes the newest step: an operator edit is put back here (through the arbiter, so
    /// the frame's arbitration applies it); a step of another crate is handed back for it to
    /// undo. None when there is nothing to undo.
    pub fn undo(
        &mut self,
        arbiter: &mut Arbiter,
        registry: &mut ParamRegistry,
    ) -> Option<&UndoStep> {
        let step = self.undo.pop_back()?;
        if let StepKind::Operator(change) = &step.kind {
            put_back(arbiter, registry, &change.address, &change.before);
        }
        self.open = false;
        self.redo.push(step);
        self.redo.last()
    }

    /// Redoes the step undone last, as [`UndoHistory::undo`] undoes it.
    pub fn redo(
        &mut self,
        arbiter: &mut Arbiter,
        registry: &mut ParamRegistry,
    ) -> Option<&UndoStep> {
        let step = self.redo.pop()?;
        if let StepKind::Operator(change) = &step.kind {
            put_back(arbiter, registry, &change.address, &change.after);
        }
        self.open = false;
        self.undo.push_back(step);
        self.undo.back()
    }

    /// Steps that can be undone.
    pub fn undo_len(&self) -> usize {
        self.undo.len()
    }

    /// Steps that can be redone.
    pub fn redo_len(&self) -> usize {
        self.redo.len()
    }

    /// What undo would undo next.
    pub fn next_undo(&self) -> Option<&str> {
        self.undo.back().map(UndoStep::what)
    }

    /// What redo would redo next.
    pub fn next_redo(&self) -> Option<&str> {
        self.redo.last().map(UndoStep::what)
    }

    /// Steps forgotten past [`UNDO_STEPS`].
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    fn push(&mut self, step: UndoStep) {
        self.redo.clear();
        self.undo.push_back(step);
        if self.undo.len() > UNDO_STEPS {
            self.undo.pop_front();
            self.dropped += 1;
        }
    }
}

fn describe(change: &OperatorChange) -> String {
    match &change.after.held {
        Some(value) => format!("{} → {value}", change.address),
        None => format!("release {}", change.address),
    }
}

/// Puts a parameter back as `to` says: held at its value, or released and handed to its
/// driver at its value. Through the arbiter where a source must drive it again (a cue, a
/// controller), straight into the registry where the scene or the layers do (the layers
/// drive again in their next frame).
fn put_back(
    arbiter: &mut Arbiter,
    registry: &mut ParamRegistry,
    address: &str,
    to: &OperatorState,
) {
    // What putting back holds or releases is no new edit: its notes are forgotten.
    let mark = arbiter.journal.notes.len();
    put_back_noted(arbiter, registry, address, to);
    arbiter.journal.notes.truncate(mark);
}

fn put_back_noted(
    arbiter: &mut Arbiter,
    registry: &mut ParamRegistry,
    address: &str,
    to: &OperatorState,
) {
    if let Some(value) = &to.held {
        arbiter.hold(address, value.clone());
        return;
    }
    let held = arbiter.held(address);
    // Releasing a hold hands the parameter to the newest controller value under it, if any:
    // that controller drives it again, with what it sent last.
    let handed_back = held
        && arbiter
            .claims()
            .iter()
            .any(|c| c.address == address && c.under.is_some());
    if held {
        arbiter.release(address);
    }
    let Some(value) = to.value.clone() else {
        return;
    };
    let controller = to.driver.tier() == Source::Osc(String::new()).tier();
    if matches!(to.driver, Source::Cue(_)) || (controller && !handed_back) {
        arbiter.push(Input {
            address: address.to_string(),
            value,
            source: to.driver.clone(),
            slew_ms: 0.0,
            priority: 0,
        });
    } else if !controller && let Err(e) = registry.set(address, value) {
        debug!("undo: {address}: {e}");
    }
}

/// Moves the arbiter's operator notes into the [`UndoHistory`], with each parameter's value
/// from before the edit. Runs before [`crate::BacklotSystems::Arbitrate`] (the registry still
/// shows that value until then); the show plugin adds it.
pub fn record_operator_edits(
    mut arbiter: ResMut<Arbiter>,
    registry: Res<ParamRegistry>,
    mut history: ResMut<UndoHistory>,
    time: Res<Time<Real>>,
) {
    // Read through `Deref` first: most frames have no edit, and the arbiter is not marked
    // changed for nothing.
    if !arbiter.has_operator_notes() {
        return;
    }
    let now = time.elapsed_secs_f64();
    for note in arbiter.take_operator_notes() {
        let value = registry.get(&note.address).ok().cloned();
        let before = OperatorState {
            held: note.before_held,
            driver: note.before_driver,
            value,
        };
        let after = OperatorState {
            driver: if note.after_held.is_some() {
                Source::Operator
            } else {
                Source::Scene
            },
            held: note.after_held,
            value: None,
        };
        let change = OperatorChange {
            address: note.address,
            before,
            after,
        };
        history.record_operator(change, now);
    }
}

#[cfg(test)]
#[path = "undo_tests.rs"]
mod tests;
