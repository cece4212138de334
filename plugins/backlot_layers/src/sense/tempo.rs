//! The tempo clock: tap tempo, then following the audio, MIDI clock or the internal BPM.

use backlot_params::{ParamRegistry, ParamValue, addresses};

use crate::format::TempoFollow;
use crate::state::LayersState;

/// Tempo: a tap, then the followed source; publishes beat and bar phase (and the BPM when
/// followed).
pub(super) fn follow(state: &mut LayersState, registry: &mut ParamRegistry, now: f64) {
    let Some(clock) = state.tempo.as_mut() else {
        return;
    };
    let (tapped, seen) = registry.trigger_fired(addresses::LAYERS_TEMPO_TAP, state.tap_generation);
    if tapped {
        state.tap_generation = seen;
        clock.tap(now);
        let _ = registry.set(
            addresses::LAYERS_TEMPO_BPM,
            ParamValue::Float(clock.bpm as f32),
        );
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
            if let Some(bpm) = registry
                .get(addresses::TEMPO_BPM)
                .ok()
                .and_then(ParamValue::as_f32)
            {
                clock.bpm = f64::from(bpm);
            }
            clock.advance(now);
            if let Some(beat) = registry
                .get(addresses::TEMPO_BEAT)
                .ok()
                .and_then(ParamValue::as_f32)
            {
                clock.lock_phase(beat);
            }
        }
        TempoFollow::Internal => {
            if let Some(bpm) = registry
                .get(addresses::LAYERS_TEMPO_BPM)
                .ok()
                .and_then(ParamValue::as_f32)
            {
                clock.bpm = f64::from(bpm);
            }
            clock.advance(now);
        }
    }
    let (beat, bar, bpm) = (clock.beat_phase(), clock.bar_phase(), clock.bpm as f32);
    let _ = registry.set_status(addresses::LAYERS_TEMPO_BEAT, ParamValue::Float(beat));
    let _ = registry.set_status(addresses::LAYERS_TEMPO_BAR, ParamValue::Float(bar));
    if state.file.tempo.follow != TempoFollow::Internal {
        let _ = registry.set(addresses::LAYERS_TEMPO_BPM, ParamValue::Float(bpm));
    }
}
