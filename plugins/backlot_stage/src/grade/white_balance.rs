//! White balance from a colour temperature and a tint: the white point on (or off, by the
//! tint) the Planckian locus, and the linear Rec.709 matrix that moves the 6500 K white
//! there by von Kries scaling in Bradford cone space. Computed in f64; identity at 6500 K,
//! tint 0; the luminance of white is kept.

use super::NEUTRAL_KELVIN;

/// Tint ±1 moves the white this far off the Planckian locus (Δuv, CIE 1960).
pub const TINT_DUV: f64 = 0.02;

type M3 = [[f64; 3]; 3];

/// Bradford cone response from CIE XYZ.
const BRADFORD: M3 = [
    [0.8951, 0.2664, -0.1614],
    [-0.7502, 1.7135, 0.0367],
    [0.0389, -0.0685, 1.0296],
];

/// CIE XYZ from linear Rec.709 (D65).
const RGB_TO_XYZ: M3 = [
    [0.412_456_4, 0.357_576_1, 0.180_437_5],
    [0.212_672_9, 0.715_152_2, 0.072_175_0],
    [0.019_333_9, 0.119_192_0, 0.950_304_1],
];

/// The linear Rec.709 matrix that turns the white of 6500 K (tint 0) into the white of
/// `kelvin` and `tint` (see [`white_point`]), rows first.
pub fn white_balance_matrix(kelvin: f32, tint: f32) -> [[f64; 3]; 3] {
    if kelvin == NEUTRAL_KELVIN && tint == 0.0 {
        return [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    }
    let cone = |[x, y]: [f64; 2]| mul_vec(&BRADFORD, [x / y, 1.0, (1.0 - x - y) / y]);
    let from = cone(white_point(NEUTRAL_KELVIN, 0.0));
    let to = cone(white_point(kelvin, tint));
    let scale: M3 = std::array::from_fn(|i| {
        std::array::from_fn(|j| if i == j { to[i] / from[i] } else { 0.0 })
    });
    let in_xyz = mul(&inverse(&BRADFORD), &mul(&scale, &BRADFORD));
    mul(&inverse(&RGB_TO_XYZ), &mul(&in_xyz, &RGB_TO_XYZ))
}

/// The white (CIE xy) a grade of `kelvin` (clamped to 2000..15000) and `tint` gives: the
/// Planckian locus at that temperature, moved `tint` × [`TINT_DUV`] along the locus's normal
/// in CIE 1960 uv, below it (magenta) for positive tints, above it (green) for negative.
pub fn white_point(kelvin: f32, tint: f32) -> [f64; 2] {
    let t = f64::from(kelvin).clamp(2000.0, 15000.0);
    let uv = |t: f64| xy_to_uv(planckian_xy(t));
    let p = uv(t);
    let (a, b) = (uv(t - 10.0), uv(t + 10.0));
    let (du, dv) = (b[0] - a[0], b[1] - a[1]);
    let len = (du * du + dv * dv).sqrt().max(1e-12);
    // The normal that points above the locus, towards green.
    let mut n = [-dv / len, du / len];
    if n[1] < 0.0 {
        n = [-n[0], -n[1]];
    }
    let duv = -f64::from(tint) * TINT_DUV;
    uv_to_xy([p[0] + duv * n[0], p[1] + duv * n[1]])
}

/// CIE xy of a black body at `t` kelvin: Kim et al.'s cubic spline (2002), 1667..25000 K.
fn planckian_xy(t: f64) -> [f64; 2] {
    let (t1, t2, t3) = (1e3 / t, 1e6 / (t * t), 1e9 / (t * t * t));
    let x = if t <= 4000.0 {
        -0.266_123_9 * t3 - 0.234_358_9 * t2 + 0.877_695_6 * t1 + 0.179_910
    } else {
        -3.025_846_9 * t3 + 2.107_037_9 * t2 + 0.222_634_7 * t1 + 0.240_390
    };
    let (x2, x3) = (x * x, x * x * x);
    let y = if t <= 2222.0 {
        -1.106_381_4 * x3 - 1.348_110_20 * x2 + 2.185_558_32 * x - 0.202_196_83
    } else if t <= 4000.0 {
        -0.954_947_6 * x3 - 1.374_185_93 * x2 + 2.091_370_15 * x - 0.167_488_67
    } else {
        3.081_758_0 * x3 - 5.873_386_70 * x2 + 3.751_129_97 * x - 0.370_014_83
    };
    [x, y]
}

/// CIE 1931 xy → CIE 1960 uv.
fn xy_to_uv([x, y]: [f64; 2]) -> [f64; 2] {
    let d = -2.0 * x + 12.0 * y + 3.0;
    [4.0 * x / d, 6.0 * y / d]
}

/// CIE 1960 uv → CIE 1931 xy.
fn uv_to_xy([u, v]: [f64; 2]) -> [f64; 2] {
    let d = 2.0 * u - 8.0 * v + 4.0;
    [3.0 * u / d, 2.0 * v / d]
}

fn mul(a: &M3, b: &M3) -> M3 {
    std::array::from_fn(|i| std::array::from_fn(|j| (0..3).map(|k| a[i][k] * b[k][j]).sum::<f64>()))
}

fn mul_vec(a: &M3, v: [f64; 3]) -> [f64; 3] {
    std::array::from_fn(|i| (0..3).map(|k| a[i][k] * v[k]).sum::<f64>())
}

/// The inverse by cofactors (the matrices here are far from singular).
fn inverse(m: &M3) -> M3 {
    // Cyclic indices give each cofactor its sign.
    let cofactor = |r: usize, c: usize| {
        let (r1, r2, c1, c2) = ((r + 1) % 3, (r + 2) % 3, (c + 1) % 3, (c + 2) % 3);
        m[r1][c1] * m[r2][c2] - m[r1][c2] * m[r2][c1]
    };
    let det = (0..3).map(|j| m[0][j] * cofactor(0, j)).sum::<f64>();
    std::array::from_fn(|i| std::array::from_fn(|j| cofactor(j, i) / det))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_undoes_the_matrix() {
        let p = mul(&inverse(&RGB_TO_XYZ), &RGB_TO_XYZ);
        for (i, row) in p.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                let want = if i == j { 1.0 } else { 0.0 };
                assert!((v - want).abs() < 1e-12, "{p:?}");
            }
        }
    }

    #[test]
    fn locus_matches_published_points() {
        // Planckian locus, CIE 1931 xy (Wyszecki & Stiles): 2856 K (illuminant A) and 6500 K.
        let [x, y] = planckian_xy(2856.0);
        assert!(
            (x - 0.4476).abs() < 1e-3 && (y - 0.4074).abs() < 1e-3,
            "{x} {y}"
        );
        let [x, y] = planckian_xy(6500.0);
        assert!(
            (x - 0.3135).abs() < 1e-3 && (y - 0.3237).abs() < 1e-3,
            "{x} {y}"
        );
    }

    #[test]
    fn tint_moves_off_the_locus_by_its_duv() {
        let on = xy_to_uv(white_point(5000.0, 0.0));
        let magenta = xy_to_uv(white_point(5000.0, 1.0));
        let green = xy_to_uv(white_point(5000.0, -1.0));
        let dist = |a: [f64; 2], b: [f64; 2]| (a[0] - b[0]).hypot(a[1] - b[1]);
        assert!((dist(on, magenta) - TINT_DUV).abs() < 1e-9);
        assert!((dist(on, green) - TINT_DUV).abs() < 1e-9);
        assert!(
            green[1] > on[1] && magenta[1] < on[1],
            "green lies above the locus"
        );
    }

    #[test]
    fn white_keeps_its_luminance() {
        let m = white_balance_matrix(3200.0, 0.3);
        let white = mul_vec(&m, [1.0; 3]);
        let y = mul_vec(&RGB_TO_XYZ, white)[1];
        let y0 = mul_vec(&RGB_TO_XYZ, [1.0; 3])[1];
        assert!((y - y0).abs() < 2e-3, "{y} vs {y0}");
    }
}
