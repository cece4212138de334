//! Lens maths: focal length → field of view, lens tables (normalised zoom/focus encoder →
//! focal length, focus distance, distortion), Brown-Conrady distortion and the overscan
//! that covers it.

use serde::{Deserialize, Serialize};

/// Horizontal field of view in degrees of a pinhole lens: 2 atan(sensor / 2f).
pub fn hfov_from_focal(focal_mm: f32, sensor_width_mm: f32) -> f32 {
    (2.0 * (sensor_width_mm / (2.0 * focal_mm)).atan()).to_degrees()
}

/// Focal length in mm that gives a horizontal field of view on a sensor.
pub fn focal_from_hfov(hfov_deg: f32, sensor_width_mm: f32) -> f32 {
    sensor_width_mm / (2.0 * (hfov_deg.to_radians() * 0.5).tan())
}

/// Brown-Conrady coefficients, on image coordinates normalised by focal length.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Distortion {
    /// Radial r².
    pub k1: f32,
    /// Radial r⁴.
    pub k2: f32,
    /// Radial r⁶.
    pub k3: f32,
    /// Tangential.
    pub p1: f32,
    /// Tangential.
    pub p2: f32,
}

impl Distortion {
    /// Whether every coefficient is zero.
    pub fn is_none(&self) -> bool {
        *self == Self::default()
    }

    /// Where an ideal (pinhole) point lands through the lens.
    pub fn apply(&self, x: f32, y: f32) -> (f32, f32) {
        let r2 = x * x + y * y;
        let radial = 1.0 + self.k1 * r2 + self.k2 * r2 * r2 + self.k3 * r2 * r2 * r2;
        (
            x * radial + 2.0 * self.p1 * x * y + self.p2 * (r2 + 2.0 * x * x),
            y * radial + self.p1 * (r2 + 2.0 * y * y) + 2.0 * self.p2 * x * y,
        )
    }

    /// The ideal point that lands at `(xd, yd)`: fixed-point iteration, which converges for
    /// the moderate distortion of production lenses.
    pub fn undistort(&self, xd: f32, yd: f32) -> (f32, f32) {
        let (mut x, mut y) = (xd, yd);
        for _ in 0..40 {
            let (fx, fy) = self.apply(x, y);
            let (ex, ey) = (fx - xd, fy - yd);
            x -= ex;
            y -= ey;
            if ex.abs() < 1e-7 && ey.abs() < 1e-7 {
                break;
            }
        }
        (x, y)
    }

    /// Extra overscan, percent of the image half-width, that the pinhole inner frustum
    /// needs so every pixel of the distorted image sees rendered content. `half_w` is
    /// tan(hfov/2); `aspect` width over height.
    pub fn covering_overscan_pct(&self, half_w: f32, aspect: f32) -> f32 {
        if self.is_none() {
            return 0.0;
        }
        let half_h = half_w / aspect;
        let mut needed = 1.0f32;
        // Walk the image border: the ideal ray behind each border pixel must be rendered.
        for i in 0..=32 {
            let s = -1.0 + 2.0 * i as f32 / 32.0;
            for (xd, yd) in [
                (s * half_w, half_h),
                (s * half_w, -half_h),
                (half_w, s * half_h),
                (-half_w, s * half_h),
            ] {
                let (x, y) = self.undistort(xd, yd);
                needed = needed.max(x.abs() / half_w).max(y.abs() / half_h);
            }
        }
        (needed - 1.0) * 100.0
    }

    fn lerp(&self, other: &Self, t: f32) -> Self {
        let l = |a: f32, b: f32| a + (b - a) * t;
        Self {
            k1: l(self.k1, other.k1),
            k2: l(self.k2, other.k2),
            k3: l(self.k3, other.k3),
            p1: l(self.p1, other.p1),
            p2: l(self.p2, other.p2),
        }
    }
}

/// One calibrated zoom position of a lens table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoomPoint {
    /// Zoom encoder, normalised 0..1 over the tracker's raw range.
    pub zoom: f32,
    /// Focal length there, mm.
    pub focal_mm: f32,
    /// Distortion there.
    #[serde(default)]
    pub distortion: Distortion,
}

/// One calibrated focus position.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FocusPoint {
    /// Focus encoder, normalised 0..1.
    pub focus: f32,
    /// Focus distance there, metres.
    pub distance_m: f32,
}

/// The lens at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LensState {
    /// mm.
    pub focal_mm: f32,
    /// Horizontal field of view, degrees.
    pub hfov_deg: f32,
    /// Distortion at this zoom.
    pub distortion: Distortion,
    /// Focus distance, metres, when the table has focus points.
    pub focus_distance_m: Option<f32>,
}

/// Piecewise-linear interpolation over points sorted by `x`, clamped at the ends.
pub fn interpolate<T>(
    points: &[T],
    x: f32,
    key: impl Fn(&T) -> f32,
) -> Option<(usize, usize, f32)> {
    let first = points.first()?;
    if points.len() == 1 || x <= key(first) {
        return Some((0, 0, 0.0));
    }
    for i in 1..points.len() {
        let (a, b) = (key(&points[i - 1]), key(&points[i]));
        if x <= b {
            let t = if b > a { (x - a) / (b - a) } else { 1.0 };
            return Some((i - 1, i, t));
        }
    }
    let last = points.len() - 1;
    Some((last, last, 0.0))
}

/// Evaluates a lens table at normalised zoom and focus.
pub fn evaluate_table(
    sensor_width_mm: f32,
    zoom: &[ZoomPoint],
    focus: &[FocusPoint],
    zoom_norm: f32,
    focus_norm: f32,
) -> Option<LensState> {
    let (a, b, t) = interpolate(zoom, zoom_norm, |p| p.zoom)?;
    let focal = zoom[a].focal_mm + (zoom[b].focal_mm - zoom[a].focal_mm) * t;
    let distortion = zoom[a].distortion.lerp(&zoom[b].distortion, t);
    let focus_distance_m = interpolate(focus, focus_norm, |p| p.focus)
        .map(|(a, b, t)| focus[a].distance_m + (focus[b].distance_m - focus[a].distance_m) * t);
    Some(LensState {
        focal_mm: focal,
        hfov_deg: hfov_from_focal(focal, sensor_width_mm),
        distortion,
        focus_distance_m,
    })
}
