//! Audio analysis, Bevy-free: level (RMS), energy in 8 log-spaced bands, spectral-flux
//! onsets, and beat tracking (tempo by autocorrelation of the onset envelope, beat phase by
//! comb alignment).

mod beat;
mod features;

pub use beat::BeatTracker;
pub use features::{Analyzer, BANDS, Features, band_centre, band_edges};

#[cfg(test)]
mod tests;
