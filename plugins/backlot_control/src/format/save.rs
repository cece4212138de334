//! Saving a map without losing the user's work. The file on disk must parse first (a broken
//! file holds an edit in progress: theirs to fix, not ours to overwrite); only what changed
//! is spliced into its text, so comments and layout survive; what is written must read back
//! as the intended map before it replaces the file; a failed save leaves nothing behind.

use std::io;
use std::path::{Path, PathBuf};

use backlot_files::save::beside;
use backlot_scene::format::FileErrors;

use super::patch::patch_map;
use super::splice::Learned;
use super::{MapFile, MidiBinding, parse_map};

/// How a save went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// The file already says this; nothing was written.
    Unchanged,
    /// Only the text of what changed was written: comments and layout are kept.
    Spliced,
    /// The whole map was written anew (there was no file, or the change could not be made
    /// in place), so comments are gone; the file as it was is kept at `backup`.
    Rewritten {
        /// `<name>.bak` beside the file.
        backup: Option<PathBuf>,
    },
}

impl std::fmt::Display for Saved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Saved::Unchanged => write!(f, "already up to date"),
            Saved::Spliced => write!(f, "changes written; comments and layout kept"),
            Saved::Rewritten { backup: Some(b) } => write!(
                f,
                "rewritten whole (comments not kept); the file as it was is at {}",
                b.display()
            ),
            Saved::Rewritten { backup: None } => write!(f, "written"),
        }
    }
}

/// Why a save did not happen. The file on disk is untouched in every case.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The file on disk does not parse: saving over it would throw the user's edit away.
    #[error("map file has errors at {at}; fix it before saving")]
    Broken {
        /// `path:line:col` of the first error.
        at: String,
        /// Every error.
        errors: FileErrors,
    },
    /// The file on disk cannot be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: io::Error,
    },
    /// The new text (or the backup) cannot be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: String,
        /// Why.
        source: io::Error,
    },
    /// The text to write does not read back as the map meant; nothing was written.
    #[error("{path}: the text to save does not read back as the map ({detail}); nothing written")]
    Verify {
        /// The file.
        path: String,
        /// What differs.
        detail: String,
    },
}

/// Writes `map` into the file at `path` (the Controls panel's Save): only the text of what
/// differs from the file (a binding's settings, a removed binding, a fixture, a setting) is
/// replaced, so the user's comments and layout elsewhere survive. The file on disk must
/// parse. When a change cannot be made in place the map is written whole, the file as it was
/// kept as `<name>.bak`; with no file at all, `map` is written.
pub fn save_map(map: &MapFile, path: &Path) -> Result<Saved, SaveError> {
    match read_checked(path)? {
        Some((text, on_disk)) => save_over(&text, &on_disk, map, path),
        None => rewrite(map, path, None),
    }
}

/// Writes MIDI-learned bindings into the map file at `path`: [`save_learned`] with no OSC
/// ones.
pub fn save_learned_bindings(
    learned: &[MidiBinding],
    whole: &MapFile,
    path: &Path,
) -> Result<Saved, SaveError> {
    let learned = Learned {
        midi: learned.to_vec(),
        osc: Vec::new(),
    };
    save_learned(&learned, whole, path)
}

/// Writes learned bindings (MIDI and OSC learn's) into the map file at `path`, touching only
/// their text: each takes the place of the binding it supersedes (for MIDI the same control
/// or target, for OSC the same address) or joins the end of `midi.bindings` or
/// `osc.bindings`. The file on disk must parse, and anything else in it stays as it is there
/// (as with [`save_map`], a change that cannot be made in place rewrites the file whole with
/// a `.bak`). With no file at all, `whole` (the map in force) is written.
pub fn save_learned(learned: &Learned, whole: &MapFile, path: &Path) -> Result<Saved, SaveError> {
    let Some((text, on_disk)) = read_checked(path)? else {
        return rewrite(whole, path, None);
    };
    let mut expected = on_disk.clone();
    learned.apply_to(&mut expected);
    save_over(&text, &on_disk, &expected, path)
}

