//! Per-output LUTs: `.cube` files read from the asset root and the stage's OCIO transform
//! baked at load, as 3D textures.

use std::path::Path;

use bevy::asset::RenderAssetUsages;
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};

use crate::format::{CubeLut, OutputDef, StageFile, bake_ocio_lut};

/// Reads and parses a `.cube` LUT under the asset root.
pub(crate) fn load_lut(root: Option<&std::path::Path>, path: &str) -> Result<CubeLut, String> {
    let full = root.map_or_else(|| std::path::PathBuf::from(path), |r| r.join(path));
    let text = std::fs::read_to_string(&full).map_err(|e| format!("{}: {e}", full.display()))?;
    CubeLut::parse(&text).map_err(|e| e.to_string())
}

/// The LUT an output's warp samples: the stage's OCIO transform for it (when the `ocio`
/// section maps the output) followed by the output's own `lut`, or that `lut` alone; None
/// when it has neither.
pub(crate) fn output_lut(
    root: Option<&Path>,
    file: &StageFile,
    output: &OutputDef,
) -> Result<Option<CubeLut>, String> {
    let calibration = match &output.color.lut {
        Some(path) => Some(load_lut(root, &path.0).map_err(|e| format!("LUT `{}`: {e}", path.0))?),
        None => None,
    };
    let Some(ocio) = &file.ocio else {
        return Ok(calibration);
    };
    let name = &output.name.0;
    if !ocio.outputs.contains_key(name) {
        return Ok(calibration);
    }
    let config = ocio.load_config(root)?;
    let Some(processor) = ocio.processor(&config, name)? else {
        return Ok(calibration);
    };
    Ok(Some(bake_ocio_lut(
        &processor,
        output.color.transfer,
        calibration.as_ref(),
        ocio.lut_size,
    )))
}

/// A LUT as a 3D RGBA16F texture.
pub(crate) fn lut_image(lut: &CubeLut) -> Image {
    let n = lut.size as u32;
    let mut data = Vec::with_capacity(lut.data.len() * 8);
    for rgb in &lut.data {
        for c in [rgb[0], rgb[1], rgb[2], 1.0] {
            // Rounded to nearest, as the GPU would convert it.
            data.extend_from_slice(&half::f16::from_f32(c).to_bits().to_le_bytes());
        }
    }
    Image::new(
        Extent3d {
            width: n,
            height: n,
            depth_or_array_layers: n,
        },
        TextureDimension::D3,
        data,
        TextureFormat::Rgba16Float,
        RenderAssetUsages::RENDER_WORLD,
    )
}
