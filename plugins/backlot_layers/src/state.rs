//! The layers' resources and plain state: run settings, the layer set in force, and what
//! audio, tempo, performers, layers and models carry from frame to frame.

use std::collections::HashMap;
use std::path::PathBuf;

use backlot_params::ParamValue;
use bevy::prelude::*;

use crate::analysis::{Analyzer, Features};
use crate::asset::LayersAsset;
use crate::audio::AudioSource;
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
    /// Why it is off.
    pub error: Option<String>,
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

/// The audio source (cpal streams stay on the main thread).
#[derive(Default)]
pub struct AudioIn(pub Option<AudioSource>);
