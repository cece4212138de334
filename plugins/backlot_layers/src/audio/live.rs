//! A live input on a thread of its own: listing devices and building the cpal stream can
//! take a while (a sound server that is slow to answer, a USB device waking), so the frame
//! never waits for it. The thread owns the stream (tied to its thread on some platforms)
//! and keeps it playing until the source is dropped; cpal's callbacks fill a queue the
//! frame drains.

use std::collections::VecDeque;
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};

use super::{AudioSource, push_mono};
use crate::background::panic_text;

/// Samples waiting for the frame.
pub(crate) type Queue = Arc<Mutex<VecDeque<f32>>>;
/// Why the stream stopped (set by cpal's error callback), until taken.
pub(crate) type Fault = Arc<Mutex<Option<String>>>;
/// An opened input: what keeps it playing (the stream), and its sample rate.
pub(crate) type Opened<K> = Result<(K, u32), String>;

/// A live input being opened off the frame.
pub struct LiveOpening {
    /// The thread's one word: the rate once open, or why it could not open.
    word: Receiver<Result<u32, String>>,
    input: LiveInput,
    queue: Queue,
    fault: Fault,
}

/// The thread keeping an open input's stream alive. Dropping it lets the thread drop the
/// stream and end, without waiting for it: a driver closing its stream must not hold the
/// frame.
#[derive(Default)]
pub struct LiveInput {
    /// Dropped, it tells the thread to stop.
    _stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl LiveInput {
    /// Why the thread ended while the input was wanted (it only ends by itself on a panic).
    pub(crate) fn ended(&self) -> Option<String> {
        self.thread
            .as_ref()
            .is_some_and(JoinHandle::is_finished)
            .then(|| "the audio input thread ended".to_string())
    }
}

/// Runs `open` on a thread that then keeps what it returned (the stream) until the source
/// is dropped. Fails only when no thread can start.
pub(crate) fn spawn<K, F>(open: F) -> Result<LiveOpening, String>
where
    K: 'static,
    F: FnOnce(Queue, Fault) -> Opened<K> + Send + 'static,
{
    let queue: Queue = Arc::default();
    let fault: Fault = Arc::default();
    let (q, f) = (queue.clone(), fault.clone());
    let (tell, word) = mpsc::sync_channel::<Result<u32, String>>(1);
    let (stop, stopped) = mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("backlot-audio-in".into())
        .spawn(move || {
            let (keep, rate) = match open(q, f) {
                Ok(opened) => opened,
                Err(e) => {
                    let _ = tell.send(Err(e));
                    return;
                }
            };
            // Nobody waiting (the set changed meanwhile): the stream goes at once.
            if tell.send(Ok(rate)).is_ok() {
                // Plays until the source is dropped (its sender with it).
                let _ = stopped.recv();
            }
            drop(keep);
        })
        .map_err(|e| format!("cannot start the audio input thread: {e}"))?;
    Ok(LiveOpening {
        word,
        input: LiveInput {
            _stop: Some(stop),
            thread: Some(thread),
        },
        queue,
        fault,
    })
}

impl LiveOpening {
    /// The source once open, or why it could not open; `None` while it is still opening.
    /// Never waits.
    pub fn poll(&mut self) -> Option<Result<AudioSource, String>> {
        match self.word.try_recv() {
            Ok(Ok(rate)) => Some(Ok(AudioSource::Live {
                _input: std::mem::take(&mut self.input),
                queue: self.queue.clone(),
                rate,
                fault: self.fault.clone(),
            })),
            // The thread ends right after saying so.
            Ok(Err(e)) => Some(Err(e)),
            Err(TryRecvError::Empty) => None,
            // Gone without a word: a panic while opening.
            Err(TryRecvError::Disconnected) => {
                let thread = self.input.thread.take()?;
                if !thread.is_finished() {
                    self.input.thread = Some(thread);
                    return None;
                }
                Some(Err(match thread.join() {
                    Ok(()) => "the audio input thread ended".into(),
                    Err(p) => format!("the audio input thread panicked: {}", panic_text(&*p)),
                }))
            }
        }
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
    queue: Queue,
    fault: Fault,
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

/// Opens the default input (or one whose name contains `device`) and starts it playing
/// into `queue`. Runs on the input's own thread.
pub(crate) fn open_device(
    device: Option<&str>,
    queue: Queue,
    fault: Fault,
) -> Opened<cpal::Stream> {
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
    let stream = match format {
        SampleFormat::I8 => build_stream::<i8>(&dev, &config, queue, fault),
        SampleFormat::I16 => build_stream::<i16>(&dev, &config, queue, fault),
        SampleFormat::I24 => build_stream::<cpal::I24>(&dev, &config, queue, fault),
        SampleFormat::I32 => build_stream::<i32>(&dev, &config, queue, fault),
        SampleFormat::U8 => build_stream::<u8>(&dev, &config, queue, fault),
        SampleFormat::U16 => build_stream::<u16>(&dev, &config, queue, fault),
        SampleFormat::F32 => build_stream::<f32>(&dev, &config, queue, fault),
        SampleFormat::F64 => build_stream::<f64>(&dev, &config, queue, fault),
        other => Err(format!(
            "the input's sample format {other:?} is not supported"
        )),
    }?;
    stream.play().map_err(|e| e.to_string())?;
    tracing::info!("audio input: {format:?}, {} channels", config.channels);
    Ok((stream, rate))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    use super::*;

    /// Polls `f` until it gives a value, at most 3 s (threads answer at their own pace).
    fn poll<T>(mut f: impl FnMut() -> Option<T>) -> T {
        let start = Instant::now();
        loop {
            if let Some(v) = f() {
                return v;
            }
            assert!(start.elapsed() < Duration::from_secs(3), "timed out");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Stands for a stream: notes when it is dropped.
    struct Stream(Arc<AtomicBool>);

    impl Drop for Stream {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_slow_open_never_holds_the_frame_and_the_stream_lives_until_the_source_goes() {
        let closed = Arc::new(AtomicBool::new(false));
        let flag = closed.clone();
        let (go, gate) = mpsc::channel::<()>();
        let mut opening = spawn(move |queue: Queue, _: Fault| {
            // A device that takes its time to list and open.
            let _ = gate.recv();
            queue.lock().expect("not poisoned").extend([0.25, -0.25]);
            Ok((Stream(flag), 48_000))
        })
        .expect("the thread starts");
        assert!(opening.poll().is_none(), "still opening");
        go.send(()).expect("the thread waits");
        let Ok(mut source) = poll(|| opening.poll()) else {
            panic!("the input opens");
        };
        assert_eq!(source.rate(), 48_000);
        assert_eq!(source.take(0.0), vec![0.25, -0.25]);
        assert!(source.take_fault().is_none());
        assert!(
            !closed.load(Ordering::SeqCst),
            "kept while the source lives"
        );
        drop(source);
        poll(|| closed.load(Ordering::SeqCst).then_some(()));
    }

    #[test]
    fn a_failed_or_panicking_open_is_reported() {
        let mut failed =
            spawn(|_: Queue, _: Fault| -> Opened<()> { Err("no audio input device".into()) })
                .expect("the thread starts");
        let e = poll(|| failed.poll()).err().expect("not opened");
        assert_eq!(e, "no audio input device");
        let mut panicked = spawn(|_: Queue, _: Fault| -> Opened<()> { panic!("driver exploded") })
            .expect("the thread starts");
        let e = poll(|| panicked.poll()).err().expect("not opened");
        assert!(e.contains("panicked: driver exploded"), "{e}");
    }
}
