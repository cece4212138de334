//! Output canvases: which section pixel each canvas pixel carries.

use super::{OutputDef, RegionDef, SectionGeometry};

/// Largest canvas side accepted (8K processor inputs).
pub const MAX_CANVAS: u32 = 8192;

/// A region resolved against its section.
#[derive(Debug, Clone, PartialEq)]
struct PlacedRegion {
    section: usize,
    /// Source rectangle in section pixels.
    src: [u32; 4],
    /// Destination rectangle on the canvas (x, y, w, h) after rotation.
    dst: [u32; 4],
    /// Clockwise quarter turns.
    turns: u32,
}

/// The resolved mapping of one output.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputMap {
    /// Canvas size.
    pub canvas: [u32; 2],
    regions: Vec<PlacedRegion>,
}

/// Size of a `w`×`h` rectangle after `rotation` degrees (clockwise).
pub fn rotated_size(w: u32, h: u32, rotation: u32) -> [u32; 2] {
    if rotation % 180 == 90 { [h, w] } else { [w, h] }
}

impl OutputMap {
    /// Resolves an output against the stage's sections (by name, in file order).
    /// Errors are `(region index, message)`; the canvas-level problems use `usize::MAX`.
    pub fn new(
        output: &OutputDef,
        sections: &[(String, SectionGeometry)],
    ) -> Result<Self, Vec<(usize, String)>> {
        let mut problems = Vec::new();
        let [cw, ch] = output.canvas;
        if cw == 0 || ch == 0 {
            problems.push((
                usize::MAX,
                format!("output `{}` canvas must not be empty", output.name),
            ));
        } else if cw > MAX_CANVAS || ch > MAX_CANVAS {
            // Every canvas pixel gets GPU buffers; refuse sizes no processor input has.
            problems.push((
                usize::MAX,
                format!(
                    "output `{}` canvas {cw}x{ch} is larger than {MAX_CANVAS}x{MAX_CANVAS}",
                    output.name
                ),
            ));
        }
        let mut regions: Vec<PlacedRegion> = Vec::new();
        for (i, region) in output.regions.iter().enumerate() {
            match place(region, sections, output.canvas) {
                Ok(placed) => {
                    if let Some(other) = regions.iter().position(|r| overlaps(r.dst, placed.dst)) {
                        problems.push((
                            i,
                            format!(
                                "region {} overlaps region {} on canvas `{}`",
                                i + 1,
                                other + 1,
                                output.name
                            ),
                        ));
                    } else {
                        regions.push(placed);
                    }
                }
                Err(message) => problems.push((i, message)),
            }
        }
        if problems.is_empty() {
            Ok(Self {
                canvas: output.canvas,
                regions,
            })
        } else {
            Err(problems)
        }
    }

    /// The section index and section pixel a canvas pixel shows, if any.
    pub fn lookup(&self, x: u32, y: u32) -> Option<(usize, u32, u32)> {
        self.regions.iter().find_map(|r| {
            let [dx, dy, dw, dh] = r.dst;
            if x < dx || y < dy || x >= dx + dw || y >= dy + dh {
                return None;
            }
            let (u, v) = (x - dx, y - dy);
            let [sx, sy, sw, sh] = r.src;
            let (lx, ly) = match r.turns {
                1 => (v, sh - 1 - u),
                2 => (sw - 1 - u, sh - 1 - v),
                3 => (sw - 1 - v, u),
                _ => (u, v),
            };
            Some((r.section, sx + lx, sy + ly))
        })
    }
}

fn place(
    region: &RegionDef,
    sections: &[(String, SectionGeometry)],
    canvas: [u32; 2],
) -> Result<PlacedRegion, String> {
    let section = sections
        .iter()
        .position(|(name, _)| *name == region.section)
        .ok_or_else(|| format!("unknown section `{}`", region.section))?;
    let [rw, rh] = sections[section].1.resolution;
    if !region.rotation.is_multiple_of(90) || region.rotation >= 360 {
        return Err(format!(
            "rotation must be 0, 90, 180 or 270, got {}",
            region.rotation
        ));
    }
    let src = region.source.unwrap_or([0, 0, rw, rh]);
    let [sx, sy, sw, sh] = src;
    if sw == 0 || sh == 0 {
        return Err("source rectangle is empty".into());
    }
    if u64::from(sx) + u64::from(sw) > u64::from(rw)
        || u64::from(sy) + u64::from(sh) > u64::from(rh)
    {
        return Err(format!(
            "source {sx},{sy} {sw}x{sh} lies outside section `{}` ({rw}x{rh} pixels)",
            region.section
        ));
    }
    let [dw, dh] = rotated_size(sw, sh, region.rotation);
    let [ox, oy] = region.offset;
    if u64::from(ox) + u64::from(dw) > u64::from(canvas[0])
        || u64::from(oy) + u64::from(dh) > u64::from(canvas[1])
    {
        return Err(format!(
            "region {dw}x{dh} at {ox},{oy} runs off the {}x{} canvas",
            canvas[0], canvas[1]
        ));
    }
    Ok(PlacedRegion {
        section,
        src,
        dst: [ox, oy, dw, dh],
        turns: region.rotation / 90,
    })
}

fn overlaps(a: [u32; 4], b: [u32; 4]) -> bool {
    a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3]
}
