//! Asking for an undo or a redo: what Ctrl+Z / Ctrl+Shift+Z, the Cues panel and OSC
//! (`/show/undo`, `/show/redo`) send. Carried out by [`crate::UndoPlugin`] on the one
//! history of operator edits and look edits ([`backlot_params::UndoHistory`]).

use bevy::prelude::*;

/// Undo the newest step, or redo the step undone last.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub enum UndoRequest {
    /// Undo the newest operator edit or look edit.
    Undo,
    /// Redo the step undone last.
    Redo,
}
