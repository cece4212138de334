//! Binds every socket and starts the threads: OSC (UDP and SLIP over TCP), OSCQuery and its
//! DNS-SD advertisement, Art-Net, sACN, the feedback socket and MIDI ports. Each binds its
//! protocol's address and checks its allow-list ([`NetAccess`]); a port that cannot be
//! bound is logged, shown and kept in [`backlot_net::PortProblems`].

mod dmx;
mod osc;
mod settings;

use std::net::{SocketAddr, UdpSocket};
use std::time::Instant;

use backlot_net::{NetAccess, OscRouter, Protocol};
use bevy::prelude::*;

use crate::asset::MapSource;
use crate::feedback::Feedback;
use crate::map::ControlMap;
use crate::midi::MidiPorts;
use crate::network::{bind_failed, listening};
use crate::oscquery;
use crate::route::ControlRuntime;

pub use dmx::DmxServers;
pub(crate) use dmx::retry_sacn_joins;
pub use osc::{OscQueryServer, OscServers};
pub use settings::ControlSettings;

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
    if settings.status_only {
        info!("control: OSCQuery only (status); no OSC, DMX or MIDI listeners on this node");
        start_oscquery(world, &settings, &access);
        return;
    }
    start_osc(world, &settings, &access);
    start_oscquery(world, &settings, &access);
    start_rest(world, &settings, &access);
}

/// A status-only node that takes over as a cluster's primary opens its inputs: OSC, DMX,
/// the feedback socket, DNS-SD and MIDI (OSCQuery already runs). Does nothing on a node
/// that has them.
pub fn start_inputs(world: &mut World) {
    let Some(mut settings) = world.get_resource::<ControlSettings>().cloned() else {
        return;
    };
    if !settings.live || !settings.status_only {
        return;
    }
    settings.status_only = false;
    world.insert_resource(settings.clone());
    info!("control: opening OSC, DMX and MIDI inputs");
    let access = world.resource::<NetAccess>().clone();
    start_osc(world, &settings, &access);
    start_rest(world, &settings, &access);
}

/// OSC over UDP and over TCP (SLIP).
fn start_osc(world: &mut World, settings: &ControlSettings, access: &NetAccess) {
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
}

/// DMX, the feedback socket, the DNS-SD advertisement and MIDI.
fn start_rest(world: &mut World, settings: &ControlSettings, access: &NetAccess) {
    let inbox = world.resource::<ControlRuntime>().inbox.clone();
    let osc_ip = access.addr(Protocol::Osc);
    let osc_addr = world.resource::<OscServers>().osc;
    dmx::start_dmx(world, settings, access, &inbox);
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

/// Serves OSCQuery (unless `--no-oscquery`).
fn start_oscquery(world: &mut World, settings: &ControlSettings, access: &NetAccess) {
    if !settings.oscquery {
        info!("OSCQuery: off (--no-oscquery); DNS-SD advertises nothing");
        return;
    }
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
