//! Undo and redo asked for from outside the operator window (`/show/undo`, `/show/redo` over
//! OSC): a message of their own, so whoever keeps the edit history carries them out without
//! knowing where they came from.

use bevy::prelude::*;

/// Undo or redo the last operator or look/cue edit.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub enum UndoRequest {
    /// Take the last edit back.
    Undo,
    /// Do again what the last undo took back.
    Redo,
}
