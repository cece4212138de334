//! Learned-model layers: an ONNX model run in-process by tract, off the render thread, at
//! its own rate. A model that fails to load or has the wrong shapes is reported and its
//! layers fall silent; the show goes on. The worker thread is supervised: an inference that
//! panics is reported, and the worker restarts with a growing wait (and after too many
//! failures in a row stays stopped, and says so).

use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{self, TryRecvError};
use std::time::Instant;

use backlot_net::backoff::Backoff;
use tract_onnx::prelude::*;

use crate::background::panic_text;

type Plan = std::sync::Arc<TypedRunnableModel>;

/// A loaded, shape-checked model.
pub struct Model {
    plan: Plan,
    inputs: usize,
    outputs: usize,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Model({} → {})", self.inputs, self.outputs)
    }
}

impl Model {
    /// Loads `path`, for a `[1, inputs]` f32 input, checking it gives `outputs` values.
    pub fn load(path: &Path, inputs: usize, outputs: usize) -> Result<Self, String> {
        let shown = path.display();
        let plan = tract_onnx::onnx()
            .model_for_path(path)
            .and_then(|m| m.with_input_fact(0, f32::fact([1, inputs]).into()))
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .map_err(|e| {
                format!("{shown}: cannot load as an ONNX model taking {inputs} features: {e}")
            })?;
        let model = Self {
            plan,
            inputs,
            outputs,
        };
        let probe = model
            .run_raw(&vec![0.0; inputs])
            .map_err(|e| format!("{shown}: {e}"))?;
        if probe.len() != outputs {
            return Err(format!(
                "{shown}: the model gives {} outputs; the layer file declares {outputs}",
                probe.len()
            ));
        }
        Ok(model)
    }

    fn run_raw(&self, features: &[f32]) -> Result<Vec<f32>, String> {
        let input = tract_ndarray::Array2::from_shape_vec((1, self.inputs), features.to_vec())
            .map_err(|e| e.to_string())?;
        let out = self
            .plan
            .run(tvec!(Tensor::from(input).into()))
            .map_err(|e| format!("inference failed: {e}"))?;
        let view = out
            .first()
            .ok_or("no output")?
            .to_plain_array_view::<f32>()
            .map_err(|e| e.to_string())?;
        Ok(view.iter().copied().collect())
    }

    /// Runs on one feature vector (wrong lengths are padded or cut; outputs are finite).
    pub fn run(&self, features: &[f32]) -> Result<Vec<f32>, String> {
        let mut f: Vec<f32> = features
            .iter()
            .map(|v| if v.is_finite() { *v } else { 0.0 })
            .collect();
        f.resize(self.inputs, 0.0);
        let out = self.run_raw(&f)?;
        Ok(out
            .into_iter()
            .map(|v| if v.is_finite() { v } else { 0.0 })
            .collect())
    }
}

/// One inference: features in, outputs out. A loaded [`Model`], or anything a test injects.
pub type Inference = Arc<dyn Fn(&[f32]) -> Result<Vec<f32>, String> + Send + Sync>;

/// Worker failures in a row (no good inference between) after which it stays stopped.
pub const MAX_RESTARTS: u32 = 5;

enum Reply {
    Done(Result<Vec<f32>, String>),
    /// The inference panicked; the thread has ended.
    Panicked(String),
}

/// The worker thread's two ends; the thread ends when `tx` is dropped.
struct Link {
    tx: mpsc::SyncSender<Vec<f32>>,
    rx: mpsc::Receiver<Reply>,
}

fn spawn(name: &str, infer: &Inference) -> std::io::Result<Link> {
    // One inference in flight at most, so one slot each way.
    let (tx, jobs) = mpsc::sync_channel::<Vec<f32>>(1);
    let (replies, rx) = mpsc::sync_channel::<Reply>(1);
    let infer = infer.clone();
    std::thread::Builder::new()
        .name(format!("backlot-model-{name}"))
        .spawn(move || {
            while let Ok(features) = jobs.recv() {
                let run = AssertUnwindSafe(|| infer(features.as_slice()));
                match std::panic::catch_unwind(run) {
                    Ok(r) => {
                        if replies.send(Reply::Done(r)).is_err() {
                            break;
                        }
                    }
                    Err(p) => {
                        // A fresh thread after a panic: nothing half-done carries over.
                        let _ = replies.send(Reply::Panicked(panic_text(&*p)));
                        break;
                    }
                }
            }
        })?;
    Ok(Link { tx, rx })
}

