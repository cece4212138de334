//! Processor inputs: canvases, the regions of section pixels placed on them, the colour
//! pipeline and window placement.

use backlot_scene::format::{AssetRef, EntityName, NonNegative};
use serde::{Deserialize, Serialize};

use super::GradeDef;

/// A processor input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputDef {
    /// Unique name; parameters live under `/stage/outputs/<name>/`.
    pub name: EntityName,
    /// Canvas size in pixels (the signal the processor receives).
    pub canvas: [u32; 2],
    /// Rectangles of section pixels placed on the canvas.
    pub regions: Vec<RegionDef>,
    /// The outer frustum's grade on this output (what lights the actors and reflections),
    /// before the soft-edge blend and the colour pipeline.
    #[serde(default)]
    pub grade: GradeDef,
    /// Colour pipeline, applied last.
    #[serde(default)]
    pub color: OutputColorDef,
    /// Window placement for `backlot run`.
    #[serde(default)]
    pub window: Option<WindowDef>,
}

/// A rectangle of a section's pixels placed on an output canvas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionDef {
    /// Section name.
    pub section: String,
    /// Source rectangle in section pixels (x, y, width, height); default the whole section.
    #[serde(default)]
    pub source: Option<[u32; 4]>,
    /// Where its top-left lands on the canvas, pixels.
    #[serde(default)]
    pub offset: [u32; 2],
    /// Clockwise quarter turns (0, 90, 180, 270 degrees).
    #[serde(default)]
    pub rotation: u32,
}

/// The per-output colour pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputColorDef {
    /// Exposure offset, stops.
    pub exposure: f32,
    /// Linear gain.
    pub gain: NonNegative,
    /// White balance gains (r, g, b).
    pub white_balance: [NonNegative; 3],
    /// Signal transfer function.
    pub transfer: Transfer,
    /// Optional 3D LUT (`.cube`) under `assets/`.
    pub lut: Option<AssetRef>,
}

impl Default for OutputColorDef {
    fn default() -> Self {
        Self {
            exposure: 0.0,
            gain: NonNegative(1.0),
            white_balance: [NonNegative(1.0); 3],
            transfer: Transfer::Srgb,
            lut: None,
        }
    }
}

/// Output transfer functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Transfer {
    /// IEC 61966-2-1.
    Srgb,
    /// Pure power 2.2.
    Gamma22,
    /// Pure power 2.4 (BT.1886).
    Gamma24,
    /// No encoding.
    Linear,
}

/// Where an output's window goes in `backlot run`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowDef {
    /// Monitor index (0 = primary).
    #[serde(default)]
    pub monitor: u32,
    /// Top-left position on that monitor, pixels.
    #[serde(default)]
    pub position: [i32; 2],
    /// Borderless window or exclusive fullscreen.
    #[serde(default)]
    pub fullscreen: bool,
}
