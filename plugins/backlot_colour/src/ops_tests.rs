//! The ops' tests: inverses, the sRGB and PQ curves, matrix inversion.

use super::*;

fn close(a: [f64; 3], b: [f64; 3], tol: f64) -> bool {
    a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol)
}

#[test]
fn every_op_and_its_inverse_round_trip() {
    let ops = [
        Op::Matrix {
            m: [[2.0, 0.1, 0.0], [0.3, 1.0, -0.2], [0.0, 0.5, 1.5]],
            offset: [0.1, -0.2, 0.3],
        },
        Op::Power {
            exponent: [2.2, 2.4, 2.6],
            negative: Negative::Mirror,
        },
        Op::MonCurve {
            gamma: [2.4; 3],
            offset: [0.055; 3],
            mirror: true,
            to_linear: false,
        },
        Op::Log {
            base: 10.0,
            channels: [LogChannel {
                log_slope: 0.247,
                log_offset: 0.386,
                lin_slope: 5.56,
                lin_offset: 0.052,
                linear: Some((0.0106, 5.37)),
            }; 3],
            to_linear: false,
        },
        Op::Pq { to_linear: false },
        Op::Range {
            scale: 2.0,
            offset: 0.5,
            low: None,
            high: None,
        },
    ];
    for op in ops {
        let inv = op.inverse().expect("invertible");
        for rgb in [[0.18, 0.5, 0.9], [-0.3, 0.02, 3.0], [0.0, 1.0, 0.004]] {
            let back = inv.apply(op.apply(rgb));
            assert!(
                close(back, rgb, 1e-9),
                "{op:?}: {rgb:?} came back as {back:?}"
            );
        }
    }
}

#[test]
fn the_srgb_moncurve_is_the_srgb_curve() {
    // IEC 61966-2-1 encoding, which moncurve(2.4, 0.055) reproduces to ~1e-7.
    let srgb = |v: f64| {
        if v <= 0.0031308 {
            12.92 * v
        } else {
            1.055 * v.powf(1.0 / 2.4) - 0.055
        }
    };
    for i in 0..=100 {
        let v = f64::from(i) / 100.0;
        let m = moncurve(v, 2.4, 0.055, false);
        assert!((m - srgb(v)).abs() < 1e-6, "{v}: {m} vs {}", srgb(v));
    }
}

#[test]
fn pq_hits_its_anchors() {
    // 100 nits (linear 1.0) encodes to 0.508; 10 000 nits (100.0) to 1.
    assert!((pq(1.0, false) - 0.508_078).abs() < 1e-5);
    assert!((pq(100.0, false) - 1.0).abs() < 1e-9);
    // The curve's foot: code 7.3e-7 at zero, which decodes back to zero.
    assert!(pq(0.0, false) < 1e-6 && pq(pq(0.0, false), true) < 1e-12);
    assert!(pq(2.5, true).is_finite(), "past the pole stays finite");
}

#[test]
fn matrices_invert() {
    let m = [[2.0, 0.1, 0.0], [0.3, 1.0, -0.2], [0.0, 0.5, 1.5]];
    let inv = invert(&m).expect("regular");
    let id = mul(&m, &inv);
    for (i, row) in id.iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            assert!((v - IDENTITY[i][j]).abs() < 1e-12);
        }
    }
    assert!(invert(&[[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 0.0, 1.0]]).is_none());
    let m4 = [
        2.0, 0.0, 0.0, 0.5, //
        0.0, 1.0, 0.0, 0.0, //
        0.0, 0.0, 4.0, 0.0, //
        0.0, 0.0, 0.0, 1.0,
    ];
    let inv4 = invert4(&m4).expect("regular");
    assert!((inv4[0] - 0.5).abs() < 1e-12 && (inv4[3] + 0.25).abs() < 1e-12);
}
