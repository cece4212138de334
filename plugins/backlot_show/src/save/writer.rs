//! Writing the show file off the frame: reading, parsing, patching, fsync and rename take
//! milliseconds, more on a slow disk. One save runs at a time, so two edits in a row never
//! race on the file; a request made while one runs waits, and a newer one replaces it (each
//! holds every look and cue, so the newest says it all; the replaced ones are counted). A
//! save thread that panics is reported as a failed save, not lost. The slot is the one the
//! control map's learn saver uses ([`backlot_files::save::SaveSlot`]).

use std::path::{Path, PathBuf};

use backlot_files::save::SaveSlot;
use tracing::{error, info};

use super::disk::{SaveError, Saved, save_show};
use crate::file::ShowFile;

/// How a show is written (tests swap in one that panics).
pub type SaveFn = fn(&ShowFile, &Path) -> Result<Saved, SaveError>;

/// One save to make.
#[derive(Debug, Clone)]
pub struct SaveRequest {
    /// The show file.
    pub path: PathBuf,
    /// The running show: its looks and cue lists are written, the rest is what a missing
    /// file gets.
    pub show: ShowFile,
}

/// How a save ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveDone {
    /// The show file.
    pub path: PathBuf,
    /// What was done, or why nothing was (a sentence for the log and the Cues panel).
    pub result: Result<Saved, String>,
}

/// The save slot: at most one save thread, and at most one request waiting for it.
#[derive(Debug)]
pub struct ShowWriter {
    save: SaveFn,
    slot: SaveSlot<PathBuf, Saved>,
}

impl Default for ShowWriter {
    fn default() -> Self {
        Self::with_save(save_show)
    }
}

/// A save finished at exit, when nobody polls any more: logged.
#[allow(
    clippy::ptr_arg,
    reason = "the slot hands its tag, a PathBuf, by reference"
)]
fn report_at_exit(path: &PathBuf, result: Result<Saved, String>) {
    match result {
        Ok(saved) => info!("show saved: {}: {saved}", path.display()),
        Err(why) => error!("{why}"),
    }
}

impl ShowWriter {
    /// A writer saving with `save`.
    pub fn with_save(save: SaveFn) -> Self {
        Self {
            save,
            slot: SaveSlot::new("backlot-show-save", "the show", report_at_exit),
        }
    }

    /// Saves off the frame, after any save under way; replaces a request still waiting.
    pub fn request(&mut self, request: SaveRequest) {
        let SaveRequest { path, show } = request;
        let save = self.save;
        let file = path.clone();
        self.slot.request(
            path,
            Box::new(move || save(&show, &file).map_err(|e| format!("cannot save the show: {e}"))),
        );
    }

    /// A save is under way, waiting, or its result not yet taken.
    pub fn busy(&self) -> bool {
        self.slot.busy()
    }

    /// Requests a newer one replaced before they ran.
    pub fn replaced(&self) -> u64 {
        self.slot.replaced()
    }

    /// A finished save, once; never waits. The waiting request, if any, starts then.
    pub fn poll(&mut self) -> Option<SaveDone> {
        let (path, result) = self.slot.poll()?;
        Some(SaveDone { path, result })
    }
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
