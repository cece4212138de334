//! Colour management for backlot, Bevy-free and with nothing of ours below it.
//!
//! A stage names an OpenColorIO config, the working colour space its content is rendered in
//! and, per output, the display/view (or colour space) whose signal the output sends. This
//! crate reads the part of OCIO v2 configs that the ACES CG and studio configs use for their
//! colorimetric views (colour spaces, roles, displays, shared views, view transforms, the
//! matrix / exponent / log / range transforms and the ACES and display built-ins), evaluates
//! the working → output transform exactly in `f64`, and bakes it into a 3D LUT the warp can
//! sample. Anything outside that subset is refused by name ([`ColourError::Unsupported`]):
//! the ACES 2 output transforms (tone-mapped views), LUT files, CDLs and looks among them.
//! `docs/colour.md` lists what is supported and how it was checked against PyOpenColorIO.

mod builtin;
mod config;
mod error;
mod lut;
mod ops;
mod processor;
mod transform;
mod yaml;

pub use config::{Config, MAX_CONFIG_BYTES};
pub use error::ColourError;
pub use lut::{Lut3d, MAX_LUT_SIZE, Shaper, trilinear};
pub use processor::Processor;
