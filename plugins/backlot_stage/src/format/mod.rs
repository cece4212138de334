//! Stage files, Bevy-free: types, parsing and validation with positions, LED pixel
//! geometry, off-axis projection and output mapping.

mod cube_lut;
mod geometry;
mod kooima;
mod lens;
mod mapping;
mod parse;
mod types;

pub use cube_lut::{CubeLut, CubeLutError};
pub use geometry::{SectionGeometry, camera_rotation, nearest_led_distance};
pub use kooima::{FrustumExtents, off_axis_extents, off_axis_projection};
pub use lens::{
    Distortion, FocusPoint, LensState, ZoomPoint, evaluate_table, focal_from_hfov, hfov_from_focal,
    interpolate,
};
pub use mapping::{OutputMap, rotated_size};
pub use parse::{parse_stage, parse_stage_file};
pub use types::*;

#[cfg(test)]
mod tests;
