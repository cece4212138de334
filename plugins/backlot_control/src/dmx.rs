//! DMX in: Art-Net and sACN receivers, per-universe merging (priority, then HTP for
//! intensity channels and LTP for the rest), source loss, and the patch that turns slots
//! into parameter values.

use std::collections::HashMap;
use std::net::{SocketAddr, SocketAddrV4, UdpSocket};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use backlot_net::UdpListener;
use backlot_params::ParamValue;
use socket2::{Domain, Protocol, Socket, Type};

use crate::codec::{artnet, sacn};
use crate::format::{DmxDef, FixtureProfile, LossBehaviour};
use crate::inbox::{DmxIn, DmxSource, LogKind, SharedInbox};

/// Art-Net sources are dropped after this long without data (senders repeat every ~1 s).
pub const ARTNET_LOSS: Duration = Duration::from_secs(3);
/// E1.31's source loss time.
pub const SACN_LOSS: Duration = Duration::from_millis(2500);

/// A UDP socket that can share its port (other DMX software on the same machine).
pub fn bind_shared(port: u16) -> std::io::Result<UdpSocket> {
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    s.set_reuse_address(true)?;
    s.bind(&SocketAddr::from(([0, 0, 0, 0], port)).into())?;
    let s: UdpSocket = s.into();
    s.set_read_timeout(Some(Duration::from_millis(100)))?;
    Ok(s)
}

/// What ArtPollReply announces.
#[derive(Debug, Clone, Default)]
pub struct Announce {
    /// Patched Art-Net Port-Addresses.
    pub port_addresses: Vec<u16>,
}

/// Receives Art-Net; answers ArtPoll with one ArtPollReply per patched Port-Address.
pub fn listen_artnet(
    socket: UdpSocket,
    inbox: SharedInbox,
    announce: Arc<RwLock<Announce>>,
) -> std::io::Result<UdpListener> {
    UdpListener::start("artnet", socket, move |d| {
        let from = d.from;
        let source = format!("artnet {from}");
        match artnet::decode(d.bytes) {
            Ok(artnet::ArtNet::Dmx {
                sequence,
                port_address,
                data,
                ..
            }) => {
                let mut inbox = inbox.lock();
                inbox.count(&source, None, LogKind::Dmx);
                if inbox.room() {
                    inbox.dmx.push(DmxIn {
                        source: DmxSource::ArtNet(from),
                        universe: port_address,
                        priority: 100,
                        sequence,
                        terminated: false,
                        data,
                        at: d.at,
                    });
                }
            }
            Ok(artnet::ArtNet::Poll { .. }) => {
                let ports = announce
                    .read()
                    .map(|a| a.port_addresses.clone())
                    .unwrap_or_default();
                let ip = match d.socket.local_addr() {
                    Ok(SocketAddr::V4(a)) if !a.ip().is_unspecified() => a.ip().octets(),
                    _ => [127, 0, 0, 1],
                };
                for (i, pa) in ports.iter().enumerate() {
                    let reply = artnet::encode_poll_reply(
                        ip,
                        *pa,
                        (i + 1) as u8,
                        "backlot",
                        "backlot LED volume virtual production",
                        "#0001 [0000] backlot ok",
                    );
                    let _ = d.socket.send_to(&reply, from);
                }
                inbox.lock().log(
                    LogKind::Dmx,
                    format!("ArtPoll from {from}: replied for {} universes", ports.len()),
                    false,
                );
            }
            Ok(_) => {}
            Err(e) => inbox
                .lock()
                .count(&source, Some(e.to_string()), LogKind::Dmx),
        }
    })
}

/// Receives sACN, unicast and on the multicast groups joined by the map.
pub fn listen_sacn(socket: UdpSocket, inbox: SharedInbox) -> std::io::Result<UdpListener> {
    UdpListener::start("sacn", socket, move |d| {
        let source = format!("sacn {}", d.from);
        match sacn::decode(d.bytes) {
            Ok(sacn::Sacn::Data(p)) if p.start_code == 0 && !p.preview() => {
                let mut inbox = inbox.lock();
                inbox.count(&source, None, LogKind::Dmx);
                if inbox.room() {
                    inbox.dmx.push(DmxIn {
                        terminated: p.terminated(),
                        source: DmxSource::Sacn(p.cid, p.source),
                        universe: p.universe,
                        priority: p.priority,
                        sequence: p.sequence,
                        data: p.slots,
                        at: d.at,
                    });
                }
            }
            Ok(_) => {}
            Err(e) => inbox
                .lock()
                .count(&source, Some(e.to_string()), LogKind::Dmx),
        }
    })
}

/// The sACN universe and Art-Net Port-Address of each patched universe.
pub fn routes(def: &DmxDef) -> Vec<(u16, Option<u16>, Option<u16>, LossBehaviour)> {
    def.universes
        .iter()
        .map(|u| {
            (
                u.id,
                def.artnet.then(|| u.artnet.unwrap_or(u.id)),
                def.sacn.then(|| u.sacn.unwrap_or(u.id)),
                u.on_loss,
            )
        })
        .collect()
}

