//! Autosave and crash recovery. While a show runs, its live state — every parameter's value
//! and who drives it, the operator's holds (with the controller value under each) and the
//! controllers' claims, every cue list's cue, fade and timers, looks stored since the file
//! was loaded — is written beside the show file as `<show>.autosave.ron`
//! ([`autosave_path`]): every [`AUTOSAVE_EVERY`] seconds when it changed and at once after
//! each GO, by one writer thread, atomically. The file says `clean: false`; a clean quit
//! removes it. Started again after a crash, a power cut or a `kill -9`, backlot finds it
//! and restores that state before the first frame plays, value by value as the scene's
//! parameters appear, says so in the log (`show: restored the live state of …`) and in
//! [`RecoveryStatus`] for the Cues panel. A damaged autosave is ignored with a warning that
//! names the file, line and column.

mod format;
mod restore;
mod snapshot;
#[cfg(test)]
mod tests;
mod writer;

use std::path::{Path, PathBuf};

use backlot_params::{BacklotSystems, ParamsPlugin};
use bevy::prelude::*;

use crate::playback::{ShowCommand, ShowSystems};

pub use format::{
    Autosave, AutosaveError, ClaimState, Driver, FORMAT, ParamState, decode, encode, format_time,
};
pub use restore::{RESTORE_FRAMES, RESTORE_WAIT};
pub use snapshot::{AUTOSAVE_EVERY, take_snapshot};
pub use writer::{MAX_RESTARTS, WriterReport};

/// Autosaves the live state of the show at `show_path` beside it and restores it after an
/// unclean exit (see the module docs). Add it with the [`crate::ShowPlugin`], on the process
/// that runs the show (not on a cluster's render nodes).
#[derive(Debug, Clone)]
pub struct RecoveryPlugin {
    /// The show file; the autosave is [`autosave_path`] of it.
    pub show_path: PathBuf,
}

impl Plugin for RecoveryPlugin {
    fn build(&self, app: &mut App) {
        if !app.is_plugin_added::<ParamsPlugin>() {
            app.add_plugins(ParamsPlugin);
        }
        let path = autosave_path(&self.show_path);
        app.add_message::<ShowCommand>()
            .insert_resource(RecoveryStatus {
                autosave: path.clone(),
                ..default()
            })
            .insert_resource(snapshot::Autosaver::new(writer::AutosaveWriter::new(path)))
            .add_systems(Startup, restore::read_autosave)
            .add_systems(
                Update,
                (
                    restore::restore_live_state
                        .run_if(resource_exists::<restore::PendingRestore>)
                        .in_set(BacklotSystems::Layers)
                        .before(ShowSystems::Edit),
                    (snapshot::autosave, snapshot::report_autosave)
                        .chain()
                        .in_set(BacklotSystems::Report),
                ),
            )
            .add_systems(Last, snapshot::finish_on_exit);
    }
}

/// The autosave of the show file `show`: beside it, `.ron` replaced by `.autosave.ron`
/// (`neon_club.show.ron` → `neon_club.show.autosave.ron`).
pub fn autosave_path(show: &Path) -> PathBuf {
    let name = show
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(".ron").unwrap_or(&name);
    show.with_file_name(format!("{stem}.autosave.ron"))
}

/// What came back from an autosave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Restored {
    /// When the autosave was taken (`YYYY-MM-DD HH:MM:SS UTC`).
    pub saved_at: String,
    /// Parameter values put back.
    pub values: usize,
    /// Operator holds and controller claims taken back.
    pub claims: usize,
    /// Each cue list that came back and where it stands (`lights at cue 2 (40 % faded)`).
    pub lists: Vec<String>,
    /// Looks taken back (stored after the show file was last loaded).
    pub looks: usize,
    /// Cue lists taken back as edited after the show file was last loaded.
    pub cue_lists: usize,
    /// Values not put back because their parameter never appeared: the first few.
    pub missing: Vec<String>,
    /// How many values were not put back.
    pub missing_count: usize,
    /// Anything else that did not come back (a list or cue the show no longer has).
    pub problems: Vec<String>,
}

/// Where recovery stands.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Restore {
    /// Nothing to restore: no autosave, or one from a clean quit.
    #[default]
    Nothing,
    /// An autosave is being restored (parameters still loading).
    Restoring {
        /// When it was taken.
        saved_at: String,
    },
    /// An autosave was restored.
    Restored(Restored),
    /// The autosave was damaged and ignored.
    Ignored {
        /// Why, with the file, line and column.
        why: String,
    },
}

/// Autosave and recovery, for the Cues panel.
#[derive(Resource, Debug, Clone, Default, PartialEq)]
pub struct RecoveryStatus {
    /// The autosave file.
    pub autosave: PathBuf,
    /// What happened to the autosave found at start.
    pub restore: Restore,
    /// What the autosave writer has done.
    pub writer: WriterReport,
}

impl RecoveryStatus {
    /// One line on recovery for the panel, when there is something to say.
    pub fn summary(&self) -> Option<String> {
        match &self.restore {
            Restore::Nothing => None,
            Restore::Restoring { saved_at } => Some(format!(
                "backlot did not quit cleanly: restoring the live state of {saved_at}…"
            )),
            Restore::Restored(r) => {
                let mut line = format!(
                    "restored the live state of {} ({} values, {} holds and claims)",
                    r.saved_at, r.values, r.claims
                );
                if r.missing_count > 0 {
                    line.push_str(&format!(
                        "; {} values had no parameter to go to",
                        r.missing_count
                    ));
                }
                Some(line)
            }
            Restore::Ignored { why } => Some(format!("autosave ignored: {why}")),
        }
    }

    /// The autosave writer's trouble, when it has any.
    pub fn writer_problem(&self) -> Option<&str> {
        self.writer.last_error.as_deref()
    }
}
