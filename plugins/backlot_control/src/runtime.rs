//! The frame's control work: load the map, start servers, take in OSC/DMX/MIDI, arbitrate,
//! send feedback, publish OSCQuery and tempo/timecode.

use std::collections::BTreeMap;
use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, RwLock};
use std::time::Instant;

use backlot_net::{OscRouter, SlipListener, Timecode, UdpListener};
use backlot_params::{ParamAddress, ParamKind, ParamRegistry, ParamSpec, ParamValue};
use bevy::asset::AssetLoadFailedEvent;
use bevy::prelude::*;

use crate::arbiter::{Arbiter, Input, Source};
use crate::asset::{MapAsset, MapSource};
use crate::codec::osc;
use crate::dmx::{self, Announce, Universe};
use crate::format::{MapFile, MidiBinding, save_map};
use crate::inbox::{LogKind, OscIn, SharedInbox};
use crate::midi::{MidiEngine, MidiPorts};
use crate::oscquery::{self, SharedSnapshot};

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
}

/// The map in force.
#[derive(Resource, Debug, Default)]
pub struct ControlMap {
    /// Content (empty until loaded).
    pub file: MapFile,
    /// Handle of the map asset.
    pub handle: Option<Handle<MapAsset>>,
    /// Successful loads.
    pub loads: u32,
    /// The last error, kept until a good load.
    pub error: Option<String>,
    dirty: bool,
}

/// Sockets and state shared with threads.
#[derive(Resource)]
pub struct ControlRuntime {
    /// Shared inbox.
    pub inbox: SharedInbox,
    stop: Arc<AtomicBool>,
    /// Where OSC (UDP) listens.
    pub osc: Option<SocketAddr>,
    /// Where OSC over TCP listens.
    pub osc_tcp: Option<SocketAddr>,
    /// Where OSCQuery listens.
    pub oscquery: Option<SocketAddr>,
    /// Where Art-Net listens.
    pub artnet: Option<SocketAddr>,
    /// Where sACN listens.
    pub sacn: Option<SocketAddr>,
    sacn_socket: Option<UdpSocket>,
    /// OSC, Art-Net and sACN receivers; dropping them stops and joins their threads.
    listeners: Vec<UdpListener>,
    slip: Option<SlipListener>,
    announce: Arc<RwLock<Announce>>,
    snapshot: SharedSnapshot,
    snapshot_generation: u64,
    snapshot_at: Option<Instant>,
    feedback: Option<UdpSocket>,
    targets: Vec<SocketAddr>,
    scheduled: Vec<(f64, OscIn)>,
    /// Patched universes.
    pub universes: BTreeMap<u16, Universe>,
    feedback_generation: u64,
    midi_refresh: Option<Instant>,
    started: Instant,
    /// The DNS-SD responder advertising OSCQuery and OSC, while it runs.
    pub mdns: Option<mdns_sd::ServiceDaemon>,
}