#[derive(Debug, Clone)]
struct SourceState {
    priority: u8,
    sequence: Option<u8>,
    data: [u8; 512],
    changed: [u32; 512],
    seen: Instant,
    loss: Duration,
}

/// One patched universe's sources and merged output.
#[derive(Debug, Clone)]
pub struct Universe {
    /// Patch id.
    pub id: u16,
    sources: HashMap<DmxSource, SourceState>,
    /// The merged slots.
    pub output: [u8; 512],
    /// Which source gave each slot: an index into `owners`.
    pub owner: [u8; 512],
    /// Labels of the sources that gave slots (`owner` indexes them; 255 = none).
    pub owners: Vec<String>,
    dirty: bool,
    /// Highest live priority.
    pub priority: Option<u8>,
    /// Intensity (HTP) slots.
    pub htp: [bool; 512],
    /// Packets refused by the sequence rule.
    pub out_of_order: u64,
    clock: u32,
    /// Whether any source is live.
    pub live: bool,
    /// What to do on loss.
    pub on_loss: LossBehaviour,
}

impl Universe {
    /// An empty universe.
    pub fn new(id: u16, on_loss: LossBehaviour) -> Self {
        Self {
            id,
            sources: HashMap::new(),
            output: [0; 512],
            owner: [255; 512],
            owners: Vec::new(),
            dirty: false,
            priority: None,
            htp: [false; 512],
            out_of_order: 0,
            clock: 0,
            live: false,
            on_loss,
        }
    }

