//! Poses in stage space, the default FreeD axis mapping, per-tracker calibration and the
//! lens's nodal offset.

use backlot_stage::format::{CalibrationDef, camera_rotation};
use bevy::math::{EulerRot, Quat, Vec3};

use crate::codec::freed::FreedD1;

/// Farthest a tracked camera may be from the stage origin on any axis, metres: beyond this
/// a sample is a glitch or a unit mix-up, not a camera.
pub const MAX_POSITION_M: f32 = 1000.0;

/// Largest pan, tilt or roll accepted, degrees: a hundred turns, for trackers that count
/// pan unwrapped; beyond it an f32 angle has lost its precision anyway.
pub const MAX_ANGLE_DEG: f32 = 36_000.0;

/// A camera pose: position in metres and pan, tilt, roll in degrees (pan positive turns
/// right seen from above, tilt positive looks up, roll positive turns the image clockwise
/// seen from behind; all zero looks along stage −Z).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Pose {
    /// Metres.
    pub position: Vec3,
    /// Pan, tilt, roll, degrees.
    pub rotation: [f32; 3],
}

impl Pose {
    /// The orientation as a quaternion (Bevy camera axes).
    pub fn quat(&self) -> Quat {
        let [pan, tilt, roll] = self.rotation;
        camera_rotation(pan, tilt, roll)
    }

    /// Pan, tilt, roll of a camera orientation (inverse of [`camera_rotation`]).
    pub fn angles_of(q: Quat) -> [f32; 3] {
        let (a, b, c) = q.to_euler(EulerRot::YXZ);
        [-a.to_degrees(), b.to_degrees(), -c.to_degrees()]
    }

    /// Whether every number in it is finite.
    pub fn is_finite(&self) -> bool {
        self.position.is_finite() && self.rotation.iter().all(|a| a.is_finite())
    }

    /// Why this cannot be a camera's pose (a number not finite, a position beyond
    /// [`MAX_POSITION_M`], an angle beyond [`MAX_ANGLE_DEG`]), or `None` when it can. Such a
    /// sample is dropped before smoothing: one NaN in the filter would hold every output.
    pub fn implausible(&self) -> Option<String> {
        let position = self.position.to_array();
        if !self.is_finite() {
            return Some(format!(
                "pose is not finite (position {position:?}, rotation {:?})",
                self.rotation
            ));
        }
        if position.iter().any(|v| v.abs() > MAX_POSITION_M) {
            return Some(format!(
                "position {position:?} is more than {MAX_POSITION_M} m from the stage origin"
            ));
        }
        if self.rotation.iter().any(|a| a.abs() > MAX_ANGLE_DEG) {
            return Some(format!(
                "rotation {:?} is beyond {MAX_ANGLE_DEG} degrees",
                self.rotation
            ));
        }
        None
    }

    /// `t` of the way from `self` to `other`; angles take the short way round.
    pub fn lerp(&self, other: &Pose, t: f32) -> Pose {
        let mut rotation = self.rotation;
        for (r, o) in rotation.iter_mut().zip(other.rotation) {
            let d = (o - *r + 540.0).rem_euclid(360.0) - 180.0;
            *r += d * t;
        }
        Pose {
            position: self.position.lerp(other.position, t),
            rotation,
        }
    }
}

/// FreeD's axes as backlot reads them by default: stage = (X, Z, −Y) / 1000 metres (FreeD X
/// right, Y forward, Z height); FreeD's pan, tilt and roll already follow backlot's sense.
pub fn freed_tracker_pose(p: &FreedD1) -> Pose {
    let [x, y, z] = p.position_mm();
    let [pan, tilt, roll] = p.angles_deg();
    Pose {
        position: Vec3::new(x as f32, z as f32, -y as f32) / 1000.0,
        rotation: [pan as f32, tilt as f32, roll as f32],
    }
}

/// A tracker's calibration, ready to apply.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibration {
    offset: Vec3,
    rotation: Quat,
    scale: f32,
    identity_rotation: bool,
}

impl Default for Calibration {
    fn default() -> Self {
        Self::new(&CalibrationDef::default())
    }
}

impl Calibration {
    /// From the stage file.
    pub fn new(def: &CalibrationDef) -> Self {
        let [pan, tilt, roll] = def.rotation;
        Self {
            offset: Vec3::from(def.offset),
            rotation: camera_rotation(pan, tilt, roll),
            scale: def.scale.0,
            identity_rotation: def.rotation == [0.0; 3],
        }
    }

