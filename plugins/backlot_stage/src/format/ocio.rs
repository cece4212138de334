//! The stage's `ocio` section: the production's OCIO config, the working colour space the
//! content is rendered in, and per output the display/view (or colour space) whose signal
//! the output sends; and the LUT each mapped output gets from it.
//!
//! ```ron
//! ocio: (
//!     config: "colour/config.ocio",
//!     working: "ACEScg",
//!     outputs: {
//!         "wall_a": (display: "sRGB - Display", view: "Un-tone-mapped"),
//!         "wall_b": (colorspace: "sRGB Encoded Rec.709 (sRGB)"),
//!     },
//! ),
//! ```
//!
//! The warp encodes an output's linear content with the output's `transfer` and clamps it
//! to 0..1 before its 3D LUT, so the transfer is the baked LUT's shaper: a node at signal
//! `s` holds `ocio(decode(s))`, followed by the output's own calibration `lut` when it has
//! one (that LUT was measured on the signal the OCIO transform produces). Working values
//! above 1.0 clip at the encode, as for every output.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use backlot_colour::{Config, Lut3d, MAX_LUT_SIZE, Processor, Shaper, trilinear};
use backlot_scene::format::AssetRef;
use serde::{Deserialize, Serialize};

use super::{CubeLut, OutputDef, Transfer};

/// Baked LUT edge when the section does not say (65³: mean error ~3e-4 against OCIO for
/// the un-tone-mapped sRGB display; docs/colour.md).
pub const DEFAULT_OCIO_LUT_SIZE: u32 = 65;
/// Smallest baked LUT edge accepted.
pub const MIN_OCIO_LUT_SIZE: u32 = 17;

fn default_lut_size() -> u32 {
    DEFAULT_OCIO_LUT_SIZE
}

/// The stage's OCIO setup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OcioDef {
    /// The config file (`.ocio`) under `assets/`.
    pub config: AssetRef,
    /// The colour space content is rendered in: a name, alias or role of the config.
    pub working: String,
    /// Per output name, what its signal is.
    #[serde(default)]
    pub outputs: BTreeMap<String, OcioOutputDef>,
    /// Entries per axis of the baked LUTs (17..=129).
    #[serde(default = "default_lut_size")]
    pub lut_size: u32,
}

/// What one output sends: a display and view, or a colour space.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OcioOutputDef {
    /// An OCIO display (with `view`).
    #[serde(default)]
    pub display: Option<String>,
    /// A view of `display`.
    #[serde(default)]
    pub view: Option<String>,
    /// A colour space instead of a display/view.
    #[serde(default)]
    pub colorspace: Option<String>,
}

/// An output's OCIO target, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OcioTarget<'a> {
    /// Working → display through the view.
    DisplayView {
        /// The display.
        display: &'a str,
        /// Its view.
        view: &'a str,
    },
    /// Working → colour space.
    ColourSpace(&'a str),
}

impl OcioOutputDef {
    /// The target, when exactly one of (display + view) and colorspace is given.
    pub fn target(&self) -> Result<OcioTarget<'_>, String> {
        match (&self.display, &self.view, &self.colorspace) {
            (Some(display), Some(view), None) => Ok(OcioTarget::DisplayView { display, view }),
            (None, None, Some(cs)) => Ok(OcioTarget::ColourSpace(cs)),
            _ => Err("give display and view, or colorspace alone".into()),
        }
    }
}

/// Which part of the section a problem is about (for its position in the stage file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OcioProblemAt {
    /// `config`.
    Config,
    /// `working`.
    Working,
    /// `lut_size`.
    LutSize,
    /// The entry of this output name.
    Output(String),
}

impl OcioDef {
    /// Reads the config file under the asset root.
    pub fn load_config(&self, asset_root: Option<&Path>) -> Result<Config, String> {
        let file = &self.config.0;
        let path = asset_root.map_or_else(|| PathBuf::from(file), |r| r.join(file));
        Config::load(&path).map_err(|e| format!("OCIO config `{}`: {e}", self.config.0))
    }

    /// The working → signal transform of `output`; None when the section does not map it.
    pub fn processor(&self, config: &Config, output: &str) -> Result<Option<Processor>, String> {
        let Some(def) = self.outputs.get(output) else {
            return Ok(None);
        };
        let built = match def.target()? {
            OcioTarget::DisplayView { display, view } => {
                config.display_view(&self.working, display, view)
            }
            OcioTarget::ColourSpace(cs) => config.colour_space_conversion(&self.working, cs),
        };
        built.map(Some).map_err(|e| e.to_string())
    }

