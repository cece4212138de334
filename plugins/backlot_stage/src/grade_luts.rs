//! The grades' look LUTs on the GPU: every camera's and output's LUT read from the asset
//! root, resampled to the largest one's size and stacked along z in one 3D texture, so the
//! warp binds one texture however many grades have LUTs (sampler slots are few).

use std::collections::HashMap;
use std::path::Path;

use backlot_scene::format::AssetRef;
use bevy::asset::RenderAssetUsages;
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};

use crate::format::{CubeLut, StageFile};
use crate::grade::resample_lut;
use crate::lut::load_lut;
use crate::state::StageOutputs;

/// Deepest 3D texture every device takes (wgpu's default limit).
const MAX_DEPTH: usize = 2048;

/// The grade LUT texture and which layer is whose.
pub(crate) struct GradeLuts {
    /// Layers along z, each `size`³; a 2³ identity when no grade has a LUT.
    pub(crate) image: Image,
    /// Camera id → layer.
    pub(crate) cameras: HashMap<u32, u32>,
    /// Output name → layer.
    pub(crate) outputs: HashMap<String, u32>,
}

/// Reads the look LUTs of `file`'s camera grades and of the grades of the outputs drawn
/// here. A LUT that does not load is logged and its grade goes without: the show goes on.
pub(crate) fn grade_luts(root: Option<&Path>, file: &StageFile, drawn: &StageOutputs) -> GradeLuts {
    let load = |owner: String, path: &AssetRef| match load_lut(root, &path.0) {
        Ok(lut) if lut.size >= 2 && lut.data.len() == lut.size.pow(3) => Some(lut),
        Ok(lut) => {
            error!(
                "{owner}: grade LUT `{}` has {} entries for size {}; grading without it",
                path.0,
                lut.data.len(),
                lut.size
            );
            None
        }
        Err(e) => {
            error!("{owner}: grade LUT `{}`: {e}; grading without it", path.0);
            None
        }
    };
    let mut luts: Vec<CubeLut> = Vec::new();
    let mut cameras = HashMap::new();
    for c in &file.cameras {
        let owner = || format!("camera {}", c.id);
        if let Some(lut) = c.grade.lut.as_ref().and_then(|p| load(owner(), p)) {
            cameras.insert(c.id, luts.len() as u32);
            luts.push(lut);
        }
    }
    let mut outputs = HashMap::new();
    for o in file.outputs.iter().filter(|o| drawn.draws(&o.name.0)) {
        let owner = || format!("output `{}`", o.name);
        if let Some(lut) = o.grade.lut.as_ref().and_then(|p| load(owner(), p)) {
            outputs.insert(o.name.0.clone(), luts.len() as u32);
            luts.push(lut);
        }
    }
    let size = luts.iter().map(|l| l.size).max().unwrap_or(2);
    let room = (MAX_DEPTH / size).max(1);
    if luts.len() > room {
        error!(
            "{} grade LUTs of size {size} do not fit one texture; the last {} go without",
            luts.len(),
            luts.len() - room
        );
        luts.truncate(room);
        cameras.retain(|_, layer| (*layer as usize) < room);
        outputs.retain(|_, layer| (*layer as usize) < room);
    }
    let layers: Vec<CubeLut> = if luts.is_empty() {
        vec![CubeLut::identity(2)]
    } else {
        luts.iter().map(|l| resample_lut(l, size)).collect()
    };
    GradeLuts {
        image: layers_image(size, &layers),
        cameras,
        outputs,
    }
}

/// `layers` (each `size`³, red fastest like `.cube`) stacked along z as RGBA16F.
fn layers_image(size: usize, layers: &[CubeLut]) -> Image {
    let n = size as u32;
    let mut data = Vec::with_capacity(size.pow(3) * layers.len() * 8);
    for lut in layers {
        for rgb in &lut.data {
            for c in [rgb[0], rgb[1], rgb[2], 1.0] {
                // Rounded to nearest, as the GPU would convert it.
                data.extend_from_slice(&half::f16::from_f32(c).to_bits().to_le_bytes());
            }
        }
    }
    Image::new(
        Extent3d {
            width: n,
            height: n,
            depth_or_array_layers: n * layers.len() as u32,
        },
        TextureDimension::D3,
        data,
        TextureFormat::Rgba16Float,
        RenderAssetUsages::RENDER_WORLD,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::parse_stage;

    fn repo() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    #[test]
    fn grade_luts_stack_in_one_texture_by_owner() {
        let src = std::fs::read_to_string(repo().join("scenes/stages/flat_wall.stage.ron"))
            .expect("shipped stage")
            .replacen(
                "regions: [(section: \"wall\")]",
                "regions: [(section: \"wall\")], grade: (lut: \"luts/warm_wall.cube\")",
                1,
            )
            .replacen(
                "soft_edge: 0.05,",
                "soft_edge: 0.05, grade: (lut: \"luts/swap_red_blue.cube\"),",
                1,
            );
        let assets = repo().join("assets");
        let file =
            parse_stage(&src, "t.stage.ron", Some(&assets)).unwrap_or_else(|e| panic!("{e}"));
        let luts = grade_luts(Some(&assets), &file, &StageOutputs::All);
        assert_eq!(luts.cameras.get(&1), Some(&0));
        assert_eq!(luts.outputs.get("main"), Some(&1));
        let size_of = |path: &str| load_lut(Some(&assets), path).expect("lut").size;
        let size = size_of("luts/warm_wall.cube").max(size_of("luts/swap_red_blue.cube"));
        let extent = luts.image.texture_descriptor.size;
        assert_eq!(
            (extent.width, extent.height, extent.depth_or_array_layers),
            (size as u32, size as u32, 2 * size as u32)
        );
        // An output drawn elsewhere brings no LUT; no LUT at all is a 2³ identity.
        let elsewhere = StageOutputs::Only(Default::default());
        let luts = grade_luts(Some(&assets), &file, &elsewhere);
        assert!(luts.outputs.is_empty());
        let plain = parse_stage(
            &std::fs::read_to_string(repo().join("scenes/stages/flat_wall.stage.ron"))
                .expect("shipped stage"),
            "t.stage.ron",
            None,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let luts = grade_luts(None, &plain, &StageOutputs::All);
        assert!(luts.cameras.is_empty() && luts.outputs.is_empty());
        assert_eq!(luts.image.texture_descriptor.size.depth_or_array_layers, 2);
    }
}
