//! Where every LED pixel is in the world.

use bevy::math::{Quat, Vec2, Vec3};

use super::{SectionDef, SectionShape};

/// A section's measured geometry: cabinet counts, pixel resolution, pitch, and the world
/// position of any point given in section pixel coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct SectionGeometry {
    /// Pixels across and down.
    pub resolution: [u32; 2],
    /// Cabinets across and down.
    pub cabinets: [u32; 2],
    /// Pixel pitch, millimetres (across, down).
    pub pitch_mm: [f32; 2],
    /// Physical size, metres (across, down).
    pub size_m: [f32; 2],
    shape: Shape,
}

#[derive(Debug, Clone, PartialEq)]
enum Shape {
    Flat {
        origin: Vec3,
        right: Vec3,
        up: Vec3,
    },
    Curved {
        center: Vec3,
        radius: f32,
        start: f32,
        span: f32,
        bottom: f32,
        height: f32,
    },
}

/// Tolerance for "a whole number of cabinets": a hundredth of a cabinet.
const CABINET_TOLERANCE: f32 = 0.01;

impl SectionGeometry {
    /// Measures a section; the error says what is physically wrong with it.
    pub fn new(def: &SectionDef) -> Result<Self, String> {
        let (size_m, shape) = match &def.shape {
            SectionShape::Flat {
                lower_left,
                lower_right,
                upper_left,
            } => {
                let (a, b, c) = (
                    Vec3::from(*lower_left),
                    Vec3::from(*lower_right),
                    Vec3::from(*upper_left),
                );
                let (right, up) = (b - a, c - a);
                if right.length() < 1e-4 || up.length() < 1e-4 {
                    return Err("corners are too close together".into());
                }
                let cos = right.normalize().dot(up.normalize()).abs();
                if cos > 0.01 {
                    return Err(format!(
                        "corners do not make a rectangle: the edges meet at {:.1} degrees, not 90",
                        cos.acos().to_degrees()
                    ));
                }
                (
                    [right.length(), up.length()],
                    Shape::Flat {
                        origin: a,
                        right,
                        up,
                    },
                )
            }
            SectionShape::Curved {
                center,
                radius,
                start_angle,
                end_angle,
                bottom,
                height,
            } => {
                let span = end_angle - start_angle;
                if !(span > 0.0 && span <= 360.0) {
                    return Err(format!(
                        "end_angle must be greater than start_angle by at most 360 degrees, got {start_angle}..{end_angle}"
                    ));
                }
                let span = span.to_radians();
                (
                    [radius.0 * span, height.0],
                    Shape::Curved {
                        center: Vec3::new(center[0], 0.0, center[1]),
                        radius: radius.0,
                        start: start_angle.to_radians(),
                        span,
                        bottom: *bottom,
                        height: height.0,
                    },
                )
            }
        };
        let [cw, ch] = [def.cabinet.size_mm[0].0, def.cabinet.size_mm[1].0];
        let [pw, ph] = def.cabinet.pixels;
        if pw == 0 || ph == 0 {
            return Err("a cabinet needs at least one pixel each way".into());
        }
        let mut cabinets = [0u32; 2];
        for (i, (len_m, cab_mm)) in [(size_m[0], cw), (size_m[1], ch)].into_iter().enumerate() {
            let exact = len_m * 1000.0 / cab_mm;
            let whole = exact.round();
            if whole < 1.0 || (exact - whole).abs() > CABINET_TOLERANCE {
                let axis = if i == 0 { "width" } else { "height" };
                return Err(format!(
                    "section {axis} {:.1} mm is {exact:.3} cabinets of {cab_mm} mm; it must be a whole number",
                    len_m * 1000.0
                ));
            }
            cabinets[i] = whole as u32;
        }
        Ok(Self {
            resolution: [cabinets[0] * pw, cabinets[1] * ph],
            cabinets,
            pitch_mm: [cw / pw as f32, ch / ph as f32],
            size_m,
            shape,
        })
    }

    /// World position of a point in section pixel coordinates (x right, y down from the
    /// top-left corner; a pixel's centre is at `i + 0.5`).
    pub fn position(&self, x: f32, y: f32) -> Vec3 {
        let u = x / self.resolution[0] as f32;
        let v = 1.0 - y / self.resolution[1] as f32;
        match &self.shape {
            Shape::Flat { origin, right, up } => *origin + *right * u + *up * v,
            Shape::Curved {
                center,
                radius,
                start,
                span,
                bottom,
                height,
            } => {
                let a = start + span * u;
                Vec3::new(
                    center.x + radius * a.sin(),
                    bottom + height * v,
                    center.z - radius * a.cos(),
                )
            }
        }
    }

    /// The unit normal of the lit side at a pixel coordinate.
    pub fn normal(&self, x: f32, y: f32) -> Vec3 {
        match &self.shape {
            Shape::Flat { right, up, .. } => right.cross(*up).normalize(),
            Shape::Curved { center, .. } => {
                let p = self.position(x, y);
                (Vec3::new(center.x, p.y, center.z) - p).normalize()
            }
        }
    }

