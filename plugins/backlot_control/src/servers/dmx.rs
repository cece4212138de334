//! The Art-Net and sACN receivers and the patched universes they feed: started on DMX's
//! address behind its allow-list, with port and interface problems kept and shown, and the
//! failed sACN multicast joins the frame tries again.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use backlot_net::{NetAccess, PortProblem, PortProblems, Protocol, UdpListener};
use bevy::prelude::*;

use super::ControlSettings;
use crate::dmx::{self, Announce, Universe};
use crate::inbox::{LogKind, SharedInbox};
use crate::network::listening;

/// The Art-Net and sACN receivers, and the patched universes they feed.
#[derive(Resource)]
pub struct DmxServers {
    /// Where Art-Net listens.
    pub artnet: Option<SocketAddr>,
    /// Where sACN listens.
    pub sacn: Option<SocketAddr>,
    /// Why a DMX port is not listened on, or the interface was not found (set at start: a
    /// few lines at most).
    pub problems: Vec<String>,
    /// The interface for sACN joins and ArtPollReply, when `--dmx-interface` found one.
    pub interface: Option<Ipv4Addr>,
    /// sACN multicast sockets and memberships, while sACN listens.
    multicast: Option<dmx::SacnMulticast>,
    /// Art-Net and sACN receivers; dropping them stops and joins their threads.
    listeners: Vec<UdpListener>,
    pub(crate) announce: Arc<RwLock<Announce>>,
    /// Patched universes.
    pub universes: BTreeMap<u16, Universe>,
    /// The clock strobe channels run on.
    pub(crate) started: Instant,
}

impl DmxServers {
    /// Each DMX listener's name and health, for the monitor: the receivers, the multicast
    /// memberships and sockets, and ports that could not be bound (shown stopped).
    pub fn health(&self) -> Vec<(String, backlot_net::HealthReport)> {
        let problems = self.problems.iter().map(|p| {
            let report = backlot_net::HealthReport {
                errors: 1,
                running: false,
                last_error: Some(p.clone()),
                ..Default::default()
            };
            ("dmx (not listening)".to_string(), report)
        });
        self.listeners
            .iter()
            .map(|l| (l.name().to_string(), l.health()))
            .chain(self.multicast.iter().flat_map(dmx::SacnMulticast::health))
            .chain(problems)
            .collect()
    }

    /// sACN multicast memberships, sockets and failures, while sACN listens.
    pub fn multicast(&self) -> Option<dmx::MulticastStats> {
        self.multicast.as_ref().map(dmx::SacnMulticast::stats)
    }

    /// Joins the multicast groups of these sACN universes and leaves the others.
    pub fn set_sacn_universes(&mut self, universes: &BTreeSet<u16>) {
        if let Some(m) = &mut self.multicast {
            m.set_universes(universes);
        }
    }

    /// Joins again the failed sACN multicast memberships whose wait is over at `now`;
    /// how many were tried.
    pub fn retry_sacn_joins(&mut self, now: Instant) -> usize {
        self.multicast.as_mut().map_or(0, |m| m.retry_joins(now))
    }

    /// sACN multicast memberships the patch wants that are not held.
    pub fn multicast_failing(&self) -> usize {
        self.multicast
            .as_ref()
            .map_or(0, dmx::SacnMulticast::failing)
    }
}

impl Default for DmxServers {
    fn default() -> Self {
        Self {
            artnet: None,
            sacn: None,
            problems: Vec::new(),
            interface: None,
            multicast: None,
            listeners: Vec::new(),
            announce: Arc::default(),
            universes: BTreeMap::new(),
            started: Instant::now(),
        }
    }
}

