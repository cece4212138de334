//! Which local address DMX uses: `--dmx-interface` (an IPv4 address or an interface name)
//! for sACN multicast joins and ArtPollReply; without it, ArtPollReply gives the address the
//! system routes toward each poller, so a desk on any network sees an address it can reach.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use crate::codec::artnet;

/// Poller subnets remembered; the cache is emptied when it would grow past this.
pub const REPLY_CACHE: usize = 64;
/// How long a looked-up address is trusted (addresses change with DHCP or cabling).
pub const REPLY_CACHE_FOR: Duration = Duration::from_secs(30);

/// This machine's IPv4 interfaces: (name, address).
pub fn system_interfaces() -> io::Result<Vec<(String, Ipv4Addr)>> {
    Ok(if_addrs::get_if_addrs()?
        .into_iter()
        .filter_map(|i| match i.ip() {
            IpAddr::V4(ip) => Some((i.name, ip)),
            IpAddr::V6(_) => None,
        })
        .collect())
}

/// Resolves `--dmx-interface`: an IPv4 address of one of `known` (any address when `known`
/// is empty: the list could not be read), or the name of an interface with an IPv4 address.
pub fn resolve_interface(spec: &str, known: &[(String, Ipv4Addr)]) -> Result<Ipv4Addr, String> {
    let spec = spec.trim();
    let have = || {
        let mut list: Vec<String> = known
            .iter()
            .take(8)
            .map(|(name, ip)| format!("{name} {ip}"))
            .collect();
        if known.len() > 8 {
            list.push(format!("{} more", known.len() - 8));
        }
        list.join(", ")
    };
    match spec.parse::<IpAddr>() {
        Ok(IpAddr::V6(ip)) => Err(format!("{ip} is IPv6; Art-Net and sACN run on IPv4")),
        Ok(IpAddr::V4(ip)) if ip.is_unspecified() || ip.is_multicast() || ip.is_broadcast() => {
            Err(format!("{ip} is not an interface address"))
        }
        Ok(IpAddr::V4(ip)) if known.is_empty() || known.iter().any(|(_, a)| *a == ip) => Ok(ip),
        Ok(IpAddr::V4(ip)) => Err(format!(
            "{ip} is not an address of this machine (interfaces: {})",
            have()
        )),
        Err(_) => known
            .iter()
            .find(|(name, _)| name == spec)
            .map(|(_, ip)| *ip)
            .ok_or_else(|| {
                format!(
                    "no interface named `{spec}` with an IPv4 address (interfaces: {})",
                    have()
                )
            }),
    }
}

/// The local address the system would send from toward `peer`. Connecting a UDP socket
/// sends nothing; it only picks the route.
pub fn local_address_toward(peer: Ipv4Addr) -> io::Result<Ipv4Addr> {
    let s = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))?;
    s.connect((peer, artnet::PORT))?;
    match s.local_addr()? {
        SocketAddr::V4(a) if !a.ip().is_unspecified() => Ok(*a.ip()),
        other => Err(io::Error::new(
            io::ErrorKind::AddrNotAvailable,
            format!("no IPv4 route toward {peer} (bound {other})"),
        )),
    }
}

/// The address ArtPollReply gives: the configured interface's, else the one routed toward
/// the poller, looked up once per poller /24 and [`REPLY_CACHE_FOR`].
#[derive(Debug, Clone, Default)]
pub struct ReplyAddress {
    interface: Option<Ipv4Addr>,
    cache: HashMap<[u8; 3], (Ipv4Addr, Instant)>,
}

impl ReplyAddress {
    /// With `--dmx-interface`'s address, or routing per poller.
    pub fn new(interface: Option<Ipv4Addr>) -> Self {
        Self {
            interface,
            cache: HashMap::new(),
        }
    }

    /// The address for a reply to `poller`; `route` looks it up (failures are not cached:
    /// the next poll tries again).
    pub fn toward(
        &mut self,
        poller: Ipv4Addr,
        now: Instant,
        route: impl FnOnce(Ipv4Addr) -> io::Result<Ipv4Addr>,
    ) -> io::Result<Ipv4Addr> {
        if let Some(ip) = self.interface {
            return Ok(ip);
        }
        let [a, b, c, _] = poller.octets();
        if let Some((ip, at)) = self.cache.get(&[a, b, c])
            && now.saturating_duration_since(*at) < REPLY_CACHE_FOR
        {
            return Ok(*ip);
        }
        let ip = route(poller)?;
        if self.cache.len() >= REPLY_CACHE {
            self.cache.clear();
        }
        self.cache.insert([a, b, c], (ip, now));
        Ok(ip)
    }
}

