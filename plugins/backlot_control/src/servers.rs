//! Binds every socket and starts the threads: OSC (UDP and SLIP over TCP), OSCQuery and its
//! DNS-SD advertisement, Art-Net, sACN, the feedback socket and MIDI ports.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::{Arc, RwLock};
use std::time::Instant;

use backlot_net::{OscRouter, SlipListener, UdpListener};
use bevy::prelude::*;

use crate::asset::MapSource;
use crate::dmx::{self, Announce, Universe};
use crate::feedback::Feedback;
use crate::inbox::{LogKind, SharedInbox};
use crate::map::ControlMap;
use crate::midi::MidiPorts;
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
            ("osc-tcp (connections open)".to_string(), h)
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

fn report<T>(what: &str, r: std::io::Result<T>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            error!("{what}: {e}; the rest of control keeps running");
            None
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
    let router = world
        .get_resource::<OscRouter>()
        .cloned()
        .unwrap_or_default();
    let inbox = world.resource::<ControlRuntime>().inbox.clone();
    crate::osc_server::subscribe(&router, &inbox);
    let osc_addr = {
        let mut osc = world.resource_mut::<OscServers>();
        if let Some(listener) = report(
            &format!("OSC: cannot listen on udp {}", settings.osc_port),
            crate::osc_server::listen_udp(settings.osc_port, &router),
        ) {
            osc.osc = Some(listener.local_addr());
            // Camera tracking on this port subscribes to the router instead of binding it.
            router.serve(listener.local_addr().port());
            info!("OSC: listening on udp {}", listener.local_addr());
            osc.udp = Some(listener);
        }
        if let Some(listener) = report(
            &format!("OSC: cannot listen on tcp {}", settings.osc_tcp_port),
            crate::osc_server::listen_tcp(settings.osc_tcp_port, &router, &inbox),
        ) {
            osc.osc_tcp = Some(listener.local_addr());
            info!("OSC 1.1 (SLIP): listening on tcp {}", listener.local_addr());
            osc.slip = Some(listener);
        }
        osc.osc
    };
    if settings.oscquery {
        let mut query = world.resource_mut::<OscQueryServer>();
        let addr = SocketAddr::from(([0, 0, 0, 0], settings.oscquery_port));
        let snapshot = query.snapshot.clone();
        let started = oscquery::bind(addr)
            .and_then(|l| oscquery::HttpServer::start(l, snapshot, oscquery::Limits::default()));
        if let Some(server) = report(
            &format!("OSCQuery: cannot listen on tcp {}", settings.oscquery_port),
            started,
        ) {
            info!("OSCQuery: http://{}", server.local_addr());
            query.addr = Some(server.local_addr());
            query.http = Some(server);
        }
    }
    {
        let mut servers = world.resource_mut::<DmxServers>();
        start_dmx(&mut servers, &settings, &inbox);
    }
    world.resource_mut::<Feedback>().socket = UdpSocket::bind(("0.0.0.0", 0)).ok();
    {
        let mut query = world.resource_mut::<OscQueryServer>();
        if let (Some(addr), Some(osc)) = (query.addr, osc_addr) {
            query.mdns = advertise(addr.port(), osc.port());
        }
    }
    let ports = MidiPorts::open();
    world.insert_non_send(ports);
}

/// Binds Art-Net and sACN (exclusively unless `--dmx-share`), resolves `--dmx-interface`,
/// and starts the receivers; a port or interface problem is an ERROR kept in `problems`.
fn start_dmx(servers: &mut DmxServers, settings: &ControlSettings, inbox: &SharedInbox) {
    let share = settings.dmx_share;
    if let Some(spec) = settings.dmx_interface.as_deref() {
        let known = dmx::system_interfaces().unwrap_or_else(|e| {
            warn!("DMX: cannot list network interfaces: {e}");
            Vec::new()
        });
        match dmx::resolve_interface(spec, &known) {
            Ok(ip) => {
                info!("DMX: interface {ip} for sACN multicast and ArtPollReply");
                servers.interface = Some(ip);
            }
            Err(e) => dmx_problem(
                servers,
                inbox,
                format!("--dmx-interface {spec}: {e}; using the default interface"),
            ),
        }
    }
    let interface = servers.interface;
    let announce = servers.announce.clone();
    let artnet = dmx::bind_artnet(settings.artnet_port, share)
        .map_err(|e| dmx::port_problem("Art-Net", settings.artnet_port, share, &e))
        .and_then(|socket| {
            dmx::listen_artnet(socket, inbox.clone(), announce, interface)
                .map_err(|e| format!("Art-Net: cannot start its receiver: {e}"))
        });
    match artnet {
        Ok(l) => {
            info!("Art-Net: listening on udp {}", l.local_addr());
            servers.artnet = Some(l.local_addr());
            servers.listeners.push(l);
        }
        Err(text) => dmx_problem(servers, inbox, text),
    }
    let sacn = dmx::bind_sacn(settings.sacn_port, share)
        .map_err(|e| dmx::port_problem("sACN", settings.sacn_port, share, &e))
        .and_then(|socket| {
            dmx::listen_sacn(socket, inbox.clone())
                .map_err(|e| format!("sACN: cannot start its receiver: {e}"))
        });
    match sacn {
        Ok(l) => {
            info!("sACN: listening on udp {}", l.local_addr());
            // Without an interface: the system's default one, and loopback for senders on
            // this machine that multicast there.
            let interfaces = match interface {
                Some(ip) => vec![ip],
                None => vec![Ipv4Addr::UNSPECIFIED, Ipv4Addr::LOCALHOST],
            };
            let port = l.local_addr().port();
            servers.multicast = Some(dmx::SacnMulticast::new(port, interfaces, inbox.clone()));
            servers.sacn = Some(l.local_addr());
            servers.listeners.push(l);
        }
        Err(text) => dmx_problem(servers, inbox, text),
    }
}

/// A DMX port or interface problem: an ERROR, a red line in the DMX monitor, and kept.
fn dmx_problem(servers: &mut DmxServers, inbox: &SharedInbox, text: String) {
    error!("{text}");
    inbox.lock().log(LogKind::Dmx, text.clone(), true);
    servers.problems.push(text);
}

/// Advertises OSCQuery (`_oscjson._tcp`) and OSC (`_osc._udp`) over DNS-SD so desks and
/// tools find backlot by name; without multicast it says so once and addresses still work.
fn advertise(oscquery_port: u16, osc_port: u16) -> Option<mdns_sd::ServiceDaemon> {
    let daemon = match mdns_sd::ServiceDaemon::new() {
        Ok(d) => d,
        Err(e) => {
            warn!("DNS-SD: {e}; OSCQuery stays reachable at its address");
            return None;
        }
    };
    // One name per OSCQuery port, so several backlots on one machine stay apart.
    let instance = format!("backlot-{oscquery_port}");
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "backlot".into());
    for (ty, port) in [
        ("_oscjson._tcp.local.", oscquery_port),
        ("_osc._udp.local.", osc_port),
    ] {
        let info = mdns_sd::ServiceInfo::new(
            ty,
            &instance,
            &format!("{host}.local."),
            "",
            port,
            None::<std::collections::HashMap<String, String>>,
        )
        .map(mdns_sd::ServiceInfo::enable_addr_auto);
        match info.and_then(|i| daemon.register(i)) {
            Ok(()) => info!("DNS-SD: advertising backlot as {ty} on port {port}"),
            Err(e) => warn!("DNS-SD: cannot advertise {ty}: {e}"),
        }
    }
    Some(daemon)
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
