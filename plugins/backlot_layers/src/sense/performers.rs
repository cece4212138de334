//! Performer tracks: positions and smoothed speeds from the samples the layer set follows.

use backlot_net::{PerformerSample, PerformerSource};
use bevy::prelude::*;

use crate::state::LayersState;

/// Performers: OSC positions and FreeD ids no camera follows, whoever measured them.
pub(super) fn track<'a>(
    state: &mut LayersState,
    samples: impl Iterator<Item = &'a PerformerSample>,
    now: f64,
) {
    let samples: Vec<(u32, Vec3)> = samples
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
}
