//! Errors in backlot's RON files (scenes, stages) carry the file, line and column they point at.

use std::fmt;

/// One problem in a RON file: `path:line:col: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// The file, as the user named it.
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// What is wrong, in the user's terms.
    pub message: String,
}

impl FileError {
    /// A problem with the file as a whole (unreadable, not UTF-8): reported at 1:1.
    pub fn whole_file(path: &str, message: String) -> FileErrors {
        FileErrors(vec![FileError {
            path: path.to_string(),
            line: 1,
            col: 1,
            message,
        }])
    }
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.path, self.line, self.col, self.message
        )
    }
}

impl std::error::Error for FileError {}

/// All problems found in one file (at least one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileErrors(pub Vec<FileError>);

impl fmt::Display for FileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FileErrors {}
