//! The one error type: what went wrong, and in which file (and line) when a file is to blame.

use std::fmt;
use std::path::{Path, PathBuf};

/// Why calibration stopped. Displayed as `path:line: message`, `path: message` or `message`.
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrateError {
    /// The file at fault, if one is.
    pub path: Option<PathBuf>,
    /// 1-based line in that file, for text files.
    pub line: Option<usize>,
    /// What is wrong, and what to do about it when that is known.
    pub message: String,
}

impl CalibrateError {
    /// An error about a whole file.
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        Self {
            path: Some(path.to_path_buf()),
            line: None,
            message: message.into(),
        }
    }

    /// An error at a line of a text file.
    pub fn at_line(path: &Path, line: usize, message: impl Into<String>) -> Self {
        Self {
            path: Some(path.to_path_buf()),
            line: Some(line),
            message: message.into(),
        }
    }

    /// An error no single file is to blame for.
    pub fn other(message: impl Into<String>) -> Self {
        Self {
            path: None,
            line: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for CalibrateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, self.line) {
            (Some(path), Some(line)) => write!(f, "{}:{line}: {}", path.display(), self.message),
            (Some(path), None) => write!(f, "{}: {}", path.display(), self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for CalibrateError {}
