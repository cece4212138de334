//! How layer values combine, Bevy-free. Per parameter, from the scene base, each active
//! layer in file order: Add → below + w·(v − min); Multiply → below·(1 − w + w·v);
//! Max → max(below, mix(below, v, w)); Crossfade → mix(below, v, w). Colours and vectors
//! combine per component. Muted layers are skipped; while any layer is soloed, only soloed
//! layers play.

use backlot_params::ParamValue;

use crate::format::Blend;

/// One layer's contribution to one parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    /// How it combines.
    pub blend: Blend,
    /// 0..1.
    pub weight: f32,
    /// Its value (same type as the parameter).
    pub value: ParamValue,
    /// Its zero (the target's `min`, or black): Add adds what is above it.
    pub zero: ParamValue,
}

fn parts(v: &ParamValue) -> Option<Vec<f32>> {
    match v {
        ParamValue::Float(f) => Some(vec![*f]),
        ParamValue::Int(i) => Some(vec![*i as f32]),
        ParamValue::Color(c) | ParamValue::Vec3(c) => Some(c.to_vec()),
        _ => None,
    }
}

fn rebuild(like: &ParamValue, p: &[f32]) -> ParamValue {
    match like {
        ParamValue::Float(_) => ParamValue::Float(p[0]),
        ParamValue::Int(_) => ParamValue::Int(p[0].round() as i32),
        ParamValue::Color(_) => ParamValue::Color([p[0], p[1], p[2]]),
        ParamValue::Vec3(_) => ParamValue::Vec3([p[0], p[1], p[2]]),
        other => other.clone(),
    }
}

/// Combines contributions over `base`.
pub fn combine(base: &ParamValue, contributions: &[Contribution]) -> ParamValue {
    let Some(mut r) = parts(base) else {
        // Booleans, enums, triggers: the last full-weight crossfade wins.
        return contributions
            .iter()
            .rev()
            .find(|c| c.weight >= 0.5)
            .map_or_else(|| base.clone(), |c| c.value.clone());
    };
    for c in contributions {
        let (Some(v), Some(z)) = (parts(&c.value), parts(&c.zero)) else {
            continue;
        };
        if v.len() != r.len() || z.len() != r.len() {
            continue;
        }
        let w = c.weight.clamp(0.0, 1.0);
        for i in 0..r.len() {
            let below = r[i];
            r[i] = match c.blend {
                Blend::Add => below + w * (v[i] - z[i]),
                Blend::Multiply => below * (1.0 - w + w * v[i]),
                Blend::Max => below.max(below + (v[i] - below) * w),
                Blend::Crossfade => below + (v[i] - below) * w,
            };
        }
    }
    rebuild(base, &r)
}

/// Which layers play: not muted, and soloed when any is.
pub fn active(layers: &[(bool, bool)]) -> Vec<bool> {
    let any_solo = layers.iter().any(|(_, solo)| *solo);
    layers
        .iter()
        .map(|(mute, solo)| !mute && (!any_solo || *solo))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(blend: Blend, weight: f32, v: f32) -> Contribution {
        Contribution {
            blend,
            weight,
            value: ParamValue::Float(v),
            zero: ParamValue::Float(0.0),
        }
    }

    #[test]
    fn blends_compute_as_documented() {
        let base = ParamValue::Float(100.0);
        assert_eq!(
            combine(&base, &[c(Blend::Add, 0.5, 40.0)]),
            ParamValue::Float(120.0)
        );
        assert_eq!(
            combine(&base, &[c(Blend::Multiply, 1.0, 0.25)]),
            ParamValue::Float(25.0)
        );
        assert_eq!(
            combine(&base, &[c(Blend::Multiply, 0.5, 0.0)]),
            ParamValue::Float(50.0)
        );
        assert_eq!(
            combine(&base, &[c(Blend::Max, 1.0, 80.0)]),
            ParamValue::Float(100.0)
        );
        assert_eq!(
            combine(&base, &[c(Blend::Max, 0.5, 300.0)]),
            ParamValue::Float(200.0)
        );
        assert_eq!(
            combine(&base, &[c(Blend::Crossfade, 0.25, 200.0)]),
            ParamValue::Float(125.0)
        );
        // In order: (100 + 40) × 0.5, then crossfade half way to 0.
        let stacked = combine(
            &base,
            &[
                c(Blend::Add, 1.0, 40.0),
                c(Blend::Multiply, 1.0, 0.5),
                c(Blend::Crossfade, 0.5, 0.0),
            ],
        );
        assert_eq!(stacked, ParamValue::Float(35.0));
        // Weight 0 is a no-op for every blend.
        for b in [Blend::Add, Blend::Multiply, Blend::Max, Blend::Crossfade] {
            assert_eq!(combine(&base, &[c(b, 0.0, 7.0)]), base, "{b:?}");
        }
        let colour = combine(
            &ParamValue::Color([1.0, 0.0, 0.0]),
            &[Contribution {
                blend: Blend::Crossfade,
                weight: 0.5,
                value: ParamValue::Color([0.0, 0.0, 1.0]),
                zero: ParamValue::Color([0.0; 3]),
            }],
        );
        assert_eq!(colour, ParamValue::Color([0.5, 0.0, 0.5]));
    }

    #[test]
    fn mute_and_solo() {
        assert_eq!(
            active(&[(false, false), (true, false), (false, false)]),
            vec![true, false, true]
        );
        assert_eq!(
            active(&[(false, false), (false, true), (true, true)]),
            vec![false, true, false]
        );
    }
}
