//! The data of a layer set (`*.layers.ron`).

use backlot_scene::format::{AssetRef, EntityName};
use serde::{Deserialize, Serialize};

use crate::signals::{Curve, OneShot, Shape};

/// A layer set.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LayersFile {
    /// The audio everything listens to.
    pub audio: Option<AudioDef>,
    /// The tempo clock.
    pub tempo: TempoDef,
    /// Tracked performers.
    pub performers: Vec<PerformerDef>,
    /// Named LFOs.
    pub lfos: Vec<LfoDef>,
    /// Learned models.
    pub models: Vec<ModelDef>,
    /// Shader-driven visual elements.
    pub visuals: Vec<VisualDef>,
    /// The stack, bottom first.
    pub layers: Vec<LayerDef>,
}

/// Audio in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AudioDef {
    /// A WAV file under `assets/`, played in sync with scene time (looped).
    File {
        /// Path.
        path: AssetRef,
    },
    /// A live input (cpal): the default device, or one whose name contains `device`.
    Live {
        /// Device name (substring).
        #[serde(default)]
        device: Option<String>,
    },
}

/// Where the beat comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum TempoFollow {
    /// `bpm` and taps only.
    #[default]
    Internal,
    /// The audio's beat tracker.
    Audio,
    /// MIDI clock (`/tempo/bpm` from the control plugin).
    Midi,
}

/// The tempo clock.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TempoDef {
    /// Starting (internal) tempo.
    pub bpm: f32,
    /// What the clock follows.
    pub follow: TempoFollow,
    /// Beats per bar.
    pub beats_per_bar: u32,
}

impl Default for TempoDef {
    fn default() -> Self {
        Self {
            bpm: 120.0,
            follow: TempoFollow::Internal,
            beats_per_bar: 4,
        }
    }
}

/// A tracked performer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerformerDef {
    /// Id (OSC `/backlot/performer/<id>/position`, or a FreeD camera id with `freed`).
    pub id: u32,
    /// Also follow FreeD packets with this id (a tracker worn by the performer).
    #[serde(default)]
    pub freed: bool,
}

/// LFO rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Rate {
    /// Cycles per second.
    Hz(f32),
    /// Beats per cycle (tempo-synced).
    Beats(f32),
    /// Bars per cycle (tempo-synced).
    Bars(f32),
}

/// A named LFO.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LfoDef {
    /// Name, referenced by `Lfo("name")`.
    pub name: EntityName,
    /// Shape.
    pub shape: Shape,
    /// Speed.
    pub rate: Rate,
    /// Phase offset, cycles.
    #[serde(default)]
    pub phase: f32,
}

/// A learned model (ONNX, run by tract off the render thread).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelDef {
    /// Name, referenced by `Model("name", output)`.
    pub name: EntityName,
    /// `.onnx` under `assets/`.
    pub path: AssetRef,
    /// Inferences per second.
    #[serde(default = "thirty")]
    pub rate_hz: f32,
    /// The feature vector, in the model's input order.
    pub inputs: Vec<Feature>,
    /// How many outputs the model gives.
    pub outputs: usize,
}

fn thirty() -> f32 {
    30.0
}

/// What a performer feature means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PerformerFeature {
    /// Metres per second (0..1 over 0..3 m/s).
    Speed,
    /// Distance to the nearest LED surface (0..1 over 0..8 m).
    Distance,
    /// 1 while tracked (samples in the last second), else 0.
    Presence,
    /// Stage x, 0..1 over −5..5 m.
    X,
    /// Stage y (height), 0..1 over 0..3 m.
    Y,
    /// Stage z, 0..1 over −5..5 m.
    Z,
}

/// A signal a layer (or a model input) can read, each 0..1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Feature {
    /// Audio RMS (×2, clamped).
    Rms,
    /// Audio band level 0..7.
    Band(u8),
    /// 1 in the frame of an onset.
    Onset,
    /// Spectral flux (scaled).
    Flux,
    /// 1 on the beat, falling to 0 (saw down).
    Beat,
    /// Beat phase 0..1.
    BeatPhase,
    /// Bar phase 0..1.
    BarPhase,
    /// A named LFO.
    Lfo(String),
    /// Smooth noise at this many changes per second.
    Noise(f32),
    /// A performer's feature.
    Performer(u32, PerformerFeature),
    /// Output `i` of a model.
    Model(String, usize),
    /// A constant.
    Constant(f32),
}

