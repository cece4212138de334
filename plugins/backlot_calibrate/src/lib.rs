//! Wall-to-camera colour calibration (see `docs/calibration.md`).
//!
//! What the camera records of an LED wall is not what the content says: LED primaries, the
//! processor's EOTF, the camera's spectral response and white balance all bend it. This
//! crate measures that bend from camera captures of known patches and writes the output LUT
//! that undoes it:
//!
//! - [`patches`]: the patch set (`patches.csv`: `id,r,g,b` signal values), which patches are
//!   held out from the fit;
//! - [`captures`]: reading `capture-<id>.exr|png|tiff`, the central quarter averaged, with
//!   errors naming the file;
//! - [`model`]: the wall + camera response (per-channel [`curve`]s, then a 3×3 matrix), its
//!   fit and inverse;
//! - [`lut`]: the `.cube` 3D LUT (written, and applied trilinearly as the stage's GPU does);
//! - [`solve`](mod@solve): patches + captures → model → LUT + [`report::Report`] (ΔE2000 before/after on
//!   held-out patches, out-of-gamut colours) + [`plot`];
//! - [`delta_e`]: CIEDE2000 from linear Rec.709;
//! - [`sim`]: a simulated wall and camera, for tests, benches and dry runs.
//!
//! A pure library without Bevy: the `backlot calibrate` command is its only caller in the
//! engine, and the stage reads the LUT it writes like any other.

pub mod captures;
pub mod curve;
pub mod delta_e;
mod error;
pub mod lut;
mod matrix;
pub mod model;
pub mod patches;
pub mod plot;
pub mod report;
pub mod sim;
pub mod solve;
pub mod transfer;

pub use captures::{CaptureFrame, read_capture, read_captures};
pub use curve::ResponseCurve;
pub use delta_e::{ciede2000, lab_from_linear};
pub use error::CalibrateError;
pub use lut::Lut3d;
pub use model::ResponseModel;
pub use patches::{Patch, generate_patches, held_out, parse_patches, read_patches, write_patches};
pub use report::Report;
pub use solve::{Solution, SolveOptions, solve, solve_records};
pub use transfer::Transfer;
