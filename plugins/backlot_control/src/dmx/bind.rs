//! Binding the DMX ports: exclusively unless sharing is asked for (`--dmx-share`). Two
//! programs on one unicast port split a desk's packets between them (the kernel hands each
//! datagram to one socket), so a second backlot must fail loudly, not half-work.

use std::io;
use std::net::{IpAddr, SocketAddr, UdpSocket};

use socket2::{Domain, Protocol, Socket, Type};

/// A UDP socket on `ip`:`port` alone: binding fails while any other socket holds the port,
/// and any later bind to it fails while this one is open.
pub fn bind_exclusive(ip: IpAddr, port: u16) -> io::Result<UdpSocket> {
    UdpSocket::bind((ip, port))
}

/// A UDP socket that shares its port with other sharing sockets: backlot's own sACN
/// multicast sockets, or other DMX software when `--dmx-share` is given. On Linux it takes
/// only the multicast groups joined on it (`IP_MULTICAST_ALL` off), so sockets sharing the
/// sACN port never receive each other's groups twice.
pub fn bind_shared(ip: IpAddr, port: u16) -> io::Result<UdpSocket> {
    let addr = SocketAddr::new(ip, port);
    let s = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    s.set_reuse_address(true)?;
    // BSD and macOS share a port between sockets only with SO_REUSEPORT.
    #[cfg(all(
        unix,
        not(any(
            target_os = "solaris",
            target_os = "illumos",
            target_os = "cygwin",
            target_os = "nuttx"
        ))
    ))]
    s.set_reuse_port(true)?;
    #[cfg(target_os = "linux")]
    if ip.is_ipv4() {
        s.set_multicast_all_v4(false)?;
    }
    s.bind(&addr.into())?;
    Ok(s.into())
}

/// The Art-Net socket: exclusive, or shared with `share`.
pub fn bind_artnet(ip: IpAddr, port: u16, share: bool) -> io::Result<UdpSocket> {
    if share {
        bind_shared(ip, port)
    } else {
        bind_exclusive(ip, port)
    }
}

/// The sACN unicast socket. backlot's multicast sockets must share its port, so the socket
/// itself is a sharing one; without `share`, an exclusive bind first proves nothing else
/// holds the port (a program that later binds without sharing still fails on it). Port 0
/// takes the free port that first bind got.
pub fn bind_sacn(ip: IpAddr, port: u16, share: bool) -> io::Result<UdpSocket> {
    if share {
        return bind_shared(ip, port);
    }
    // The probe closes at the end of this statement, a moment before the real bind.
    let port = bind_exclusive(ip, port)?.local_addr()?.port();
    bind_shared(ip, port)
}

/// What to tell the operator when a DMX port cannot be bound.
pub fn port_problem(protocol: &str, port: u16, share: bool, e: &io::Error) -> String {
    match (e.kind(), share) {
        (io::ErrorKind::AddrInUse, false) => format!(
            "{protocol}: udp port {port} is taken: another program — maybe another backlot — \
             is using it; run with --dmx-share to share it knowingly ({e})"
        ),
        (io::ErrorKind::AddrInUse, true) => format!(
            "{protocol}: udp port {port} is taken by a program that does not share it \
             (--dmx-share needs every program on the port to share it) ({e})"
        ),
        _ => format!("{protocol}: cannot listen on udp {port}: {e}"),
    }
}