/// How a layer's value combines with what is below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Blend {
    /// below + weight × (value − min).
    Add,
    /// below × (1 − weight + weight × value).
    Multiply,
    /// max(below, mix(below, value, weight)).
    Max,
    /// mix(below, value, weight).
    #[default]
    Crossfade,
}

/// Attack/release.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeDef {
    /// ms.
    pub attack_ms: f32,
    /// ms.
    pub release_ms: f32,
}

/// Threshold → one-shot.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerDef {
    /// Rising through this fires.
    pub threshold: f32,
    /// What fires.
    pub shot: OneShot,
    /// How long, ms.
    #[serde(default = "hundred")]
    pub duration_ms: f32,
}

fn hundred() -> f32 {
    100.0
}

/// What a layer drives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TargetDef {
    /// A number between `min` and `max`.
    Float {
        /// Parameter.
        param: String,
        /// At signal 0.
        min: f32,
        /// At signal 1.
        max: f32,
    },
    /// A colour (or vec3) between two values.
    Color {
        /// Parameter.
        param: String,
        /// At signal 0.
        from: [f32; 3],
        /// At signal 1.
        to: [f32; 3],
    },
    /// A colour from three consecutive outputs of a model (red, green, blue), faded in by
    /// the layer's signal.
    ModelColor {
        /// Parameter.
        param: String,
        /// Model name.
        model: String,
        /// Index of the red output.
        first_output: usize,
    },
    /// Colours stepped on each trigger (or picked by the signal), gliding between.
    Palette {
        /// Parameter.
        param: String,
        /// Colours.
        colors: Vec<[f32; 3]>,
        /// Glide between steps, ms.
        #[serde(default)]
        glide_ms: f32,
    },
}

impl TargetDef {
    /// The parameter.
    pub fn param(&self) -> &str {
        match self {
            TargetDef::Float { param, .. }
            | TargetDef::Color { param, .. }
            | TargetDef::ModelColor { param, .. }
            | TargetDef::Palette { param, .. } => param,
        }
    }
}

/// One layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerDef {
    /// Unique name; settings live under `/layers/<name>/`.
    pub name: EntityName,
    /// What it reacts to.
    pub source: Feature,
    /// Smoothing.
    #[serde(default)]
    pub envelope: Option<EnvelopeDef>,
    /// Shaping.
    #[serde(default)]
    pub curve: Curve,
    /// One-shots instead of following the signal.
    #[serde(default)]
    pub trigger: Option<TriggerDef>,
    /// What it drives.
    pub targets: Vec<TargetDef>,
    /// 0..1.
    #[serde(default = "one")]
    pub weight: f32,
    /// How it combines.
    #[serde(default)]
    pub blend: Blend,
    /// Silenced.
    #[serde(default)]
    pub mute: bool,
    /// Only soloed layers play while any is soloed.
    #[serde(default)]
    pub solo: bool,
}

fn one() -> f32 {
    1.0
}

/// Generative visual kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VisualKind {
    /// A flowing two-colour gradient, pushed by the level.
    Gradient,
    /// A drifting noise field, brightened by the level.
    NoiseField,
    /// A field of particles drifting toward the performer.
    Particles,
}

/// A shader-driven element on a scene entity's surface.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisualDef {
    /// Unique name; parameters under `/layers/visuals/<name>/`.
    pub name: EntityName,
    /// The scene entity whose surface shows it.
    pub entity: String,
    /// What it draws.
    pub kind: VisualKind,
    /// First colour.
    #[serde(default = "magenta")]
    pub color_a: [f32; 3],
    /// Second colour.
    #[serde(default = "cyan")]
    pub color_b: [f32; 3],
    /// Brightness, cd/m² at full.
    #[serde(default = "bright")]
    pub brightness: f32,
    /// The performer particles follow.
    #[serde(default)]
    pub performer: Option<u32>,
    /// How it lays over the surface.
    #[serde(default)]
    pub blend: VisualBlend,
}

/// How a visual lays over its surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum VisualBlend {
    /// Light added on top (glows; black is transparent).
    #[default]
    Add,
    /// Painted over by opacity (covers the surface).
    Alpha,
}

fn magenta() -> [f32; 3] {
    [1.0, 0.1, 0.6]
}
fn cyan() -> [f32; 3] {
    [0.1, 0.7, 1.0]
}
fn bright() -> f32 {
    4.0
}
