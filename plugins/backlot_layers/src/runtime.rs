//! The frame's layer work (in `BacklotSystems::Layers`, after control, before the scene):
//! audio analysis, tempo, performers, LFOs, models, then every layer's value blended over the
//! scene base and written to its parameters — except where a controller or the operator
//! drives the parameter (the arbitration rule: they sit above the layers).

use std::collections::HashMap;
use std::path::PathBuf;

use backlot_net::{PerformerSample, PerformerSource};
use backlot_params::{
    Arbiter, ParamAddress, ParamKind, ParamRegistry, ParamSpec, ParamValue, Source,
};
use bevy::asset::AssetLoadFailedEvent;
use bevy::prelude::*;

use crate::analysis::{Analyzer, Features};
use crate::asset::{LayersAsset, LayersSource};
use crate::audio::{AudioSource, read_wav};
use crate::format::{
    AudioDef, Feature, LayersFile, PerformerFeature, Rate, TargetDef, TempoFollow,
};
use crate::model::{Model, ModelWorker};
use crate::signals::{Envelope, TempoClock, Trigger, smooth_noise, wave};
use crate::stack::{Contribution, active, combine};

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
    last: Option<(Vec3, f64)>,
}

/// Per-layer running state.
#[derive(Debug, Clone, Default)]
pub struct LayerState {
    envelope: Envelope,
    trigger: Trigger,
    palette_step: usize,
    palette_from: Option<[f32; 3]>,
    palette_at: f64,
    /// The signal after shaping, 0..1 (the strip's meter).
    pub output: f32,
    /// The raw source signal.
    pub input: f32,
}