impl Drop for ControlRuntime {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Default for ControlRuntime {
    fn default() -> Self {
        Self {
            inbox: SharedInbox::default(),
            stop: Arc::default(),
            osc: None,
            osc_tcp: None,
            oscquery: None,
            artnet: None,
            sacn: None,
            sacn_socket: None,
            listeners: Vec::new(),
            slip: None,
            announce: Arc::default(),
            snapshot: Arc::default(),
            snapshot_generation: u64::MAX,
            snapshot_at: None,
            feedback: None,
            targets: Vec::new(),
            scheduled: Vec::new(),
            universes: BTreeMap::new(),
            feedback_generation: 0,
            midi_refresh: None,
            started: Instant::now(),
            mdns: None,
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
        let handle = world
            .resource::<AssetServer>()
            .load::<MapAsset>(source.asset_path);
        world.resource_mut::<ControlMap>().handle = Some(handle);
    }
    if !settings.live {
        return;
    }
    let router = world
        .get_resource::<OscRouter>()
        .cloned()
        .unwrap_or_default();
    let mut rt = world.resource_mut::<ControlRuntime>();
    let (inbox, stop) = (rt.inbox.clone(), rt.stop.clone());
    crate::osc_server::subscribe(&router, &inbox);
    if let Some(listener) = report(
        &format!("OSC: cannot listen on udp {}", settings.osc_port),
        crate::osc_server::listen_udp(settings.osc_port, &router),
    ) {
        rt.osc = Some(listener.local_addr());
        // Camera tracking on this port subscribes to the router instead of binding it.
        router.serve(listener.local_addr().port());
        info!("OSC: listening on udp {}", listener.local_addr());
        rt.listeners.push(listener);
    }
    if let Some(listener) = report(
        &format!("OSC: cannot listen on tcp {}", settings.osc_tcp_port),
        crate::osc_server::listen_tcp(settings.osc_tcp_port, &router, &inbox),
    ) {
        rt.osc_tcp = Some(listener.local_addr());
        info!("OSC 1.1 (SLIP): listening on tcp {}", listener.local_addr());
        rt.slip = Some(listener);
    }
    match tiny_http::Server::http(("0.0.0.0", settings.oscquery_port)) {
        Ok(server) => {
            rt.oscquery = server.server_addr().to_ip();
            if report(
                "OSCQuery",
                oscquery::spawn(server, rt.snapshot.clone(), stop.clone()),
            )
            .is_some()
            {
                info!(
                    "OSCQuery: http://{}",
                    rt.oscquery.map_or_else(String::new, |a| a.to_string())
                );
            }
        }
        Err(e) => error!(
            "OSCQuery: cannot listen on tcp {}: {e}",
            settings.oscquery_port
        ),
    }
    if let Some(socket) = report(
        &format!("Art-Net: cannot listen on udp {}", settings.artnet_port),
        dmx::bind_shared(settings.artnet_port),
    ) {
        rt.artnet = socket.local_addr().ok();
        let announce = rt.announce.clone();
        if let Some(l) = report(
            "Art-Net",
            dmx::listen_artnet(socket, inbox.clone(), announce),
        ) {
            rt.listeners.push(l);
        }
    }
    if let Some(socket) = report(
        &format!("sACN: cannot listen on udp {}", settings.sacn_port),
        dmx::bind_shared(settings.sacn_port),
    ) {
        rt.sacn = socket.local_addr().ok();
        rt.sacn_socket = socket.try_clone().ok();
        if let Some(l) = report("sACN", dmx::listen_sacn(socket, inbox.clone())) {
            rt.listeners.push(l);
        }
    }
    rt.feedback = UdpSocket::bind(("0.0.0.0", 0)).ok();
    if let (Some(query), Some(osc)) = (rt.oscquery, rt.osc) {
        rt.mdns = advertise(query.port(), osc.port());
    }
    let ports = MidiPorts::open();
    world.insert_non_send(ports);
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

/// Follows the map asset (hot reload; a broken edit keeps the last good map).
pub(crate) fn watch_map(
    mut events: MessageReader<AssetEvent<MapAsset>>,
    mut failures: MessageReader<AssetLoadFailedEvent<MapAsset>>,
    assets: Res<Assets<MapAsset>>,
    mut map: ResMut<ControlMap>,
    mut rt: ResMut<ControlRuntime>,
) {
    let Some(id) = map.handle.as_ref().map(Handle::id) else {
        return;
    };
    for e in events.read() {
        if let AssetEvent::LoadedWithDependencies { id: e } | AssetEvent::Modified { id: e } = e
            && *e == id
        {
            map.dirty = true;
        }
    }
    for f in failures.read().filter(|f| f.id == id) {
        let message = backlot_scene::scene_error_text(&f.error);
        error!("{message}\n(keeping the last good map)");
        map.error = Some(message);
    }
    if !map.dirty {
        return;
    }
    let Some(asset) = assets.get(id) else { return };
    map.dirty = false;
    map.file = asset.file.clone();
    map.loads += 1;
    map.error = None;
    configure_map(&map.file, &mut rt);
    info!(
        "control map loaded: {} OSC, {} MIDI bindings, {} fixtures, {} channels (load #{})",
        map.file.osc.bindings.len(),
        map.file.midi.bindings.len(),
        map.file.dmx.fixtures.len(),
        map.file.dmx.channels.len(),
        map.loads
    );
}

/// Applies a (re)loaded map: universes, announcements, multicast joins, feedback targets.
pub fn configure_map(file: &MapFile, rt: &mut ControlRuntime) {
    let mut universes = BTreeMap::new();
    let mut announce = Vec::new();
    for (id, artnet, sacn, on_loss) in dmx::routes(&file.dmx) {
        let mut u = rt
            .universes
            .remove(&id)
            .unwrap_or_else(|| Universe::new(id, on_loss));
        u.on_loss = on_loss;
        u.htp = dmx::intensity_slots(&file.dmx, id);
        universes.insert(id, u);
        announce.extend(artnet);
        if let (Some(s), Some(socket)) = (sacn, &rt.sacn_socket) {
            let group = crate::codec::sacn::multicast_group(s);
            for iface in [
                std::net::Ipv4Addr::UNSPECIFIED,
                std::net::Ipv4Addr::LOCALHOST,
            ] {
                let _ = socket.join_multicast_v4(&group, &iface);
            }
        }
    }
    rt.universes = universes;
    if let Ok(mut a) = rt.announce.write() {
        a.port_addresses = announce;
    }
    rt.targets = file
        .osc
        .feedback
        .iter()
        .filter_map(|t| match t.to_socket_addrs() {
            Ok(mut a) => a.next(),
            Err(e) => {
                warn!("OSC feedback target {t}: {e}");
                None
            }
        })
        .collect();
}

fn spec_and_value(registry: &ParamRegistry, address: &str) -> Option<(ParamSpec, ParamValue)> {
    registry
        .entry(address)
        .map(|e| (e.spec.clone(), e.value.clone()))
}

/// Drains the inbox: OSC, DMX and MIDI become arbiter inputs for this frame.
#[allow(clippy::too_many_arguments)]
pub(crate) fn take_inputs(
    mut rt: ResMut<ControlRuntime>,
    map: Res<ControlMap>,
    registry: Res<ParamRegistry>,
    mut arbiter: ResMut<Arbiter>,
    mut engine: ResMut<MidiEngine>,
    mut learned: ResMut<LearnResult>,
) {
    let rt = rt.as_mut();
    let (osc_in, dmx_in, midi_in) = {
        let mut inbox = rt.inbox.lock();
        (
            std::mem::take(&mut inbox.osc),
            std::mem::take(&mut inbox.dmx),
            std::mem::take(&mut inbox.midi),
        )
    };
    // OSC, with bundles due later held back until their time.
    let now_ntp = osc::ntp_now();
    let mut due: Vec<OscIn> = Vec::new();
    for m in osc_in {
        match m.timed.at {
            Some(at) if at > now_ntp + 0.001 => rt.scheduled.push((at, m)),
            _ => due.push(m),
        }
    }
    let (later, now): (Vec<_>, Vec<_>) = std::mem::take(&mut rt.scheduled)
        .into_iter()
        .partition(|(at, _)| *at > now_ntp);
    rt.scheduled = later;
    due.extend(now.into_iter().map(|(_, m)| m));
    for m in due {
        osc_message(&m, &map.file, &registry, &mut arbiter, &rt.inbox);
    }
    // DMX.
    let now = Instant::now();
    for d in &dmx_in {
        let id = map.file.dmx.universes.iter().find(|u| match d.source {
            crate::inbox::DmxSource::ArtNet(_) => {
                map.file.dmx.artnet && u.artnet.unwrap_or(u.id) == d.universe
            }
            crate::inbox::DmxSource::Sacn(..) => {
                map.file.dmx.sacn && u.sacn.unwrap_or(u.id) == d.universe
            }
        });
        if let Some(u) = id.and_then(|u| rt.universes.get_mut(&u.id)) {
            u.receive(d);
        }
    }
    let phase = rt.started.elapsed().as_secs_f64();
    for (id, u) in &mut rt.universes {
        let (changed, lost) = u.merge(now);
        if lost {
            warn!(
                "DMX universe {id}: every source is gone; {}",
                match u.on_loss {
                    crate::format::LossBehaviour::Hold => "holding the last look",
                    crate::format::LossBehaviour::Release => "parameters go back to the scene",
                }
            );
            if u.on_loss == crate::format::LossBehaviour::Release {
                for (address, _, _) in
                    dmx::patch_values(&map.file.dmx, *id, &u.output, |_| None, phase)
                {
                    arbiter.forget_later(address, Source::Dmx(*id));
                }
            }
        }
        let strobing =
            map.file.dmx.fixtures.iter().any(|f| {
                f.universe == *id && f.profile == crate::format::FixtureProfile::DimmerStrobe
            });
        if !(changed || (strobing && u.live)) {
            continue;
        }
        let base = |address: &str| {
            registry
                .entry(address)
                .and_then(|e| e.spec.default.as_f32())
        };
        for (address, value, normalised) in
            dmx::patch_values(&map.file.dmx, *id, &u.output, base, phase)
        {
            let value = match (normalised, registry.entry(&address)) {
                (true, Some(e)) => match e.spec.range {
                    Some((lo, hi)) => {
                        ParamValue::Float(lo + (hi - lo) * value.as_f32().unwrap_or(0.0))
                    }
                    None => value,
                },
                _ => value,
            };
            let priority = map
                .file
                .dmx
                .universes
                .iter()
                .find(|x| x.id == *id)
                .map_or(0, |x| x.priority);
            arbiter.push(Input {
                address,
                value,
                source: Source::Dmx(*id),
                slew_ms: 0.0,
                priority,
            });
        }
    }
    // MIDI.
    let spec_of = |a: &str| spec_and_value(&registry, a);
    for m in &midi_in {
        let (values, learn) = engine.receive(m, &map.file.midi.bindings, &spec_of, &rt.inbox);
        for (address, value, i) in values {
            let (slew_ms, priority) = map
                .file
                .midi
                .bindings
                .get(i)
                .map_or((0.0, 0), |b| (b.slew_ms, b.priority));
            arbiter.push(Input {
                address,
                value,
                source: Source::Midi(m.port.clone()),
                slew_ms,
                priority,
            });
        }
        if let Some(b) = learn {
            learned.0 = Some(b);
        }
    }
}

fn osc_message(
    m: &OscIn,
    map: &MapFile,
    registry: &ParamRegistry,
    arbiter: &mut Arbiter,
    inbox: &SharedInbox,
) {
    let address = m.timed.message.addr.as_str();
    let source = Source::Osc(m.from.to_string());
    let mut hits = 0;
    let fail = |e: String| {
        inbox
            .lock()
            .count(&format!("osc {}", m.from), Some(e), LogKind::Osc)
    };
    for b in map
        .osc
        .bindings
        .iter()
        .filter(|b| osc::pattern_matches(&b.address, address))
    {
        hits += 1;
        match registry.entry(&b.target) {
            Some(e) => match osc::coerce(&e.spec, &m.timed.message.args, b.unit_scale) {
                Ok(value) => arbiter.push(Input {
                    address: b.target.clone(),
                    value,
                    source: source.clone(),
                    slew_ms: b.slew_ms,
                    priority: b.priority,
                }),
                Err(e) => fail(e),
            },
            None => fail(format!(
                "{address}: bound to `{}`, which this scene does not have",
                b.target
            )),
        }
    }
    let targets: Vec<&backlot_params::ParamEntry> = if osc::is_pattern(address) {
        registry
            .iter()
            .filter(|e| osc::pattern_matches(address, e.spec.address.as_str()))
            .collect()
    } else {
        registry.entry(address).into_iter().collect()
    };
    for e in targets {
        hits += 1;
        if e.spec.read_only {
            fail(format!("{}: read-only", e.spec.address));
            continue;
        }
        match osc::coerce(&e.spec, &m.timed.message.args, map.osc.unit_scale) {
            Ok(value) => arbiter.push(Input {
                address: e.spec.address.to_string(),
                value,
                source: source.clone(),
                slew_ms: 0.0,
                priority: 0,
            }),
            Err(err) => fail(err),
        }
    }
    // `/backlot/...` addresses belong to plugins that subscribe to the router; with that
    // plugin off they are accepted and ignored, not errors.
    if hits == 0 && address.starts_with("/backlot/") {
        inbox
            .lock()
            .count(&format!("osc {}", m.from), None, LogKind::Osc);
    } else if hits == 0 {
        fail(format!("{address}: no such parameter"));
    } else {
        inbox
            .lock()
            .count(&format!("osc {}", m.from), None, LogKind::Osc);
    }
}

/// A binding made by MIDI learn this frame.
#[derive(Resource, Default)]
pub struct LearnResult(pub Option<MidiBinding>);

/// Adds a learned binding to the map and writes the map back (atomically).
pub(crate) fn save_learned(
    mut learned: ResMut<LearnResult>,
    mut map: ResMut<ControlMap>,
    source: Option<Res<MapSource>>,
) {
    let Some(binding) = learned.0.take() else {
        return;
    };
    map.file
        .midi
        .bindings
        .retain(|b| b.target != binding.target && b.control != binding.control);
    info!("MIDI learn: {:?} → {}", binding.control, binding.target);
    map.file.midi.bindings.push(binding);
    if let Some(source) = source {
        match save_map(&map.file, &source.file) {
            Ok(()) => info!("map saved: {}", source.file.display()),
            Err(e) => error!("cannot save map {}: {e}", source.file.display()),
        }
    }
}

/// Sends this frame's value changes, as resolved after layers, scene and stage, to OSC
/// feedback targets and bound MIDI controls; an unchanged value is not sent again.
pub(crate) fn feedback(
    mut rt: ResMut<ControlRuntime>,
    map: Res<ControlMap>,
    registry: Res<ParamRegistry>,
    arbiter: Res<Arbiter>,
    mut engine: ResMut<MidiEngine>,
    ports: Option<NonSend<MidiPorts>>,
) {
    let rt = rt.as_mut();
    let since = rt.feedback_generation;
    rt.feedback_generation = registry.generation();
    if since == 0 {
        return;
    }
    for e in registry.changed_since(since) {
        if e.spec.read_only || e.spec.kind == ParamKind::Trigger {
            continue;
        }
        let address = e.spec.address.as_str();
        let origin: Vec<&Source> = arbiter
            .applied
            .iter()
            .filter(|(a, _)| a == address)
            .map(|(_, s)| s)
            .collect();
        if let Some(socket) = &rt.feedback
            && !rt.targets.is_empty()
            && let Ok(bytes) = osc::encode(address, osc::value_args(&e.value))
        {
            for t in &rt.targets {
                // No echo: a surface is not told what it just said.
                if origin.iter().any(|s| **s == Source::Osc(t.to_string())) {
                    continue;
                }
                let _ = socket.send_to(&bytes, t);
            }
        }
        for (i, b) in map.file.midi.bindings.iter().enumerate() {
            if b.target != address {
                continue;
            }
            if !origin.iter().any(|s| matches!(s, Source::Midi(_))) {
                engine.moved_elsewhere(i);
            }
            if b.feedback
                && let Some(bytes) = engine.feedback(b, &e.spec, &e.value)
            {
                if let Some(p) = &ports {
                    p.send(&bytes);
                }
                engine.sent.push(bytes);
                if engine.sent.len() > 256 {
                    engine.sent.remove(0);
                }
            }
        }
    }
}

/// Connects MIDI ports that appeared (every 2 s).
pub(crate) fn refresh_midi(
    mut rt: ResMut<ControlRuntime>,
    map: Res<ControlMap>,
    ports: Option<NonSendMut<MidiPorts>>,
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
    if rt
        .midi_refresh
        .is_some_and(|t| t.elapsed().as_secs_f32() < 2.0)
    {
        return;
    }
    rt.midi_refresh = Some(Instant::now());
    let inbox = rt.inbox.clone();
    ports.refresh(&map.file.midi.inputs, &map.file.midi.outputs, &inbox);
}

fn status(
    address: &str,
    spec: impl FnOnce(ParamAddress) -> ParamSpec,
    registry: &mut ParamRegistry,
    value: ParamValue,
) {
    if registry.entry(address).is_none()
        && let Ok(a) = ParamAddress::new(address)
    {
        let _ = registry.register(spec(a));
    }
    let _ = registry.set_status(address, value);
}

/// Tempo and timecode from MIDI as parameters, before the layers read them.
pub(crate) fn publish_inputs(
    mut registry: ResMut<ParamRegistry>,
    engine: Res<MidiEngine>,
    timecode: Option<ResMut<Timecode>>,
) {
    if let Some(bpm) = engine.bpm {
        status(
            "/tempo/bpm",
            |a| {
                ParamSpec::float(a, 120.0, 20.0, 300.0, "BPM")
                    .read_only()
                    .with_description("Tempo from MIDI clock")
            },
            &mut registry,
            ParamValue::Float(bpm),
        );
        let beat = (engine.ticks % 24) as f32 / 24.0;
        status(
            "/tempo/beat",
            |a| {
                ParamSpec::float(a, 0.0, 0.0, 1.0, "")
                    .read_only()
                    .with_description("Beat phase from MIDI clock")
            },
            &mut registry,
            ParamValue::Float(beat),
        );
        status(
            "/tempo/playing",
            |a| {
                ParamSpec::bool(a, false)
                    .read_only()
                    .with_description("MIDI start/stop")
            },
            &mut registry,
            ParamValue::Bool(engine.playing),
        );
    }
    if let Some(tc) = engine.timecode {
        let [h, m, s, f] = tc.hmsf.map(i32::from);
        let frames = ((h * 60 + m) * 60 + s) * tc.fps().round() as i32 + f;
        status(
            "/timecode",
            |a| {
                ParamSpec::new(a, ParamKind::Int, ParamValue::Int(0))
                    .with_range(0.0, i32::MAX as f32)
                    .read_only()
                    .with_description("MIDI time code, frames since midnight")
            },
            &mut registry,
            ParamValue::Int(frames),
        );
        if let Some(mut t) = timecode {
            t.label = Some(tc.label());
            t.frames = Some(i64::from(frames));
            t.fps = tc.fps() as f32;
            t.source = "MIDI time code";
        }
    }
}

/// Fps, and the OSCQuery snapshot of the frame's resolved values.
pub(crate) fn publish_snapshot(
    mut rt: ResMut<ControlRuntime>,
    mut registry: ResMut<ParamRegistry>,
    arbiter: Res<Arbiter>,
    settings: Res<ControlSettings>,
    time: Res<Time<Real>>,
) {
    let dt = time.delta_secs();
    if dt > 0.0 {
        status(
            "/status/fps",
            |a| {
                ParamSpec::float(a, 0.0, 0.0, 1000.0, "Hz")
                    .read_only()
                    .with_description("Frames per second")
            },
            &mut registry,
            ParamValue::Float(1.0 / dt),
        );
    }
    // OSCQuery: a controller or operator write shows in the frame it applies; what only
    // animates (layers, status) refreshes at most 20 times a second.
    let throttled =
        arbiter.applied.is_empty() && rt.snapshot_at.is_some_and(|t| t.elapsed().as_millis() < 50);
    if rt.snapshot_generation == registry.generation() || throttled {
        return;
    }
    rt.snapshot_generation = registry.generation();
    rt.snapshot_at = Some(Instant::now());
    let tree = oscquery::build_tree(registry.iter(), |a| match arbiter.driver(a) {
        Source::Scene => String::new(),
        other => other.label(),
    });
    let (osc_port, tcp) = (
        rt.osc.map_or(settings.osc_port, |a| a.port()),
        rt.osc_tcp.map_or(settings.osc_tcp_port, |a| a.port()),
    );
    if let Ok(mut s) = rt.snapshot.write() {
        s.tree = tree;
        s.osc_port = osc_port;
        s.osc_tcp_port = tcp;
    }
}
