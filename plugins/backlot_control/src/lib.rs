//! Live control: every parameter playable from OSC (UDP and SLIP over TCP, with OSCQuery
//! discovery), MIDI surfaces (learn, feedback, soft takeover, clock, time code) and lighting
//! desks (Art-Net, sACN), through mapping files and one arbitration rule:
//!
//! scene base → reactive layers → controller inputs (OSC, MIDI, DMX; most recent wins) →
//! operator override (wins until released). Inputs received before a frame starts apply in
//! that frame ([`BacklotSystems::Control`]).
//!
//! Who can reach it is the operator's: every listener binds its protocol's address and
//! refuses senders outside its allow-list before decoding ([`NetworkSettings`], the map's
//! `access` section), and OSC from the network may not write under the map's read-only
//! prefixes (`/takes/` and `/control/`, learn's, unless the map says otherwise).

/// The arbitration rule lives in `backlot_params`; re-exported for existing paths.
pub use backlot_params::arbiter;
mod asset;
pub mod codec;
pub mod dmx;
mod feedback;
pub mod format;
pub mod inbox;
mod map;
pub mod midi;
mod network;
pub mod osc_server;
pub mod oscquery;
mod panel;
mod publish;
pub mod resolve;
mod route;
mod servers;

use backlot_params::{BacklotSystems, ParamsPlugin};
use bevy::prelude::*;

pub use arbiter::{Arbiter, Input, Source};
pub use asset::{MapAsset, MapKind, MapLoader, MapSource};
// Network access types, re-exported for the `backlot` binary's command line.
pub use backlot_net::{
    AllowLists, Cidr, CidrError, NetAccess, NetExposure, NetworkSettings, PortProblem,
    PortProblems, Protocol,
};
pub use feedback::Feedback;
pub use map::{ControlMap, LearnResult, configure_map};
pub use network::{
    STATUS_LISTENING, STATUS_MULTICAST_FAILING, STATUS_READ_ONLY_REFUSED, STATUS_REFUSED,
};
pub use route::{
    ControlRuntime, LEARN_ADDRESS, LEARN_ARMED_FOR, MAX_OSC_BINDINGS, STATUS_LEARNING,
};
pub use servers::{ControlSettings, DmxServers, OscQueryServer, OscServers, start_inputs};

/// OSC, OSCQuery, MIDI, Art-Net and sACN into the parameter registry.
#[derive(Debug, Clone)]
pub struct ControlPlugin {
    /// Ports and switches.
    pub settings: ControlSettings,
}

impl Default for ControlPlugin {
    fn default() -> Self {
        Self {
            settings: ControlSettings {
                osc_port: 9000,
                osc_tcp_port: 9001,
                oscquery_port: 9000,
                artnet_port: codec::artnet::PORT,
                sacn_port: codec::sacn::PORT,
                live: true,
                oscquery: true,
                dmx_interface: None,
                dmx_share: false,
                network: NetworkSettings::default(),
                status_only: false,
            },
        }
    }
}

impl Plugin for ControlPlugin {
    fn build(&self, app: &mut App) {
        if !app.is_plugin_added::<ParamsPlugin>() {
            app.add_plugins(ParamsPlugin);
        }
        if !app.is_plugin_added::<backlot_net::NetPlugin>() {
            app.add_plugins(backlot_net::NetPlugin);
        }
        app.add_plugins(backlot_files::FilePlugin::<MapKind>::new(None))
            .insert_resource(self.settings.clone())
            // Tracking reads the same addresses and lists.
            .insert_resource(NetAccess::new(&self.settings.network))
            .init_resource::<ControlMap>()
            .init_resource::<ControlRuntime>()
            .init_resource::<OscServers>()
            .init_resource::<DmxServers>()
            .init_resource::<OscQueryServer>()
            .init_resource::<Feedback>()
            .init_resource::<midi::MidiEngine>()
            .init_resource::<LearnResult>()
            .add_systems(Startup, servers::start_servers)
            .add_systems(
                Update,
                (
                    (map::watch_map, network::follow_map_access).chain(),
                    servers::refresh_midi,
                    // Failed sACN joins, tried again once the patch in force is applied.
                    servers::retry_sacn_joins.after(map::watch_map),
                )
                    .in_set(BacklotSystems::Input),
            )
            .add_systems(
                Update,
                (
                    route::take_inputs,
                    map::save_learned,
                    publish::publish_inputs,
                )
                    .chain()
                    .in_set(BacklotSystems::Control),
            )
            // Art-Net time code sets `/timecode` as MIDI time code does, after it.
            .add_systems(
                Update,
                dmx::publish_artnet_timecode
                    .after(publish::publish_inputs)
                    .in_set(BacklotSystems::Control),
            )
            // Feedback and OSCQuery report the values this frame resolved and renders.
            .add_systems(
                Update,
                (
                    feedback::feedback,
                    network::publish_status,
                    route::publish_learning,
                    publish::publish_snapshot,
                )
                    .chain()
                    .in_set(BacklotSystems::Report),
            );
        panel::build(app);
    }
}

#[cfg(test)]
mod tests;
