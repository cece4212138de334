//! The LED volume: `*.stage.ron` files (wall sections with cabinet grids, processor
//! outputs, the outer eye, tracked cameras, per-output colour), the geometry of every LED
//! pixel, off-axis (Kooima) projection and the output pixel mapping.
//!
//! This first part is the Bevy-free [`format`] module that `backlot check` validates stage
//! files with; the rendering plugin (outer/inner frustum and the per-output warp) builds on it.

pub mod format;
