//! The receivers: Art-Net (DMX, polls, time code) and sACN listeners, and what ArtPollReply
//! announces. Socket errors are backed off and counted by [`UdpListener`]; decode errors are
//! counted per sender in the inbox.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::sync::{Arc, RwLock};

use backlot_net::{AllowList, UdpListener};

use super::interface::{ReplyAddress, local_address_toward};
use crate::codec::midi::Mtc;
use crate::codec::{artnet, sacn};
use crate::inbox::{DmxIn, DmxSource, LogKind, SharedInbox};

/// ArtPollReplies per poll at most: BindIndex is one byte.
pub const MAX_POLL_REPLIES: usize = 255;

/// Controllers poll every few seconds; one answered poll per address a second is plenty.
const POLL_INTERVAL: std::time::Duration = std::time::Duration::from_secs(1);
/// Pollers remembered; beyond it the table starts afresh (bounded whatever the sources).
const MAX_POLLERS: usize = 64;

/// Answers at most one ArtPoll per address a second, so replies never outnumber a sender's
/// polls by more than one set a second.
#[derive(Debug, Default)]
struct PollLimiter {
    last: std::collections::HashMap<std::net::IpAddr, std::time::Instant>,
}

impl PollLimiter {
    fn admit(&mut self, from: std::net::IpAddr, at: std::time::Instant) -> bool {
        if self
            .last
            .get(&from)
            .is_some_and(|t| at.saturating_duration_since(*t) < POLL_INTERVAL)
        {
            return false;
        }
        if self.last.len() >= MAX_POLLERS && !self.last.contains_key(&from) {
            self.last.clear();
        }
        self.last.insert(from, at);
        true
    }
}

/// What ArtPollReply announces.
#[derive(Debug, Clone, Default)]
pub struct Announce {
    /// Patched Art-Net Port-Addresses.
    pub port_addresses: Vec<u16>,
}

/// Receives Art-Net from those `access` allows (others are refused before decoding);
/// answers ArtPoll with one ArtPollReply per patched Port-Address, giving `interface` as its
/// address, or without one the address routed toward the poller.
pub fn listen_artnet(
    socket: UdpSocket,
    inbox: SharedInbox,
    announce: Arc<RwLock<Announce>>,
    interface: Option<Ipv4Addr>,
    access: Option<Arc<AllowList>>,
) -> std::io::Result<UdpListener> {
    let mut reply_address = ReplyAddress::new(interface);
    let mut polled = PollLimiter::default();
    UdpListener::start_with("artnet", socket, access, move |d| {
        let from = d.from;
        let source = format!("artnet {from}");
        match artnet::decode(d.bytes) {
            Ok(artnet::ArtNet::Dmx {
                sequence,
                port_address,
                data,
                ..
            }) => {
                let frame = DmxIn {
                    source: DmxSource::ArtNet(from),
                    universe: port_address,
                    priority: 100,
                    sequence,
                    terminated: false,
                    data,
                    at: d.at,
                };
                let mut inbox = inbox.lock();
                inbox.count(&source, None, LogKind::Dmx);
                inbox.push_dmx(frame);
            }
            Ok(artnet::ArtNet::Poll { .. }) => {
                if !polled.admit(from.ip(), d.at) {
                    // A forged source could turn one small poll into 255 replies at a victim.
                    inbox.lock().count(
                        &source,
                        Some(
                            "ArtPoll: more than one a second from this address; not answered"
                                .into(),
                        ),
                        LogKind::Dmx,
                    );
                    return;
                }
                let ports = announce
                    .read()
                    .map(|a| a.port_addresses.clone())
                    .unwrap_or_default();
                let ip = match from {
                    SocketAddr::V4(a) => reply_address.toward(*a.ip(), d.at, local_address_toward),
                    SocketAddr::V6(_) => Err(std::io::Error::other("an IPv6 poller")),
                };
                let ip = match ip {
                    Ok(ip) => ip,
                    Err(e) => {
                        let why = format!("ArtPoll: no local address to announce: {e}");
                        inbox.lock().count(&source, Some(why), LogKind::Dmx);
                        return;
                    }
                };
                let mut failed = None;
                for (i, pa) in ports.iter().take(MAX_POLL_REPLIES).enumerate() {
                    let reply = artnet::encode_poll_reply(
                        ip.octets(),
                        *pa,
                        (i + 1) as u8,
                        "backlot",
                        "backlot LED volume virtual production",
                        "#0001 [0000] backlot ok",
                    );
                    if let Err(e) = d.socket.send_to(&reply, from) {
                        failed = Some(e);
                    }
                }
                let mut inbox = inbox.lock();
                inbox.log(
                    LogKind::Dmx,
                    format!(
                        "ArtPoll from {from}: replied as {ip} for {} universes",
                        ports.len().min(MAX_POLL_REPLIES)
                    ),
                    false,
                );
                if let Some(e) = failed {
                    inbox.count(&source, Some(format!("ArtPollReply: {e}")), LogKind::Dmx);
                }
            }
            Ok(artnet::ArtNet::TimeCode { hmsf, kind }) => {
                // Art-Net's time code types are MIDI time code's rate codes.
                let mut inbox = inbox.lock();
                inbox.count(&source, None, LogKind::Dmx);
                inbox.push_timecode(Mtc { hmsf, rate: kind });
            }
            Ok(_) => {}
            Err(e) => inbox
                .lock()
                .count(&source, Some(e.to_string()), LogKind::Dmx),
        }
    })
}

