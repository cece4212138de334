//! Show files (`*.show.ron`, see `docs/show.md`): the scene, stage, control map and layer
//! set a show runs (paths relative to the show file), its looks and its cue lists. Parsed
//! with a position on every problem.

pub(crate) mod layout;
mod parse;
mod types;

use std::path::Path;

use backlot_files::{FileErrors, FileKind};
use bevy::reflect::TypePath;

pub use parse::{MAX_CUES, check_paths, check_show, parse_show, parse_timecode};
pub use types::{CueDef, CueListDef, Positions, ShowFile};

/// Show files; they reference no assets.
#[derive(TypePath, Debug, Clone, Copy)]
pub struct ShowKind;

impl FileKind for ShowKind {
    const NOUN: &'static str = "show";
    const EXTENSION: &'static str = "show.ron";
    const SOURCE: &'static str = "backlot-show";
    type Content = ShowFile;

    fn parse(text: &str, shown: &str, asset_root: Option<&Path>) -> Result<ShowFile, FileErrors> {
        parse_show(text, shown, asset_root)
    }
}

#[cfg(test)]
mod tests;
