//! Audio in: a WAV file played in step with scene time (looped), or a live input through
//! cpal. Either way the analyser gets mono samples; no device → one clear log line.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};

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
    /// A live stream filling a queue.
    Live {
        /// Kept alive while running.
        _stream: cpal::Stream,
        /// Samples waiting.
        queue: Arc<Mutex<VecDeque<f32>>>,
        /// Rate.
        rate: u32,
    },
}

// cpal's stream is tied to its thread on some platforms; the source stays on the main
// thread (a non-send resource).

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
    /// Opens the default input (or one whose name contains `device`).
    pub fn live(device: Option<&str>) -> Result<Self, String> {
        let host = cpal::default_host();
        let dev = match device {
            Some(name) => host
                .input_devices()
                .map_err(|e| e.to_string())?
                .find(|d| {
                    d.description()
                        .map(|n| n.to_string().contains(name))
                        .unwrap_or(false)
                })
                .ok_or_else(|| format!("no audio input named like `{name}`"))?,
            None => host.default_input_device().ok_or("no audio input device")?,
        };
        let config = dev.default_input_config().map_err(|e| e.to_string())?;
        let rate = config.sample_rate();
        let channels = usize::from(config.channels().max(1));
        let queue: Arc<Mutex<VecDeque<f32>>> = Arc::default();
        let sink = queue.clone();
        let stream = dev
            .build_input_stream(
                &config.into(),
                move |data: &[f32], _| {
                    let mut q = sink.lock().unwrap_or_else(|e| e.into_inner());
                    for frame in data.chunks(channels) {
                        q.push_back(frame.iter().sum::<f32>() / channels as f32);
                    }
                    // At most two seconds waiting: a stalled app drops the oldest.
                    let excess = q.len().saturating_sub(rate as usize * 2);
                    q.drain(..excess);
                },
                |e| tracing::warn!("audio input: {e}"),
                None,
            )
            .map_err(|e| e.to_string())?;
        stream.play().map_err(|e| e.to_string())?;
        Ok(AudioSource::Live {
            _stream: stream,
            queue,
            rate,
        })
    }

    /// Sample rate.
    pub fn rate(&self) -> u32 {
        match self {
            AudioSource::File { rate, .. } | AudioSource::Live { rate, .. } => *rate,
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
        }
    }
}
