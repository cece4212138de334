//! What the command line sets for control: ports and switches.

use backlot_net::NetworkSettings;
use bevy::prelude::*;

/// Ports and switches, from the command line.
#[derive(Resource, Debug, Clone)]
pub struct ControlSettings {
    /// OSC UDP port (0: any free one).
    pub osc_port: u16,
    /// OSC 1.1 TCP (SLIP) port.
    pub osc_tcp_port: u16,
    /// OSCQuery HTTP port.
    pub oscquery_port: u16,
    /// Art-Net port (6454; tests may move it).
    pub artnet_port: u16,
    /// sACN port (5568).
    pub sacn_port: u16,
    /// Open sockets and MIDI (off for deterministic renders).
    pub live: bool,
    /// Serve OSCQuery (the HTTP namespace and its DNS-SD advertisement) when `live`.
    pub oscquery: bool,
    /// `--dmx-interface`: the interface (IPv4 address or name) for sACN multicast joins and
    /// ArtPollReply; none: joins on the default interface and loopback, replies with the
    /// address routed toward each poller.
    pub dmx_interface: Option<String>,
    /// `--dmx-share`: share the Art-Net and sACN ports with other programs knowingly
    /// (otherwise a taken port is an error).
    pub dmx_share: bool,
    /// Where listeners bind, who may reach them, DNS-SD (default: every interface, everyone).
    pub network: NetworkSettings,
    /// Serve OSCQuery only, as a window on this process's values: no OSC, DMX or MIDI
    /// listeners, nothing from outside can set anything (a render cluster's render nodes).
    pub status_only: bool,
}

impl ControlSettings {
    /// Every port 0 (the system picks free ones, so instances never collide), sockets
    /// opened when `live`: for tests, benches and side-by-side instances.
    pub fn any_ports(live: bool) -> Self {
        Self {
            osc_port: 0,
            osc_tcp_port: 0,
            oscquery_port: 0,
            artnet_port: 0,
            sacn_port: 0,
            live,
            oscquery: true,
            dmx_interface: None,
            dmx_share: false,
            network: NetworkSettings::default(),
            status_only: false,
        }
    }

    /// The same ports, serving OSCQuery only ([`ControlSettings::status_only`]).
    pub fn status_only(self) -> Self {
        Self {
            status_only: true,
            ..self
        }
    }
}
