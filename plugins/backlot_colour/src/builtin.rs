//! OCIO's built-in transforms that are matrices and curves (`BuiltinTransform {style: …}`),
//! built the way OCIO builds them (`transforms/builtins/ColorMatrixHelpers.cpp`, `ACES.cpp`,
//! `Displays.cpp`): matrices from primaries, Bradford adaptation where the style says
//! `_BFD`, and the display encodings. The ACES output transforms, camera log built-ins
//! other than ACEScct, and the HLG display are not here.

use crate::ops::{LogChannel, M3, Negative, Op, apply3, invert, mul};

/// CIE xy chromaticities of red, green, blue and white.
struct Primaries {
    red: [f64; 2],
    green: [f64; 2],
    blue: [f64; 2],
    white: [f64; 2],
}

const AP0: Primaries = Primaries {
    red: [0.7347, 0.2653],
    green: [0.0, 1.0],
    blue: [0.0001, -0.0770],
    white: [0.32168, 0.33767],
};
const AP1: Primaries = Primaries {
    red: [0.713, 0.293],
    green: [0.165, 0.830],
    blue: [0.128, 0.044],
    white: [0.32168, 0.33767],
};
const REC709: Primaries = Primaries {
    red: [0.64, 0.33],
    green: [0.30, 0.60],
    blue: [0.15, 0.06],
    white: [0.3127, 0.3290],
};
const REC2020: Primaries = Primaries {
    red: [0.708, 0.292],
    green: [0.170, 0.797],
    blue: [0.131, 0.046],
    white: [0.3127, 0.3290],
};
const P3_D65: Primaries = Primaries {
    red: [0.680, 0.320],
    green: [0.265, 0.690],
    blue: [0.150, 0.060],
    white: [0.3127, 0.3290],
};
const P3_DCI: Primaries = Primaries {
    red: [0.680, 0.320],
    green: [0.265, 0.690],
    blue: [0.150, 0.060],
    white: [0.314, 0.351],
};
const P3_D60: Primaries = Primaries {
    red: [0.680, 0.320],
    green: [0.265, 0.690],
    blue: [0.150, 0.060],
    white: [0.32168, 0.33767],
};

/// OCIO's D65 white in XYZ (`WHITEPOINT::D65_XYZ`).
const D65_XYZ: [f64; 3] = [0.95045592705167, 1.0, 1.08905775075988];

/// RGB → XYZ (Y of white = 1).
fn rgb_to_xyz(p: &Primaries) -> M3 {
    let column = |xy: [f64; 2]| [xy[0], xy[1], 1.0 - xy[0] - xy[1]];
    let (r, g, b) = (column(p.red), column(p.green), column(p.blue));
    let m = [[r[0], g[0], b[0]], [r[1], g[1], b[1]], [r[2], g[2], b[2]]];
    let [wx, wy] = p.white;
    let white = [wx / wy, 1.0, (1.0 - wx - wy) / wy];
    // The three primaries' chromaticities are independent, so `m` is regular.
    let gains = invert(&m).map_or([1.0; 3], |inv| apply3(&inv, white));
    [0, 1, 2].map(|i| [0, 1, 2].map(|j| m[i][j] * gains[j]))
}

/// Von Kries adaptation in the Bradford cone space from white `src` to white `dst` (XYZ).
fn bradford(src: [f64; 3], dst: [f64; 3]) -> M3 {
    const CONE: M3 = [
        [0.8951, 0.2664, -0.1614],
        [-0.7502, 1.7135, 0.0367],
        [0.0389, -0.0685, 1.0296],
    ];
    let (s, d) = (apply3(&CONE, src), apply3(&CONE, dst));
    let scale = [
        [d[0] / s[0], 0.0, 0.0],
        [0.0, d[1] / s[1], 0.0],
        [0.0, 0.0, d[2] / s[2]],
    ];
    let back = invert(&CONE).unwrap_or(crate::ops::IDENTITY);
    mul(&back, &mul(&scale, &CONE))
}

/// Primaries to primaries, adapting the white with Bradford when `adapt` and they differ.
fn conversion(src: &Primaries, dst: &Primaries, adapt: bool) -> M3 {
    let to_xyz = rgb_to_xyz(src);
    let from_xyz = invert(&rgb_to_xyz(dst)).unwrap_or(crate::ops::IDENTITY);
    if !adapt || src.white == dst.white {
        return mul(&from_xyz, &to_xyz);
    }
    let white = |m: &M3| apply3(m, [1.0; 3]);
    let cat = bradford(white(&to_xyz), white(&rgb_to_xyz(dst)));
    mul(&from_xyz, &mul(&cat, &to_xyz))
}

