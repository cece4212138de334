//! Audio in: a WAV file played in step with scene time (looped), or a live input through
//! cpal in whatever sample format the device gives (converted to f32 in the callback),
//! opened and kept on a thread of its own. Either way the analyser gets mono
//! samples; no device → one clear log line; a device that goes away is reported through
//! [`AudioSource::take_fault`].

mod live;

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};

use cpal::{FromSample, Sample};

pub use live::{LiveInput, LiveOpening};

/// Where samples come from.
pub enum AudioSource {
    /// A decoded file (mono) and the next sample to play.
    File {
        /// Samples.
        samples: Vec<f32>,
        /// Rate.
        rate: u32,
        /// Samples played so far (keeps counting across loops).
        played: u64,
    },
    /// A live input being opened off the frame: silent until [`LiveOpening::poll`] gives
    /// the open input.
    Opening(LiveOpening),
    /// A live stream filling a queue.
    Live {
        /// The thread keeping the stream playing while this lives.
        _input: LiveInput,
        /// Samples waiting.
        queue: Arc<Mutex<VecDeque<f32>>>,
        /// Rate.
        rate: u32,
        /// Why the stream stopped (set by cpal's error callback), until taken.
        fault: Arc<Mutex<Option<String>>>,
    },
}

/// Downmixes interleaved frames of any sample format to mono f32 onto `out` (full scale
/// → ±1.0: `i16::MIN` → -1.0, `i16::MAX` → 1 - 2⁻¹⁵, `u8` 128 → 0.0).
pub fn push_mono<T>(data: &[T], channels: usize, out: &mut VecDeque<f32>)
where
    T: Sample,
    f32: FromSample<T>,
{
    let channels = channels.max(1);
    for frame in data.chunks(channels) {
        let sum: f32 = frame.iter().map(|&s| s.to_sample::<f32>()).sum();
        out.push_back(sum / channels as f32);
    }
}

/// Reads a WAV file as mono f32.
pub fn read_wav(path: &Path) -> Result<(Vec<f32>, u32), String> {
    let shown = path.display();
    let mut r =
        hound::WavReader::open(path).map_err(|e| format!("{shown}: cannot read WAV: {e}"))?;
    let spec = r.spec();
    let channels = usize::from(spec.channels.max(1));
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().collect::<Result<_, _>>(),
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
            r.samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect::<Result<_, _>>()
        }
    }
    .map_err(|e| format!("{shown}: {e}"))?;
    let mono = interleaved
        .chunks(channels)
        .map(|c| c.iter().sum::<f32>() / channels as f32)
        .collect::<Vec<_>>();
    if mono.is_empty() {
        return Err(format!("{shown}: no samples"));
    }
    Ok((mono, spec.sample_rate))
}

impl AudioSource {
    /// Starts opening the default input (or one whose name contains `device`) on a thread
    /// of its own: an [`AudioSource::Opening`] until [`LiveOpening::poll`] gives the open
    /// input or why it could not open. Fails at once only when no thread can start.
    pub fn open_live(device: Option<&str>) -> Result<Self, String> {
        let device = device.map(str::to_string);
        live::spawn(move |queue, fault| live::open_device(device.as_deref(), queue, fault))
            .map(AudioSource::Opening)
    }

    /// Why a live stream stopped (device unplugged, stream invalidated, its thread gone),
    /// once.
    pub fn take_fault(&self) -> Option<String> {
        match self {
            AudioSource::Live {
                fault,
                _input: input,
                ..
            } => fault
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .or_else(|| input.ended()),
            AudioSource::File { .. } | AudioSource::Opening(_) => None,
        }
    }

    /// Sample rate (0 while a live input is opening).
    pub fn rate(&self) -> u32 {
        match self {
            AudioSource::File { rate, .. } | AudioSource::Live { rate, .. } => *rate,
            AudioSource::Opening(_) => 0,
        }
    }

    /// Samples due up to `seconds` of scene time (file), or everything captured (live).
    pub fn take(&mut self, seconds: f64) -> Vec<f32> {
        match self {
            AudioSource::File {
                samples,
                rate,
                played,
            } => {
                let due = (seconds.max(0.0) * f64::from(*rate)) as u64;
                // Never more than two seconds at once (after a stall, skip ahead).
                if due > *played + u64::from(*rate) * 2 {
                    *played = due - u64::from(*rate) * 2;
                }
                let n = samples.len() as u64;
                let out = (*played..due).map(|i| samples[(i % n) as usize]).collect();
                *played = due.max(*played);
                out
            }
            AudioSource::Live { queue, .. } => queue
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .drain(..)
                .collect(),
            AudioSource::Opening(_) => Vec::new(),
        }
    }
}
