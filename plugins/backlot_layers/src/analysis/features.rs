//! Per-hop features of a mono stream.

use std::collections::VecDeque;
use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};

use super::BeatTracker;

/// Bands between 40 Hz and 16 kHz, log-spaced.
pub const BANDS: usize = 8;
const LOW_HZ: f32 = 40.0;
const HIGH_HZ: f32 = 16_000.0;
/// Samples between analyses.
pub const HOP: usize = 256;
/// Band analysis frame (fine frequency resolution).
const BAND_FRAME: usize = 4096;
/// Onset analysis frame (fine time resolution).
const FLUX_FRAME: usize = 1024;
/// Samples in the level (RMS) window.
const RMS_WINDOW: usize = 2048;

/// Edges of band `i` in Hz.
pub fn band_edges(i: usize) -> (f32, f32) {
    let r = (HIGH_HZ / LOW_HZ).powf(1.0 / BANDS as f32);
    (LOW_HZ * r.powi(i as i32), LOW_HZ * r.powi(i as i32 + 1))
}

/// Geometric centre of band `i` in Hz.
pub fn band_centre(i: usize) -> f32 {
    let (a, b) = band_edges(i);
    (a * b).sqrt()
}

/// What the analysis says now.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Features {
    /// RMS over the last 2048 samples, 0..1 (full scale sine ≈ 0.707).
    pub rms: f32,
    /// Band energies in dBFS (−120 floor).
    pub bands_db: [f32; BANDS],
    /// Band levels 0..1 (−60 dBFS → 0, 0 dBFS → 1).
    pub bands: [f32; BANDS],
    /// Spectral flux of the last hop (onset strength).
    pub flux: f32,
    /// Seconds of the most recent onset (stream time).
    pub last_onset: Option<f64>,
    /// Tempo estimate.
    pub bpm: Option<f32>,
    /// Beat phase 0..1 (0 on the beat).
    pub beat_phase: f32,
    /// Stream time of the analysis, seconds.
    pub time: f64,
}

fn hann(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / n as f32).cos())
        .collect()
}

/// A streaming analyser.
pub struct Analyzer {
    rate: f32,
    buf: VecDeque<f32>,
    pending: usize,
    samples: u64,
    band_fft: Arc<dyn RealToComplex<f32>>,
    flux_fft: Arc<dyn RealToComplex<f32>>,
    band_window: Vec<f32>,
    flux_window: Vec<f32>,
    scratch_in: Vec<f32>,
    prev_mag: Vec<f32>,
    flux_history: VecDeque<f32>,
    candidate: Option<(f32, f64)>,
    /// Every onset time detected so far (stream seconds), newest last; bounded.
    pub onsets: VecDeque<f64>,
    /// Latest features.
    pub now: Features,
    beat: BeatTracker,
}

impl Analyzer {
    /// A fresh analyser at `rate` Hz.
    pub fn new(rate: u32) -> Self {
        let mut planner = RealFftPlanner::<f32>::new();
        Self {
            rate: rate as f32,
            buf: VecDeque::with_capacity(BAND_FRAME + HOP),
            pending: 0,
            samples: 0,
            band_fft: planner.plan_fft_forward(BAND_FRAME),
            flux_fft: planner.plan_fft_forward(FLUX_FRAME),
            band_window: hann(BAND_FRAME),
            flux_window: hann(FLUX_FRAME),
            scratch_in: vec![0.0; BAND_FRAME],
            prev_mag: vec![0.0; FLUX_FRAME / 2 + 1],
            flux_history: VecDeque::new(),
            candidate: None,
            onsets: VecDeque::new(),
            now: Features::default(),
            beat: BeatTracker::new(rate as f64 / HOP as f64),
        }
    }

    /// Sample rate.
    pub fn rate(&self) -> f32 {
        self.rate
    }

    /// Feeds mono samples; analyses every hop.
    pub fn push(&mut self, samples: &[f32]) {
        for s in samples {
            self.buf.push_back(if s.is_finite() { *s } else { 0.0 });
            if self.buf.len() > BAND_FRAME {
                self.buf.pop_front();
            }
            self.samples += 1;
            self.pending += 1;
            if self.pending >= HOP {
                self.pending = 0;
                self.hop();
            }
        }
    }

