//! The operations a processor chains, evaluated in `f64` per RGB triple. Each follows the
//! formula of the OCIO 2.x CPU renderer it stands for (`GammaOpCPU`, `LogOpCPU`,
//! `MatrixOpCPU`, `RangeOpCPU`, the ST 2084 built-ins), so results agree with
//! PyOpenColorIO to float rounding rather than to a LUT's interpolation.

/// A 3×3 matrix, rows first: `out[i] = Σ m[i][j] · in[j]`.
pub(crate) type M3 = [[f64; 3]; 3];

/// The identity matrix.
pub(crate) const IDENTITY: M3 = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];

/// `a · b`.
pub(crate) fn mul(a: &M3, b: &M3) -> M3 {
    let mut out = [[0.0; 3]; 3];
    for (i, row) in out.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = (0..3).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    out
}

/// `m · v`.
pub(crate) fn apply3(m: &M3, v: [f64; 3]) -> [f64; 3] {
    [0, 1, 2].map(|i| m[i][0] * v[0] + m[i][1] * v[1] + m[i][2] * v[2])
}

/// The inverse, or None when the matrix is singular.
pub(crate) fn invert(m: &M3) -> Option<M3> {
    let c = |i: usize, j: usize| {
        let (i1, i2) = ((i + 1) % 3, (i + 2) % 3);
        let (j1, j2) = ((j + 1) % 3, (j + 2) % 3);
        m[i1][j1] * m[i2][j2] - m[i1][j2] * m[i2][j1]
    };
    let det = m[0][0] * c(0, 0) + m[0][1] * c(0, 1) + m[0][2] * c(0, 2);
    if !det.is_finite() || det.abs() < 1e-300 {
        return None;
    }
    // Adjugate (transposed cofactors) over the determinant.
    Some([0, 1, 2].map(|i| [0, 1, 2].map(|j| c(j, i) / det)))
}

/// The inverse of a 4×4 matrix (rows first), by Gauss-Jordan with partial pivoting.
pub(crate) fn invert4(m: &[f64; 16]) -> Option<[f64; 16]> {
    let mut a = *m;
    let mut inv = [0.0; 16];
    for i in 0..4 {
        inv[i * 4 + i] = 1.0;
    }
    for col in 0..4 {
        let pivot = (col..4)
            .max_by(|&x, &y| a[x * 4 + col].abs().total_cmp(&a[y * 4 + col].abs()))
            .unwrap_or(col);
        if a[pivot * 4 + col].abs() < 1e-300 || !a[pivot * 4 + col].is_finite() {
            return None;
        }
        for k in 0..4 {
            a.swap(col * 4 + k, pivot * 4 + k);
            inv.swap(col * 4 + k, pivot * 4 + k);
        }
        let p = a[col * 4 + col];
        for k in 0..4 {
            a[col * 4 + k] /= p;
            inv[col * 4 + k] /= p;
        }
        for row in 0..4 {
            if row != col {
                let f = a[row * 4 + col];
                for k in 0..4 {
                    a[row * 4 + k] -= f * a[col * 4 + k];
                    inv[row * 4 + k] -= f * inv[col * 4 + k];
                }
            }
        }
    }
    Some(inv)
}

/// What a power curve does below zero (OCIO's `NegativeStyle`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Negative {
    /// Negative inputs become 0 (`clamp`, OCIO's BASIC style).
    Clamp,
    /// `-f(-x)` (`mirror`).
    Mirror,
    /// Negative inputs pass unchanged (`pass_thru`).
    PassThru,
}

/// One channel of a camera log curve (LogAffine when `linear` is None).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct LogChannel {
    /// Multiplies the log.
    pub log_slope: f64,
    /// Added after the log.
    pub log_offset: f64,
    /// Multiplies the linear value inside the log.
    pub lin_slope: f64,
    /// Added to the linear value inside the log.
    pub lin_offset: f64,
    /// LogCamera: the linear break point and the slope of the linear segment below it.
    pub linear: Option<(f64, f64)>,
}

/// Smallest argument a log is taken of, as OCIO (`FLT_MIN`).
const LOG_MIN: f64 = f32::MIN_POSITIVE as f64;

