//! Saving the show's looks and cue lists into its file without losing the user's work. The file on disk
//! must parse first (a broken file holds an edit in progress: theirs to finish, not ours to
//! overwrite); only the looks and cues that changed are patched into its text, so comments and layout
//! survive; what is written must read back as the show meant before it replaces the file,
//! through a temp file beside it and a rename, so a crash never leaves half a show.

use std::io;
use std::path::{Path, PathBuf};

use backlot_files::FileErrors;
use backlot_files::save::beside;
use thiserror::Error;

use super::patch::patch_looks;
use super::patch_lists::patch_lists;
use crate::file::{Positions, ShowFile, parse_show};

/// How a save went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    /// The file already holds these looks; nothing was written.
    Unchanged,
    /// Only the looks and cues that changed were written: the rest of the text is as it was.
    Patched,
    /// The file's layout could not be followed, so the show was written whole (comments not
    /// kept); the file as it was is kept at `backup`.
    Rewritten {
        /// `<name>.bak` beside the file.
        backup: PathBuf,
    },
    /// There was no file; the show was written whole.
    Created,
}

impl std::fmt::Display for Saved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Saved::Unchanged => write!(f, "already up to date"),
            Saved::Patched => write!(
                f,
                "looks and cues written; the rest of the file kept as it was"
            ),
            Saved::Rewritten { backup } => write!(
                f,
                "rewritten whole (its layout could not be followed, comments not kept); the \
                 file as it was is at {}",
                backup.display()
            ),
            Saved::Created => write!(f, "written (there was no file)"),
        }
    }
}

/// Why a save did not happen. The file on disk is untouched in every case.
#[derive(Debug, Error)]
pub enum SaveError {
    /// The file on disk does not parse: saving over it would throw the user's edit away.
    #[error(
        "show file has errors at {at}; fix it before saving (nothing written; the looks stay \
         in the running show)"
    )]
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
    /// The text to write does not read back as the show meant; nothing was written.
    #[error("{path}: the text to save does not read back as the show ({detail}); nothing written")]
    Verify {
        /// The file.
        path: String,
        /// What differs.
        detail: String,
    },
}

/// Writes the looks and cue lists of `show` (the running show's file,
/// [`crate::Show::to_file`]) into the show file at `path`. Everything else in the file —
/// paths, comments, the layout of what did not change — stays as it is on disk. With no file at all, `show` is written whole.
pub fn save_show(show: &ShowFile, path: &Path) -> Result<Saved, SaveError> {
    let shown = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            write_atomically(path, &whole_text(show, path)?)?;
            return Ok(Saved::Created);
        }
        Err(source) => {
            return Err(SaveError::Read {
                path: shown,
                source,
            });
        }
    };
    let on_disk = parse_show(&text, &shown, None).map_err(|errors| SaveError::Broken {
        at: errors.0.first().map_or_else(
            || shown.clone(),
            |e| format!("{}:{}:{}", e.path, e.line, e.col),
        ),
        errors,
    })?;
    if on_disk.looks == show.looks && on_disk.lists == show.lists {
        return Ok(Saved::Unchanged);
    }
    let expected = ShowFile {
        looks: show.looks.clone(),
        lists: show.lists.clone(),
        ..on_disk.clone()
    };
    // A patch that does not read back as the show (a layout not understood) is not written;
    // the whole show is, with the user's text kept beside it.
    let patched = patch_looks(&text, &on_disk.looks, &expected.looks)
        .and_then(|t| patch_lists(&t, &on_disk.lists, &expected.lists));
    match patched {
        Some(patched) if check(&patched, &expected, path).is_ok() => {
            write_atomically(path, &patched)?;
            Ok(Saved::Patched)
        }
        _ => rewrite(&expected, path, &text),
    }
}

/// Writes `show` whole, keeping `original` (the file's text) as `<name>.bak` first.
fn rewrite(show: &ShowFile, path: &Path, original: &str) -> Result<Saved, SaveError> {
    let text = whole_text(show, path)?;
    let backup = beside(path, |name| format!("{name}.bak"));
    write_atomically(&backup, original)?;
    write_atomically(path, &text)?;
    Ok(Saved::Rewritten { backup })
}

/// `show` as a whole file, checked to read back as it.
fn whole_text(show: &ShowFile, path: &Path) -> Result<String, SaveError> {
    let body = show.to_ron().map_err(|e| SaveError::Verify {
        path: path.display().to_string(),
        detail: e.to_string(),
    })?;
    let text =
        format!("// Written by backlot (looks and cues saved from the Cues panel).\n{body}\n");
    check(&text, show, path)?;
    Ok(text)
}

/// `text` must parse to `expected` (where things stand in the text aside).
fn check(text: &str, expected: &ShowFile, path: &Path) -> Result<(), SaveError> {
    let shown = path.display().to_string();
    let detail = match parse_show(text, &shown, None) {
        Ok(parsed) if same_show(&parsed, expected) => return Ok(()),
        Ok(_) => "it reads back as a different show".to_string(),
        Err(e) => e.to_string(),
    };
    Err(SaveError::Verify {
        path: shown,
        detail,
    })
}

/// The same show, wherever its parts stand in its text.
pub(crate) fn same_show(a: &ShowFile, b: &ShowFile) -> bool {
    let bare = |f: &ShowFile| ShowFile {
        positions: Positions::default(),
        ..f.clone()
    };
    bare(a) == bare(b)
}

/// The shared atomic write ([`backlot_files::save::write_atomically`]): a crash never leaves
/// a half-written show. On any failure the temp file is removed and the file is as it was.
pub(crate) fn write_atomically(path: &Path, text: &str) -> Result<(), SaveError> {
    backlot_files::save::write_atomically(path, text.as_bytes()).map_err(|source| {
        SaveError::Write {
            path: path.display().to_string(),
            source,
        }
    })
}
