//! Stage files, Bevy-free: types, parsing and validation with positions, LED pixel
//! geometry, off-axis projection and output mapping.

mod cameras;
mod cube_lut;
mod geometry;
mod grades;
mod kooima;
mod lens;
mod lut_bake;
mod mapping;
mod ocio;
mod outputs;
mod parse;
mod sections;
mod stage_file;
mod tracking;

pub use cube_lut::{
    Cube1d, Cube3d, CubeDomain, CubeFile, CubeLut, CubeLutError, MAX_CUBE_1D_SIZE, MAX_CUBE_3D_SIZE,
};
pub use geometry::{SectionGeometry, camera_rotation, nearest_led_distance};
pub use kooima::{FrustumExtents, off_axis_extents, off_axis_projection};
pub use lens::{
    Distortion, FocusPoint, LensState, ZoomPoint, evaluate_table, focal_from_hfov, hfov_from_focal,
    interpolate,
};
pub use lut_bake::BAKE_SIZE;
pub use mapping::{OutputMap, rotated_size};
pub use parse::{parse_stage, parse_stage_file};

// The file's data, by topic.
pub use cameras::*;
pub use grades::*;
pub use ocio::*;
pub use outputs::*;
pub use sections::*;
pub use stage_file::*;
pub use tracking::*;

#[cfg(test)]
mod finite_tests;
#[cfg(test)]
mod grade_tests;
#[cfg(test)]
mod tests;
