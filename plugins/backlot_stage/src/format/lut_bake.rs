//! What a `.cube` file says, evaluated exactly, and baked into the one 3D LUT over 0..1 the
//! warp samples.
//!
//! A plain 3D LUT over 0..1 reaches the GPU as written. A shaper, or a domain other than
//! 0..1, is evaluated exactly at the nodes of a new 3D grid (the 1D interpolated linearly,
//! the 3D trilinearly, inputs clamped to each domain) and the GPU then interpolates between
//! those nodes. That second interpolation is the price of one texture: where the composed
//! curve bends hard between nodes (a gamma or log shaper near black, a 1D finer than the
//! grid) the baked LUT is smoother than the file. A 1D-only LUT with at most
//! [`BAKE_SIZE`] entries over 0..1 bakes exactly (the grid's nodes are its entries); other
//! files bake at [`BAKE_SIZE`] per axis, or at the file's 3D size when that is larger. A
//! gamma-2.2 shaper of 1024 entries baked at 65 is off by up to 0.043 in the first 1/64 of
//! the signal and under 0.001 above 0.05 (the test below). Passing the shaper as a second,
//! 1D texture would remove this error and needs a second LUT binding in the warp.

use backlot_colour::trilinear;

use super::{Cube1d, Cube3d, CubeDomain, CubeFile, CubeLut, MAX_CUBE_3D_SIZE};

/// Edge of the grid a shaper or a domain is baked into (65³ RGBA16F is 2.2 MB).
pub const BAKE_SIZE: usize = 65;

impl CubeDomain {
    /// Where `x` falls in channel `c`'s range, 0..1, clamped (NaN reads as the minimum).
    fn unit(&self, c: usize, x: f64) -> f64 {
        let (lo, hi) = (f64::from(self.min[c]), f64::from(self.max[c]));
        let t = (x - lo) / (hi - lo);
        if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) }
    }
}

impl Cube1d {
    /// The LUT at `rgb`, per channel, interpolated linearly.
    pub fn apply(&self, rgb: [f64; 3]) -> [f64; 3] {
        let n = self.data.len();
        if n < 2 {
            return rgb;
        }
        [0, 1, 2].map(|c| {
            let t = self.domain.unit(c, rgb[c]) * (n - 1) as f64;
            let i = (t.floor() as usize).min(n - 2);
            let f = t - i as f64;
            f64::from(self.data[i][c]) * (1.0 - f) + f64::from(self.data[i + 1][c]) * f
        })
    }
}

impl Cube3d {
    /// The LUT at `rgb`, interpolated trilinearly.
    pub fn apply(&self, rgb: [f64; 3]) -> [f64; 3] {
        let unit = [0, 1, 2].map(|c| self.domain.unit(c, rgb[c]));
        trilinear(self.size, &self.data, unit)
    }
}

impl CubeFile {
    /// Exactly what the file maps `rgb` to: the shaper, then the 3D LUT.
    pub fn apply(&self, rgb: [f64; 3]) -> [f64; 3] {
        let mut v = rgb;
        if let Some(shaper) = &self.shaper {
            v = shaper.apply(v);
        }
        if let Some(cube) = &self.cube {
            v = cube.apply(v);
        }
        v
    }

