//! Rigid bodies through bevy_rapier3d: static floors, props that fall, roll and swing.

use backlot_params::{BacklotSystems, ParamRegistry, ParamValue};
use bevy::ecs::system::EntityCommands;
use bevy::prelude::*;
use bevy_rapier3d::prelude::*;

use crate::SceneIndex;
use crate::format::{BodyDef, BodyKind, ColliderDef, EntityDef, ParamTarget, ShapeDef};

/// A scene entity simulated by rapier; remembers where the file put it for resets.
#[derive(Component, Debug, Clone)]
pub struct PhysicsBody {
    /// Pose at spawn.
    pub initial: Transform,
    /// Impulse of the `push` trigger.
    pub push: Option<Vec3>,
    /// Velocity at spawn.
    pub velocity: Vec3,
}

pub(crate) fn build(app: &mut App) {
    app.add_plugins(RapierPhysicsPlugin::<NoUserData>::default())
        // Fixed 60 Hz steps: renders and replays are deterministic and frame-rate independent.
        .insert_resource(TimestepMode::Interpolated {
            dt: 1.0 / 60.0,
            time_scale: 1.0,
            substeps: 1,
        })
        .add_systems(
            Update,
            (apply_physics_params, pause_with_scene_clock)
                .chain()
                .in_set(BacklotSystems::Scene)
                .after(crate::apply::apply_scene_params),
        );
}

/// Exactly one physics step per frame, whatever the frame rate: for frame-by-frame renders,
/// where the result must not depend on how long a frame took.
pub fn use_fixed_physics_steps(app: &mut App) {
    app.insert_resource(TimestepMode::Fixed {
        dt: 1.0 / 60.0,
        substeps: 1,
    });
}

/// Bodies stand still while scene time is paused (loading, renders warming up), and when
/// the `/scene/physics/enabled` parameter is off.
fn pause_with_scene_clock(
    time: Res<Time<Virtual>>,
    registry: Res<ParamRegistry>,
    index: Res<SceneIndex>,
    mut config: Query<&mut RapierConfiguration>,
) {
    let enabled = registry
        .get("/scene/physics/enabled")
        .ok()
        .and_then(ParamValue::as_bool)
        .unwrap_or(true);
    let active = enabled && !time.is_paused();
    for mut c in &mut config {
        if c.physics_pipeline_active != active {
            c.physics_pipeline_active = active;
        }
        if c.gravity != index.gravity {
            c.gravity = index.gravity;
        }
    }
}

/// Adds the rigid body, collider and joint an entity's `body` asks for.
pub(crate) fn insert_body(
    entity: &mut EntityCommands,
    root: Entity,
    def: &EntityDef,
    body: &BodyDef,
    transform: Transform,
) {
    let collider = match (&body.collider, &def.shape) {
        (Some(ColliderDef::Box { size }), _) | (None, ShapeDef::Box { size }) => {
            Collider::cuboid(size[0].0 / 2.0, size[1].0 / 2.0, size[2].0 / 2.0)
        }
        (Some(ColliderDef::Ball { radius }), _) | (None, ShapeDef::Sphere { radius }) => {
            Collider::ball(radius.0)
        }
        (Some(ColliderDef::Cylinder { radius, height }), _)
        | (None, ShapeDef::Cylinder { radius, height }) => {
            Collider::cylinder(height.0 / 2.0, radius.0)
        }
        (Some(ColliderDef::Capsule { radius, length }), _)
        | (None, ShapeDef::Capsule { radius, length }) => {
            Collider::capsule_y(length.0 / 2.0, radius.0)
        }
        (None, ShapeDef::Plane { size }) => {
            Collider::cuboid(size[0].0 / 2.0, 0.01, size[1].0 / 2.0)
        }
        (
            None,
            ShapeDef::Torus {
                minor_radius,
                major_radius,
            },
        ) => Collider::cylinder(minor_radius.0, major_radius.0 + minor_radius.0),
        // Validation refuses glTF bodies without a collider; a tiny ball keeps this total.
        (None, ShapeDef::Gltf { .. }) => Collider::ball(0.1),
    };
    let kind = match body.kind {
        BodyKind::Static => RigidBody::Fixed,
        BodyKind::Dynamic => RigidBody::Dynamic,
        BodyKind::Kinematic => RigidBody::KinematicPositionBased,
    };
    let velocity = Vec3::from(body.velocity);
    entity.insert((
        kind,
        collider,
        Restitution::coefficient(body.restitution.0),
        Friction::coefficient(body.friction.0),
        Velocity::linear(velocity),
        ExternalImpulse::default(),
    ));
    if let Some(mass) = body.mass {
        entity.insert(ColliderMassProperties::Mass(mass.0));
    }
    if body.kind == BodyKind::Dynamic {
        entity.insert(PhysicsBody {
            initial: transform,
            push: body.push.map(Vec3::from),
            velocity,
        });
        if let Some(anchor) = body.anchor {
            let anchor = Vec3::from(anchor);
            let hook = entity
                .commands()
                .spawn((
                    Name::new(format!("{} anchor", def.name)),
                    RigidBody::Fixed,
                    Transform::from_translation(anchor),
                    // The hook lives and dies with the scene.
                    ChildOf(root),
                ))
                .id();
            let local = transform.rotation.inverse() * (anchor - transform.translation);
            let joint = SphericalJointBuilder::new()
                .local_anchor1(Vec3::ZERO)
                .local_anchor2(local);
            entity.insert(ImpulseJoint::new(hook, joint));
        }
    }
}

fn apply_physics_params(
    registry: Res<ParamRegistry>,
    mut index: ResMut<SceneIndex>,
    mut bodies: Query<(
        &PhysicsBody,
        &mut Transform,
        &mut Velocity,
        &mut ExternalImpulse,
    )>,
) {
    if registry.generation() == index.physics_generation {
        return;
    }
    let since = index.physics_generation;
    index.physics_generation = registry.generation();
    for entry in registry.changed_since(since) {
        match (index.targets.get(entry.spec.address.as_str()), &entry.value) {
            // A trigger's first appearance (generation 0 pass after a load) is not a press.
            (Some(ParamTarget::PhysicsReset), _) if since > 0 => {
                for (body, mut t, mut v, _) in &mut bodies {
                    *t = body.initial;
                    *v = Velocity::linear(body.velocity);
                }
            }
            (Some(ParamTarget::Push(name)), _) if since > 0 => {
                if let Some(e) = index.by_name.get(name)
                    && let Ok((body, _, _, mut impulse)) = bodies.get_mut(*e)
                    && let Some(push) = body.push
                {
                    impulse.impulse += push;
                }
            }
            (Some(ParamTarget::Position(name)), ParamValue::Vec3(p)) => {
                // Moving a simulated body teleports it and stops it.
                if let Some(e) = index.by_name.get(name)
                    && let Ok((_, mut t, mut v, _)) = bodies.get_mut(*e)
                    && since > 0
                {
                    t.translation = Vec3::from(*p);
                    *v = Velocity::zero();
                }
            }
            _ => {}
        }
    }
}
