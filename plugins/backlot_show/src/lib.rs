//! Running a show: looks (named sets of parameter values, with versions and approval), cue
//! lists that fade between them — several played in parallel, each with GO, BACK, GOTO,
//! PAUSE, RELEASE, delays, follows and timecode triggers — and `*.show.ron` files that hold
//! both and name the scene, stage, map and layers a show runs (see `docs/show.md`).
//!
//! Cue values reach the parameters through the [`backlot_params::Arbiter`] as
//! `Source::Cue`: above the scene, under the layers, controllers and the operator.
//!
//! The playback logic is Bevy-free ([`CueList`], [`Show`], [`fade`]); [`ShowPlugin`] puts
//! it in the frame, driven by [`ShowCommand`] and [`LookEdit`] messages, which OSC under
//! `/show`, the show's command parameters (MIDI, DMX through the map), timecode and the
//! Cues panel send ([`triggers`]), and saves look edits into the show file ([`save`]).

mod check;
mod command;
pub mod cue_list;
mod error;
pub mod fade;
#[cfg(test)]
mod fade_frames_tests;
pub mod file;
mod follow;
pub mod look;
pub mod osc;
mod panel;
pub mod pattern;
mod playback;
pub mod recovery;
mod running;
pub mod save;
mod shared;
pub mod show;
mod slots;
pub mod status;
#[cfg(test)]
mod tests;
pub mod triggers;
mod undo;
mod undo_request;

pub use check::SETTLE_FRAMES;
pub use command::{CommandArg, CueCommand, CueRef, command_at};
pub use cue_list::{CueList, ListState, LiveValues};
pub use error::ShowError;
pub use fade::FadeCurve;
pub use file::{CueDef, CueListDef, ShowFile, ShowKind, parse_show};
pub use follow::ShowFilePlugin;
pub use look::{Look, LookRef, LookValues};
pub use osc::{ShowOsc, ShowOscStats, ShowReadOnly};
pub use pattern::AddressPattern;
pub use playback::{
    CheckShowParams, LookEdit, ShowCommand, ShowPlayback, ShowPlugin, ShowSystems, edit_cues,
    edit_looks, run_show,
};
pub use recovery::{RecoveryPlugin, RecoveryStatus, autosave_path};
pub use running::Held;
pub use save::{SaveShow, ShowPath, ShowSaver};
pub use show::{CueEdit, Show, ShowState};
pub use triggers::ShowTriggersPlugin;
pub use undo::{LOOK_EDITS, UndoPlugin};
pub use undo_request::UndoRequest;
