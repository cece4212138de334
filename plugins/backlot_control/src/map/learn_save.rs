//! Writing learned bindings into the map file off the frame: reading, parsing, writing,
//! fsync and rename take milliseconds, more on a slow disk. One save runs at a time, so two
//! learns in a row never race on the file; a request made while one runs waits, and a newer
//! one replaces it (each holds every binding still pending, so the newest says it all). A
//! save thread that panics is reported as a failed save, not lost.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use tracing::{error, info};

use crate::format::{Learned, MapFile, SaveError, Saved, save_learned};

/// How learned bindings are written (tests swap in one that panics).
pub(crate) type SaveFn = fn(&Learned, &MapFile, &Path) -> Result<Saved, SaveError>;

/// One save to make.
#[derive(Debug)]
pub(crate) struct SaveRequest {
    /// Learned bindings to write.
    pub(crate) learned: Learned,
    /// The map in force, written whole when there is no file.
    pub(crate) whole: MapFile,
    /// The map file.
    pub(crate) path: PathBuf,
}

/// How a save ended.
#[derive(Debug)]
pub(crate) struct SaveDone {
    /// The bindings it wrote (or tried to).
    pub(crate) learned: Learned,
    /// The map file.
    pub(crate) path: PathBuf,
    /// What was done, or why nothing was (a sentence for the log and the Controls panel).
    pub(crate) result: Result<Saved, String>,
}

#[derive(Debug)]
struct Running {
    learned: Learned,
    path: PathBuf,
    thread: JoinHandle<Result<Saved, String>>,
}

/// The save slot: at most one save thread, and at most one request waiting for it.
#[derive(Debug)]
pub(crate) struct LearnSaver {
    save: SaveFn,
    running: Option<Running>,
    queued: Option<SaveRequest>,
    /// A save whose thread could not start, reported by the next poll.
    unstarted: Option<SaveDone>,
}

impl Default for LearnSaver {
    fn default() -> Self {
        Self::with_save(save_learned)
    }
}