/// RGB → CIE XYZ with the D65 white at `D65_XYZ`.
fn to_xyz_d65(src: &Primaries, adapt: bool) -> M3 {
    let to_xyz = rgb_to_xyz(src);
    if !adapt {
        return to_xyz;
    }
    mul(&bradford(apply3(&to_xyz, [1.0; 3]), D65_XYZ), &to_xyz)
}

/// CIE XYZ (D65 white) → RGB.
fn from_xyz_d65(dst: &Primaries, adapt: bool) -> M3 {
    let dst_to_xyz = rgb_to_xyz(dst);
    let from_xyz = invert(&dst_to_xyz).unwrap_or(crate::ops::IDENTITY);
    if !adapt {
        return from_xyz;
    }
    mul(&from_xyz, &bradford(D65_XYZ, apply3(&dst_to_xyz, [1.0; 3])))
}

fn matrix(m: M3) -> Op {
    Op::Matrix {
        m,
        offset: [0.0; 3],
    }
}

/// Display encodings: inverse power, negatives clamped or mirrored.
fn power(gamma: f64, negative: Negative) -> Op {
    Op::Power {
        exponent: [1.0 / gamma; 3],
        negative,
    }
}

/// Linear → sRGB piecewise curve.
fn srgb_encode(mirror: bool) -> Op {
    Op::MonCurve {
        gamma: [2.4; 3],
        offset: [0.055; 3],
        mirror,
        to_linear: false,
    }
}

/// ACEScct → linear (`ACEScct_to_LINEAR` in ACES.cpp).
fn acescct_to_linear() -> Op {
    let mut channel = LogChannel {
        log_slope: 1.0 / 17.52,
        log_offset: 9.72 / 17.52,
        lin_slope: 1.0,
        lin_offset: 0.0,
        linear: None,
    };
    let lin_break = 0.0078125;
    channel.linear = Some((lin_break, channel.continuous_slope(2.0, lin_break)));
    Op::Log {
        base: 2.0,
        channels: [channel; 3],
        to_linear: true,
    }
}