/// Receives sACN, unicast and on the multicast groups joined by the map, from those
/// `access` allows (others are refused before decoding).
pub fn listen_sacn(
    socket: UdpSocket,
    inbox: SharedInbox,
    access: Option<Arc<AllowList>>,
) -> std::io::Result<UdpListener> {
    listen_sacn_as("sacn", socket, inbox, access)
}

/// Receives sACN on a socket of its own name (the multicast sockets).
pub fn listen_sacn_as(
    name: &str,
    socket: UdpSocket,
    inbox: SharedInbox,
    access: Option<Arc<AllowList>>,
) -> std::io::Result<UdpListener> {
    UdpListener::start_with(name, socket, access, move |d| {
        let source = format!("sacn {}", d.from);
        match sacn::decode(d.bytes) {
            Ok(sacn::Sacn::Data(p)) if p.start_code == 0 && !p.preview() => {
                let frame = DmxIn {
                    terminated: p.terminated(),
                    source: DmxSource::Sacn(p.cid, p.source),
                    universe: p.universe,
                    priority: p.priority,
                    sequence: p.sequence,
                    data: p.slots,
                    at: d.at,
                };
                let mut inbox = inbox.lock();
                inbox.count(&source, None, LogKind::Dmx);
                inbox.push_dmx(frame);
            }
            Ok(_) => {}
            Err(e) => inbox
                .lock()
                .count(&source, Some(e.to_string()), LogKind::Dmx),
        }
    })
}

/// A loopback-friendly sender address for sACN multicast tests.
pub fn loopback_group(universe: u16) -> SocketAddrV4 {
    SocketAddrV4::new(sacn::multicast_group(universe), sacn::PORT)
}

#[cfg(test)]
mod poll_tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn one_poll_a_second_per_address_is_answered_and_the_table_is_bounded() {
        let mut limiter = PollLimiter::default();
        let t = Instant::now();
        let a: std::net::IpAddr = [10, 0, 0, 1].into();
        assert!(limiter.admit(a, t));
        assert!(!limiter.admit(a, t + Duration::from_millis(500)));
        assert!(limiter.admit([10, 0, 0, 2].into(), t + Duration::from_millis(500)));
        assert!(limiter.admit(a, t + Duration::from_millis(1000)));
        for i in 0..1000u32 {
            limiter.admit(std::net::IpAddr::from(i.to_be_bytes()), t);
        }
        assert!(limiter.last.len() <= MAX_POLLERS);
    }
}
