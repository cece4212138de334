//! Saving the show file from the UI: after every look or cue edit that changed something
//! (store, approve, restore; add, change, move, remove a cue) and on the Cues panel's Save,
//! the running show's looks and cue lists are written into the show file — off the frame, atomically, patched into its text so the user's comments
//! and layout survive (see `docs/show.md`).

mod disk;
mod patch;
mod patch_lists;
mod writer;

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use backlot_params::BacklotSystems;
use bevy::prelude::*;

use crate::file::{CueListDef, ShowFile};
use crate::look::Look;
use crate::playback::{ShowPlayback, ShowSystems};

pub use disk::{SaveError, Saved, save_show};
pub use patch::patch_looks;
pub use patch_lists::patch_lists;
pub use writer::{SaveDone, SaveFn, SaveRequest, ShowWriter};

/// The show file the running show was loaded from: where its looks are saved. The app
/// inserts it with `--show`; without it (or with `None`) saving is refused with a message.
#[derive(Resource, Debug, Clone, Default, PartialEq, Eq)]
pub struct ShowPath(pub Option<PathBuf>);

/// Asks for the running show's looks to be written into its file. Sent by itself after each
/// look edit that changed something, and by the Cues panel's Save.
#[derive(Message, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SaveShow;

/// How the last save went, for the Cues panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveOutcome {
    /// The file, when there was one to save to.
    pub path: Option<PathBuf>,
    /// What was done, or why nothing was.
    pub result: Result<String, String>,
}

/// The show's saver: the writer thread's slot and what became of the last save.
#[derive(Resource, Debug, Default)]
pub struct ShowSaver {
    writer: ShowWriter,
    last: Option<SaveOutcome>,
    /// The show's look edit count when last looked at.
    edits: u64,
    refused: u64,
    /// The looks and lists of the last saves asked for, and when: the hot reload each save
    /// causes must not take back an edit made after it ([`ShowSaver::echo`]).
    written: VecDeque<(Instant, Vec<Look>, Vec<CueListDef>)>,
}

/// How many recent saves [`ShowSaver::echo`] remembers.
const ECHOES: usize = 4;

/// How long after a save its hot reload counts as its echo.
const ECHO_WINDOW: Duration = Duration::from_secs(10);

impl ShowSaver {
    /// How the last save went (or why it was refused); none before the first.
    pub fn last(&self) -> Option<&SaveOutcome> {
        self.last.as_ref()
    }

    /// A save is under way or waiting.
    pub fn busy(&self) -> bool {
        self.writer.busy()
    }

    /// Saves refused before they started (no show, no file to save to).
    pub fn refused(&self) -> u64 {
        self.refused
    }

    /// Save requests a newer one replaced before they ran.
    pub fn replaced(&self) -> u64 {
        self.writer.replaced()
    }

    /// Whether a reloaded `file` is the echo of a save this backlot asked for in the last
    /// seconds, written before the show (`now`, [`crate::Show::to_file`]) moved on: its looks
    /// and cue lists are older than the show's, and the show keeps its own (the save the
    /// newer edit asked for writes them). A file edited by hand, or an echo with nothing
    /// newer since, is played as it is.
    pub fn echo(&self, now: &ShowFile, file: &ShowFile) -> bool {
        let moved_on = now.looks != file.looks || now.lists != file.lists;
        moved_on
            && self.written.iter().any(|(at, looks, lists)| {
                at.elapsed() < ECHO_WINDOW && *looks == file.looks && *lists == file.lists
            })
    }

    fn note_written(&mut self, file: &ShowFile) {
        if self.written.len() == ECHOES {
            self.written.pop_front();
        }
        self.written
            .push_back((Instant::now(), file.looks.clone(), file.lists.clone()));
    }

    fn refuse(&mut self, why: String) {
        warn!("{why}");
        self.refused += 1;
        self.last = Some(SaveOutcome {
            path: None,
            result: Err(why),
        });
    }
}

pub(crate) fn build(app: &mut App) {
    app.add_message::<SaveShow>()
        .init_resource::<ShowSaver>()
        .add_systems(
            Update,
            (note_look_edits, request_saves, finish_saves)
                .chain()
                .after(ShowSystems::Edit)
                .in_set(BacklotSystems::Report),
        );
}

/// A look or cue edit that changed something asks for a save (a refused one, or a store of
/// what the look already holds, changes no count).
pub fn note_look_edits(
    playback: Res<ShowPlayback>,
    mut saver: ResMut<ShowSaver>,
    mut saves: MessageWriter<SaveShow>,
) {
    let Some(show) = playback.show.as_ref() else {
        return;
    };
    let edits = show.edits();
    // A fresh show counts from 0 again: only a rise is an edit.
    if edits > std::mem::replace(&mut saver.edits, edits) {
        saves.write(SaveShow);
    }
}

/// Hands this frame's save requests (one says it all) to the writer thread.
pub fn request_saves(
    mut asked: MessageReader<SaveShow>,
    path: Option<Res<ShowPath>>,
    playback: Res<ShowPlayback>,
    mut saver: ResMut<ShowSaver>,
) {
    if asked.is_empty() {
        return;
    }
    asked.clear();
    let Some(show) = playback.show.as_ref() else {
        saver.refuse("cannot save the show: no show is loaded".into());
        return;
    };
    let Some(path) = path.and_then(|p| p.0.clone()) else {
        saver.refuse(
            "cannot save the show: it was not started from a show file (`--show FILE`), so \
             there is nowhere to write its looks; they stay in the running show only"
                .into(),
        );
        return;
    };
    let file = show.to_file();
    saver.note_written(&file);
    saver.writer.request(SaveRequest { path, show: file });
}

/// Takes a finished save: logged, and kept for the Cues panel.
pub fn finish_saves(mut saver: ResMut<ShowSaver>) {
    let Some(done) = saver.writer.poll() else {
        return;
    };
    let result = match done.result {
        Ok(saved) => {
            info!("show saved: {}: {saved}", done.path.display());
            Ok(saved.to_string())
        }
        Err(why) => {
            error!("{why}");
            Err(why)
        }
    };
    saver.last = Some(SaveOutcome {
        path: Some(done.path),
        result,
    });
}

#[cfg(test)]
mod tests;
