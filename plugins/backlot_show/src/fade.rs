//! How one value moves from where it stands to a look's value: the fade curves and the
//! interpolation per [`ParamValue`] kind. Pure functions of the fade's time fraction.
//!
//! Floats and vectors interpolate as numbers; colours interpolate in linear light (a
//! [`ParamValue::Color`] is sRGB-encoded, and a fade through sRGB numbers dips in
//! brightness halfway between two saturated colours). Everything else — bools, ints,
//! enums — cannot pass through values in between and switches at the fade's switch point;
//! triggers fire there (see [`crate::cue_list`]). Ints switch too: in backlot they count or
//! choose (modes, indices), and a fade through the modes between two is never wanted.

use backlot_params::ParamValue;
use serde::{Deserialize, Serialize};

/// Where in a fade (0..=1 of its time) values that cannot interpolate switch, unless a
/// cue says otherwise: halfway, where a crossfade is as much the new look as the old.
pub const DEFAULT_SWITCH_AT: f32 = 0.5;

/// The shape of a fade in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum FadeCurve {
    /// Constant speed.
    #[default]
    Linear,
    /// Moves at once and lands softly (quadratic ease-out): a GO is seen immediately.
    Ease,
    /// Starts and lands softly (quadratic ease-in-out: 2t² to halfway, mirrored after).
    S,
}

impl FadeCurve {
    /// The curve at time fraction `t` (clamped to 0..=1); 0 at 0, 1 at 1, never decreasing.
    pub fn apply(self, t: f32) -> f32 {
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        match self {
            FadeCurve::Linear => t,
            FadeCurve::Ease => 1.0 - (1.0 - t) * (1.0 - t),
            // Two monotonic halves meeting exactly at 0.5 (a cubic smoothstep's product of a
            // rising and a falling term can step back by an ulp).
            FadeCurve::S if t < 0.5 => 2.0 * t * t,
            FadeCurve::S => 1.0 - 2.0 * (1.0 - t) * (1.0 - t),
        }
    }
}

/// Whether a value of this kind moves through values in between during a fade.
pub fn interpolates(value: &ParamValue) -> bool {
    matches!(
        value,
        ParamValue::Float(_) | ParamValue::Color(_) | ParamValue::Vec3(_)
    )
}

/// The value a fade from `from` to `to` shows at time fraction `t` (0..=1) with `curve`;
/// values that do not interpolate switch once `t` reaches `switch_at`. At `t` ≤ 0 it is
/// `from` (unless `switch_at` is 0 and the kind switches), at `t` ≥ 1 exactly `to`. With
/// no `from` (nothing known of the parameter) the target shows at once.
pub fn blend(
    from: Option<&ParamValue>,
    to: &ParamValue,
    t: f32,
    curve: FadeCurve,
    switch_at: f32,
) -> ParamValue {
    let Some(from) = from else {
        return to.clone();
    };
    let t = if t.is_nan() { 0.0 } else { t };
    if t >= 1.0 {
        return to.clone();
    }
    if !interpolates(to) {
        return if t >= switch_at {
            to.clone()
        } else {
            from.clone()
        };
    }
    if t <= 0.0 {
        return from.clone();
    }
    let k = curve.apply(t);
    match to {
        ParamValue::Float(b) => match from.as_f32() {
            Some(a) => ParamValue::Float(lerp(a, *b, k)),
            None => switch(from, to, t, switch_at),
        },
        ParamValue::Vec3(b) => match from.as_vec3() {
            Some(a) => ParamValue::Vec3([0, 1, 2].map(|i| lerp(a[i], b[i], k))),
            None => switch(from, to, t, switch_at),
        },
        ParamValue::Color(b) => match from.as_vec3() {
            Some(a) => ParamValue::Color(mix_srgb(a, *b, k)),
            None => switch(from, to, t, switch_at),
        },
        _ => switch(from, to, t, switch_at),
    }
}

/// One value's fade made ready to mix, once per fade rather than every frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Span {
    /// Mixed as [`blend`] mixes.
    Plain,
    /// A colour between these two ends, decoded to linear light (decoding both ends every
    /// frame was most of a frame of fading colours).
    Colour {
        /// Where it starts.
        from: [f32; 3],
        /// Where it goes.
        to: [f32; 3],
    },
}

impl Span {
    /// The span from `from` to `to`.
    pub fn new(from: Option<&ParamValue>, to: &ParamValue) -> Self {
        match (to, from.and_then(ParamValue::as_vec3)) {
            (ParamValue::Color(b), Some(a)) => Span::Colour {
                from: a.map(srgb_to_linear),
                to: b.map(srgb_to_linear),
            },
            _ => Span::Plain,
        }
    }
}

