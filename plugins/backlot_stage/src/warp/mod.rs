//! The warp material: one full-canvas quad per output, shaded by `warp.wgsl`.

use bevy::asset::embedded_asset;
use bevy::prelude::*;
use bevy::render::render_resource::{AsBindGroup, ShaderType};
use bevy::render::storage::ShaderBuffer;
use bevy::shader::ShaderRef;

use crate::grade::GradeCoefficients;

/// Most tracked cameras one output blends (inner-frustum textures bound per output).
pub const MAX_CAMERAS: usize = 4;
/// Most sections whose cabinet grids the test pattern knows.
pub const MAX_SECTIONS: usize = 8;

/// Per-output values the warp shader reads, written in place every frame.
#[derive(ShaderType, Debug, Clone, Default, PartialEq)]
pub struct WarpUniform {
    /// Clip-from-world of each camera's (overscanned) inner render, ascending priority.
    pub inner_clip_from_world: [Mat4; MAX_CAMERAS],
    /// x: mode (0 off, 1 normal, 2 chroma key), y: soft edge, z: marker spacing (m).
    pub inner_params: [Vec4; MAX_CAMERAS],
    /// Chroma key colours (linear).
    pub chroma: [Vec4; MAX_CAMERAS],
    /// Clip-from-world of the six outer cube faces (+X −X +Y −Y +Z −Z).
    pub outer_clip_from_world: [Mat4; 6],
    /// The outer eye.
    pub eye: Vec4,
    /// rgb: linear gains, w: transfer code.
    pub color: Vec4,
    /// x: pattern, y: outline, z: camera count, w: 1 when drawn into an sRGB window.
    pub pattern: Vec4,
    /// Per section: cabinet pixels (x, y), cabinets (z, w).
    pub cabinets: [Vec4; MAX_SECTIONS],
    /// Each camera's grade, for its inner frustum (ascending priority, like the cameras).
    pub inner_grade: [GradeUniform; MAX_CAMERAS],
    /// This output's grade, for the outer frustum.
    pub outer_grade: GradeUniform,
    /// rgb: the calibration patch's signal (the `calibration` pattern shows it as it is).
    pub calibration: Vec4,
}

/// One grade as the warp shader reads it (`Grade` in `warp.wgsl`); all zeros is no grade.
#[derive(ShaderType, Debug, Clone, Copy, Default, PartialEq)]
pub struct GradeUniform {
    /// Exposure × white balance: rows of a linear Rec.709 matrix (w unused).
    pub rows: [Vec4; 3],
    /// rgb: lift (offset).
    pub lift: Vec4,
    /// rgb: gain (slope).
    pub gain: Vec4,
    /// rgb: power (1 / gamma).
    pub power: Vec4,
    /// x: saturation, y: contrast, z: 1 when the maths runs (not neutral), w: the look
    /// LUT's layer in the grade LUT texture plus one (0: none).
    pub tone: Vec4,
}

impl GradeUniform {
    /// `c` with its look LUT at `lut_layer` of the grade LUT texture, if it has one.
    pub fn new(c: &GradeCoefficients, lut_layer: Option<u32>) -> Self {
        let v = |a: [f32; 3]| Vec3::from(a).extend(0.0);
        Self {
            rows: c.rows.map(v),
            lift: v(c.lift),
            gain: v(c.gain),
            power: v(c.power),
            tone: Vec4::new(
                c.saturation,
                c.contrast,
                f32::from(u8::from(c.active)),
                lut_layer.map_or(0.0, |l| l as f32 + 1.0),
            ),
        }
    }
}

/// The material of an output's quad.
#[derive(Asset, TypePath, AsBindGroup, Debug, Clone)]
pub struct WarpMaterial {
    /// Holds a [`WarpUniform`], written in place every frame through `LiveBuffers`: the
    /// material itself never changes after the stage is built.
    #[storage(0, read_only)]
    pub params: Handle<ShaderBuffer>,
    /// World position of each canvas pixel's LED (w = 1 where an LED is mapped).
    #[texture(1, sample_type = "float", filterable = false)]
    pub positions: Handle<Image>,
    /// Section index, section pixel x, y of each canvas pixel.
    #[texture(2, sample_type = "u_int")]
    pub info: Handle<Image>,
    /// Inner renders (ascending priority; unused slots hold a black pixel).
    #[texture(3)]
    #[sampler(4)]
    pub inner0: Handle<Image>,
    /// Second camera.
    #[texture(5)]
    pub inner1: Handle<Image>,
    /// Third camera.
    #[texture(6)]
    pub inner2: Handle<Image>,
    /// Fourth camera.
    #[texture(7)]
    pub inner3: Handle<Image>,
    /// Outer cube face +X.
    #[texture(8)]
    pub outer_px: Handle<Image>,
    /// Outer cube face −X.
    #[texture(9)]
    pub outer_nx: Handle<Image>,
    /// Outer cube face +Y.
    #[texture(10)]
    pub outer_py: Handle<Image>,
    /// Outer cube face −Y.
    #[texture(11)]
    pub outer_ny: Handle<Image>,
    /// Outer cube face +Z.
    #[texture(12)]
    pub outer_pz: Handle<Image>,
    /// Outer cube face −Z.
    #[texture(13)]
    pub outer_nz: Handle<Image>,
    /// The output's 3D LUT (identity when none), applied to the encoded signal.
    #[texture(14, dimension = "3d")]
    pub lut: Handle<Image>,
    /// Every grade's look LUT, resampled to one size and stacked along z (a 2³ identity when
    /// no grade has one); each grade names its layer.
    #[texture(15, dimension = "3d")]
    pub grade_luts: Handle<Image>,
}

impl Material for WarpMaterial {
    fn fragment_shader() -> ShaderRef {
        "embedded://backlot_stage/warp/warp.wgsl".into()
    }

    fn enable_prepass() -> bool {
        false
    }

    fn enable_shadows() -> bool {
        false
    }
}

/// Registers the shader and the material.
pub(crate) fn build(app: &mut App) {
    embedded_asset!(app, "warp.wgsl");
    app.add_plugins(MaterialPlugin::<WarpMaterial>::default());
}
