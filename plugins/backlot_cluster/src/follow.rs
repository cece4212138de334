//! A backup follows the primary ready to take over mid-show: it runs the layers and physics
//! like the primary, held still while it follows, and keeps what the primary's frame states
//! say beyond values (the claims: held overrides and controller-driven parameters). When it
//! takes over it adopts the claims, so an operator's held value still wins and releasing it
//! works as it did on the primary, and its physics simulates on from the primary's last
//! poses and velocities (`apply::apply_bodies` kept them current).
//!
//! Held still means: its physics pipeline is off (rapier's `physics_pipeline_active`), and
//! whatever its own layers write straight into the registry is put back to the primary's
//! value before the frame is resolved; what they push through the arbiter is refused there
//! anyway, since every parameter is the primary's (`Source::Cluster`, above every tier).

use std::collections::HashMap;

use backlot_params::{Arbiter, Claim, ParamRegistry, ParamValue};
use backlot_scene::PhysicsBody;
use bevy::prelude::*;
use bevy_rapier3d::prelude::{ExternalImpulse, RapierConfiguration};

use crate::file::Role;
use crate::state::{ClusterNode, Promotion};

/// What a backup keeps from the primary's frame states to take over with.
#[derive(Resource, Debug, Default)]
pub struct Handover {
    /// The primary's claims, as of its last list.
    pub claims: Vec<Claim>,
    /// The primary's values as last applied here, by address: what a write of this node's
    /// own is put back to while it follows. Bounded by the registry: only its addresses.
    mirror: HashMap<String, ParamValue>,
    /// The registry generation before this frame's own writers (the layers) ran.
    since: u64,
    /// The registry's addresses generation the mirror was last pruned at.
    addresses: u64,
}

impl Handover {
    /// Notes the primary's value of a parameter this node has.
    pub(crate) fn note(&mut self, address: &str, value: &ParamValue) {
        match self.mirror.get_mut(address) {
            Some(v) => v.clone_from(value),
            None => {
                self.mirror.insert(address.to_string(), value.clone());
            }
        }
    }
}

/// Before the layers run (after the Control set): the registry generation, to find what
/// they write. Addresses a reload removed leave the mirror.
pub(crate) fn mark_own_writes(registry: Res<ParamRegistry>, mut handover: ResMut<Handover>) {
    let generation = registry.generation();
    if handover.since != generation {
        handover.since = generation;
    }
    let addresses = registry.addresses_generation();
    if handover.addresses != addresses {
        handover.addresses = addresses;
        handover
            .mirror
            .retain(|address, _| registry.entry(address).is_some());
    }
}

/// After the layers, before the frame is resolved: on a backup that follows, every
/// parameter its own writers changed is put back to the primary's value.
pub(crate) fn undo_own_writes(
    node: Res<ClusterNode>,
    mut registry: ResMut<ParamRegistry>,
    handover: Res<Handover>,
) {
    if node.role != Role::Backup || registry.generation() == handover.since {
        return;
    }
    let changed: Vec<(String, ParamValue)> = registry
        .changed_since(handover.since)
        .filter_map(|e| {
            let address = e.spec.address.as_str();
            let primary = handover.mirror.get(address)?;
            (*primary != e.value).then(|| (address.to_string(), primary.clone()))
        })
        .collect();
    for (address, value) in changed {
        // The primary's value passed this registry's checks when it was applied.
        let _ = registry.set_status(&address, value);
    }
}

/// Rapier simulates only on the primary: a backup's bodies are where the primary's frames
/// put them until it takes over. After the scene's own switch (the `/scene/physics/enabled`
/// parameter and the scene clock), which it overrides while this node follows.
pub(crate) fn hold_physics(node: Res<ClusterNode>, mut physics: Query<&mut RapierConfiguration>) {
    if node.role == Role::Primary {
        return;
    }
    for mut config in &mut physics {
        if config.physics_pipeline_active {
            config.physics_pipeline_active = false;
        }
    }
}

/// While this node follows, an impulse its own scene gives a body (a `push` trigger in the
/// primary's values, fired again by every snapshot) is dropped: rapier applies impulses to
/// the body's velocity even with its pipeline off, and the backup would take over with
/// bodies kicked that the primary never kicked. Runs after the scene's systems.
pub(crate) fn hold_impulses(
    node: Res<ClusterNode>,
    mut impulses: Query<&mut ExternalImpulse, With<PhysicsBody>>,
) {
    if node.role == Role::Primary {
        return;
    }
    for mut impulse in &mut impulses {
        if *impulse != ExternalImpulse::default() {
            *impulse = ExternalImpulse::default();
        }
    }
}

/// Right after a backup became primary (`takeover::take_over`): the primary's claims
/// are this node's now, and its physics runs.
pub(crate) fn take_over_state(
    mut promotion: ResMut<Promotion>,
    mut handover: ResMut<Handover>,
    mut arbiter: ResMut<Arbiter>,
    registry: Res<ParamRegistry>,
    mut physics: Query<&mut RapierConfiguration>,
) {
    if !std::mem::take(&mut promotion.take_state) {
        return;
    }
    let claims = std::mem::take(&mut handover.claims);
    let held = claims.iter().filter(|c| c.held.is_some()).count();
    let taken = arbiter.adopt_claims(&registry, &claims);
    handover.mirror.clear();
    for mut config in &mut physics {
        config.physics_pipeline_active = true;
    }
    info!(
        "cluster: took over the primary's {held} held overrides and {} controller-driven \
         parameters ({} this node does not have); physics runs here now",
        claims.len() - held,
        claims.len() - taken.min(claims.len())
    );
}
