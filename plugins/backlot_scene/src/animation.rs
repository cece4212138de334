//! Spin, bob and orbit, offset from each item's base pose.

use bevy::prelude::*;

use crate::format::AnimationDef;
use crate::physics::PhysicsBody;
use crate::spawn::{BaseTransform, SceneLight, look_transform};

/// Procedural motion of an entity or light.
#[derive(Component, Debug, Clone)]
pub struct Animated {
    /// What motion.
    pub def: AnimationDef,
    /// Live speed (the `animation/speed` parameter).
    pub speed: f32,
    /// Accumulated progress (degrees or cycles), so speed changes never jump.
    pub phase: f32,
}

impl Animated {
    /// Starts at phase 0 with the file's speed.
    pub fn new(def: AnimationDef) -> Self {
        Self {
            speed: def.speed(),
            def,
            phase: 0.0,
        }
    }

    /// The pose at the current phase, relative to `base`.
    pub fn pose(&self, base: &Transform) -> Transform {
        let mut t = *base;
        match &self.def {
            AnimationDef::Spin { axis, .. } => {
                let axis = Vec3::from(*axis).try_normalize().unwrap_or(Vec3::Y);
                t.rotation = Quat::from_axis_angle(axis, self.phase.to_radians()) * base.rotation;
            }
            AnimationDef::Bob { amplitude, .. } => {
                t.translation.y += amplitude * (self.phase * std::f32::consts::TAU).sin();
            }
            AnimationDef::Orbit { center, .. } => {
                let center = Vec3::from(*center);
                let turn = Quat::from_rotation_y(self.phase.to_radians());
                t.translation = center + turn * (base.translation - center);
                t.rotation = turn * base.rotation;
            }
        }
        t
    }
}

/// Items whose pose animation or parameters decide (simulated bodies excluded).
type PosedItems<'w, 's> = Query<
    'w,
    's,
    (
        &'static BaseTransform,
        &'static mut Transform,
        Option<&'static mut Animated>,
    ),
    (
        Without<PhysicsBody>,
        Or<(Changed<BaseTransform>, With<Animated>)>,
    ),
>;

pub(crate) fn animate(time: Res<Time>, mut animated: PosedItems) {
    let dt = time.delta_secs();
    for (base, mut transform, anim) in &mut animated {
        match anim {
            Some(mut anim) => {
                anim.phase += anim.speed * dt;
                // Keep the phase small so f32 keeps its precision over a long shoot.
                let wrap = match anim.def {
                    AnimationDef::Bob { .. } => 1.0,
                    _ => 360.0,
                };
                anim.phase = anim.phase.rem_euclid(wrap);
                *transform = anim.pose(&base.0);
            }
            None => *transform = base.0,
        }
    }
}

/// Points lights at their target entity or fixed aim point (after animation moved them).
pub(crate) fn aim_lights(
    mut lights: Query<(&SceneLight, &mut Transform)>,
    targets: Query<&Transform, Without<SceneLight>>,
) {
    for (light, mut transform) in &mut lights {
        let aim = light
            .target
            .and_then(|t| targets.get(t).ok().map(|t| t.translation))
            .or(light.look_at);
        if let Some(aim) = aim {
            transform.rotation = look_transform(transform.translation, aim).rotation;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orbit_keeps_radius_and_spin_turns() {
        let base = Transform::from_xyz(3.0, 1.0, 0.0);
        let mut a = Animated::new(AnimationDef::Orbit {
            center: [0.0, 0.0, 0.0],
            speed: 90.0,
        });
        a.phase = 90.0;
        let p = a.pose(&base);
        assert!((p.translation.xz().length() - 3.0).abs() < 1e-4);
        assert!((p.translation.y - 1.0).abs() < 1e-6);
        assert!((p.translation.z - -3.0).abs() < 1e-4, "{:?}", p.translation);
        let mut s = Animated::new(AnimationDef::Spin {
            axis: [0.0, 1.0, 0.0],
            speed: 10.0,
        });
        s.phase = 180.0;
        let r = s.pose(&Transform::IDENTITY).rotation * Vec3::X;
        assert!((r - Vec3::NEG_X).length() < 1e-4);
    }
}
