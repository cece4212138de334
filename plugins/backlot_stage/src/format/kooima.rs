//! Off-axis ("generalized perspective") projection for a flat screen and a moving eye
//! (Kooima 2008): the frustum whose edges pass exactly through the screen's corners.

use bevy::math::{Mat4, Vec3, Vec4};

/// Near-plane extents of an off-axis frustum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrustumExtents {
    /// Left.
    pub l: f32,
    /// Right.
    pub r: f32,
    /// Bottom.
    pub b: f32,
    /// Top.
    pub t: f32,
}

/// Screen basis (right, up, normal towards the eye side) from the corners.
fn basis(pa: Vec3, pb: Vec3, pc: Vec3) -> (Vec3, Vec3, Vec3) {
    let vr = (pb - pa).normalize();
    let vu = (pc - pa).normalize();
    (vr, vu, vr.cross(vu).normalize())
}

/// Near-plane extents for screen corners `pa` (lower left), `pb` (lower right), `pc`
/// (upper left) seen from eye `pe` with near distance `n`.
pub fn off_axis_extents(pa: Vec3, pb: Vec3, pc: Vec3, pe: Vec3, n: f32) -> FrustumExtents {
    let (vr, vu, vn) = basis(pa, pb, pc);
    let (va, vb, vc) = (pa - pe, pb - pe, pc - pe);
    let d = -vn.dot(va);
    FrustumExtents {
        l: vr.dot(va) * n / d,
        r: vr.dot(vb) * n / d,
        b: vu.dot(va) * n / d,
        t: vu.dot(vc) * n / d,
    }
}

/// The full projection (frustum × screen rotation × eye translation), OpenGL-style clip
/// space with depth −1..1; the screen's corners land on NDC (±1, ±1).
pub fn off_axis_projection(pa: Vec3, pb: Vec3, pc: Vec3, pe: Vec3, n: f32, f: f32) -> Mat4 {
    let (vr, vu, vn) = basis(pa, pb, pc);
    let FrustumExtents { l, r, b, t } = off_axis_extents(pa, pb, pc, pe, n);
    let frustum = Mat4::from_cols(
        Vec4::new(2.0 * n / (r - l), 0.0, 0.0, 0.0),
        Vec4::new(0.0, 2.0 * n / (t - b), 0.0, 0.0),
        Vec4::new(
            (r + l) / (r - l),
            (t + b) / (t - b),
            -(f + n) / (f - n),
            -1.0,
        ),
        Vec4::new(0.0, 0.0, -2.0 * f * n / (f - n), 0.0),
    );
    // Rows vr, vu, vn: world → screen-aligned axes.
    let rotation = Mat4::from_cols(
        Vec4::new(vr.x, vu.x, vn.x, 0.0),
        Vec4::new(vr.y, vu.y, vn.y, 0.0),
        Vec4::new(vr.z, vu.z, vn.z, 0.0),
        Vec4::W,
    );
    frustum * rotation * Mat4::from_translation(-pe)
}