impl LogChannel {
    /// Linear → log.
    fn encode(&self, base: f64, x: f64) -> f64 {
        if let Some((lin_break, slope)) = self.linear
            && x < lin_break
        {
            return slope * x + self.linear_offset(base, lin_break, slope);
        }
        self.log_slope
            * (self.lin_slope * x + self.lin_offset)
                .max(LOG_MIN)
                .log(base)
            + self.log_offset
    }

    /// Log → linear.
    fn decode(&self, base: f64, y: f64) -> f64 {
        if let Some((lin_break, slope)) = self.linear {
            let log_break = self.log_break(base, lin_break);
            if y < log_break {
                return (y - self.linear_offset(base, lin_break, slope)) / slope;
            }
        }
        (base.powf((y - self.log_offset) / self.log_slope) - self.lin_offset) / self.lin_slope
    }

    /// The log value at the break point.
    fn log_break(&self, base: f64, lin_break: f64) -> f64 {
        self.log_slope * (self.lin_slope * lin_break + self.lin_offset).log(base) + self.log_offset
    }

    /// Offset of the linear segment so it meets the log at the break.
    fn linear_offset(&self, base: f64, lin_break: f64, slope: f64) -> f64 {
        self.log_break(base, lin_break) - slope * lin_break
    }

    /// The slope that makes the segments meet with equal slope (LogCamera's default).
    pub fn continuous_slope(&self, base: f64, lin_break: f64) -> f64 {
        self.log_slope * self.lin_slope
            / ((self.lin_slope * lin_break + self.lin_offset) * base.ln())
    }
}

/// One step of a processor.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    /// `out = m · in + offset` (alpha taken as 1, as OCIO does for RGB pixels).
    Matrix { m: M3, offset: [f64; 3] },
    /// `in^exponent` per channel.
    Power {
        exponent: [f64; 3],
        negative: Negative,
    },
    /// OCIO's moncurve (ExponentWithLinear): a power with a linear toe, e.g. the sRGB curve
    /// for gamma 2.4, offset 0.055. `to_linear` decodes.
    MonCurve {
        gamma: [f64; 3],
        offset: [f64; 3],
        mirror: bool,
        to_linear: bool,
    },
    /// Log curves per channel; `to_linear` decodes.
    Log {
        base: f64,
        channels: [LogChannel; 3],
        to_linear: bool,
    },
    /// SMPTE ST 2084 with linear 1.0 = 100 nits, mirrored about 0; `to_linear` decodes.
    Pq { to_linear: bool },
    /// `in · scale + offset`, clamped below `low` and above `high` where given.
    Range {
        scale: f64,
        offset: f64,
        low: Option<f64>,
        high: Option<f64>,
    },
}

// ST 2084 constants.
const M1: f64 = 0.25 * 2610.0 / 4096.0;
const M2: f64 = 128.0 * 2523.0 / 4096.0;
const C2: f64 = 32.0 * 2413.0 / 4096.0;
const C3: f64 = 32.0 * 2392.0 / 4096.0;
const C1: f64 = C3 - C2 + 1.0;

/// OCIO nudges moncurve parameters off their singular values (GammaOpUtils `EPS`).
const MONCURVE_EPS: f64 = 1e-6;

fn moncurve(x: f64, gamma: f64, offset: f64, to_linear: bool) -> f64 {
    let g = gamma.max(1.0 + MONCURVE_EPS);
    let o = offset.max(MONCURVE_EPS);
    if to_linear {
        let brk = o / (g - 1.0);
        let slope = (g - 1.0) / o * (o * g / ((g - 1.0) * (1.0 + o))).powf(g);
        if x <= brk {
            x * slope
        } else {
            ((x + o) / (1.0 + o)).powf(g)
        }
    } else {
        let brk = (o * g / ((g - 1.0) * (1.0 + o))).powf(g);
        let slope = ((g - 1.0) / o).powf(g - 1.0) * ((1.0 + o) / g).powf(g);
        if x <= brk {
            x * slope
        } else {
            x.powf(1.0 / g) * (1.0 + o) - o
        }
    }
}