/// [`blend`] with the ends prepared in `span` (made by [`Span::new`] from the same `from`
/// and `to`): the same value.
pub fn blend_span(
    span: &Span,
    from: Option<&ParamValue>,
    to: &ParamValue,
    t: f32,
    curve: FadeCurve,
    switch_at: f32,
) -> ParamValue {
    match span {
        Span::Colour { from: a, to: b } if from.is_some() && t > 0.0 && t < 1.0 => {
            let k = curve.apply(t);
            ParamValue::Color([0, 1, 2].map(|i| linear_to_srgb(lerp(a[i], b[i], k))))
        }
        _ => blend(from, to, t, curve, switch_at),
    }
}

fn switch(from: &ParamValue, to: &ParamValue, t: f32, switch_at: f32) -> ParamValue {
    if t >= switch_at {
        to.clone()
    } else {
        from.clone()
    }
}

/// Between `a` and `b` by `k`, never past either (rounding in `b − a` could step an ulp
/// beyond `b` just before the end, and a fade would then turn back at its last frame).
fn lerp(a: f32, b: f32, k: f32) -> f32 {
    (a + (b - a) * k).clamp(a.min(b), a.max(b))
}

/// Two sRGB-encoded colours mixed by `k` in linear light, encoded back to sRGB.
pub fn mix_srgb(a: [f32; 3], b: [f32; 3], k: f32) -> [f32; 3] {
    [0, 1, 2].map(|i| {
        let mixed = lerp(srgb_to_linear(a[i]), srgb_to_linear(b[i]), k);
        linear_to_srgb(mixed)
    })
}

/// The sRGB transfer function, decoding (IEC 61966-2-1); negative values mirror.
pub fn srgb_to_linear(c: f32) -> f32 {
    let m = c.abs();
    let v = if m <= 0.04045 {
        m / 12.92
    } else {
        ((m + 0.055) / 1.055).powf(2.4)
    };
    v.copysign(c)
}

