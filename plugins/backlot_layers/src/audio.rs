//! Audio in: a WAV file played in step with scene time (looped), or a live input through
//! cpal in whatever sample format the device gives (converted to f32 in the callback).
//! Either way the analyser gets mono samples; no device → one clear log line; a device that
//! goes away is reported through [`AudioSource::take_fault`].

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, Sample, SampleFormat, SizedSample};

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

/// Sample formats live input takes (DSD, 64-bit and unsigned 24/32-bit are refused clearly).
fn handled(format: SampleFormat) -> bool {
    matches!(
        format,
        SampleFormat::I8
            | SampleFormat::I16
            | SampleFormat::I24
            | SampleFormat::I32
            | SampleFormat::U8
            | SampleFormat::U16
            | SampleFormat::F32
            | SampleFormat::F64
    )
}

/// The device's default input config, or, when that is missing or in a format not handled,
/// its first supported config in a handled format (at its highest rate).
fn input_config(dev: &cpal::Device) -> Result<cpal::SupportedStreamConfig, String> {
    let default = dev.default_input_config().map_err(|e| e.to_string());
    if default.as_ref().is_ok_and(|c| handled(c.sample_format())) {
        return default;
    }
    let fallback = dev
        .supported_input_configs()
        .map_err(|e| e.to_string())?
        .find(|c| handled(c.sample_format()))
        .map(cpal::SupportedStreamConfigRange::with_max_sample_rate);
    match (fallback, default) {
        (Some(c), _) => Ok(c),
        (None, Ok(c)) => Err(format!(
            "the input's sample format {:?} is not supported",
            c.sample_format()
        )),
        (None, Err(e)) => Err(e),
    }
}

/// Builds the input stream for samples of type `T`, converting to mono f32 as they arrive.
fn build_stream<T>(
    dev: &cpal::Device,
    config: &cpal::StreamConfig,
    queue: Arc<Mutex<VecDeque<f32>>>,
    fault: Arc<Mutex<Option<String>>>,
) -> Result<cpal::Stream, String>
where
    T: SizedSample + Send + 'static,
    f32: FromSample<T>,
{
    let channels = usize::from(config.channels.max(1));
    let rate = config.sample_rate;
    dev.build_input_stream(
        config,
        move |data: &[T], _: &cpal::InputCallbackInfo| {
            let mut q = queue.lock().unwrap_or_else(|e| e.into_inner());
            push_mono(data, channels, &mut q);
            // At most two seconds waiting: a stalled app drops the oldest.
            let excess = q.len().saturating_sub(rate as usize * 2);
            q.drain(..excess);
        },
        move |e: cpal::StreamError| {
            // A glitch is only logged; anything else ends the stream and is reported.
            if matches!(e, cpal::StreamError::BufferUnderrun) {
                tracing::debug!("audio input: {e}");
            } else {
                tracing::warn!("audio input: {e}");
                *fault.lock().unwrap_or_else(|p| p.into_inner()) = Some(e.to_string());
            }
        },
        None,
    )
    .map_err(|e| e.to_string())
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
        let supported = input_config(&dev)?;
        let format = supported.sample_format();
        let config: cpal::StreamConfig = supported.into();
        let rate = config.sample_rate;
        let queue: Arc<Mutex<VecDeque<f32>>> = Arc::default();
        let fault: Arc<Mutex<Option<String>>> = Arc::default();
        let (q, f) = (queue.clone(), fault.clone());
        let stream = match format {
            SampleFormat::I8 => build_stream::<i8>(&dev, &config, q, f),
            SampleFormat::I16 => build_stream::<i16>(&dev, &config, q, f),
            SampleFormat::I24 => build_stream::<cpal::I24>(&dev, &config, q, f),
            SampleFormat::I32 => build_stream::<i32>(&dev, &config, q, f),
            SampleFormat::U8 => build_stream::<u8>(&dev, &config, q, f),
            SampleFormat::U16 => build_stream::<u16>(&dev, &config, q, f),
            SampleFormat::F32 => build_stream::<f32>(&dev, &config, q, f),
            SampleFormat::F64 => build_stream::<f64>(&dev, &config, q, f),
            other => Err(format!(
                "the input's sample format {other:?} is not supported"
            )),
        }?;
        stream.play().map_err(|e| e.to_string())?;
        tracing::info!("audio input: {format:?}, {} channels", config.channels);
        Ok(AudioSource::Live {
            _stream: stream,
            queue,
            rate,
            fault,
        })
    }

    /// Why a live stream stopped (device unplugged, stream invalidated), once.
    pub fn take_fault(&self) -> Option<String> {
        match self {
            AudioSource::Live { fault, .. } => {
                fault.lock().unwrap_or_else(|e| e.into_inner()).take()
            }
            AudioSource::File { .. } => None,
        }
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
