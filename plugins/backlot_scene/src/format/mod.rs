//! The `*.scene.ron` format, Bevy-free: types, parsing with positions, validation and the
//! parameters a scene declares. Everything here is plain data, testable without an App.

mod checked;
mod color;
mod error;
mod params;
mod parse;
mod types;

pub use checked::{AssetRef, EntityName, NonNegative, Positive, UnitInterval};
pub use color::ColorDef;
pub use error::{SceneError, SceneErrors};
pub use params::{ParamTarget, scene_param_specs};
pub use parse::{parse_scene, parse_scene_file};
pub use types::*;

#[cfg(test)]
mod tests;