    /// The 3D LUT over 0..1 the warp samples (see the module notes for its precision).
    pub fn bake(&self) -> CubeLut {
        if let (None, Some(cube)) = (&self.shaper, &self.cube)
            && cube.domain == CubeDomain::default()
        {
            return CubeLut {
                size: cube.size,
                data: cube.data.clone(),
            };
        }
        let size = match (&self.shaper, &self.cube) {
            (Some(s), None) if s.data.len() <= BAKE_SIZE && s.domain == CubeDomain::default() => {
                s.data.len()
            }
            (_, Some(cube)) => cube.size.clamp(BAKE_SIZE, MAX_CUBE_3D_SIZE),
            _ => BAKE_SIZE,
        };
        let step = 1.0 / (size - 1) as f64;
        let mut data = Vec::with_capacity(size * size * size);
        for b in 0..size {
            for g in 0..size {
                for r in 0..size {
                    let out = self.apply([r as f64 * step, g as f64 * step, b as f64 * step]);
                    data.push(out.map(|v| v as f32));
                }
            }
        }
        CubeLut { size, data }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn baked_error(file: &CubeFile, inputs: impl Iterator<Item = [f64; 3]>) -> f64 {
        let lut = file.bake();
        inputs
            .map(|rgb| {
                let (got, want) = (trilinear(lut.size, &lut.data, rgb), file.apply(rgb));
                (0..3).map(|c| (got[c] - want[c]).abs()).fold(0.0, f64::max)
            })
            .fold(0.0, f64::max)
    }

    /// A spread of inputs over [0, 1]³ (a fixed low-discrepancy walk, no RNG needed).
    fn spread(count: usize) -> impl Iterator<Item = [f64; 3]> {
        (0..count).map(|i| {
            let i = i as f64;
            [
                (i * 0.618_034) % 1.0,
                (i * 0.414_214) % 1.0,
                (i * 0.732_051) % 1.0,
            ]
        })
    }

    #[test]
    fn a_plain_cube_is_used_as_written() {
        let cube = Cube3d {
            domain: CubeDomain::default(),
            size: 2,
            data: CubeLut::identity(2)
                .data
                .iter()
                .map(|v| [v[2], v[1], v[0]])
                .collect(),
        };
        let file = CubeFile {
            title: None,
            shaper: None,
            cube: Some(cube.clone()),
        };
        assert_eq!(file.bake().data, cube.data);
    }

    #[test]
    fn a_small_1d_lut_bakes_exactly() {
        let data = (0..5)
            .map(|i| {
                let x = i as f32 / 4.0;
                [x * x, x.sqrt(), 1.0 - x]
            })
            .collect();
        let file = CubeFile {
            title: None,
            shaper: Some(Cube1d {
                domain: CubeDomain::default(),
                data,
            }),
            cube: None,
        };
        assert_eq!(file.bake().size, 5);
        assert!(baked_error(&file, spread(500)) < 1e-6);
    }

    #[test]
    fn a_domain_wider_than_the_signal_is_resampled() {
        // An identity over -0.5..2: affine, so trilinear resampling stays exact.
        let domain = CubeDomain {
            min: [-0.5; 3],
            max: [2.0; 3],
        };
        let data = CubeLut::identity(3)
            .data
            .iter()
            .map(|v| v.map(|x| -0.5 + 2.5 * x))
            .collect();
        let file = CubeFile {
            title: None,
            shaper: None,
            cube: Some(Cube3d {
                domain,
                size: 3,
                data,
            }),
        };
        let lut = file.bake();
        assert_eq!(lut.size, BAKE_SIZE);
        for rgb in spread(300) {
            let got = trilinear(lut.size, &lut.data, rgb);
            assert!(
                (0..3).all(|c| (got[c] - rgb[c]).abs() < 1e-5),
                "{rgb:?} → {got:?}"
            );
        }
    }

    #[test]
    fn a_shaper_bakes_with_a_bounded_error() {
        // Gamma 2.2 encoding in 1024 entries, then an identity 3D: what a Resolve export of
        // a display LUT looks like. Near black the 65-node grid cannot follow the curve.
        let n = 1024;
        let data = (0..n)
            .map(|i| [(i as f32 / (n - 1) as f32).powf(1.0 / 2.2); 3])
            .collect();
        let file = CubeFile {
            title: None,
            shaper: Some(Cube1d {
                domain: CubeDomain::default(),
                data,
            }),
            cube: Some(Cube3d {
                domain: CubeDomain::default(),
                size: 2,
                data: CubeLut::identity(2).data,
            }),
        };
        let worst = baked_error(&file, spread(4000));
        assert!(worst < 0.05, "near black: {worst}");
        let above = baked_error(&file, spread(4000).filter(|v| v.iter().all(|x| *x > 0.05)));
        assert!(above < 1e-3, "above 0.05: {above}");
    }
}