    /// Which cabinet (column, row) a pixel belongs to.
    pub fn cabinet_of(&self, x: u32, y: u32) -> [u32; 2] {
        let per = [
            self.resolution[0] / self.cabinets[0].max(1),
            self.resolution[1] / self.cabinets[1].max(1),
        ];
        [x / per[0].max(1), y / per[1].max(1)]
    }

    /// Where a ray (`origin` + t·`dir`, t > 0) meets the lit side of the section: the
    /// distance t and the section pixel coordinates (x right, y down), if it does.
    pub fn intersect(&self, origin: Vec3, dir: Vec3) -> Option<(f32, f32, f32)> {
        let [w, h] = self.resolution.map(|r| r as f32);
        let (t, u, v) = match &self.shape {
            Shape::Flat {
                origin: o,
                right,
                up,
            } => {
                let n = right.cross(*up);
                let denom = n.dot(dir);
                if denom.abs() < 1e-9 {
                    return None;
                }
                let t = n.dot(*o - origin) / denom;
                let p = origin + dir * t - *o;
                (
                    t,
                    p.dot(*right) / right.length_squared(),
                    p.dot(*up) / up.length_squared(),
                )
            }
            Shape::Curved {
                center,
                radius,
                start,
                span,
                bottom,
                height,
            } => {
                // Ray against the vertical cylinder. The lit side faces inwards, so the far
                // root is the hit: from inside it is the only one ahead; from outside the
                // near root is the wall's unlit back.
                let (ox, oz) = (origin.x - center.x, origin.z - center.z);
                let (a, b, c) = (
                    dir.x * dir.x + dir.z * dir.z,
                    2.0 * (ox * dir.x + oz * dir.z),
                    ox * ox + oz * oz - radius * radius,
                );
                let disc = b * b - 4.0 * a * c;
                if a < 1e-12 || disc < 0.0 {
                    return None;
                }
                let t = (-b + disc.sqrt()) / (2.0 * a);
                let p = origin + dir * t;
                let angle = (p.x - center.x).atan2(-(p.z - center.z));
                let mut rel = angle - start;
                while rel < 0.0 {
                    rel += std::f32::consts::TAU;
                }
                (t, rel / span, (p.y - bottom) / height)
            }
        };
        (t > 0.0 && (0.0..=1.0).contains(&u) && (0.0..=1.0).contains(&v)).then_some((
            t,
            u * w,
            (1.0 - v) * h,
        ))
    }

    /// The flat corners (lower-left, lower-right, upper-left) when the section is flat.
    pub fn flat_corners(&self) -> Option<[Vec3; 3]> {
        match &self.shape {
            Shape::Flat { origin, right, up } => Some([*origin, *origin + *right, *origin + *up]),
            Shape::Curved { .. } => None,
        }
    }
}

/// A camera's orientation from pan, tilt and roll (degrees): all zero looks along −Z; pan
/// positive turns right seen from above, tilt positive looks up, roll positive turns the
/// camera (and so its image frame) clockwise as seen from behind it.
pub fn camera_rotation(pan: f32, tilt: f32, roll: f32) -> Quat {
    Quat::from_rotation_y(-pan.to_radians())
        * Quat::from_rotation_x(tilt.to_radians())
        * Quat::from_rotation_z(-roll.to_radians())
}

/// Distance from a point to the nearest LED surface of the stage (flat sections as
/// rectangles, curved ones as cylinder bands); without a stage, to the plane z = −4 m where
/// the shipped stages put their wall.
pub fn nearest_led_distance(p: Vec3, sections: &[SectionDef]) -> f32 {
    let mut best = f32::MAX;
    for s in sections {
        let d = match &s.shape {
            SectionShape::Flat {
                lower_left,
                lower_right,
                upper_left,
            } => {
                let (o, r, u) = (
                    Vec3::from(*lower_left),
                    Vec3::from(*lower_right),
                    Vec3::from(*upper_left),
                );
                let (right, up) = (r - o, u - o);
                let q = p - o;
                let a = (q.dot(right) / right.length_squared()).clamp(0.0, 1.0);
                let b = (q.dot(up) / up.length_squared()).clamp(0.0, 1.0);
                (o + right * a + up * b - p).length()
            }
            SectionShape::Curved {
                center,
                radius,
                bottom,
                height,
                ..
            } => {
                let h = Vec2::new(p.x - center[0], p.z - center[1]).length();
                let dy = (bottom - p.y).max(p.y - (bottom + height.0)).max(0.0);
                Vec2::new(radius.0 - h, dy).length()
            }
        };
        best = best.min(d);
    }
    if sections.is_empty() {
        (p.z + 4.0).abs()
    } else {
        best
    }
}
