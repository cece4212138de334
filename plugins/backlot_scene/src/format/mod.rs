//! The `*.scene.ron` format, Bevy-free: types, parsing with positions, validation and the
//! parameters a scene declares. The positioned RON parsing and checked value types are
//! shared with the other file formats (stages). Everything here is plain data, testable without an App.

mod animation;
mod color;
mod entities;
mod environment;
mod lights;
mod params;
mod parse;
mod physics;
mod scene_file;

// The positioned parsing and checked values are `backlot_files`'; re-exported for the
// paths other crates already use.
pub use backlot_files::{
    AssetRef, EntityName, FileError, FileErrors, NonNegative, Positive, Problems, UnitInterval,
    find_after, find_name, line_col, parse_ron, read_source,
};
pub use color::{ColorDef, kelvin_to_srgb};
pub use params::{ParamTarget, scene_param_specs};
pub use parse::{parse_scene, parse_scene_file};

// The file's data, by topic.
pub use animation::*;
pub use entities::*;
pub use environment::*;
pub use lights::*;
pub use physics::*;
pub use scene_file::*;

#[cfg(test)]
mod finite_tests;
#[cfg(test)]
mod tests;
