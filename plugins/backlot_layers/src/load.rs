//! Loading the layer set, following its reloads and load failures, and (re)configuring
//! parameters, audio and models when a set arrives.

use std::time::Instant;

use backlot_files::{FileNews, WatchedFile};
use backlot_params::ParamRegistry;
use bevy::prelude::*;

use crate::analysis::Analyzer;
use crate::asset::{LayersAsset, LayersKind, LayersSource};
use crate::audio::AudioSource;
use crate::format::AudioDef;
use crate::model::ModelWorker;
use crate::params::layer_specs;
use crate::signals::TempoClock;
use crate::state::{AudioIn, LayerLoaders, LayersSettings, LayersState, ModelState};

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
        // Models are kept: each serves until its new version is ready (`finish_loading`).
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

/// Registers parameters and opens audio and models when a set (re)loads. Live runs decode
/// audio files and build models off the frame ([`finish_loading`] takes them when ready;
/// what played and served before goes on meanwhile); renders load them here, so every
/// rendered frame sees the same inputs.
pub(crate) fn configure(
    mut state: ResMut<LayersState>,
    mut registry: ResMut<ParamRegistry>,
    settings: Res<LayersSettings>,
    loaders: Res<LayerLoaders>,
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
    configure_audio(state, &settings, &loaders, &mut audio);
    configure_models(state, &settings, &loaders);
    state
        .layers
        .retain(|k, _| state.file.layers.iter().any(|l| l.name.0 == *k));
}

/// Plays a decoded file from `played` (scene-time samples, so it stays in step).
fn play_file(
    state: &mut LayersState,
    audio: &mut AudioIn,
    samples: Vec<f32>,
    rate: u32,
    played: u64,
) {
    state.analyzer = Some(Analyzer::new(rate));
    audio.0 = Some(AudioSource::File {
        samples,
        rate,
        played,
    });
}

fn configure_audio(
    state: &mut LayersState,
    settings: &LayersSettings,
    loaders: &LayerLoaders,
    audio: &mut AudioIn,
) {
    state.audio_error = None;
    state.audio_retry = None;
    state.audio_backoff.reset();
    if let Some(AudioDef::File { path }) = &state.file.audio {
        let path = settings.asset_root.join(&path.0);
        if settings.live {
            // Decoded off the frame; what plays now keeps playing until it is ready.
            let wav = loaders.wav.clone();
            state.audio_loading.start(move || wav(path.as_path()));
            return;
        }
        state.audio_loading.cancel();
        audio.0 = None;
        state.analyzer = None;
        match (loaders.wav)(path.as_path()) {
            Ok((samples, rate)) => play_file(state, audio, samples, rate, 0),
            Err(e) => {
                error!("{e}; audio layers are silent");
                state.audio_error = Some(e);
            }
        }
        return;
    }
    state.audio_loading.cancel();
    audio.0 = None;
    state.analyzer = None;
    match &state.file.audio {
        Some(AudioDef::Live { device }) if settings.live => {
            // Opened off the frame; `keep_live_audio` takes it once open.
            match AudioSource::open_live(device.as_deref()) {
                Ok(opening) => audio.0 = Some(opening),
                Err(e) => {
                    let e = no_input(&e);
                    warn!("{e}");
                    state.audio_error = Some(e);
                }
            }
        }
        Some(AudioDef::Live { .. }) => {
            state.audio_error = Some("live audio is off for renders".into())
        }
        Some(AudioDef::File { .. }) | None => {}
    }
}

fn configure_models(state: &mut LayersState, settings: &LayersSettings, loaders: &LayerLoaders) {
    // Models the new set no longer names are dropped at the end (their workers stop).
    let mut old = std::mem::take(&mut state.models);
    for m in &state.file.models {
        let path = settings.asset_root.join(&m.path.0);
        let (inputs, outputs) = (m.inputs.len(), m.outputs);
        if settings.live {
            // Built off the frame; the model serving now serves until the new plan is ready.
            let mut ms = old
                .remove(&m.name.0)
                .unwrap_or_else(|| ModelState::off(outputs));
            let build = loaders.model.clone();
            ms.building
                .start(move || build(path.as_path(), inputs, outputs));
            state.models.insert(m.name.0.clone(), ms);
            continue;
        }
        let st = match (loaders.model)(path.as_path(), inputs, outputs) {
            Ok(model) => ModelState {
                inline: Some(model),
                ..ModelState::off(outputs)
            },
            Err(e) => {
                error!(
                    "model `{}`: {e}; its layers are off, the show goes on",
                    m.name
                );
                ModelState {
                    error: Some(e),
                    ..ModelState::off(outputs)
                }
            }
        };
        state.models.insert(m.name.0.clone(), st);
    }
}