/// Art-Net and sACN on DMX's address behind its allow-list, bound exclusively unless
/// `--dmx-share`; `--dmx-interface` resolved for multicast joins and ArtPollReply. A port or
/// interface problem is an ERROR, a red line in the DMX monitor, and kept (`--strict-ports`).
pub(super) fn start_dmx(
    world: &mut World,
    settings: &ControlSettings,
    access: &NetAccess,
    inbox: &SharedInbox,
) {
    let share = settings.dmx_share;
    let ip = access.addr(Protocol::Dmx);
    let allow = access.list(Protocol::Dmx).clone();
    if let Some(spec) = settings.dmx_interface.as_deref() {
        let known = dmx::system_interfaces().unwrap_or_else(|e| {
            warn!("DMX: cannot list network interfaces: {e}");
            Vec::new()
        });
        match dmx::resolve_interface(spec, &known) {
            Ok(ip) => {
                info!("DMX: interface {ip} for sACN multicast and ArtPollReply");
                world.resource_mut::<DmxServers>().interface = Some(ip);
            }
            Err(e) => dmx_problem(
                world,
                inbox,
                format!("--dmx-interface {spec}: {e}; using the default interface"),
            ),
        }
    }
    let interface = world.resource::<DmxServers>().interface;
    let announce = world.resource::<DmxServers>().announce.clone();
    let artnet = SocketAddr::new(ip, settings.artnet_port);
    match dmx::bind_artnet(ip, settings.artnet_port, share) {
        Ok(socket) => {
            match dmx::listen_artnet(
                socket,
                inbox.clone(),
                announce,
                interface,
                Some(allow.clone()),
            ) {
                Ok(l) => {
                    listening(world, Protocol::Dmx, "Art-Net (udp)", l.local_addr());
                    let mut servers = world.resource_mut::<DmxServers>();
                    servers.artnet = Some(l.local_addr());
                    servers.listeners.push(l);
                }
                Err(e) => dmx_problem(
                    world,
                    inbox,
                    format!("Art-Net: cannot start its receiver: {e}"),
                ),
            }
        }
        Err(e) => {
            let text = dmx::port_problem("Art-Net", settings.artnet_port, share, &e);
            dmx_port_problem(world, inbox, text, "Art-Net (udp)", artnet, &e);
        }
    }
    let sacn = SocketAddr::new(ip, settings.sacn_port);
    if !ip.is_unspecified() {
        // Multicast is addressed to the group, never to a unicast address a socket is bound to.
        warn!(
            "sACN: bound to {ip}, so only unicast sACN arrives (no multicast); to keep \
             multicast, bind DMX to 0.0.0.0 and restrict senders with --allow dmx=CIDR"
        );
    }
    match dmx::bind_sacn(ip, settings.sacn_port, share) {
        Ok(socket) => match dmx::listen_sacn(socket, inbox.clone(), Some(allow.clone())) {
            Ok(l) => {
                listening(world, Protocol::Dmx, "sACN (udp)", l.local_addr());
                // Without an interface: the system's default one, and loopback for senders on
                // this machine that multicast there.
                let interfaces = match interface {
                    Some(ip) => vec![ip],
                    None => vec![Ipv4Addr::UNSPECIFIED, Ipv4Addr::LOCALHOST],
                };
                let port = l.local_addr().port();
                let multicast = dmx::SacnMulticast::new(port, interfaces, inbox.clone())
                    .with_access(Some(allow.clone()));
                let mut servers = world.resource_mut::<DmxServers>();
                if ip.is_unspecified() {
                    servers.multicast = Some(multicast);
                }
                servers.sacn = Some(l.local_addr());
                servers.listeners.push(l);
            }
            Err(e) => dmx_problem(
                world,
                inbox,
                format!("sACN: cannot start its receiver: {e}"),
            ),
        },
        Err(e) => {
            let text = dmx::port_problem("sACN", settings.sacn_port, share, &e);
            dmx_port_problem(world, inbox, text, "sACN (udp)", sacn, &e);
        }
    }
}

/// A DMX port or interface problem: an ERROR, a red line in the DMX monitor, and kept.
fn dmx_problem(world: &mut World, inbox: &SharedInbox, text: String) {
    error!("{text}");
    inbox.lock().log(LogKind::Dmx, text.clone(), true);
    world.resource_mut::<DmxServers>().problems.push(text);
}

