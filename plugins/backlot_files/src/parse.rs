//! Text → typed file content, every problem with the line and column of its token.

use std::path::Path;

use ron::extensions::Extensions;

use crate::checked::{CONTEXT, ParseContext};
use crate::error::{FileError, FileErrors};
use crate::finite::{non_finite_message, non_finite_numbers};
use crate::position::{line_col, token_at};

/// Parses any backlot RON file type with positions on every error. Names ([`EntityName`])
/// must be unique across the file; [`AssetRef`]s must exist under `asset_root` when given.
/// Every number must be finite: NaN, infinity and literals beyond f32 are refused, each at
/// its own position, before anything else is read.
///
/// [`EntityName`]: super::EntityName
/// [`AssetRef`]: super::AssetRef
pub fn parse_ron<T: serde::de::DeserializeOwned>(
    src: &str,
    path: &str,
    asset_root: Option<&Path>,
) -> Result<T, FileErrors> {
    let non_finite: Vec<FileError> = non_finite_numbers(src)
        .into_iter()
        .map(|(offset, text)| {
            let (line, col) = line_col(src, offset);
            FileError {
                path: path.to_string(),
                line,
                col,
                message: non_finite_message(text),
            }
        })
        .collect();
    if !non_finite.is_empty() {
        return Err(FileErrors(non_finite));
    }
    let options = ron::Options::default().with_default_extension(Extensions::IMPLICIT_SOME);
    CONTEXT.with(|ctx| {
        *ctx.borrow_mut() = Some(ParseContext {
            asset_root: asset_root.map(Path::to_path_buf),
            ..Default::default()
        })
    });
    let parsed = options.from_str::<T>(src);
    CONTEXT.with(|ctx| *ctx.borrow_mut() = None);
    parsed.map_err(|e| {
        let (line, col) = token_at(src, e.span.start.line, e.span.start.col);
        FileErrors(vec![FileError {
            path: path.to_string(),
            line,
            col,
            message: e.code.to_string(),
        }])
    })
}

/// Reads a backlot file from disk as text; also returns its path as shown in messages.
pub fn read_source(path: &Path) -> Result<(String, String), FileErrors> {
    let shown = path.display().to_string();
    let src = std::fs::read_to_string(path)
        .map_err(|e| FileError::whole_file(&shown, format!("cannot read file: {e}")))?;
    Ok((src, shown))
}

/// Problems found by a file's own checks, each at its line and column.
pub struct Problems<'a> {
    src: &'a str,
    path: &'a str,
    /// What was found so far.
    pub list: Vec<FileError>,
}

impl<'a> Problems<'a> {
    /// For the text of `path`.
    pub fn new(src: &'a str, path: &'a str) -> Self {
        Self {
            src,
            path,
            list: Vec::new(),
        }
    }

    /// A problem at a byte offset of the text.
    pub fn report(&mut self, offset: usize, message: String) {
        let (line, col) = line_col(self.src, offset);
        self.list.push(FileError {
            path: self.path.to_string(),
            line,
            col,
            message,
        });
    }

    /// `value` when nothing was found, else every problem.
    pub fn into_result<T>(self, value: T) -> Result<T, FileErrors> {
        if self.list.is_empty() {
            Ok(value)
        } else {
            Err(FileErrors(self.list))
        }
    }
}