/// Why a save did not happen, as the Controls panel says it.
pub(crate) fn why_not_saved(e: &SaveError) -> String {
    match e {
        SaveError::Broken { at, .. } => {
            format!("map file has errors at {at}; fix it before saving learned bindings")
        }
        other => format!("cannot save learned bindings: {other}"),
    }
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

fn panicked(p: &(dyn std::any::Any + Send)) -> String {
    format!(
        "cannot save learned bindings: the save thread panicked: {}",
        panic_text(p)
    )
}

impl LearnSaver {
    /// A saver writing with `save`.
    pub(crate) fn with_save(save: SaveFn) -> Self {
        Self {
            save,
            running: None,
            queued: None,
            unstarted: None,
        }
    }

    /// Saves off the frame, after any save under way; replaces a request still waiting.
    pub(crate) fn request(&mut self, request: SaveRequest) {
        if self.running.is_some() {
            self.queued = Some(request);
        } else {
            self.spawn(request);
        }
    }

    /// A save is under way, waiting, or its result not yet taken.
    pub(crate) fn busy(&self) -> bool {
        self.running.is_some() || self.queued.is_some() || self.unstarted.is_some()
    }

    /// A finished save, once; never waits. The waiting request, if any, starts then.
    pub(crate) fn poll(&mut self) -> Option<SaveDone> {
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
        let Running {
            learned,
            path,
            thread,
        } = self.running.take()?;
        let result = thread.join().unwrap_or_else(|p| Err(panicked(&*p)));
        if let Some(next) = self.queued.take() {
            self.spawn(next);
        }
        Some(SaveDone {
            learned,
            path,
            result,
        })
    }

    fn spawn(&mut self, request: SaveRequest) {
        let SaveRequest {
            learned,
            whole,
            path,
        } = request;
        let save = self.save;
        let (to_write, file) = (learned.clone(), path.clone());
        let started = std::thread::Builder::new()
            .name("backlot-map-save".into())
            .spawn(move || save(&to_write, &whole, &file).map_err(|e| why_not_saved(&e)));
        match started {
            Ok(thread) => {
                self.running = Some(Running {
                    learned,
                    path,
                    thread,
                });
            }
            Err(e) => {
                let why = format!("cannot save learned bindings: cannot start a thread: {e}");
                error!("{why}");
                self.unstarted = Some(SaveDone {
                    learned,
                    path,
                    result: Err(why),
                });
            }
        }
    }
}

impl Drop for LearnSaver {
    fn drop(&mut self) {
        // At exit: a learned binding is written before the process goes (milliseconds of
        // file work), not cut off with it.
        if let Some(r) = self.running.take() {
            match r.thread.join().unwrap_or_else(|p| Err(panicked(&*p))) {
                Ok(saved) => info!("map saved: {}: {saved}", r.path.display()),
                Err(why) => error!("{why}"),
            }
        }
        if let Some(q) = self.queued.take() {
            let save = self.save;
            let run = AssertUnwindSafe(|| save(&q.learned, &q.whole, &q.path));
            match std::panic::catch_unwind(run) {
                Ok(Ok(saved)) => info!("map saved: {}: {saved}", q.path.display()),
                Ok(Err(e)) => error!("{}", why_not_saved(&e)),
                Err(p) => error!("{}", panicked(&*p)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::format::{MidiBinding, MidiControl, parse_map};

    fn binding(cc: u8, target: &str) -> MidiBinding {
        let text = format!(
            "(midi: (bindings: [(control: Cc(channel: 1, cc: {cc}), target: \"{target}\")]))"
        );
        let mut map = parse_map(&text, "t.map.ron").expect("binding parses");
        map.midi.bindings.remove(0)
    }

    fn midi(bindings: Vec<MidiBinding>) -> Learned {
        Learned {
            midi: bindings,
            osc: Vec::new(),
        }
    }

    /// Polls until a save finishes, at most 3 s.
    fn done(saver: &mut LearnSaver) -> SaveDone {
        let start = Instant::now();
        loop {
            if let Some(d) = saver.poll() {
                return d;
            }
            assert!(start.elapsed() < Duration::from_secs(3), "timed out");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn exploding(_: &Learned, _: &MapFile, _: &Path) -> Result<Saved, SaveError> {
        panic!("save exploded")
    }

    #[test]
    fn a_panicking_save_is_a_failed_save() {
        let mut saver = LearnSaver::with_save(exploding);
        saver.request(SaveRequest {
            learned: midi(vec![binding(7, "/a")]),
            whole: MapFile::default(),
            path: PathBuf::from("nowhere.map.ron"),
        });
        assert!(saver.busy());
        let d = done(&mut saver);
        let e = d.result.expect_err("a panic is a failure");
        assert!(e.contains("panicked: save exploded"), "{e}");
        assert_eq!(d.learned, midi(vec![binding(7, "/a")]));
        assert!(!saver.busy(), "nothing left under way");
    }

    #[test]
    fn saves_run_one_at_a_time_and_the_newest_waiting_request_wins() {
        let dir = std::env::temp_dir().join(format!("backlot-learn-save-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("m.map.ron");
        std::fs::write(&path, "(midi: (bindings: []))").expect("write");
        let mut saver = LearnSaver::default();
        let request = |learned: Vec<MidiBinding>| SaveRequest {
            learned: midi(learned),
            whole: MapFile::default(),
            path: path.clone(),
        };
        saver.request(request(vec![binding(1, "/a")]));
        // Two more while the first may still run: only the newest waits.
        saver.request(request(vec![binding(1, "/a"), binding(2, "/b")]));
        saver.request(request(vec![binding(1, "/a"), binding(3, "/b")]));
        let mut results = vec![done(&mut saver)];
        while saver.busy() {
            results.push(done(&mut saver));
        }
        assert_eq!(results.len(), 2, "{results:?}");
        assert!(results.iter().all(|d| d.result.is_ok()), "{results:?}");
        let saved = crate::format::parse_map_file(&path).expect("saved map parses");
        let controls: Vec<(MidiControl, &str)> = saved
            .midi
            .bindings
            .iter()
            .map(|b| (b.control, b.target.as_str()))
            .collect();
        assert_eq!(
            controls,
            vec![
                (MidiControl::Cc { channel: 1, cc: 1 }, "/a"),
                (MidiControl::Cc { channel: 1, cc: 3 }, "/b"),
            ]
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