/// A DMX port that could not be bound: told as DMX tells it, and kept with the other port
/// problems for the Controls panel, status and `--strict-ports`.
fn dmx_port_problem(
    world: &mut World,
    inbox: &SharedInbox,
    text: String,
    what: &str,
    addr: SocketAddr,
    e: &std::io::Error,
) {
    dmx_problem(world, inbox, text);
    world
        .resource_mut::<PortProblems>()
        .report(PortProblem::new(Protocol::Dmx, what, addr, false, e));
}

/// Tries again, from the frame, the sACN multicast joins whose wait is over. A join is one
/// quick system call and nothing here closes a socket (which would join its thread).
pub(crate) fn retry_sacn_joins(mut dmx: ResMut<DmxServers>) {
    // Most frames nothing is due: checked without marking the resource changed.
    dmx.bypass_change_detection()
        .retry_sacn_joins(Instant::now());
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;
    use std::time::Duration;

    use super::*;
    use crate::route::ControlRuntime;

    /// Joins that fail on a real socket are tried again through the servers when due.
    #[test]
    fn failed_multicast_joins_are_retried_through_the_servers() {
        let inbox = SharedInbox::default();
        let any = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
        let unicast = dmx::bind_sacn(any, 0, false).expect("bind");
        let port = unicast.local_addr().expect("addr").port();
        // 192.0.2.1 (TEST-NET-1) is no interface of this machine: every join fails.
        let nowhere = Ipv4Addr::new(192, 0, 2, 1);
        let mut servers = DmxServers {
            multicast: Some(dmx::SacnMulticast::new(port, vec![nowhere], inbox)),
            ..DmxServers::default()
        };
        servers.set_sacn_universes(&BTreeSet::from([1, 2]));
        assert_eq!(servers.multicast_failing(), 2);
        assert_eq!(servers.retry_sacn_joins(Instant::now()), 0, "not due yet");
        let due = Instant::now() + dmx::RETRY_FIRST + Duration::from_millis(1);
        assert_eq!(servers.retry_sacn_joins(due), 2);
        let stats = servers.multicast().expect("multicast");
        assert_eq!(
            (stats.failing, stats.joins_failed, stats.retries),
            (2, 4, 2)
        );
        assert!(stats.failed.iter().all(|f| f.retries == 1), "{stats:?}");
        // Without multicast (sACN bound to one address) there is nothing to retry.
        assert_eq!(DmxServers::default().retry_sacn_joins(due), 0);
        assert_eq!(DmxServers::default().multicast_failing(), 0);
    }

    /// The groups not joined are published as status, each with its next try.
    #[test]
    fn groups_not_joined_are_published() {
        use crate::tests::{MAP, app_with, get};
        let mut app = app_with(MAP, None);
        let port = app
            .world()
            .resource::<DmxServers>()
            .sacn
            .expect("sACN listens")
            .port();
        let inbox = app.world().resource::<ControlRuntime>().inbox.clone();
        let nowhere = Ipv4Addr::new(192, 0, 2, 1);
        {
            let mut servers = app.world_mut().resource_mut::<DmxServers>();
            servers.multicast = Some(dmx::SacnMulticast::new(port, vec![nowhere], inbox));
            servers.set_sacn_universes(&BTreeSet::from([1, 2, 3]));
        }
        app.update();
        app.update();
        let failing = crate::STATUS_MULTICAST_FAILING;
        assert_eq!(get(&app, failing), backlot_params::ParamValue::Int(3));
        let stats = app
            .world()
            .resource::<DmxServers>()
            .multicast()
            .expect("multicast");
        assert_eq!(stats.failed.len(), 3);
        assert!(stats.failed.iter().all(|f| f.next_retry.is_some()));
        // Unpatched: nothing left to join.
        app.world_mut()
            .resource_mut::<DmxServers>()
            .set_sacn_universes(&BTreeSet::new());
        app.update();
        assert_eq!(get(&app, failing), backlot_params::ParamValue::Int(0));
    }
}