    /// Every problem of the section: outputs it names that the stage lacks, incomplete
    /// targets, and (when the asset root is known) a config that does not load or cannot
    /// build a mapped output's transform.
    pub fn problems(
        &self,
        outputs: &[OutputDef],
        asset_root: Option<&Path>,
    ) -> Vec<(OcioProblemAt, String)> {
        let mut problems = Vec::new();
        if !(MIN_OCIO_LUT_SIZE..=MAX_LUT_SIZE as u32).contains(&self.lut_size) {
            problems.push((
                OcioProblemAt::LutSize,
                format!("lut_size must be {MIN_OCIO_LUT_SIZE}..{MAX_LUT_SIZE}"),
            ));
        }
        let mut mapped = Vec::new();
        for (name, def) in &self.outputs {
            let at = || OcioProblemAt::Output(name.clone());
            if !outputs.iter().any(|o| o.name.0 == *name) {
                problems.push((at(), format!("maps output `{name}`, which the stage lacks")));
            } else if let Err(e) = def.target() {
                problems.push((at(), format!("output `{name}`: {e}")));
            } else {
                mapped.push(name);
            }
        }
        let Some(root) = asset_root else {
            return problems;
        };
        let config = match self.load_config(Some(root)) {
            Ok(config) => config,
            Err(e) => {
                problems.push((OcioProblemAt::Config, e));
                return problems;
            }
        };
        if !config.has_colour_space(&self.working) {
            problems.push((
                OcioProblemAt::Working,
                format!(
                    "working colour space `{}` is not in the config",
                    self.working
                ),
            ));
            return problems;
        }
        for name in mapped {
            if let Err(e) = self.processor(&config, name) {
                let at = OcioProblemAt::Output(name.clone());
                problems.push((at, format!("output `{name}`: {e}")));
            }
        }
        problems
    }
}

/// The shaper the warp's encode applies for a transfer function.
pub fn shaper_for(transfer: Transfer) -> Shaper {
    match transfer {
        Transfer::Srgb => Shaper::Srgb,
        Transfer::Gamma22 => Shaper::Power(2.2),
        Transfer::Gamma24 => Shaper::Power(2.4),
        Transfer::Linear => Shaper::Linear,
    }
}