/// Runs a model on a thread of its own: features in, outputs out, never blocking a frame.
pub struct ModelWorker {
    name: String,
    infer: Inference,
    /// `None` while waiting to restart, or stopped for good.
    link: Option<Link>,
    in_flight: bool,
    restarts: u32,
    backoff: Backoff,
    restart_at: Option<Instant>,
    failed: Option<String>,
}

impl ModelWorker {
    /// Starts a worker for a loaded model.
    pub fn start(model: Model, name: &str) -> std::io::Result<Self> {
        let model = Arc::new(model);
        Self::with_inference(name, Arc::new(move |f: &[f32]| model.run(f)))
    }

    /// Starts a worker running `infer` (tests inject failing or panicking ones).
    pub fn with_inference(name: &str, infer: Inference) -> std::io::Result<Self> {
        let link = spawn(name, &infer)?;
        Ok(Self {
            name: name.to_string(),
            infer,
            link: Some(link),
            in_flight: false,
            restarts: 0,
            backoff: Backoff::default(),
            restart_at: None,
            failed: None,
        })
    }

    /// Queues an inference unless one is running (or the worker is restarting: the next
    /// request after the restart runs).
    pub fn request(&mut self, features: Vec<f32>) {
        if self.in_flight {
            return;
        }
        if let Some(l) = &self.link
            && l.tx.try_send(features).is_ok()
        {
            self.in_flight = true;
        }
    }

    /// The newest finished result, if any; also notices a dead worker (its inference comes
    /// back as an error) and restarts it once its wait is over.
    pub fn poll(&mut self) -> Option<Result<Vec<f32>, String>> {
        self.poll_at(Instant::now())
    }

    fn poll_at(&mut self, now: Instant) -> Option<Result<Vec<f32>, String>> {
        let mut last = None;
        let mut died = None;
        if let Some(l) = &self.link {
            loop {
                match l.rx.try_recv() {
                    Ok(Reply::Done(r)) => {
                        self.in_flight = false;
                        if r.is_ok() {
                            self.backoff.reset();
                        }
                        last = Some(r);
                    }
                    Ok(Reply::Panicked(p)) => {
                        died = Some(format!("inference panicked: {p}"));
                        break;
                    }
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        died = Some("the worker thread ended".to_string());
                        break;
                    }
                }
            }
        } else if self.failed.is_none() && self.restart_at.is_some_and(|at| now >= at) {
            match spawn(&self.name, &self.infer) {
                Ok(l) => {
                    self.link = Some(l);
                    self.restart_at = None;
                    self.restarts += 1;
                    tracing::info!(
                        "model `{}`: worker restarted (restart {})",
                        self.name,
                        self.restarts
                    );
                }
                Err(e) => died = Some(format!("cannot restart the worker: {e}")),
            }
        }
        match died {
            Some(why) => Some(Err(self.lost(&why, now))),
            None => last,
        }
    }

    /// The worker is gone: its inference is lost; it restarts after a wait, or stays
    /// stopped after [`MAX_RESTARTS`] failures in a row. Returns the error to show.
    fn lost(&mut self, why: &str, now: Instant) -> String {
        self.link = None;
        self.in_flight = false;
        let name = &self.name;
        if self.backoff.failures() >= MAX_RESTARTS {
            let text = format!(
                "model `{name}`: {why}; worker stopped after {} failures in a row",
                self.backoff.failures() + 1
            );
            tracing::error!("{text}");
            self.failed = Some(text.clone());
            return text;
        }
        let wait = self.backoff.failed();
        self.restart_at = Some(now + wait);
        tracing::error!(
            "model `{name}`: {why}; restarting the worker in {} ms",
            wait.as_millis()
        );
        format!("model `{name}`: {why}; worker restarting")
    }

    /// An inference is queued or running.
    pub fn in_flight(&self) -> bool {
        self.in_flight
    }

    /// Times the worker thread was started again after dying.
    pub fn restarts(&self) -> u32 {
        self.restarts
    }

    /// Why the worker stopped for good, if it did.
    pub fn failed(&self) -> Option<&str> {
        self.failed.as_deref()
    }
}
