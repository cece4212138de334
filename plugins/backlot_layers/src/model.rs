//! Learned-model layers: an ONNX model run in-process by tract, off the render thread, at
//! its own rate. A model that fails to load or has the wrong shapes is reported and its
//! layers fall silent; the show goes on.

use std::path::Path;
use std::sync::mpsc;

use tract_onnx::prelude::*;

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

/// Runs a model on a thread of its own: features in, outputs out, never blocking a frame.
pub struct ModelWorker {
    tx: mpsc::Sender<Vec<f32>>,
    rx: mpsc::Receiver<Result<Vec<f32>, String>>,
    in_flight: bool,
}

impl ModelWorker {
    /// Starts a worker for a loaded model.
    pub fn start(model: Model, name: &str) -> std::io::Result<Self> {
        let (tx, job_rx) = mpsc::channel::<Vec<f32>>();
        let (result_tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name(format!("backlot-model-{name}"))
            .spawn(move || {
                while let Ok(features) = job_rx.recv() {
                    if result_tx.send(model.run(&features)).is_err() {
                        break;
                    }
                }
            })?;
        Ok(Self {
            tx,
            rx,
            in_flight: false,
        })
    }

    /// Queues an inference unless one is running.
    pub fn request(&mut self, features: Vec<f32>) {
        if !self.in_flight && self.tx.send(features).is_ok() {
            self.in_flight = true;
        }
    }

    /// The newest finished result, if any.
    pub fn poll(&mut self) -> Option<Result<Vec<f32>, String>> {
        let mut last = None;
        while let Ok(r) = self.rx.try_recv() {
            self.in_flight = false;
            last = Some(r);
        }
        last
    }
}