/// Turns the file's `text` (which parses to `on_disk`) into `map`: spliced when it can be,
/// else rewritten whole with a backup.
fn save_over(
    text: &str,
    on_disk: &MapFile,
    map: &MapFile,
    path: &Path,
) -> Result<Saved, SaveError> {
    if on_disk == map {
        return Ok(Saved::Unchanged);
    }
    // A splice that does not read back as the map (a layout not understood) is not written;
    // the whole map is, with the user's text kept beside it.
    match patch_map(text, on_disk, map) {
        Some(spliced) if check(&spliced, map, path).is_ok() => {
            write_atomically(path, &spliced)?;
            Ok(Saved::Spliced)
        }
        _ => rewrite(map, path, Some(text)),
    }
}

/// The file's text and map; `None` when there is no file.
fn read_checked(path: &Path) -> Result<Option<(String, MapFile)>, SaveError> {
    let shown = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(SaveError::Read {
                path: shown,
                source,
            });
        }
    };
    match parse_map(&text, &shown) {
        Ok(map) => Ok(Some((text, map))),
        Err(errors) => Err(SaveError::Broken {
            at: errors
                .0
                .first()
                .map_or(shown, |e| format!("{}:{}:{}", e.path, e.line, e.col)),
            errors,
        }),
    }
}

/// Writes `map` whole, keeping `original` (the file's text) as `<name>.bak` first.
fn rewrite(map: &MapFile, path: &Path, original: Option<&str>) -> Result<Saved, SaveError> {
    let text = ron::ser::to_string_pretty(map, ron::ser::PrettyConfig::default()).map_err(|e| {
        SaveError::Verify {
            path: path.display().to_string(),
            detail: e.to_string(),
        }
    })?;
    let text = format!("// Written by backlot (learn / Controls panel).\n{text}\n");
    check(&text, map, path)?;
    let backup = match original {
        Some(original) => {
            let bak = beside(path, |name| format!("{name}.bak"));
            let fresh = std::fs::symlink_metadata(&bak).is_err();
            // Atomically too: a full disk leaves the last backup, never half of this one.
            write_atomically(&bak, original)?;
            Some((bak, fresh))
        }
        None => None,
    };
    if let Err(e) = write_atomically(path, &text) {
        // The file is as it was, so a backup made just now for it is only clutter.
        if let Some((bak, true)) = &backup {
            let _ = std::fs::remove_file(bak);
        }
        return Err(e);
    }
    Ok(Saved::Rewritten {
        backup: backup.map(|(bak, _)| bak),
    })
}

/// `text` must parse to `expected`.
fn check(text: &str, expected: &MapFile, path: &Path) -> Result<(), SaveError> {
    let shown = path.display().to_string();
    let detail = match parse_map(text, &shown) {
        Ok(map) if map == *expected => return Ok(()),
        Ok(_) => "it reads back as a different map".to_string(),
        Err(e) => e.to_string(),
    };
    Err(SaveError::Verify {
        path: shown,
        detail,
    })
}

#[cfg(all(test, target_os = "linux"))]
thread_local! {
    /// Tests: the next save on this thread finds its disk full.
    pub(super) static FULL_DISK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The shared atomic write ([`backlot_files::save::write_atomically`]): a crash never leaves
/// a half-written map. On any failure the temp file is removed.
fn write_atomically(path: &Path, text: &str) -> Result<(), SaveError> {
    let tmp = backlot_files::save::temp_beside(path);
    #[cfg(all(test, target_os = "linux"))]
    if FULL_DISK.with(|full| full.replace(false)) {
        // Every write to /dev/full fails with ENOSPC: a disk that fills mid-save.
        let _ = std::os::unix::fs::symlink("/dev/full", &tmp);
    }
    backlot_files::save::write_atomically_via(&tmp, path, text.as_bytes()).map_err(|source| {
        SaveError::Write {
            path: path.display().to_string(),
            source,
        }
    })
}