    /// Tracker space → stage space, then from the tracked point to the lens's entrance
    /// pupil (`nodal`: right, up, forward metres in the camera's axes).
    pub fn apply(&self, pose: &Pose, nodal: Vec3) -> Pose {
        let (position, rotation, q) = if self.identity_rotation {
            // Skip the Euler round trip: angles pass through exactly.
            (
                self.offset + pose.position * self.scale,
                pose.rotation,
                pose.quat(),
            )
        } else {
            let q = self.rotation * pose.quat();
            (
                self.offset + self.rotation * (pose.position * self.scale),
                Pose::angles_of(q),
                q,
            )
        };
        let nodal = q * Vec3::new(nodal.x, nodal.y, -nodal.z);
        Pose {
            position: position + nodal,
            rotation,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::freed;
    use backlot_scene::format::Positive;

    fn near(a: Vec3, b: Vec3) -> bool {
        (a - b).length() < 1e-4
    }

    #[test]
    fn freed_example_lands_where_the_issue_says() {
        let bytes: Vec<u8> = (0..58)
            .step_by(2)
            .map(|i| {
                u8::from_str_radix(
                    &"d1012d0000fac00000000000fa00fd8ef0017700080000010000000091"[i..i + 2],
                    16,
                )
                .expect("hex")
            })
            .collect();
        let pose = freed_tracker_pose(&freed::decode(&bytes).expect("valid"));
        assert!(
            near(pose.position, Vec3::new(1.0, 1.5, 2.50025)),
            "{pose:?}"
        );
        assert_eq!(pose.rotation, [90.0, -10.5, 0.0]);
        // Looking right (+X) and 10.5 degrees down.
        let forward = pose.quat() * Vec3::NEG_Z;
        assert!(near(
            forward,
            Vec3::new(10.5f32.to_radians().cos(), -10.5f32.to_radians().sin(), 0.0)
        ));
        // All zero looks along FreeD +Y, which is stage −Z.
        let zero = freed_tracker_pose(&FreedD1::default());
        assert!(near(zero.quat() * Vec3::NEG_Z, Vec3::NEG_Z));
        // Roll positive turns the image clockwise: the camera's up tips to the right.
        let rolled = Pose {
            rotation: [0.0, 0.0, 10.0],
            ..default_pose()
        };
        assert!((rolled.quat() * Vec3::Y).x > 0.1);
    }

    fn default_pose() -> Pose {
        Pose::default()
    }

    #[test]
    fn calibration_offsets_turns_and_scales() {
        let cal = Calibration::new(&CalibrationDef {
            offset: [1.0, 0.0, -2.0],
            rotation: [90.0, 0.0, 0.0],
            scale: Positive(2.0),
        });
        let pose = Pose {
            position: Vec3::new(0.0, 1.0, -1.0),
            rotation: [0.0, 5.0, 0.0],
        };
        let out = cal.apply(&pose, Vec3::ZERO);
        // Tracker −Z (its forward) becomes stage +X after a 90° turn to the right.
        assert!(near(out.position, Vec3::new(3.0, 2.0, -2.0)), "{out:?}");
        assert!((out.rotation[0] - 90.0).abs() < 1e-3, "{out:?}");
        assert!((out.rotation[1] - 5.0).abs() < 1e-3, "{out:?}");
        assert!(out.rotation[2].abs() < 1e-3, "{out:?}");
    }

    #[test]
    fn nodal_offset_follows_the_camera() {
        let cal = Calibration::default();
        let pose = Pose {
            position: Vec3::new(0.0, 1.5, 0.0),
            rotation: [90.0, 0.0, 0.0],
        };
        // 0.2 m forward of the tracked point, camera looking along +X.
        let out = cal.apply(&pose, Vec3::new(0.0, 0.0, 0.2));
        assert!(near(out.position, Vec3::new(0.2, 1.5, 0.0)), "{out:?}");
        assert_eq!(out.rotation, pose.rotation);
    }

    #[test]
    fn angles_survive_the_quaternion_round_trip() {
        for rot in [[30.0, -10.0, 5.0], [-120.0, 45.0, -20.0], [179.0, 0.0, 0.0]] {
            let q = Pose {
                position: Vec3::ZERO,
                rotation: rot,
            }
            .quat();
            let back = Pose::angles_of(q);
            for (a, b) in rot.iter().zip(back) {
                assert!((a - b).abs() < 1e-3, "{rot:?} -> {back:?}");
            }
        }
    }

    #[test]
    fn interpolation_takes_the_short_way_round() {
        let a = Pose {
            position: Vec3::ZERO,
            rotation: [170.0, 0.0, 0.0],
        };
        let b = Pose {
            position: Vec3::X,
            rotation: [-170.0, 10.0, 0.0],
        };
        let mid = a.lerp(&b, 0.5);
        assert!(near(mid.position, Vec3::new(0.5, 0.0, 0.0)));
        assert!((mid.rotation[0].abs() - 180.0).abs() < 1e-3, "{mid:?}");
        assert!((mid.rotation[1] - 5.0).abs() < 1e-4);
    }

    #[test]
    fn extreme_and_non_finite_poses_are_implausible() {
        let ok = Pose {
            position: Vec3::new(999.0, -999.0, 0.0),
            rotation: [-720.0, 90.0, 35_999.0],
        };
        assert_eq!(ok.implausible(), None);
        let far = Pose {
            position: Vec3::new(0.0, 1e30, 0.0),
            ..ok
        };
        assert!(far.implausible().is_some_and(|w| w.contains("1000 m")));
        let spun = Pose {
            rotation: [0.0, 0.0, -1e30],
            ..ok
        };
        assert!(spun.implausible().is_some_and(|w| w.contains("rotation")));
        for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            let p = Pose {
                position: Vec3::new(0.0, 0.0, bad),
                ..ok
            };
            assert!(!p.is_finite());
            assert!(
                p.implausible().is_some_and(|w| w.contains("not finite")),
                "{bad}"
            );
            let r = Pose {
                rotation: [bad, 0.0, 0.0],
                ..ok
            };
            assert!(
                r.implausible().is_some_and(|w| w.contains("not finite")),
                "{bad}"
            );
        }
    }
}
