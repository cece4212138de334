//! Loading the layer set, following its reloads and load failures, and (re)configuring
//! parameters, audio and models when a set arrives.

use backlot_files::{FileNews, WatchedFile};
use backlot_params::ParamRegistry;
use bevy::prelude::*;

use crate::analysis::Analyzer;
use crate::asset::{LayersAsset, LayersKind, LayersSource};
use crate::audio::{AudioSource, read_wav};
use crate::format::AudioDef;
use crate::model::{Model, ModelWorker};
use crate::params::layer_specs;
use crate::signals::TempoClock;
use crate::state::{AudioIn, LayersSettings, LayersState, ModelState};

/// Starts the asset load.
pub(crate) fn start_loading(
    source: Option<Res<LayersSource>>,
    server: Res<AssetServer>,
    mut state: ResMut<LayersState>,
    mut watched: ResMut<WatchedFile<LayersKind>>,
) {
    if let Some(s) = source {
        state.handle = Some(watched.load(&server, &s.asset_path));
    }
}

/// Follows the layers asset (hot reload; a broken save keeps the last good set).
pub(crate) fn watch_layers(
    mut news: FileNews<LayersKind>,
    assets: Res<Assets<LayersAsset>>,
    mut state: ResMut<LayersState>,
) {
    state.dirty |= news.loaded();
    if let Some(f) = news.failed() {
        state.error = Some(f.message.clone());
    }
    if !state.dirty {
        return;
    }
    if let Some(a) = state.handle.as_ref().and_then(|h| assets.get(h)) {
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
        .entry(backlot_params::addresses::LAYERS_TEMPO_TAP)
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
