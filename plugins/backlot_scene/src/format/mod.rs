//! The `*.scene.ron` format, Bevy-free: types, parsing with positions, validation and the
//! parameters a scene declares. The positioned RON parsing and checked value types are
//! shared with the other file formats (stages). Everything here is plain data, testable without an App.

mod checked;
mod color;
mod error;
mod params;
mod parse;
mod types;

pub use checked::{AssetRef, EntityName, NonNegative, Positive, UnitInterval};
pub use color::{ColorDef, kelvin_to_srgb};
pub use error::{FileError, FileErrors};
pub use params::{ParamTarget, scene_param_specs};
pub use parse::{
    Problems, find_after, find_name, line_col, parse_ron, parse_scene, parse_scene_file,
    read_source,
};
pub use types::*;

#[cfg(test)]
mod tests;
