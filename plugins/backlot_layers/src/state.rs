//! The layers' resources and plain state: run settings, the layer set in force, and what
//! audio, tempo, performers, layers and models carry from frame to frame.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use backlot_params::ParamValue;
use bevy::prelude::*;

use crate::analysis::{Analyzer, Features};
use crate::asset::LayersAsset;
use crate::audio::{AudioSource, read_wav};
use crate::background::Loader;
use crate::format::LayersFile;
use crate::model::{Model, ModelWorker};
use crate::signals::{Envelope, TempoClock, Trigger};

/// How the plugin runs.
#[derive(Resource, Debug, Clone)]
pub struct LayersSettings {
    /// Live audio input and model threads (off for deterministic renders: the model then
    /// runs inline at its rate, files play on scene time).
    pub live: bool,
    /// Where `assets/` is.
    pub asset_root: PathBuf,
}

/// A performer's recent track.
#[derive(Debug, Clone, Default)]
pub struct Performer {
    /// Stage position, metres.
    pub position: Vec3,
    /// m/s, smoothed.
    pub speed: f32,
    /// Last sample time (scene seconds).
    pub seen: Option<f64>,
    pub(crate) last: Option<(Vec3, f64)>,
}

/// Per-layer running state.
#[derive(Debug, Clone, Default)]
pub struct LayerState {
    pub(crate) envelope: Envelope,
    pub(crate) trigger: Trigger,
    pub(crate) palette_step: usize,
    pub(crate) palette_from: Option<[f32; 3]>,
    pub(crate) palette_at: f64,
    /// The signal after shaping, 0..1 (the strip's meter).
    pub output: f32,
    /// The raw source signal.
    pub input: f32,
}

/// A model's state.
pub struct ModelState {
    /// Loaded model, when running inline.
    pub(crate) inline: Option<Model>,
    // A mutex only to make the receiver shareable; the frame has it exclusively.
    pub(crate) worker: Option<std::sync::Mutex<ModelWorker>>,
    pub(crate) last_run: f64,
    /// Latest outputs.
    pub outputs: Vec<f32>,
    /// Why it is off (or why its last inference failed).
    pub error: Option<String>,
    /// Why the newest version failed to build while the last good one keeps serving.
    pub reload_error: Option<String>,
    /// A new version being built off the frame (live runs).
    pub(crate) building: Loader<Model>,
}

impl ModelState {
    /// No model yet: its layers read 0.
    pub(crate) fn off(outputs: usize) -> Self {
        Self {
            inline: None,
            worker: None,
            last_run: f64::MIN,
            outputs: vec![0.0; outputs],
            error: None,
            reload_error: None,
            building: Loader::default(),
        }
    }

    /// A new version is being built.
    pub fn is_building(&self) -> bool {
        self.building.busy()
    }

    /// Worker restarts so far, and why it stopped for good if it did.
    pub fn worker_health(&self) -> Option<(u32, Option<String>)> {
        let w = self.worker.as_ref()?;
        let w = w.lock().unwrap_or_else(|e| e.into_inner());
        Some((w.restarts(), w.failed().map(str::to_string)))
    }
}

/// A WAV decode: path in, mono samples and rate out.
pub type WavDecode = Arc<dyn Fn(&Path) -> Result<(Vec<f32>, u32), String> + Send + Sync>;
/// A model build: path, input and output counts in, a runnable model out.
pub type ModelBuild = Arc<dyn Fn(&Path, usize, usize) -> Result<Model, String> + Send + Sync>;

/// How a layer set's files are read on (re)load; tests swap in slow or failing ones.
#[derive(Resource, Clone)]
pub struct LayerLoaders {
    /// Decodes audio files.
    pub wav: WavDecode,
    /// Loads, checks and optimises models.
    pub model: ModelBuild,
}

impl Default for LayerLoaders {
    fn default() -> Self {
        Self {
            wav: Arc::new(read_wav),
            model: Arc::new(Model::load),
        }
    }
}

/// Everything the layers hold between frames.
#[derive(Resource, Default)]
pub struct LayersState {
    /// The layer set in force.
    pub file: LayersFile,
    /// Handle of the asset.
    pub handle: Option<Handle<LayersAsset>>,
    /// Successful loads.
    pub loads: u32,
    /// Last load error.
    pub error: Option<String>,
    pub(crate) dirty: bool,
    /// Audio analysis.
    pub analyzer: Option<Analyzer>,
    /// Latest audio features.
    pub features: Features,
    pub(crate) onset_seen: Option<f64>,
    /// 1 in a frame with an onset.
    pub onset_now: bool,
    /// Why audio is off.
    pub audio_error: Option<String>,
    /// An audio file being decoded off the frame (live runs); what plays now plays on.
    pub(crate) audio_loading: Loader<(Vec<f32>, u32)>,
    /// When to reopen a live input that went away.
    pub(crate) audio_retry: Option<std::time::Instant>,
    pub(crate) audio_backoff: backlot_net::backoff::Backoff,
    /// The tempo clock.
    pub tempo: Option<TempoClock>,
    /// Performers by id.
    pub performers: HashMap<u32, Performer>,
    /// Layer states by name.
    pub layers: HashMap<String, LayerState>,
    /// Models by name.
    pub models: HashMap<String, ModelState>,
    pub(crate) tap_generation: u64,
    pub(crate) now: f64,
    /// The values written last frame, by parameter (for panels).
    pub written: HashMap<String, ParamValue>,
    /// The stage's LED surfaces, for performer distances.
    pub wall: backlot_stage::StageWall,
}

impl LayersState {
    /// A new audio file is being decoded (what played before plays on meanwhile).
    pub fn audio_loading(&self) -> bool {
        self.audio_loading.busy()
    }

    /// A performer's position and presence (0/1).
    pub fn performer(&self, id: u32) -> Option<(Vec3, f32)> {
        self.performers.get(&id).map(|p| {
            (
                p.position,
                f32::from(u8::from(p.seen.is_some_and(|s| self.now - s < 1.0))),
            )
        })
    }
}

/// The audio source (a live input's cpal stream lives on a thread of its own).
#[derive(Default)]
pub struct AudioIn(pub Option<AudioSource>);
