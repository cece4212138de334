//! The receivers: Art-Net and sACN listeners on shared ports, and what ArtPollReply
//! announces.

use std::net::{SocketAddr, SocketAddrV4, UdpSocket};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use backlot_net::{AllowList, UdpListener};
use socket2::{Domain, Protocol, Socket, Type};

use crate::codec::{artnet, sacn};
use crate::inbox::{DmxIn, DmxSource, LogKind, SharedInbox};

/// A UDP socket on `addr` (DMX's bind address and port) that can share its port (other DMX
/// software on the same machine).
pub fn bind_shared(addr: SocketAddr) -> std::io::Result<UdpSocket> {
    let s = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    s.set_reuse_address(true)?;
    s.bind(&addr.into())?;
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

/// Receives Art-Net from those `access` allows (others are refused before decoding);
/// answers ArtPoll with one ArtPollReply per patched Port-Address.
pub fn listen_artnet(
    socket: UdpSocket,
    inbox: SharedInbox,
    announce: Arc<RwLock<Announce>>,
    access: Option<Arc<AllowList>>,
) -> std::io::Result<UdpListener> {
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

/// Receives sACN, unicast and on the multicast groups joined by the map, from those
/// `access` allows (others are refused before decoding).
pub fn listen_sacn(
    socket: UdpSocket,
    inbox: SharedInbox,
    access: Option<Arc<AllowList>>,
) -> std::io::Result<UdpListener> {
    UdpListener::start_with("sacn", socket, access, move |d| {
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