/// The sRGB transfer function, encoding; negative values mirror.
pub fn linear_to_srgb(c: f32) -> f32 {
    let m = c.abs();
    let v = if m <= 0.003_130_8 {
        m * 12.92
    } else {
        1.055 * m.powf(1.0 / 2.4) - 0.055
    };
    v.copysign(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CURVES: [FadeCurve; 3] = [FadeCurve::Linear, FadeCurve::Ease, FadeCurve::S];

    /// Two values of one kind: every kind a look can hold but triggers.
    fn same_kind() -> impl Strategy<Value = (ParamValue, ParamValue)> {
        let n = || -1000.0f32..1000.0;
        let c = || (0.0f32..=1.0, 0.0f32..=1.0, 0.0f32..=1.0);
        let v = || (n(), n(), n());
        prop_oneof![
            (n(), n()).prop_map(|(a, b)| (ParamValue::Float(a), ParamValue::Float(b))),
            (c(), c()).prop_map(|((r, g, b), (s, h, k))| {
                (ParamValue::Color([r, g, b]), ParamValue::Color([s, h, k]))
            }),
            (v(), v()).prop_map(|((x, y, z), (u, w, q))| {
                (ParamValue::Vec3([x, y, z]), ParamValue::Vec3([u, w, q]))
            }),
            (-100i32..100, -100i32..100)
                .prop_map(|(a, b)| (ParamValue::Int(a), ParamValue::Int(b))),
            (any::<bool>(), any::<bool>())
                .prop_map(|(a, b)| (ParamValue::Bool(a), ParamValue::Bool(b))),
            ("[a-z]{1,6}", "[a-z]{1,6}")
                .prop_map(|(a, b)| (ParamValue::Enum(a), ParamValue::Enum(b))),
        ]
    }

    #[test]
    fn curves_start_at_zero_and_end_at_one() {
        for c in CURVES {
            assert_eq!(c.apply(0.0), 0.0, "{c:?}");
            assert_eq!(c.apply(1.0), 1.0, "{c:?}");
            assert_eq!(c.apply(-3.0), 0.0, "{c:?}");
            assert_eq!(c.apply(7.0), 1.0, "{c:?}");
            assert_eq!(c.apply(f32::NAN), 0.0, "{c:?}");
        }
        // The shapes differ where it matters: ease is ahead of linear, S behind then ahead.
        assert!(FadeCurve::Ease.apply(0.25) > 0.25);
        assert!(FadeCurve::S.apply(0.25) < 0.25);
        assert!(FadeCurve::S.apply(0.75) > 0.75);
        assert_eq!(FadeCurve::S.apply(0.5), 0.5);
    }

    #[test]
    fn a_colour_fades_in_linear_light() {
        // Red to green: halfway, each channel is half the light, which sRGB encodes as ~0.735.
        let mid = blend(
            Some(&ParamValue::Color([1.0, 0.0, 0.0])),
            &ParamValue::Color([0.0, 1.0, 0.0]),
            0.5,
            FadeCurve::Linear,
            DEFAULT_SWITCH_AT,
        );
        let ParamValue::Color([r, g, b]) = mid else {
            panic!("a colour fades to a colour, got {mid:?}");
        };
        assert!(
            (r - 0.735).abs() < 0.002 && (g - 0.735).abs() < 0.002,
            "{r} {g}"
        );
        assert_eq!(b, 0.0);
    }

    #[test]
    fn discrete_values_switch_at_the_switch_point() {
        let (a, b) = (ParamValue::Bool(false), ParamValue::Bool(true));
        let at = |t: f32, s: f32| blend(Some(&a), &b, t, FadeCurve::Linear, s);
        assert_eq!(at(0.49, 0.5), a);
        assert_eq!(at(0.5, 0.5), b);
        assert_eq!(at(0.0, 0.0), b, "switch point 0: the new value on GO");
        assert_eq!(at(0.99, 1.0), a, "switch point 1: at the end of the fade");
        assert_eq!(at(1.0, 1.0), b);
        // Ints switch too, they do not count through the values between.
        let i = blend(
            Some(&ParamValue::Int(0)),
            &ParamValue::Int(10),
            0.3,
            FadeCurve::Linear,
            0.5,
        );
        assert_eq!(i, ParamValue::Int(0));
    }

    #[test]
    fn nothing_known_shows_the_target_at_once() {
        let to = ParamValue::Float(3.0);
        assert_eq!(blend(None, &to, 0.0, FadeCurve::S, 0.5), to);
    }

    proptest! {
        #[test]
        fn the_start_at_zero_and_the_target_at_one(
            (from, to) in same_kind(),
            c in 0usize..3,
            switch_at in 0.01f32..=1.0,
        ) {
            let curve = CURVES[c];
            prop_assert_eq!(blend(Some(&from), &to, 0.0, curve, switch_at), from.clone());
            prop_assert_eq!(blend(Some(&from), &to, 1.0, curve, switch_at), to.clone());
            prop_assert_eq!(blend(Some(&from), &to, 1.5, curve, switch_at), to.clone());
        }

        #[test]
        fn a_linear_float_fade_never_turns_back(
            a in -1.0e6f32..1.0e6,
            b in -1.0e6f32..1.0e6,
            steps in proptest::collection::vec(0.0f32..=1.0, 2..40),
        ) {
            let mut ts = steps;
            ts.sort_by(f32::total_cmp);
            let (from, to) = (ParamValue::Float(a), ParamValue::Float(b));
            let values: Vec<f32> = ts
                .iter()
                .map(|t| {
                    blend(Some(&from), &to, *t, FadeCurve::Linear, 0.5)
                        .as_f32()
                        .unwrap_or(f32::NAN)
                })
                .collect();
            for w in values.windows(2) {
                if b >= a {
                    prop_assert!(w[1] >= w[0], "{:?}", values);
                } else {
                    prop_assert!(w[1] <= w[0], "{:?}", values);
                }
            }
        }

        #[test]
        fn a_prepared_span_blends_as_blend(
            (from, to) in same_kind(),
            c in 0usize..3,
            t in -0.5f32..=1.5,
            switch_at in 0.0f32..=1.0,
        ) {
            let curve = CURVES[c];
            let span = Span::new(Some(&from), &to);
            prop_assert_eq!(
                blend_span(&span, Some(&from), &to, t, curve, switch_at),
                blend(Some(&from), &to, t, curve, switch_at)
            );
            prop_assert_eq!(blend_span(&span, None, &to, t, curve, switch_at), to.clone());
        }

        #[test]
        fn every_curve_is_monotonic(c in 0usize..3, x in 0.0f32..=1.0, y in 0.0f32..=1.0) {
            let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
            prop_assert!(CURVES[c].apply(lo) <= CURVES[c].apply(hi));
        }

        #[test]
        fn srgb_round_trips(c in 0.0f32..=1.0) {
            prop_assert!((linear_to_srgb(srgb_to_linear(c)) - c).abs() < 1e-5);
        }
    }
}
