//! The LED surfaces: where each is, its shape, and the cabinet grid that gives it pixels.

use backlot_scene::format::{EntityName, Positive};
use serde::{Deserialize, Serialize};

/// One LED surface.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionDef {
    /// Unique name, referenced by output regions.
    pub name: EntityName,
    /// Where and what shape.
    pub shape: SectionShape,
    /// The cabinet grid that gives the section its pixels.
    pub cabinet: CabinetDef,
}

/// The shape of a section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SectionShape {
    /// A flat rectangle (walls, ceilings, floors) given by three corners, metres.
    Flat {
        /// Lower-left corner as seen from the front (the lit side).
        lower_left: [f32; 3],
        /// Lower-right corner.
        lower_right: [f32; 3],
        /// Upper-left corner.
        upper_left: [f32; 3],
    },
    /// A vertical arc, lit side facing its centre.
    Curved {
        /// Centre of the arc on the floor plane (x, z), metres.
        center: [f32; 2],
        /// Radius, metres.
        radius: Positive,
        /// Where the arc starts (its left edge seen from the centre), degrees: 0 is −Z,
        /// positive turns right seen from above.
        start_angle: f32,
        /// Where it ends (right edge), degrees; greater than `start_angle`.
        end_angle: f32,
        /// Height of the bottom edge, metres.
        bottom: f32,
        /// Height of the LED surface, metres.
        height: Positive,
    },
}

/// A cabinet (tile) of the grid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CabinetDef {
    /// Physical width and height, millimetres.
    pub size_mm: [Positive; 2],
    /// Pixels across and down one cabinet.
    pub pixels: [u32; 2],
}