    fn spectrum(&mut self, len: usize, band: bool) -> Vec<f32> {
        let n = self.buf.len();
        let (fft, window) = if band {
            (self.band_fft.clone(), &self.band_window)
        } else {
            (self.flux_fft.clone(), &self.flux_window)
        };
        let input = &mut self.scratch_in[..len];
        for (i, x) in input.iter_mut().enumerate() {
            // Zero-padded at the start until the buffer fills.
            let k = (n + i).checked_sub(len);
            *x = k.and_then(|k| self.buf.get(k)).copied().unwrap_or(0.0) * window[i];
        }
        let mut out = fft.make_output_vec();
        if fft.process(input, &mut out).is_err() {
            return vec![0.0; len / 2 + 1];
        }
        // Amplitude normalised so a full-scale sine peaks near 1.
        let norm = 4.0 / len as f32;
        out.iter().map(|c| c.norm() * norm).collect()
    }

    fn hop(&mut self) {
        let time = self.samples as f64 / f64::from(self.rate);
        // Level over the last ~43 ms: a VU-like window that still follows the beat.
        let n = self.buf.len().clamp(1, RMS_WINDOW);
        let rms = (self.buf.iter().rev().take(n).map(|s| s * s).sum::<f32>() / n as f32).sqrt();
        let bands = self.spectrum(BAND_FRAME, true);
        let bin_hz = self.rate / BAND_FRAME as f32;
        let mut bands_db = [-120.0f32; BANDS];
        for (i, db) in bands_db.iter_mut().enumerate() {
            let (lo, hi) = band_edges(i);
            let energy: f32 = bands
                .iter()
                .enumerate()
                .filter(|(k, _)| {
                    let f = *k as f32 * bin_hz;
                    f >= lo && f < hi
                })
                .map(|(_, m)| m * m)
                .sum();
            // Hann's energy gain (3/8) puts a full-scale sine near 0 dB.
            *db = (10.0 * (energy / 0.375 * 0.25).max(1e-12).log10()).max(-120.0);
        }
        let mags = self.spectrum(FLUX_FRAME, false);
        let flux: f32 = mags
            .iter()
            .zip(&self.prev_mag)
            .map(|(m, p)| ((m + 1e-6).ln() - (p + 1e-6).ln()).max(0.0) * m.sqrt())
            .sum();
        self.prev_mag = mags;
        // Onset: a local maximum of flux above an adaptive threshold, at least 50 ms apart.
        let mean = if self.flux_history.is_empty() {
            0.0
        } else {
            self.flux_history.iter().sum::<f32>() / self.flux_history.len() as f32
        };
        let threshold = mean * 1.5 + 0.05;
        // The flux of a 1024 window peaks when a transient is a quarter frame in.
        let at = time - (FLUX_FRAME as f64 / 4.0) / f64::from(self.rate);
        match self.candidate {
            Some((f, t)) if flux < f => {
                if self.onsets.back().is_none_or(|last| t - last > 0.05) {
                    self.onsets.push_back(t);
                    if self.onsets.len() > 512 {
                        self.onsets.pop_front();
                    }
                    self.now.last_onset = Some(t);
                }
                self.candidate = None;
            }
            _ if flux > threshold && self.candidate.is_none_or(|(f, _)| flux >= f) => {
                self.candidate = Some((flux, at));
            }
            _ => {}
        }
        self.flux_history.push_back(flux);
        if self.flux_history.len() > 40 {
            self.flux_history.pop_front();
        }
        self.beat.push(flux, time);
        self.now.rms = rms;
        self.now.bands_db = bands_db;
        self.now.bands = bands_db.map(|db| ((db + 60.0) / 60.0).clamp(0.0, 1.0));
        self.now.flux = flux;
        self.now.time = time;
        self.now.bpm = self.beat.bpm();
        self.now.beat_phase = self.beat.phase(time);
    }
}