    /// Sources, for the monitor: (label, priority, seconds since data).
    pub fn sources(&self) -> Vec<(String, u8, f32)> {
        let mut v: Vec<_> = self
            .sources
            .iter()
            .map(|(k, s)| (k.label(), s.priority, s.seen.elapsed().as_secs_f32()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }

    /// Takes a frame from a source (sACN sequence rule per source; termination).
    pub fn receive(&mut self, d: &DmxIn) {
        self.clock += 1;
        if d.terminated {
            self.dirty |= self.sources.remove(&d.source).is_some();
            return;
        }
        let loss = match d.source {
            DmxSource::ArtNet(_) => ARTNET_LOSS,
            DmxSource::Sacn(..) => SACN_LOSS,
        };
        let fresh = !self.sources.contains_key(&d.source);
        let s = self
            .sources
            .entry(d.source.clone())
            .or_insert_with(|| SourceState {
                priority: d.priority,
                sequence: None,
                data: [0; 512],
                changed: [0; 512],
                seen: d.at,
                loss,
            });
        if let (DmxSource::Sacn(..), Some(last)) = (&d.source, s.sequence)
            && !sacn::sequence_accepts(last, d.sequence)
        {
            self.out_of_order += 1;
            return;
        }
        self.dirty = true;
        s.sequence = Some(d.sequence);
        s.priority = d.priority;
        s.seen = d.at;
        for (i, v) in d.data.iter().take(512).enumerate() {
            // A new source's whole frame is its latest word (LTP).
            if fresh || s.data[i] != *v {
                s.data[i] = *v;
                s.changed[i] = self.clock;
            }
        }
    }

    /// Drops lost sources and merges; returns whether the output changed, and whether the
    /// universe just lost its last source.
    pub fn merge(&mut self, now: Instant) -> (bool, bool) {
        let before = self.sources.len();
        self.sources
            .retain(|_, s| now.saturating_duration_since(s.seen) < s.loss);
        self.dirty |= self.sources.len() != before;
        let was_live = self.live;
        self.live = !self.sources.is_empty();
        if !self.live {
            self.priority = None;
            self.dirty = false;
            return (false, was_live);
        }
        // Nothing arrived and nobody left: the output stands.
        if !std::mem::take(&mut self.dirty) {
            return (false, false);
        }
        let top = self.sources.values().map(|s| s.priority).max();
        self.priority = top;
        let winners: Vec<(&DmxSource, &SourceState)> = self
            .sources
            .iter()
            .filter(|(_, s)| Some(s.priority) == top)
            .collect();
        let mut out = [0u8; 512];
        let mut owner = [255u8; 512];
        for i in 0..512 {
            let pick = if self.htp[i] {
                winners
                    .iter()
                    .enumerate()
                    .max_by_key(|(_, (_, s))| s.data[i])
            } else {
                winners
                    .iter()
                    .enumerate()
                    .max_by_key(|(_, (_, s))| s.changed[i])
            };
            if let Some((w, (_, s))) = pick {
                out[i] = s.data[i];
                owner[i] = w.min(254) as u8;
            }
        }
        self.owners = winners.iter().map(|(k, _)| k.label()).collect();
        let changed = out != self.output || !was_live;
        self.output = out;
        self.owner = owner;
        (changed, false)
    }

    /// The source that gave slot `i`.
    pub fn owner_of(&self, i: usize) -> Option<&str> {
        self.owners
            .get(usize::from(*self.owner.get(i)?))
            .map(String::as_str)
    }
}

/// What the patch makes of a universe's slots: (parameter, value, whether the value is
/// normalised 0..1 and still to be scaled over the parameter's range).
pub fn patch_values(
    def: &DmxDef,
    universe: u16,
    slots: &[u8; 512],
    base_intensity: impl Fn(&str) -> Option<f32>,
    strobe_phase: f64,
) -> Vec<(String, ParamValue, bool)> {
    let at = |address: u16, offset: u16| slots[usize::from(address + offset - 1).min(511)];
    let frac = |v: u8| f32::from(v) / 255.0;
    let fine = |hi: u8, lo: u8| f32::from(u16::from(hi) << 8 | u16::from(lo)) / 65535.0;
    let mut out = Vec::new();
    for f in def.fixtures.iter().filter(|f| f.universe == universe) {
        let a = f.address;
        let (prefix, base) = match (&f.light, &f.target) {
            (Some(light), _) => {
                let p = format!("/scene/lights/{light}");
                let b = base_intensity(&format!("{p}/intensity"));
                (p, b)
            }
            (None, Some(t)) => (t.clone(), None),
            _ => continue,
        };
        // Dimmer full is the intensity the scene file gives the light.
        let intensity = |level: f32| {
            (
                format!("{prefix}/intensity"),
                ParamValue::Float(level * base.unwrap_or(1.0)),
                base.is_none(),
            )
        };
        let color = |rgb: [f32; 3]| (format!("{prefix}/color"), ParamValue::Color(rgb), false);
        match f.profile {
            FixtureProfile::Dimmer => out.push(intensity(frac(at(a, 0)))),
            FixtureProfile::Dimmer16 => out.push(intensity(fine(at(a, 0), at(a, 1)))),
            FixtureProfile::Rgb => {
                out.push(color([frac(at(a, 0)), frac(at(a, 1)), frac(at(a, 2))]))
            }
            FixtureProfile::Rgbw => {
                let w = frac(at(a, 3));
                out.push(color([0, 1, 2].map(|i| (frac(at(a, i)) + w).min(1.0))));
            }
            FixtureProfile::DimmerRgb => {
                out.push(intensity(frac(at(a, 0))));
                out.push(color([frac(at(a, 1)), frac(at(a, 2)), frac(at(a, 3))]));
            }
            FixtureProfile::DimmerCct => {
                out.push(intensity(frac(at(a, 0))));
                let kelvin = 2700.0 + frac(at(a, 1)) * (6500.0 - 2700.0);
                out.push(color(backlot_scene::format::kelvin_to_srgb(kelvin)));
            }
            FixtureProfile::PanTilt16 => {
                let pan = (fine(at(a, 0), at(a, 1)) - 0.5) * 540.0;
                let tilt = (fine(at(a, 2), at(a, 3)) - 0.5) * 270.0;
                out.push((prefix.clone(), ParamValue::Vec3([tilt, pan, 0.0]), false));
            }
            FixtureProfile::DimmerStrobe => {
                let level = frac(at(a, 0));
                let s = at(a, 1);
                let open = s == 0 || {
                    let hz = 1.0 + f64::from(s - 1) / 254.0 * 24.0;
                    (strobe_phase * hz).fract() < 0.5
                };
                out.push(intensity(if open { level } else { 0.0 }));
            }
        }
    }
    for c in def.channels.iter().filter(|c| c.universe == universe) {
        let v = if c.bits == 16 {
            fine(at(c.address, 0), at(c.address, 1))
        } else {
            frac(at(c.address, 0))
        };
        out.push((c.target.clone(), ParamValue::Float(v), true));
    }
    out
}

/// Slots that carry intensity (HTP when sources of equal priority merge).
pub fn intensity_slots(def: &DmxDef, universe: u16) -> [bool; 512] {
    let mut htp = [false; 512];
    for f in def.fixtures.iter().filter(|f| f.universe == universe) {
        let first = usize::from(f.address.max(1) - 1);
        let slots: &[usize] = match f.profile {
            FixtureProfile::Dimmer
            | FixtureProfile::DimmerCct
            | FixtureProfile::DimmerRgb
            | FixtureProfile::DimmerStrobe => &[0],
            FixtureProfile::Dimmer16 => &[0, 1],
            FixtureProfile::Rgb => &[0, 1, 2],
            FixtureProfile::Rgbw => &[0, 1, 2, 3],
            FixtureProfile::PanTilt16 => &[],
        };
        for s in slots {
            if let Some(h) = htp.get_mut(first + s) {
                *h = true;
            }
        }
    }
    htp
}

/// A loopback-friendly sender address for sACN multicast tests.
pub fn loopback_group(universe: u16) -> SocketAddrV4 {
    SocketAddrV4::new(sacn::multicast_group(universe), sacn::PORT)
}
