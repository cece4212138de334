//! A controller input's glide (slew) to its value: where it started and how long it takes,
//! and the value on the way.

use crate::ParamValue;

/// A glide under way.
#[derive(Debug, Clone)]
pub(super) struct Glide {
    pub from: ParamValue,
    pub to: ParamValue,
    pub start: f64,
    pub seconds: f64,
}

/// Between `a` and `b` by `t` (0..=1); values that do not interpolate take `b`.
pub(super) fn lerp(a: &ParamValue, b: &ParamValue, t: f32) -> ParamValue {
    let l = |x: f32, y: f32| x + (y - x) * t;
    match (a, b) {
        (ParamValue::Float(x), ParamValue::Float(y)) => ParamValue::Float(l(*x, *y)),
        (ParamValue::Int(x), ParamValue::Int(y)) => {
            ParamValue::Int(l(*x as f32, *y as f32).round() as i32)
        }
        (ParamValue::Color(x), ParamValue::Color(y)) => {
            ParamValue::Color([0, 1, 2].map(|i| l(x[i], y[i])))
        }
        (ParamValue::Vec3(x), ParamValue::Vec3(y)) => {
            ParamValue::Vec3([0, 1, 2].map(|i| l(x[i], y[i])))
        }
        _ => b.clone(),
    }
}