/// The LUT of an OCIO-mapped output: the transform over the signal `transfer` encodes,
/// then `calibration` when the output has its own LUT, `size` nodes per axis.
pub fn bake_ocio_lut(
    processor: &Processor,
    transfer: Transfer,
    calibration: Option<&CubeLut>,
    size: u32,
) -> CubeLut {
    let shaper = shaper_for(transfer);
    let lut = Lut3d::from_fn(size as usize, |s| {
        let signal = processor.apply(s.map(|v| shaper.decode(v)));
        match calibration {
            // The display clamps the signal the calibration LUT was measured on.
            Some(c) => trilinear(c.size, &c.data, signal),
            None => signal,
        }
    });
    CubeLut {
        size: lut.size,
        data: lut.data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A config whose display view is the sRGB curve over linear Rec.709.
    const CONFIG: &str = r#"ocio_profile_version: 2
roles:
  scene_linear: Linear
displays:
  sRGB:
    - !<View> {name: Video, colorspace: sRGB}
    - !<View> {name: Tone, colorspace: Tone}
colorspaces:
  - !<ColorSpace>
    name: Linear
  - !<ColorSpace>
    name: sRGB
    from_scene_reference: !<ExponentWithLinearTransform> {gamma: 2.4, offset: 0.055, direction: inverse}
  - !<ColorSpace>
    name: Tone
    from_scene_reference: !<BuiltinTransform> {style: ACES-OUTPUT - ACES2065-1_to_CIE-XYZ-D65 - SDR-100nit-REC709_2.0}
"#;

    fn def(outputs: &[(&str, OcioOutputDef)]) -> OcioDef {
        OcioDef {
            config: AssetRef("colour/config.ocio".into()),
            working: "scene_linear".into(),
            outputs: outputs
                .iter()
                .map(|(n, d)| (n.to_string(), d.clone()))
                .collect(),
            lut_size: DEFAULT_OCIO_LUT_SIZE,
        }
    }

    fn view(display: &str, view: &str) -> OcioOutputDef {
        OcioOutputDef {
            display: Some(display.into()),
            view: Some(view.into()),
            colorspace: None,
        }
    }

    #[test]
    fn an_srgb_view_over_an_srgb_shaper_bakes_to_the_identity() {
        let config = Config::parse(CONFIG).expect("config");
        let d = def(&[("wall", view("sRGB", "Video"))]);
        let p = d
            .processor(&config, "wall")
            .expect("builds")
            .expect("mapped");
        let lut = bake_ocio_lut(&p, Transfer::Srgb, None, 17);
        let identity = CubeLut::identity(17);
        let worst = lut
            .data
            .iter()
            .zip(&identity.data)
            .flat_map(|(a, b)| (0..3).map(move |c| (a[c] - b[c]).abs()))
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-5, "{worst}");
        // A calibration LUT composes after: here one that inverts the signal.
        let invert = CubeLut {
            size: 2,
            data: CubeLut::identity(2)
                .data
                .iter()
                .map(|v| v.map(|x| 1.0 - x))
                .collect(),
        };
        let lut = bake_ocio_lut(&p, Transfer::Srgb, Some(&invert), 17);
        let (first, last) = (lut.data[0], lut.data[lut.data.len() - 1]);
        assert!(
            (first[0] - 1.0).abs() < 1e-5 && last[2].abs() < 1e-5,
            "{first:?} {last:?}"
        );
        assert!(d.processor(&config, "other").expect("unmapped").is_none());
    }

    #[test]
    fn problems_name_their_part() {
        let dir = std::env::temp_dir().join(format!("backlot-ocio-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("colour")).expect("mkdir");
        std::fs::write(dir.join("colour/config.ocio"), CONFIG).expect("write config");
        let output: OutputDef =
            ron::from_str("(name: \"wall\", canvas: (8, 8), regions: [(section: \"s\")])")
                .expect("output");
        let outputs = [output];
        let both = OcioOutputDef {
            colorspace: Some("sRGB".into()),
            ..view("sRGB", "Video")
        };
        let mut d = def(&[
            ("wall", view("sRGB", "Tone")),
            ("ghost", view("sRGB", "Video")),
        ]);
        d.lut_size = 4;
        let problems = d.problems(&outputs, Some(&dir));
        let at: Vec<&OcioProblemAt> = problems.iter().map(|(at, _)| at).collect();
        assert_eq!(
            at,
            vec![
                &OcioProblemAt::LutSize,
                &OcioProblemAt::Output("ghost".into()),
                &OcioProblemAt::Output("wall".into()),
            ]
        );
        assert!(
            problems[2].1.contains("BuiltinTransform `ACES-OUTPUT"),
            "{}",
            problems[2].1
        );
        let d = def(&[("wall", both)]);
        let problems = d.problems(&outputs, None);
        assert!(
            problems[0].1.contains("display and view, or colorspace"),
            "{problems:?}"
        );
        let mut d = def(&[("wall", view("sRGB", "Video"))]);
        d.working = "ACEScg".into();
        let problems = d.problems(&outputs, Some(&dir));
        assert_eq!(problems[0].0, OcioProblemAt::Working, "{problems:?}");
        let problems = d.problems(&outputs, Some(&dir.join("nowhere")));
        assert_eq!(problems[0].0, OcioProblemAt::Config, "{problems:?}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_stage_file_carries_the_section_and_its_problems_at_their_line() {
        let dir = std::env::temp_dir().join(format!("backlot-ocio-stage-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("colour")).expect("mkdir");
        std::fs::write(dir.join("colour/config.ocio"), CONFIG).expect("write config");
        let stage = |ocio_outputs: &str| {
            format!(
                r#"(
    sections: [(
        name: "wall",
        shape: Flat(
            lower_left: (-3.0, 0.0, -4.0),
            lower_right: (3.0, 0.0, -4.0),
            upper_left: (-3.0, 3.375, -4.0),
        ),
        cabinet: (size_mm: (500.0, 562.5), pixels: (160, 180)),
    )],
    outputs: [(name: "main", canvas: (1920, 1080), regions: [(section: "wall")])],
    ocio: (
        config: "colour/config.ocio",
        working: "scene_linear",
        outputs: {{
{ocio_outputs}
        }},
    ),
)"#
            )
        };
        let good = stage(r#"            "main": (display: "sRGB", view: "Video"),"#);
        let parsed = super::super::parse_stage(&good, "good.stage.ron", Some(&dir)).expect("valid");
        let section = parsed.ocio.expect("ocio section");
        assert_eq!(section.lut_size, DEFAULT_OCIO_LUT_SIZE);
        assert_eq!(
            section.outputs["main"].target(),
            Ok(OcioTarget::DisplayView {
                display: "sRGB",
                view: "Video"
            })
        );
        let bad = stage(
            r#"            "main": (display: "sRGB", view: "Video"),
            "ghost": (colorspace: "sRGB"),"#,
        );
        let errors = super::super::parse_stage(&bad, "bad.stage.ron", Some(&dir))
            .expect_err("an output the stage lacks");
        let ghost = errors
            .0
            .iter()
            .find(|e| e.message.contains("`ghost`"))
            .expect("the ghost output is reported");
        assert_eq!((ghost.line, ghost.col), (17, 13), "{}", ghost.message);
        std::fs::remove_dir_all(&dir).ok();
    }
}
