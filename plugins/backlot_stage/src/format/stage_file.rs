//! The data of a stage file. Units: metres and degrees for geometry, millimetres for
//! cabinets, pixels for resolutions; axes are Bevy's (Y up, −Z forward).

use serde::{Deserialize, Serialize};

use super::{CameraDef, OcioDef, OuterEyeDef, OutputDef, SectionDef, TrackerDef};

/// A whole LED volume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageFile {
    /// Shown in the UI.
    #[serde(default)]
    pub title: String,
    /// The LED surfaces.
    pub sections: Vec<SectionDef>,
    /// What each processor input receives.
    pub outputs: Vec<OutputDef>,
    /// Where the environment (outer frustum) is rendered from.
    #[serde(default)]
    pub outer_eye: OuterEyeDef,
    /// Tracked (or static) cameras whose inner frustum goes on the wall.
    #[serde(default)]
    pub cameras: Vec<CameraDef>,
    /// Camera tracking systems and their calibration to stage space.
    #[serde(default)]
    pub trackers: Vec<TrackerDef>,
    /// The production's OCIO config and what each output's signal is in it.
    #[serde(default)]
    pub ocio: Option<OcioDef>,
}
