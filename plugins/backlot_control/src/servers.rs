//! Binds every socket and starts the threads: OSC (UDP and SLIP over TCP), OSCQuery and its
//! DNS-SD advertisement, Art-Net, sACN, the feedback socket and MIDI ports. Each binds its
//! protocol's address and checks its allow-list ([`NetAccess`]); a port that cannot be
//! bound is logged, shown and kept in [`backlot_net::PortProblems`].

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use backlot_net::{
    NetAccess, NetworkSettings, OscRouter, PortProblem, PortProblems, Protocol, SlipListener,
    UdpListener,
};
use bevy::prelude::*;

use crate::asset::MapSource;
use crate::dmx::{self, Announce, Universe};
use crate::feedback::Feedback;
use crate::inbox::{LogKind, SharedInbox};
use crate::map::ControlMap;
use crate::midi::MidiPorts;
use crate::network::{bind_failed, listening};
use crate::oscquery::{self, SharedSnapshot};
use crate::route::ControlRuntime;

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
        }
    }
}

/// The OSC receivers.
#[derive(Resource, Default)]
pub struct OscServers {
    /// Where OSC (UDP) listens.
    pub osc: Option<SocketAddr>,
    /// Where OSC over TCP listens.
    pub osc_tcp: Option<SocketAddr>,
    /// The UDP receiver; dropping it stops and joins its thread.
    udp: Option<UdpListener>,
    slip: Option<SlipListener>,
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
        self.multicast
            .as_mut()
            .map_or(0, |m| m.retry_joins(now))
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
    http: Option<oscquery::HttpServer>,
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

/// Binds every socket and starts the threads.
pub(crate) fn start_servers(world: &mut World) {
    let settings = world.resource::<ControlSettings>().clone();
    if let Some(source) = world.get_resource::<MapSource>().cloned() {
        let server = world.resource::<AssetServer>().clone();
        let handle = world
            .resource_mut::<backlot_files::WatchedFile<crate::MapKind>>()
            .load(&server, &source.asset_path);
        world.resource_mut::<ControlMap>().handle = Some(handle);
    }
    if !settings.live {
        return;
    }
    // The map's allow-lists are in force before the first socket opens.
    crate::network::apply_map_file_now(world);
    let access = world.resource::<NetAccess>().clone();
    let router = world
        .get_resource::<OscRouter>()
        .cloned()
        .unwrap_or_default();
    let inbox = world.resource::<ControlRuntime>().inbox.clone();
    crate::osc_server::subscribe(&router, &inbox);
    let osc_ip = access.addr(Protocol::Osc);
    let osc_allow = Some(access.list(Protocol::Osc).clone());
    let udp = SocketAddr::new(osc_ip, settings.osc_port);
    match crate::osc_server::listen_udp(udp, osc_allow.clone(), &router) {
        Ok(listener) => {
            let local = listener.local_addr();
            // Camera tracking on this port subscribes to the router instead of binding it.
            router.serve(local.port());
            listening(world, Protocol::Osc, "OSC (udp)", local);
            let mut osc = world.resource_mut::<OscServers>();
            osc.osc = Some(local);
            osc.udp = Some(listener);
        }
        Err(e) => bind_failed(world, Protocol::Osc, "OSC (udp)", udp, false, &e),
    }
    let tcp = SocketAddr::new(osc_ip, settings.osc_tcp_port);
    match crate::osc_server::listen_tcp(tcp, osc_allow, &router, &inbox) {
        Ok(listener) => {
            let local = listener.local_addr();
            listening(world, Protocol::Osc, "OSC 1.1 (SLIP over tcp)", local);
            let mut osc = world.resource_mut::<OscServers>();
            osc.osc_tcp = Some(local);
            osc.slip = Some(listener);
        }
        Err(e) => bind_failed(
            world,
            Protocol::Osc,
            "OSC 1.1 (SLIP over tcp)",
            tcp,
            true,
            &e,
        ),
    }
    let osc_addr = world.resource::<OscServers>().osc;
    if settings.oscquery {
        let addr = SocketAddr::new(access.addr(Protocol::OscQuery), settings.oscquery_port);
        let snapshot = world.resource::<OscQueryServer>().snapshot.clone();
        let allow = Some(access.list(Protocol::OscQuery).clone());
        let started = oscquery::bind(addr).and_then(|l| {
            oscquery::HttpServer::start_with(l, snapshot, oscquery::Limits::default(), allow)
        });
        match started {
            Ok(server) => {
                let local = server.local_addr();
                listening(world, Protocol::OscQuery, "OSCQuery (http)", local);
                let mut query = world.resource_mut::<OscQueryServer>();
                query.addr = Some(local);
                query.http = Some(server);
            }
            Err(e) => bind_failed(world, Protocol::OscQuery, "OSCQuery (http)", addr, true, &e),
        }
    } else {
        info!("OSCQuery: off (--no-oscquery); DNS-SD advertises nothing");
    }
    start_dmx(world, &settings, &access, &inbox);
    // Feedback leaves from OSC's address, so it goes out on the interface OSC listens on.
    world.resource_mut::<Feedback>().socket = UdpSocket::bind((osc_ip, 0)).ok();
    let query_addr = world.resource::<OscQueryServer>().addr;
    if let (Some(addr), Some(osc)) = (query_addr, osc_addr) {
        if settings.network.mdns {
            world.resource_mut::<OscQueryServer>().mdns =
                crate::network::advertise(&settings.network, addr.port(), osc.port());
        } else {
            info!("DNS-SD: off (--no-mdns); OSCQuery stays reachable at its address");
        }
    }
    let ports = MidiPorts::open();
    world.insert_non_send(ports);
}

/// Art-Net and sACN on DMX's address behind its allow-list, bound exclusively unless
/// `--dmx-share`; `--dmx-interface` resolved for multicast joins and ArtPollReply. A port or
/// interface problem is an ERROR, a red line in the DMX monitor, and kept (`--strict-ports`).
fn start_dmx(
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

/// Connects MIDI ports that appeared (every 2 s).
pub(crate) fn refresh_midi(
    rt: Res<ControlRuntime>,
    map: Res<ControlMap>,
    ports: Option<NonSendMut<MidiPorts>>,
    mut refreshed: Local<Option<Instant>>,
) {
    let Some(mut ports) = ports else { return };
    if ports.unavailable.is_some()
        && ports
            .unavailable
            .as_deref()
            .is_some_and(|w| w.starts_with("no MIDI system"))
    {
        return;
    }
    if refreshed.is_some_and(|t| t.elapsed().as_secs_f32() < 2.0) {
        return;
    }
    *refreshed = Some(Instant::now());
    let inbox = rt.inbox.clone();
    ports.refresh(&map.file.midi.inputs, &map.file.midi.outputs, &inbox);
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;
    use std::time::Duration;

    use super::*;

    /// Joins that fail on a real socket are tried again through the servers when due.
    #[test]
    fn failed_multicast_joins_are_retried_through_the_servers() {
        let inbox = SharedInbox::default();
        let unicast = dmx::bind_sacn(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0, false).expect("bind");
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
        assert_eq!((stats.failing, stats.joins_failed, stats.retries), (2, 4, 2));
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