/// How an interface address reads in logs.
pub fn interface_label(ip: Ipv4Addr) -> String {
    if ip.is_unspecified() {
        "the default interface".into()
    } else {
        ip.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Vec<(String, Ipv4Addr)> {
        vec![
            ("lo".into(), Ipv4Addr::LOCALHOST),
            ("eth1".into(), Ipv4Addr::new(10, 1, 2, 3)),
        ]
    }

    #[test]
    fn interfaces_resolve_by_address_or_name() {
        let k = known();
        assert_eq!(
            resolve_interface("10.1.2.3", &k),
            Ok(Ipv4Addr::new(10, 1, 2, 3))
        );
        assert_eq!(
            resolve_interface(" eth1 ", &k),
            Ok(Ipv4Addr::new(10, 1, 2, 3))
        );
        assert_eq!(resolve_interface("lo", &k), Ok(Ipv4Addr::LOCALHOST));
        let e = resolve_interface("wlan0", &k).expect_err("no such interface");
        assert!(e.contains("wlan0") && e.contains("eth1 10.1.2.3"), "{e}");
        let e = resolve_interface("10.9.9.9", &k).expect_err("not ours");
        assert!(e.contains("not an address of this machine"), "{e}");
        assert!(resolve_interface("::1", &k).is_err());
        assert!(resolve_interface("0.0.0.0", &k).is_err());
        assert!(resolve_interface("239.255.0.1", &k).is_err());
        // The interface list could not be read: an address is taken on trust.
        assert_eq!(
            resolve_interface("10.9.9.9", &[]),
            Ok(Ipv4Addr::new(10, 9, 9, 9))
        );
    }

    #[test]
    fn reply_address_is_the_interface_or_the_route_cached_per_subnet() {
        let now = Instant::now();
        let fixed = Ipv4Addr::new(10, 1, 2, 3);
        let mut r = ReplyAddress::new(Some(fixed));
        let never = |_: Ipv4Addr| -> io::Result<Ipv4Addr> { panic!("no lookup") };
        assert_eq!(
            r.toward(Ipv4Addr::LOCALHOST, now, never).expect("ip"),
            fixed
        );

        let mut r = ReplyAddress::new(None);
        let mut lookups = 0;
        let mut ask = |poller: Ipv4Addr, at: Instant| {
            r.toward(poller, at, |p| {
                lookups += 1;
                let [a, b, c, _] = p.octets();
                Ok(Ipv4Addr::new(a, b, c, 1))
            })
            .expect("ip")
        };
        assert_eq!(
            ask(Ipv4Addr::new(10, 0, 0, 7), now),
            Ipv4Addr::new(10, 0, 0, 1)
        );
        assert_eq!(
            ask(Ipv4Addr::new(10, 0, 0, 9), now),
            Ipv4Addr::new(10, 0, 0, 1)
        );
        assert_eq!(
            ask(Ipv4Addr::new(2, 0, 0, 9), now),
            Ipv4Addr::new(2, 0, 0, 1)
        );
        let later = now + REPLY_CACHE_FOR;
        assert_eq!(
            ask(Ipv4Addr::new(10, 0, 0, 9), later),
            Ipv4Addr::new(10, 0, 0, 1)
        );
        assert_eq!(lookups, 3, "one per subnet, again once stale");

        let mut r = ReplyAddress::new(None);
        let fail = |_: Ipv4Addr| -> io::Result<Ipv4Addr> { Err(io::Error::other("no route")) };
        assert!(r.toward(Ipv4Addr::new(10, 0, 0, 7), now, fail).is_err());
        let ok = |_: Ipv4Addr| -> io::Result<Ipv4Addr> { Ok(Ipv4Addr::new(10, 0, 0, 2)) };
        assert_eq!(
            r.toward(Ipv4Addr::new(10, 0, 0, 7), now, ok)
                .expect("retried"),
            Ipv4Addr::new(10, 0, 0, 2),
            "a failure is not cached"
        );
        for i in 0..=REPLY_CACHE as u8 {
            let _ = r.toward(Ipv4Addr::new(20, i, 0, 1), now, ok);
        }
        assert!(r.cache.len() <= REPLY_CACHE);
    }
}
