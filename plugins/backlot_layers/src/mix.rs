//! Every layer's value blended over the base (a cue's value, else the scene's) and written to its parameters — except
//! where a controller or the operator drives the parameter (the arbitration rule: they sit
//! above the layers).

use backlot_params::{Arbiter, Input, ParamKind, ParamRegistry, ParamValue, Source};
use bevy::prelude::*;

use crate::format::{Feature, PerformerFeature, Rate, TargetDef};
use crate::signals::{smooth_noise, wave};
use crate::stack::{Contribution, active, combine};
use crate::state::LayersState;

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
    mut arbiter: ResMut<Arbiter>,
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
    // What the layers drove last frame and drive no more (a layer switched off, a target
    // gone with a reload) goes back to the cue's base or the scene's value.
    let before = std::mem::take(&mut state.written);
    for param in before.into_keys() {
        if !per_param.iter().any(|(p, _)| *p == param) {
            arbiter.forget_later(param, Source::Layers);
        }
    }
    for (param, contributions) in per_param {
        let Some(spec) = registry.entry(&param).map(|e| e.spec.clone()) else {
            continue;
        };
        // Over the cue's base where a cue list plays one, else over the scene's value.
        let base = arbiter.base(&param).unwrap_or(&spec.default);
        let Ok(value) = spec.coerce(combine(base, &contributions)) else {
            continue;
        };
        // The arbiter puts controllers and the operator above the layers.
        if arbiter.driver(&param).tier() <= Source::Layers.tier() {
            state.written.insert(param.clone(), value.clone());
        }
        arbiter.push(Input {
            address: param,
            value,
            source: Source::Layers,
            slew_ms: 0.0,
            priority: 0,
        });
    }
}