fn pq(x: f64, to_linear: bool) -> f64 {
    let a = x.abs();
    let y = if to_linear {
        let p = a.powf(1.0 / M2);
        let den = C2 - C3 * p;
        // Past the curve's pole (codes near 2): the largest value rather than a NaN.
        if den <= 0.0 {
            f64::MAX
        } else {
            ((p - C1).max(0.0) / den).powf(1.0 / M1) * 100.0
        }
    } else {
        let l = (a * 0.01).powf(M1);
        ((C1 + C2 * l) / (1.0 + C3 * l)).max(0.0).powf(M2)
    };
    y.copysign(x)
}

impl Op {
    /// Applies the step to one pixel.
    pub fn apply(&self, rgb: [f64; 3]) -> [f64; 3] {
        match self {
            Op::Matrix { m, offset } => {
                let v = apply3(m, rgb);
                [v[0] + offset[0], v[1] + offset[1], v[2] + offset[2]]
            }
            Op::Power { exponent, negative } => [0, 1, 2].map(|c| {
                let (x, e) = (rgb[c], exponent[c]);
                match negative {
                    Negative::Clamp => x.max(0.0).powf(e),
                    Negative::Mirror => x.abs().powf(e).copysign(x),
                    Negative::PassThru if x > 0.0 => x.powf(e),
                    Negative::PassThru => x,
                }
            }),
            Op::MonCurve {
                gamma,
                offset,
                mirror,
                to_linear,
            } => [0, 1, 2].map(|c| {
                let x = rgb[c];
                if *mirror {
                    moncurve(x.abs(), gamma[c], offset[c], *to_linear).copysign(x)
                } else {
                    moncurve(x, gamma[c], offset[c], *to_linear)
                }
            }),
            Op::Log {
                base,
                channels,
                to_linear,
            } => [0, 1, 2].map(|c| {
                if *to_linear {
                    channels[c].decode(*base, rgb[c])
                } else {
                    channels[c].encode(*base, rgb[c])
                }
            }),
            Op::Pq { to_linear } => rgb.map(|x| pq(x, *to_linear)),
            Op::Range {
                scale,
                offset,
                low,
                high,
            } => rgb.map(|x| {
                let mut y = x * scale + offset;
                if let Some(low) = low {
                    y = y.max(*low);
                }
                if let Some(high) = high {
                    y = y.min(*high);
                }
                y
            }),
        }
    }

    /// The step undoing this one (as OCIO inverts it: clamps stay clamps), or None for a
    /// singular matrix or a flat range.
    pub fn inverse(&self) -> Option<Op> {
        Some(match self {
            Op::Matrix { m, offset } => {
                let inv = invert(m)?;
                let o = apply3(&inv, *offset);
                Op::Matrix {
                    m: inv,
                    offset: [-o[0], -o[1], -o[2]],
                }
            }
            Op::Power { exponent, negative } => Op::Power {
                exponent: exponent.map(|e| 1.0 / e),
                negative: *negative,
            },
            Op::MonCurve {
                gamma,
                offset,
                mirror,
                to_linear,
            } => Op::MonCurve {
                gamma: *gamma,
                offset: *offset,
                mirror: *mirror,
                to_linear: !to_linear,
            },
            Op::Log {
                base,
                channels,
                to_linear,
            } => Op::Log {
                base: *base,
                channels: *channels,
                to_linear: !to_linear,
            },
            Op::Pq { to_linear } => Op::Pq {
                to_linear: !to_linear,
            },
            Op::Range {
                scale,
                offset,
                low,
                high,
            } => {
                if *scale == 0.0 || !scale.is_finite() {
                    return None;
                }
                let back = |y: f64| (y - offset) / scale;
                let (low, high) = (low.map(back), high.map(back));
                // A negative scale swaps which end is which.
                let (low, high) = if *scale > 0.0 {
                    (low, high)
                } else {
                    (high, low)
                };
                Op::Range {
                    scale: 1.0 / scale,
                    offset: -offset / scale,
                    low,
                    high,
                }
            }
        })
    }
}

#[cfg(test)]
#[path = "ops_tests.rs"]
mod tests;
