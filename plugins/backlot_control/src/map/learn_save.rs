//! Writing learned bindings into the map file off the frame: reading, parsing, writing,
//! fsync and rename take milliseconds, more on a slow disk. One save runs at a time, so two
//! learns in a row never race on the file; a request made while one runs waits, and a newer
//! one replaces it (each holds every binding still pending, so the newest says it all). A
//! save thread that panics is reported as a failed save, not lost. The slot is the one the
//! show's saver uses ([`backlot_files::save::SaveSlot`]).

use std::path::{Path, PathBuf};

use backlot_files::save::SaveSlot;
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

/// The save slot: at most one save thread, and at most one request waiting for it.
#[derive(Debug)]
pub(crate) struct LearnSaver {
    save: SaveFn,
    slot: SaveSlot<(Learned, PathBuf), Saved>,
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

/// A save finished at exit, when nobody polls any more: logged.
fn report_at_exit((_, path): &(Learned, PathBuf), result: Result<Saved, String>) {
    match result {
        Ok(saved) => info!("map saved: {}: {saved}", path.display()),
        Err(why) => error!("{why}"),
    }
}

impl LearnSaver {
    /// A saver writing with `save`.
    pub(crate) fn with_save(save: SaveFn) -> Self {
        Self {
            save,
            slot: SaveSlot::new("backlot-map-save", "learned bindings", report_at_exit),
        }
    }

    /// Saves off the frame, after any save under way; replaces a request still waiting.
    pub(crate) fn request(&mut self, request: SaveRequest) {
        let SaveRequest {
            learned,
            whole,
            path,
        } = request;
        let save = self.save;
        let (to_write, file) = (learned.clone(), path.clone());
        self.slot.request(
            (learned, path),
            Box::new(move || save(&to_write, &whole, &file).map_err(|e| why_not_saved(&e))),
        );
    }

    /// A save is under way, waiting, or its result not yet taken.
    pub(crate) fn busy(&self) -> bool {
        self.slot.busy()
    }

    /// A finished save, once; never waits. The waiting request, if any, starts then.
    pub(crate) fn poll(&mut self) -> Option<SaveDone> {
        let ((learned, path), result) = self.slot.poll()?;
        Some(SaveDone {
            learned,
            path,
            result,
        })
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