/// A model's state.
pub struct ModelState {
    /// Loaded model, when running inline.
    inline: Option<Model>,
    // A mutex only to make the receiver shareable; the frame has it exclusively.
    worker: Option<std::sync::Mutex<ModelWorker>>,
    last_run: f64,
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
    dirty: bool,
    /// Audio analysis.
    pub analyzer: Option<Analyzer>,
    /// Latest audio features.
    pub features: Features,
    onset_seen: Option<f64>,
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
    tap_generation: u64,
    now: f64,
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

/// Follows the layers asset (hot reload; a broken save keeps the last good set).
pub(crate) fn watch_layers(
    mut events: MessageReader<AssetEvent<LayersAsset>>,
    mut failures: MessageReader<AssetLoadFailedEvent<LayersAsset>>,
    assets: Res<Assets<LayersAsset>>,
    mut state: ResMut<LayersState>,
) {
    let Some(id) = state.handle.as_ref().map(Handle::id) else {
        return;
    };
    for e in events.read() {
        if let AssetEvent::LoadedWithDependencies { id: e } | AssetEvent::Modified { id: e } = e
            && *e == id
        {
            state.dirty = true;
        }
    }
    for f in failures.read().filter(|f| f.id == id) {
        let message = backlot_scene::scene_error_text(&f.error);
        error!("{message}\n(keeping the last good layer set)");
        state.error = Some(message);
    }
    if !state.dirty {
        return;
    }
    if let Some(a) = assets.get(id) {
        state.dirty = false;
        state.file = a.file.clone();
        state.loads += 1;
        state.error = None;
        state.tempo = None;
        state.models.clear();
        info!(
            "layer set loaded: {} layers, {} LFOs, {} models, {} visuals (load #{})",
            state.file.layers.len(),
            state.file.lfos.len(),
            state.file.models.len(),
            state.file.visuals.len(),
            state.loads
        );
    }
}

/// Starts the asset load.
pub(crate) fn start_loading(
    source: Option<Res<LayersSource>>,
    server: Res<AssetServer>,
    mut state: ResMut<LayersState>,
) {
    if let Some(s) = source {
        state.handle = Some(server.load::<LayersAsset>(s.asset_path.clone()));
    }
}

fn addr(parts: &[&str]) -> ParamAddress {
    ParamAddress::from_segments_lossy(parts.iter().copied())
}

/// Every parameter a layer set declares.
pub fn layer_specs(file: &LayersFile) -> Vec<ParamSpec> {
    let mut out = vec![
        ParamSpec::float(
            addr(&["layers", "tempo", "bpm"]),
            file.tempo.bpm,
            20.0,
            300.0,
            "BPM",
        )
        .with_description("The layers' tempo (internal, or followed)"),
        ParamSpec::trigger(addr(&["layers", "tempo", "tap"])).with_description("Tap tempo"),
        ParamSpec::float(addr(&["layers", "tempo", "beat"]), 0.0, 0.0, 1.0, "")
            .read_only()
            .with_description("Beat phase"),
        ParamSpec::float(addr(&["layers", "tempo", "bar"]), 0.0, 0.0, 1.0, "")
            .read_only()
            .with_description("Bar phase"),
        ParamSpec::float(addr(&["layers", "audio", "rms"]), 0.0, 0.0, 1.0, "")
            .read_only()
            .with_description("Audio level (RMS)"),
        ParamSpec::float(addr(&["layers", "audio", "bpm"]), 0.0, 0.0, 300.0, "BPM")
            .read_only()
            .with_description("Tempo the audio's beat tracker hears"),
        ParamSpec::float(addr(&["layers", "master"]), 1.0, 0.0, 1.0, "")
            .with_description("Scales every layer's weight"),
    ];
    for b in 0..crate::analysis::BANDS {
        let name = format!("band{b}");
        out.push(
            ParamSpec::float(addr(&["layers", "audio", name.as_str()]), 0.0, 0.0, 1.0, "")
                .read_only(),
        );
    }
    for l in &file.layers {
        let n = l.name.0.as_str();
        out.push(
            ParamSpec::float(addr(&["layers", n, "weight"]), l.weight, 0.0, 1.0, "")
                .with_description("How much this layer moves its targets"),
        );
        out.push(ParamSpec::bool(addr(&["layers", n, "mute"]), l.mute));
        out.push(ParamSpec::bool(addr(&["layers", n, "solo"]), l.solo));
        out.push(
            ParamSpec::float(addr(&["layers", n, "output"]), 0.0, 0.0, 1.0, "")
                .read_only()
                .with_description("The layer's signal now"),
        );
    }
    out.extend(file.visuals.iter().flat_map(crate::visuals::visual_specs));
    out
}

/// Registers parameters and opens audio and models when a set (re)loads.
pub(crate) fn configure(
    mut state: ResMut<LayersState>,
    mut registry: ResMut<ParamRegistry>,
    settings: Res<LayersSettings>,
    mut audio: NonSendMut<AudioIn>,
    mut configured: Local<u32>,
) {
    if state.loads == *configured {
        return;
    }
    *configured = state.loads;
    let state = state.as_mut();
    registry.replace_under("/layers", layer_specs(&state.file));
    state.tempo = Some({
        let mut c = TempoClock::new(f64::from(state.file.tempo.bpm));
        c.beats_per_bar = state.file.tempo.beats_per_bar;
        c
    });
    state.tap_generation = registry
        .entry("/layers/tempo/tap")
        .map_or(0, |e| e.generation);
    audio.0 = None;
    state.analyzer = None;
    state.audio_error = None;
    match &state.file.audio {
        Some(AudioDef::File { path }) => match read_wav(&settings.asset_root.join(&path.0)) {
            Ok((samples, rate)) => {
                state.analyzer = Some(Analyzer::new(rate));
                audio.0 = Some(AudioSource::File {
                    samples,
                    rate,
                    played: 0,
                });
            }
            Err(e) => {
                error!("{e}; audio layers are silent");
                state.audio_error = Some(e);
            }
        },
        Some(AudioDef::Live { device }) if settings.live => {
            match AudioSource::live(device.as_deref()) {
                Ok(src) => {
                    info!("audio input at {} Hz", src.rate());
                    state.analyzer = Some(Analyzer::new(src.rate()));
                    audio.0 = Some(src);
                }
                Err(e) => {
                    let e = format!(
                        "no audio input ({e}); audio layers are silent, file sources still work"
                    );
                    warn!("{e}");
                    state.audio_error = Some(e);
                }
            }
        }
        Some(AudioDef::Live { .. }) => {
            state.audio_error = Some("live audio is off for renders".into())
        }
        None => {}
    }
    state.models.clear();
    for m in &state.file.models {
        let path = settings.asset_root.join(&m.path.0);
        let loaded = Model::load(&path, m.inputs.len(), m.outputs);
        let st = match loaded {
            Ok(model) if settings.live => match ModelWorker::start(model, &m.name.0) {
                Ok(w) => ModelState {
                    inline: None,
                    worker: Some(std::sync::Mutex::new(w)),
                    last_run: f64::MIN,
                    outputs: vec![0.0; m.outputs],
                    error: None,
                },
                Err(e) => ModelState {
                    inline: None,
                    worker: None,
                    last_run: f64::MIN,
                    outputs: vec![0.0; m.outputs],
                    error: Some(e.to_string()),
                },
            },
            Ok(model) => ModelState {
                inline: Some(model),
                worker: None,
                last_run: f64::MIN,
                outputs: vec![0.0; m.outputs],
                error: None,
            },
            Err(e) => {
                error!(
                    "model `{}`: {e}; its layers are off, the show goes on",
                    m.name
                );
                ModelState {
                    inline: None,
                    worker: None,
                    last_run: f64::MIN,
                    outputs: vec![0.0; m.outputs],
                    error: Some(e),
                }
            }
        };
        state.models.insert(m.name.0.clone(), st);
    }
    state
        .layers
        .retain(|k, _| state.file.layers.iter().any(|l| l.name.0 == *k));
}

/// Once both the scene and the layer set are loaded (again), names the targets the scene
/// does not have: they are ignored, not errors, so one set can serve several scenes.
pub(crate) fn check_targets(
    state: Res<LayersState>,
    scene: Option<Res<backlot_scene::SceneStatus>>,
    registry: Res<ParamRegistry>,
    mut checked: Local<(u32, u32)>,
) {
    let scene_loads = scene.map_or(1, |s| s.loads);
    if scene_loads == 0 || state.loads == 0 || *checked == (state.loads, scene_loads) {
        return;
    }
    *checked = (state.loads, scene_loads);
    let missing: Vec<&str> = state
        .file
        .layers
        .iter()
        .flat_map(|l| l.targets.iter().map(|t| t.param()))
        .filter(|p| registry.entry(p).is_none())
        .collect();
    if !missing.is_empty() {
        warn!(
            "layer targets this scene does not have (ignored): {}",
            missing.join(", ")
        );
    }
}

/// Audio, tempo, performers and models for this frame.
#[allow(clippy::too_many_arguments)]
pub(crate) fn sense(
    mut state: ResMut<LayersState>,
    mut audio: NonSendMut<AudioIn>,
    time: Res<Time>,
    mut registry: ResMut<ParamRegistry>,
    mut performers: MessageReader<PerformerSample>,
    wall: Option<Res<backlot_stage::StageWall>>,
) {
    let state = state.as_mut();
    if let Some(wall) = wall
        && wall.is_changed()
    {
        state.wall = wall.clone();
    }
    let now = time.elapsed_secs_f64();
    state.now = now;
    if let (Some(src), Some(an)) = (audio.0.as_mut(), state.analyzer.as_mut()) {
        let samples = src.take(now);
        an.push(&samples);
        state.features = an.now;
    }
    state.onset_now =
        state.features.last_onset.is_some() && state.features.last_onset != state.onset_seen;
    state.onset_seen = state.features.last_onset;
    // Tempo.
    if let Some(clock) = state.tempo.as_mut() {
        let tap = registry
            .entry("/layers/tempo/tap")
            .map_or(0, |e| e.generation);
        if tap > state.tap_generation {
            state.tap_generation = tap;
            clock.tap(now);
            let _ = registry.set("/layers/tempo/bpm", ParamValue::Float(clock.bpm as f32));
        }
        match state.file.tempo.follow {
            TempoFollow::Audio => {
                if let Some(bpm) = state.features.bpm {
                    clock.bpm = f64::from(bpm);
                    clock.advance(now);
                    clock.lock_phase(state.features.beat_phase);
                } else {
                    clock.advance(now);
                }
            }
            TempoFollow::Midi => {
                if let Some(bpm) = registry.get("/tempo/bpm").ok().and_then(ParamValue::as_f32) {
                    clock.bpm = f64::from(bpm);
                }
                clock.advance(now);
                if let Some(beat) = registry
                    .get("/tempo/beat")
                    .ok()
                    .and_then(ParamValue::as_f32)
                {
                    clock.lock_phase(beat);
                }
            }
            TempoFollow::Internal => {
                if let Some(bpm) = registry
                    .get("/layers/tempo/bpm")
                    .ok()
                    .and_then(ParamValue::as_f32)
                {
                    clock.bpm = f64::from(bpm);
                }
                clock.advance(now);
            }
        }
        let (beat, bar, bpm) = (clock.beat_phase(), clock.bar_phase(), clock.bpm as f32);
        let _ = registry.set_status("/layers/tempo/beat", ParamValue::Float(beat));
        let _ = registry.set_status("/layers/tempo/bar", ParamValue::Float(bar));
        if state.file.tempo.follow != TempoFollow::Internal {
            let _ = registry.set("/layers/tempo/bpm", ParamValue::Float(bpm));
        }
    }
    let f = state.features;
    let _ = registry.set_status(
        "/layers/audio/rms",
        ParamValue::Float((f.rms * 2.0).min(1.0)),
    );
    let _ = registry.set_status("/layers/audio/bpm", ParamValue::Float(f.bpm.unwrap_or(0.0)));
    for (b, v) in f.bands.iter().enumerate() {
        let _ = registry.set_status(&format!("/layers/audio/band{b}"), ParamValue::Float(*v));
    }
    // Performers: OSC positions and FreeD ids no camera follows, whoever measured them.
    let samples: Vec<(u32, Vec3)> = performers
        .read()
        .filter(|s| {
            state
                .file
                .performers
                .iter()
                .any(|p| p.id == s.id && (s.source == PerformerSource::Osc || p.freed))
        })
        .map(|s| (s.id, s.position))
        .collect();
    for (id, pos) in samples {
        if !state.file.performers.iter().any(|p| p.id == id) {
            continue;
        }
        let p = state.performers.entry(id).or_default();
        if let Some((last, t)) = p.last
            && now - t > 1e-3
        {
            let v = (pos - last).length() / (now - t) as f32;
            p.speed += (v - p.speed) * 0.3;
        }
        p.last = Some((pos, now));
        p.position = pos;
        p.seen = Some(now);
    }
    for p in state.performers.values_mut() {
        if p.seen.is_none_or(|s| now - s > 0.3) {
            p.speed *= 0.9;
        }
    }
    // Models at their rate.
    let model_defs = state.file.models.clone();
    for m in &model_defs {
        let features: Vec<f32> = m.inputs.iter().map(|f| feature(state, f, now)).collect();
        let Some(ms) = state.models.get_mut(&m.name.0) else {
            continue;
        };
        if let Some(w) = ms
            .worker
            .as_mut()
            .map(|w| w.get_mut().unwrap_or_else(|e| e.into_inner()))
        {
            if let Some(r) = w.poll() {
                match r {
                    Ok(o) => ms.outputs = o,
                    Err(e) => ms.error = Some(e),
                }
            }
            if now - ms.last_run >= 1.0 / f64::from(m.rate_hz) {
                ms.last_run = now;
                w.request(features);
            }
        } else if let Some(model) = &ms.inline
            && now - ms.last_run >= 1.0 / f64::from(m.rate_hz)
        {
            ms.last_run = now;
            match model.run(&features) {
                Ok(o) => ms.outputs = o,
                Err(e) => ms.error = Some(e),
            }
        }
    }
}

/// A feature's value now, 0..1.
pub fn feature(state: &LayersState, f: &Feature, now: f64) -> f32 {
    let clock = state.tempo.as_ref();
    let v = match f {
        Feature::Rms => state.features.rms * 2.0,
        Feature::Band(b) => state
            .features
            .bands
            .get(usize::from(*b))
            .copied()
            .unwrap_or(0.0),
        Feature::Onset => f32::from(u8::from(state.onset_now)),
        Feature::Flux => state.features.flux / 20.0,
        Feature::Beat => clock.map_or(0.0, |c| 1.0 - c.beat_phase()),
        Feature::BeatPhase => clock.map_or(0.0, |c| c.beat_phase()),
        Feature::BarPhase => clock.map_or(0.0, |c| c.bar_phase()),
        Feature::Lfo(name) => state
            .file
            .lfos
            .iter()
            .find(|l| l.name.0 == *name)
            .map_or(0.0, |l| {
                let cycles = match l.rate {
                    Rate::Hz(hz) => now * f64::from(hz),
                    Rate::Beats(b) => clock.map_or(0.0, |c| c.beats()) / f64::from(b.max(1e-3)),
                    Rate::Bars(b) => {
                        clock.map_or(0.0, |c| c.beats() / f64::from(c.beats_per_bar.max(1)))
                            / f64::from(b.max(1e-3))
                    }
                };
                wave(l.shape, cycles + f64::from(l.phase), l.name.0.len() as u64)
            }),
        Feature::Noise(rate) => smooth_noise(now * f64::from(*rate), 7),
        Feature::Performer(id, what) => {
            let Some(p) = state.performers.get(id) else {
                return 0.0;
            };
            let present = p.seen.is_some_and(|s| now - s < 1.0);
            match what {
                PerformerFeature::Presence => f32::from(u8::from(present)),
                PerformerFeature::Speed => p.speed / 3.0,
                PerformerFeature::Distance => state.wall.distance(p.position) / 8.0,
                PerformerFeature::X => (p.position.x + 5.0) / 10.0,
                PerformerFeature::Y => p.position.y / 3.0,
                PerformerFeature::Z => (p.position.z + 5.0) / 10.0,
            }
        }
        Feature::Model(name, i) => state
            .models
            .get(name)
            .and_then(|m| {
                if m.error.is_some() {
                    None
                } else {
                    m.outputs.get(*i).copied()
                }
            })
            .unwrap_or(0.0),
        Feature::Constant(c) => *c,
    };
    if v.is_finite() {
        v.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

fn lerp3(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [0, 1, 2].map(|i| a[i] + (b[i] - a[i]) * t)
}

/// Evaluates every layer and writes the blended values.
pub(crate) fn apply(
    mut state: ResMut<LayersState>,
    mut registry: ResMut<ParamRegistry>,
    arbiter: Option<Res<Arbiter>>,
    time: Res<Time>,
) {
    let state = state.as_mut();
    let now = time.elapsed_secs_f64();
    let dt = time.delta_secs();
    let get_bool = |r: &ParamRegistry, a: String, d: bool| {
        r.get(&a).ok().and_then(ParamValue::as_bool).unwrap_or(d)
    };
    let flags: Vec<(bool, bool)> = state
        .file
        .layers
        .iter()
        .map(|l| {
            let n = &l.name.0;
            (
                get_bool(&registry, format!("/layers/{n}/mute"), l.mute),
                get_bool(&registry, format!("/layers/{n}/solo"), l.solo),
            )
        })
        .collect();
    let playing = active(&flags);
    let master = registry
        .get("/layers/master")
        .ok()
        .and_then(ParamValue::as_f32)
        .unwrap_or(1.0);
    let mut per_param: Vec<(String, Vec<Contribution>)> = Vec::new();
    let layers = state.file.layers.clone();
    for (l, on) in layers.iter().zip(playing) {
        let input = feature(state, &l.source, now);
        let st = state.layers.entry(l.name.0.clone()).or_default();
        st.input = input;
        let mut x = match l.envelope {
            Some(e) => st.envelope.follow(input, dt, e.attack_ms, e.release_ms),
            None => input,
        };
        x = l.curve.apply(x);
        let mut fired = false;
        if let Some(t) = l.trigger {
            fired = st.trigger.feed(x, now, t.threshold);
            x = st
                .trigger
                .value(t.shot, now, f64::from(t.duration_ms) / 1000.0);
        }
        st.output = x;
        let _ = registry.set_status(&format!("/layers/{}/output", l.name), ParamValue::Float(x));
        if !on {
            continue;
        }
        let weight = registry
            .get(&format!("/layers/{}/weight", l.name))
            .ok()
            .and_then(ParamValue::as_f32)
            .unwrap_or(l.weight)
            * master;
        for t in &l.targets {
            let Some(entry) = registry.entry(t.param()) else {
                continue;
            };
            let kind = entry.spec.kind.clone();
            let (value, zero) = match t {
                TargetDef::Float { min, max, .. } => (
                    ParamValue::Float(min + (max - min) * x),
                    ParamValue::Float(*min),
                ),
                TargetDef::Color { from, to, .. } => {
                    let v = lerp3(*from, *to, x);
                    if kind == ParamKind::Vec3 {
                        (ParamValue::Vec3(v), ParamValue::Vec3(*from))
                    } else {
                        (ParamValue::Color(v), ParamValue::Color([0.0; 3]))
                    }
                }
                TargetDef::ModelColor {
                    model,
                    first_output,
                    ..
                } => {
                    let o = state
                        .models
                        .get(model)
                        .map(|m| m.outputs.clone())
                        .unwrap_or_default();
                    let c = [0, 1, 2].map(|i| {
                        o.get(first_output + i)
                            .copied()
                            .unwrap_or(0.0)
                            .clamp(0.0, 1.0)
                    });
                    let base = entry.spec.default.as_vec3().unwrap_or([0.0; 3]);
                    (
                        ParamValue::Color(lerp3(base, c, x)),
                        ParamValue::Color([0.0; 3]),
                    )
                }
                TargetDef::Palette {
                    colors, glide_ms, ..
                } => {
                    let n = colors.len().max(1);
                    let step = if l.trigger.is_some() {
                        if fired {
                            st.palette_from = Some(colors[st.palette_step % n]);
                            st.palette_step += 1;
                            st.palette_at = now;
                        }
                        st.palette_step % n
                    } else {
                        ((x * n as f32) as usize).min(n - 1)
                    };
                    let target = colors[step % n];
                    let k = if *glide_ms > 0.0 {
                        ((now - st.palette_at) * 1000.0 / f64::from(*glide_ms)).clamp(0.0, 1.0)
                            as f32
                    } else {
                        1.0
                    };
                    let v = st
                        .palette_from
                        .map_or(target, |from| lerp3(from, target, k));
                    (ParamValue::Color(v), ParamValue::Color([0.0; 3]))
                }
            };
            let c = Contribution {
                blend: l.blend,
                weight,
                value,
                zero,
            };
            match per_param.iter_mut().find(|(p, _)| p == t.param()) {
                Some((_, v)) => v.push(c),
                None => per_param.push((t.param().to_string(), vec![c])),
            }
        }
    }
    state.written.clear();
    for (param, contributions) in per_param {
        // Controllers and the operator sit above the layers.
        if arbiter
            .as_ref()
            .is_some_and(|a| a.driver(&param) != Source::Scene)
        {
            continue;
        }
        let Some(base) = registry.entry(&param).map(|e| e.spec.default.clone()) else {
            continue;
        };
        let value = combine(&base, &contributions);
        if let Ok(v) = registry.set(&param, value) {
            state.written.insert(param, v);
        }
    }
}
