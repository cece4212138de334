//! The frame's sensing (in `BacklotSystems::Layers`, after control, before the scene): audio
//! analysis, tempo, performers and models, everything a layer's feature reads.

mod models;
mod performers;
mod tempo;

use backlot_net::PerformerSample;
use backlot_params::{ParamRegistry, ParamValue};
use bevy::prelude::*;

use crate::state::{AudioIn, LayersState};

/// Audio, tempo, performers and models for this frame.
#[allow(clippy::too_many_arguments)]
pub(crate) fn sense(
    mut state: ResMut<LayersState>,
    mut audio: NonSendMut<AudioIn>,
    time: Res<Time>,
    mut registry: ResMut<ParamRegistry>,
    mut samples: MessageReader<PerformerSample>,
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
    analyze_audio(state, &mut audio, now);
    tempo::follow(state, &mut registry, now);
    publish_audio(state, &mut registry);
    performers::track(state, samples.read(), now);
    models::run(state, now);
}

/// Feeds this frame's audio to the analyzer and notes a new onset.
fn analyze_audio(state: &mut LayersState, audio: &mut AudioIn, now: f64) {
    if let (Some(src), Some(an)) = (audio.0.as_mut(), state.analyzer.as_mut()) {
        let samples = src.take(now);
        an.push(&samples);
        state.features = an.now;
    }
    state.onset_now =
        state.features.last_onset.is_some() && state.features.last_onset != state.onset_seen;
    state.onset_seen = state.features.last_onset;
}

/// Publishes the audio features as read-only parameters.
fn publish_audio(state: &LayersState, registry: &mut ParamRegistry) {
    let f = state.features;
    let _ = registry.set_status(
        "/layers/audio/rms",
        ParamValue::Float((f.rms * 2.0).min(1.0)),
    );
    let _ = registry.set_status("/layers/audio/bpm", ParamValue::Float(f.bpm.unwrap_or(0.0)));
    for (b, v) in f.bands.iter().enumerate() {
        let _ = registry.set_status(&format!("/layers/audio/band{b}"), ParamValue::Float(*v));
    }
}
