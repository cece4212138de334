//! backlot's file kinds: RON parsed with the position of every problem (`path:line:col`,
//! pointing at the offending token), values that check themselves while parsing, and one
//! generic hot-reloaded asset per kind that keeps the last good version and says what
//! happened as [`FileLoaded`] / [`FileFailed`] messages. Scenes, stages, control maps and
//! layer sets are kinds; so will show and cluster files be.

mod checked;
mod error;
mod finite;
mod kind;
mod parse;
mod position;
pub mod ron_scan;
pub mod save;
mod source;

pub use checked::{AssetRef, EntityName, NonNegative, Positive, UnitInterval};
pub use error::{FileError, FileErrors};
pub use finite::{non_finite_message, non_finite_numbers};
pub use kind::{
    FileAsset, FileFailed, FileKind, FileLoaded, FileLoader, FileNews, FilePlugin, WatchedFile,
    watch_file,
};
pub use parse::{Problems, parse_ron, read_source};
pub use position::{find_after, find_name, line_col, token_at};
pub use source::{
    FileSource, load_error_text, read_text, register_file, register_file_source,
    register_file_source_unwatched, register_file_unwatched,
};
