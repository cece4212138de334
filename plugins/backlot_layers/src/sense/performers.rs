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
    // Where samples arrive they are checked and counted; this keeps one that slipped
    // through (a NaN or a jump past f32) from making the speed NaN for good.
    let samples: Vec<(u32, Vec3)> = samples
        .filter(|s| s.is_plausible())
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
            if v.is_finite() {
                p.speed += (v - p.speed) * 0.3;
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::PerformerDef;

    fn at(x: f32) -> PerformerSample {
        PerformerSample {
            id: 1,
            position: Vec3::new(x, 0.0, 0.0),
            source: PerformerSource::Osc,
        }
    }

    #[test]
    fn speed_stays_finite_through_bad_samples_and_a_zero_interval() {
        let mut state = LayersState::default();
        state.file.performers = vec![PerformerDef {
            id: 1,
            freed: false,
        }];
        track(&mut state, [at(0.0)].iter(), 0.0);
        // Two samples in the same instant: no division by zero.
        track(&mut state, [at(1.0), at(2.0)].iter(), 0.0);
        let p = &state.performers[&1];
        assert_eq!((p.position, p.speed), (Vec3::new(2.0, 0.0, 0.0), 0.0));
        // Not finite, or far past the stage: ignored.
        track(
            &mut state,
            [at(f32::NAN), at(f32::MAX), at(-f32::MAX), at(f32::INFINITY)].iter(),
            0.5,
        );
        let p = &state.performers[&1];
        assert_eq!((p.position, p.speed), (Vec3::new(2.0, 0.0, 0.0), 0.0));
        // One metre in the second since the last good sample: the speed rises toward 1 m/s.
        track(&mut state, [at(3.0)].iter(), 1.0);
        let p = &state.performers[&1];
        assert_eq!(p.position, Vec3::new(3.0, 0.0, 0.0));
        assert!(
            p.speed.is_finite() && p.speed > 0.0 && p.speed <= 1.0,
            "{}",
            p.speed
        );
    }
}
