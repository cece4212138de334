//! The tempo clock: tap tempo, then following the audio, MIDI clock or the internal BPM.

use backlot_params::{ParamRegistry, ParamValue};

use crate::format::TempoFollow;
use crate::state::LayersState;

/// Tempo: a tap, then the followed source; publishes beat and bar phase (and the BPM when
/// followed).
pub(super) fn follow(state: &mut LayersState, registry: &mut ParamRegistry, now: f64) {
    let Some(clock) = state.tempo.as_mut() else {
        return;
    };
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
