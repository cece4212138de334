//! Network plumbing every input plugin shares: one UDP listener type and one SLIP-over-TCP
//! listener (bounded, supervised, joined on drop), OSC decoding and the router that hands
//! each decoded message to its subscriber by address prefix, the show's [`Timecode`], and
//! [`PerformerSample`]s for whoever reacts to performers.
//!
//! Who may reach those listeners ([`access`]: bind addresses and CIDR allow-lists checked
//! before decoding) and what the network sees of backlot ([`exposure`]) live here too.
//!
//! Decoders here are sans-IO; the listeners are the only code that touches sockets.

pub mod access;
pub mod backoff;
mod cidr;
pub mod exposure;
mod health;
mod health_line;
pub mod osc;
pub mod performer;
pub mod router;
pub mod slip;
pub mod tcp;
pub mod timecode;
pub mod udp;

pub use access::{AllowList, AllowLists, Cidr, CidrError, NetAccess, NetworkSettings, Protocol};
pub use exposure::{Listening, NetExposure, PortProblem, PortProblems};
pub use health::{Health, HealthReport};
pub use health_line::{HealthLine, HealthSeverity};
pub use performer::{
    PERFORMER_PREFIX, PerformerCounts, PerformerInbox, PerformerSample, PerformerSource,
};
pub use router::{OscRouter, OscSink};
pub use tcp::{SlipEvent, SlipLimits, SlipListener};
pub use timecode::Timecode;
pub use udp::{Datagram, UdpListener};

use std::sync::Arc;

use backlot_params::{BacklotSystems, ParamsPlugin};
use bevy::prelude::*;

/// Inserts the [`OscRouter`] (with performer positions subscribed), the [`Timecode`], the
/// network's [`NetAccess`], [`NetExposure`] and [`PortProblems`], and turns routed performer
/// positions into [`PerformerSample`] messages each frame.
#[derive(Default)]
pub struct NetPlugin;

impl Plugin for NetPlugin {
    fn build(&self, app: &mut App) {
        if !app.is_plugin_added::<ParamsPlugin>() {
            app.add_plugins(ParamsPlugin);
        }
        let router = app
            .world()
            .get_resource::<OscRouter>()
            .cloned()
            .unwrap_or_default();
        let performers = PerformerInbox::default();
        router.subscribe(PERFORMER_PREFIX, Arc::new(performers.clone()));
        app.insert_resource(router)
            .insert_resource(performers)
            .init_resource::<PerformerCounts>()
            .init_resource::<Timecode>()
            // Defaults (every interface, everyone) until control inserts the command line's.
            .init_resource::<NetAccess>()
            .init_resource::<NetExposure>()
            .init_resource::<PortProblems>()
            .add_message::<PerformerSample>()
            .add_systems(
                Update,
                performer::drain_performers.in_set(BacklotSystems::Input),
            );
    }
}
