//! The OSC receivers (UDP and SLIP over TCP) and the OSCQuery HTTP server with its DNS-SD
//! responder, as resources; [`super::start_servers`] binds and starts them.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use backlot_net::{SlipListener, UdpListener};
use bevy::prelude::*;

use crate::oscquery::{self, SharedSnapshot};

/// The OSC receivers.
#[derive(Resource, Default)]
pub struct OscServers {
    /// Where OSC (UDP) listens.
    pub osc: Option<SocketAddr>,
    /// Where OSC over TCP listens.
    pub osc_tcp: Option<SocketAddr>,
    /// The UDP receiver; dropping it stops and joins its thread.
    pub(super) udp: Option<UdpListener>,
    pub(super) slip: Option<SlipListener>,
}

impl OscServers {
    /// Each OSC listener's name and health, for the monitor.
    pub fn health(&self) -> Vec<(String, backlot_net::HealthReport)> {
        let udp = self
            .udp
            .as_ref()
            .map(|l| (l.name().to_string(), l.health()));
        let tcp = self.slip.as_ref().map(|l| {
            let mut h = l.health();
            h.received = l.connections() as u64;
            let name = format!(
                "osc-tcp (connections open; {} closed idle)",
                l.idle_closed()
            );
            (name, h)
        });
        udp.into_iter().chain(tcp).collect()
    }
}

/// The OSCQuery HTTP server, the snapshot it serves and its DNS-SD responder.
#[derive(Resource)]
pub struct OscQueryServer {
    /// Where OSCQuery listens.
    pub addr: Option<SocketAddr>,
    /// The DNS-SD responder advertising OSCQuery and OSC, while it runs.
    pub mdns: Option<mdns_sd::ServiceDaemon>,
    pub(crate) snapshot: SharedSnapshot,
    /// The registry generation the snapshot shows.
    pub(crate) generation: u64,
    /// When the snapshot was last built.
    pub(crate) built_at: Option<Instant>,
    /// The HTTP server; dropping it stops and joins its thread and closes its sockets.
    pub(super) http: Option<oscquery::HttpServer>,
}

impl OscQueryServer {
    /// What the HTTP server did (connections open, accepted, evicted, refused, timed out,
    /// accept errors, restarts), while one runs.
    pub fn stats(&self) -> Option<oscquery::Stats> {
        self.http.as_ref().map(oscquery::HttpServer::stats)
    }

    /// The HTTP server's name and health, for the monitor.
    pub fn health(&self) -> Vec<(String, backlot_net::HealthReport)> {
        self.stats()
            .map(|s| {
                let name = format!(
                    "oscquery ({} open, {} evicted, {} timed out)",
                    s.open, s.evicted, s.timed_out
                );
                (name, s.health())
            })
            .into_iter()
            .collect()
    }
}

impl Default for OscQueryServer {
    fn default() -> Self {
        Self {
            addr: None,
            mdns: None,
            snapshot: Arc::default(),
            generation: u64::MAX,
            built_at: None,
            http: None,
        }
    }
}