/// The forward ops of a built-in style (case-insensitive), or None when backlot does not
/// implement it.
pub(crate) fn ops(style: &str) -> Option<Vec<Op>> {
    let style = style.to_ascii_uppercase();
    let style = style.as_str();
    let mirror = style.ends_with(" - MIRROR NEGS");
    let negative = if mirror {
        Negative::Mirror
    } else {
        Negative::Clamp
    };
    let base = style.trim_end_matches(" - MIRROR NEGS");
    let display = |p: &Primaries, curve: Op| Some(vec![matrix(from_xyz_d65(p, false)), curve]);
    match base {
        "ACESCG_TO_ACES2065-1" => Some(vec![matrix(conversion(&AP1, &AP0, false))]),
        "ACESCCT_TO_ACES2065-1" => Some(vec![
            acescct_to_linear(),
            matrix(conversion(&AP1, &AP0, false)),
        ]),
        "CURVE - ACESCCT-LOG_TO_LINEAR" => Some(vec![acescct_to_linear()]),
        "UTILITY - ACES-AP0_TO_CIE-XYZ-D65_BFD" => Some(vec![matrix(to_xyz_d65(&AP0, true))]),
        "UTILITY - ACES-AP1_TO_CIE-XYZ-D65_BFD" => Some(vec![matrix(to_xyz_d65(&AP1, true))]),
        "UTILITY - ACES-AP1_TO_LINEAR-REC709_BFD" => {
            Some(vec![matrix(conversion(&AP1, &REC709, true))])
        }
        "DISPLAY - CIE-XYZ-D65_TO_REC.1886-REC.709" => display(&REC709, power(2.4, negative)),
        "DISPLAY - CIE-XYZ-D65_TO_REC.1886-REC.2020" => display(&REC2020, power(2.4, negative)),
        "DISPLAY - CIE-XYZ-D65_TO_G2.2-REC.709" => display(&REC709, power(2.2, negative)),
        "DISPLAY - CIE-XYZ-D65_TO_SRGB" => display(&REC709, srgb_encode(mirror)),
        "DISPLAY - CIE-XYZ-D65_TO_G2.6-P3-D65" => display(&P3_D65, power(2.6, negative)),
        "DISPLAY - CIE-XYZ-D65_TO_DISPLAYP3" | "DISPLAY - CIE-XYZ-D65_TO_DISPLAYP3-HDR"
            if !mirror =>
        {
            // Apple's extended Display P3 mirrors the sRGB curve about 0 (no MIRROR suffix).
            display(&P3_D65, srgb_encode(true))
        }
        "DISPLAY - CIE-XYZ-D65_TO_G2.6-P3-DCI-BFD" if !mirror => Some(vec![
            matrix(from_xyz_d65(&P3_DCI, true)),
            power(2.6, Negative::Clamp),
        ]),
        "DISPLAY - CIE-XYZ-D65_TO_G2.6-P3-D60-BFD" if !mirror => Some(vec![
            matrix(from_xyz_d65(&P3_D60, true)),
            power(2.6, Negative::Clamp),
        ]),
        "DISPLAY - CIE-XYZ-D65_TO_DCDM-D65" if !mirror => {
            let s = 48.0 / 52.37;
            Some(vec![
                matrix([[s, 0.0, 0.0], [0.0, s, 0.0], [0.0, 0.0, s]]),
                power(2.6, Negative::Clamp),
            ])
        }
        "CURVE - ST-2084_TO_LINEAR" if !mirror => Some(vec![Op::Pq { to_linear: true }]),
        "CURVE - LINEAR_TO_ST-2084" | "DISPLAY - CIE-XYZ-D65_TO_ST2084-DCDM-D65" if !mirror => {
            Some(vec![Op::Pq { to_linear: false }])
        }
        "DISPLAY - CIE-XYZ-D65_TO_REC.2100-PQ" if !mirror => {
            display(&REC2020, Op::Pq { to_linear: false })
        }
        "DISPLAY - CIE-XYZ-D65_TO_ST2084-P3-D65" if !mirror => {
            display(&P3_D65, Op::Pq { to_linear: false })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(ops: &[Op], rgb: [f64; 3]) -> [f64; 3] {
        ops.iter().fold(rgb, |v, op| op.apply(v))
    }

    #[test]
    fn matrices_match_the_aces_config() {
        // AP0 → linear Rec.709, as the ACES CG config writes it (MatrixTransform rows).
        let expected = [
            [2.52168618674388, -1.13413098823972, -0.387555198504164],
            [-0.276479914229922, 1.37271908766826, -0.096239173438334],
            [-0.0153780649660342, -0.152975335867399, 1.16835340083343],
        ];
        let m = mul(&from_xyz_d65(&REC709, false), &to_xyz_d65(&AP0, true));
        for (row, want) in m.iter().zip(&expected) {
            for (v, w) in row.iter().zip(want) {
                assert!((v - w).abs() < 1e-9, "{m:?}");
            }
        }
    }

    #[test]
    fn white_stays_white_through_the_untonemapped_srgb_display() {
        let mut chain = ops("ACEScg_to_ACES2065-1").expect("known");
        chain.extend(ops("UTILITY - ACES-AP0_to_CIE-XYZ-D65_BFD").expect("known"));
        chain.extend(ops("DISPLAY - CIE-XYZ-D65_to_sRGB - MIRROR NEGS").expect("known"));
        let white = apply(&chain, [1.0; 3]);
        assert!(white.iter().all(|v| (v - 1.0).abs() < 1e-6), "{white:?}");
        let grey = apply(&chain, [0.18; 3]);
        assert!(
            grey.iter().all(|v| (v - 0.4613561).abs() < 1e-5),
            "{grey:?}"
        );
        // Mirror: an out-of-gamut colour keeps its negative channel.
        assert!(apply(&chain, [0.0, 0.0, 1.0])[0] < 0.0);
    }

    #[test]
    fn unknown_and_tone_mapping_styles_are_refused() {
        assert!(ops("ACES-OUTPUT - ACES2065-1_to_CIE-XYZ-D65 - SDR-100nit-REC709_2.0").is_none());
        assert!(ops("DISPLAY - CIE-XYZ-D65_to_REC.2100-HLG-1000nit").is_none());
        assert!(ops("CURVE - LINEAR_to_ST-2084 - MIRROR NEGS").is_none());
        assert!(
            ops("display - cie-xyz-d65_to_srgb").is_some(),
            "styles are case-blind"
        );
    }
}