/// Takes audio files and models finished off the frame (never waits for one), and keeps a
/// live input going.
pub(crate) fn finish_loading(
    mut state: ResMut<LayersState>,
    settings: Res<LayersSettings>,
    mut audio: NonSendMut<AudioIn>,
) {
    let state = state.as_mut();
    keep_live_audio(state, &mut audio, settings.live, Instant::now());
    if let Some(result) = state.audio_loading.poll() {
        match result {
            Ok((samples, rate)) => {
                info!(
                    "audio file decoded: {:.1} s at {rate} Hz",
                    samples.len() as f64 / f64::from(rate.max(1))
                );
                // Joins the loop where scene time is, as if it had played from the start.
                let played = (state.now.max(0.0) * f64::from(rate)) as u64;
                play_file(state, &mut audio, samples, rate, played);
            }
            Err(e) => {
                let e = if audio.0.is_some() {
                    format!("{e}; the previous audio keeps playing")
                } else {
                    format!("{e}; audio layers are silent")
                };
                error!("{e}");
                state.audio_error = Some(e);
            }
        }
    }
    for (name, ms) in state.models.iter_mut() {
        let Some(result) = ms.building.poll() else {
            continue;
        };
        let outputs = state
            .file
            .models
            .iter()
            .find(|m| m.name.0 == *name)
            .map_or(ms.outputs.len(), |m| m.outputs);
        let started = result.and_then(|model| {
            ModelWorker::start(model, name).map_err(|e| format!("cannot start its worker: {e}"))
        });
        match started {
            Ok(worker) => {
                info!("model `{name}` ready");
                ms.worker = Some(std::sync::Mutex::new(worker));
                ms.inline = None;
                ms.error = None;
                ms.reload_error = None;
                ms.outputs.resize(outputs, 0.0);
            }
            Err(e) if ms.worker.is_some() || ms.inline.is_some() => {
                error!("model `{name}`: {e}; the last good model keeps running");
                ms.reload_error = Some(e);
            }
            Err(e) => {
                error!("model `{name}`: {e}; its layers are off, the show goes on");
                ms.error = Some(e);
            }
        }
    }
}

/// Live input reopen waits: 0.3 s doubling to 30 s (the network back-off, scaled).
const REOPEN_BACKOFF_SCALE: u32 = 30;

fn no_input(e: &str) -> String {
    format!("no audio input ({e}); audio layers are silent, file sources still work")
}

/// Takes a live input once its thread has opened it. A live input that stopped (device
/// unplugged, stream invalidated) is reported, then reopened (off the frame too) after a
/// growing wait, so a device that keeps failing is not hammered; a set that starts without
/// a device stays silent as before.
fn keep_live_audio(state: &mut LayersState, audio: &mut AudioIn, live: bool, now: Instant) {
    if let Some(AudioSource::Opening(opening)) = audio.0.as_mut() {
        if let Some(opened) = opening.poll() {
            took_live_audio(state, audio, opened, now);
        }
        return;
    }
    if let Some(fault) = audio.0.as_ref().and_then(AudioSource::take_fault) {
        audio.0 = None;
        let wait = state.audio_backoff.failed() * REOPEN_BACKOFF_SCALE;
        state.audio_retry = Some(now + wait);
        let e = format!(
            "audio input lost ({fault}); reopening in {:.1} s",
            wait.as_secs_f32()
        );
        error!("{e}");
        state.audio_error = Some(e);
        return;
    }
    let Some(at) = state.audio_retry else {
        return;
    };
    if now < at || audio.0.is_some() || !live {
        return;
    }
    let Some(AudioDef::Live { device }) = &state.file.audio else {
        state.audio_retry = None;
        return;
    };
    // `audio_retry` stays set while it opens: the result is a reopen's.
    match AudioSource::open_live(device.as_deref()) {
        Ok(opening) => audio.0 = Some(opening),
        Err(e) => reopen_failed(state, &e, now),
    }
}

/// A live input's thread has opened it, or could not.
fn took_live_audio(
    state: &mut LayersState,
    audio: &mut AudioIn,
    opened: Result<AudioSource, String>,
    now: Instant,
) {
    if !matches!(state.file.audio, Some(AudioDef::Live { .. })) {
        // The set moved on to a file (or to no audio) while the input opened.
        audio.0 = None;
        return;
    }
    let reopen = state.audio_retry.is_some();
    match opened {
        Ok(src) => {
            if reopen {
                info!("audio input back at {} Hz", src.rate());
            } else {
                info!("audio input at {} Hz", src.rate());
            }
            state.analyzer = Some(Analyzer::new(src.rate()));
            audio.0 = Some(src);
            state.audio_error = None;
            state.audio_retry = None;
            state.audio_backoff.reset();
        }
        Err(e) if reopen => {
            audio.0 = None;
            reopen_failed(state, &e, now);
        }
        Err(e) => {
            audio.0 = None;
            let e = no_input(&e);
            warn!("{e}");
            state.audio_error = Some(e);
        }
    }
}

fn reopen_failed(state: &mut LayersState, e: &str, now: Instant) {
    let wait = state.audio_backoff.failed() * REOPEN_BACKOFF_SCALE;
    state.audio_retry = Some(now + wait);
    let e = format!(
        "audio input lost; reopening failed ({e}); retrying in {:.1} s",
        wait.as_secs_f32()
    );
    warn!("{e}");
    state.audio_error = Some(e);
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
