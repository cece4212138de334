//! Writing the show file off the frame: reading, parsing, patching, fsync and rename take
//! milliseconds, more on a slow disk. One save runs at a time, so two look edits in a row
//! never race on the file; a request made while one runs waits, and a newer one replaces it
//! (each holds every look, so the newest says it all; the replaced ones are counted). A save
//! thread that panics is reported as a failed save, not lost. The pattern is the control
//! map's learn saver (backlot_control `map/learn_save.rs`).

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

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
    /// The running show: its looks are written, the rest is what a missing file gets.
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

#[derive(Debug)]
struct Running {
    path: PathBuf,
    thread: JoinHandle<Result<Saved, String>>,
}

/// The save slot: at most one save thread, and at most one request waiting for it.
#[derive(Debug)]
pub struct ShowWriter {
    save: SaveFn,
    running: Option<Running>,
    queued: Option<SaveRequest>,
    /// A save whose thread could not start, reported by the next poll.
    unstarted: Option<SaveDone>,
    replaced: u64,
}

impl Default for ShowWriter {
    fn default() -> Self {
        Self::with_save(save_show)
    }
}

/// Why a save did not happen, as the log and the Cues panel say it.
fn why_not_saved(e: &SaveError) -> String {
    format!("cannot save the show: {e}")
}

fn panicked(p: &(dyn std::any::Any + Send)) -> String {
    let text = p
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    format!("cannot save the show: the save thread panicked: {text}")
}

impl ShowWriter {
    /// A writer saving with `save`.
    pub fn with_save(save: SaveFn) -> Self {
        Self {
            save,
            running: None,
            queued: None,
            unstarted: None,
            replaced: 0,
        }
    }

    /// Saves off the frame, after any save under way; replaces a request still waiting.
    pub fn request(&mut self, request: SaveRequest) {
        if self.running.is_some() {
            if self.queued.replace(request).is_some() {
                self.replaced += 1;
            }
        } else {
            self.spawn(request);
        }
    }

    /// A save is under way, waiting, or its result not yet taken.
    pub fn busy(&self) -> bool {
        self.running.is_some() || self.queued.is_some() || self.unstarted.is_some()
    }

    /// Requests a newer one replaced before they ran.
    pub fn replaced(&self) -> u64 {
        self.replaced
    }

    /// A finished save, once; never waits. The waiting request, if any, starts then.
    pub fn poll(&mut self) -> Option<SaveDone> {
        if let Some(done) = self.unstarted.take() {
            return Some(done);
        }
        if !self
            .running
            .as_ref()
            .is_some_and(|r| r.thread.is_finished())
        {
            return None;
        }
        let Running { path, thread } = self.running.take()?;
        let result = thread.join().unwrap_or_else(|p| Err(panicked(&*p)));
        if let Some(next) = self.queued.take() {
            self.spawn(next);
        }
        Some(SaveDone { path, result })
    }

    fn spawn(&mut self, request: SaveRequest) {
        let SaveRequest { path, show } = request;
        let save = self.save;
        let file = path.clone();
        let started = std::thread::Builder::new()
            .name("backlot-show-save".into())
            .spawn(move || save(&show, &file).map_err(|e| why_not_saved(&e)));
        match started {
            Ok(thread) => self.running = Some(Running { path, thread }),
            Err(e) => {
                let why = format!("cannot save the show: cannot start a thread: {e}");
                error!("{why}");
                self.unstarted = Some(SaveDone {
                    path,
                    result: Err(why),
                });
            }
        }
    }
}

impl Drop for ShowWriter {
    fn drop(&mut self) {
        // At exit: a stored look is written before the process goes (milliseconds of file
        // work), not cut off with it.
        if let Some(r) = self.running.take() {
            match r.thread.join().unwrap_or_else(|p| Err(panicked(&*p))) {
                Ok(saved) => info!("show saved: {}: {saved}", r.path.display()),
                Err(why) => error!("{why}"),
            }
        }
        if let Some(q) = self.queued.take() {
            let save = self.save;
            let run = AssertUnwindSafe(|| save(&q.show, &q.path));
            match std::panic::catch_unwind(run) {
                Ok(Ok(saved)) => info!("show saved: {}: {saved}", q.path.display()),
                Ok(Err(e)) => error!("{}", why_not_saved(&e)),
                Err(p) => error!("{}", panicked(&*p)),
            }
        }
    }
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
