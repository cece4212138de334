//! CIDR networks, sans-IO: `10.0.0.0/24`, `fd00::/8`, or a bare address for one host, and
//! whether an address lies in one. An IPv4-mapped IPv6 address (how a dual-stack socket
//! reports an IPv4 peer) counts as its IPv4 address.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use thiserror::Error;

/// A network: an address and a prefix length (`10.0.0.0/24`, `fd00::/8`, `192.168.1.7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

/// Why a CIDR was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CidrError {
    /// The address part is not an IPv4 or IPv6 address.
    #[error("`{0}` is not an IP address (expected e.g. 10.0.0.0/24 or fd00::/8)")]
    Address(String),
    /// The prefix length is not a number.
    #[error("prefix length `{0}` is not a number")]
    Prefix(String),
    /// The prefix length is longer than the address.
    #[error("prefix length /{prefix} is longer than an IPv{version} address ({bits} bits)")]
    TooLong {
        /// The prefix length given.
        prefix: u8,
        /// 4 or 6.
        version: u8,
        /// 32 or 128.
        bits: u8,
    },
    /// Bits set after the prefix: ambiguous between the network and the one host.
    #[error(
        "`{given}` has host bits set: write {network} for the network, or the address alone for one host"
    )]
    HostBits {
        /// As written.
        given: String,
        /// The network it lies in.
        network: Cidr,
    },
}

impl Cidr {
    /// Parses `ADDR/PREFIX` or a bare address (one host: /32 or /128).
    pub fn parse(text: &str) -> Result<Self, CidrError> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let network: IpAddr = address
            .parse()
            .map_err(|_| CidrError::Address(address.to_string()))?;
        let (version, bits) = match network {
            IpAddr::V4(_) => (4, 32),
            IpAddr::V6(_) => (6, 128),
        };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .map_err(|_| CidrError::Prefix(p.to_string()))?,
            None => bits,
        };
        if prefix > bits {
            return Err(CidrError::TooLong {
                prefix,
                version,
                bits,
            });
        }
        let masked = Self {
            network: mask(network, prefix),
            prefix,
        };
        if masked.network != network {
            return Err(CidrError::HostBits {
                given: text.to_string(),
                network: masked,
            });
        }
        Ok(masked)
    }

    /// The network address.
    pub fn network(&self) -> IpAddr {
        self.network
    }

    /// The prefix length.
    pub fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` lies in this network. An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, how
    /// a dual-stack socket reports an IPv4 peer) is its IPv4 address, and the other way round.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let m = v4_mask(self.prefix);
                u32::from(ip) & m == u32::from(net) & m
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let m = v6_mask(self.prefix);
                u128::from(ip) & m == u128::from(net) & m
            }
            (IpAddr::V6(net), IpAddr::V4(ip)) => {
                let m = v6_mask(self.prefix);
                u128::from(ip.to_ipv6_mapped()) & m == u128::from(net) & m
            }
            (IpAddr::V4(_), IpAddr::V6(_)) => false,
        }
    }
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// An IPv4-mapped IPv6 address as its IPv4 address; anything else as it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn v4_mask(prefix: u8) -> u32 {
    u32::MAX
        .checked_shl(32 - u32::from(prefix.min(32)))
        .unwrap_or(0)
}

fn v6_mask(prefix: u8) -> u128 {
    u128::MAX
        .checked_shl(128 - u32::from(prefix.min(128)))
        .unwrap_or(0)
}

fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(Ipv4Addr::from(u32::from(v4) & v4_mask(prefix))),
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & v6_mask(prefix))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    #[test]
    fn parses_networks_hosts_and_refuses_nonsense() {
        let c = Cidr::parse("10.0.0.0/24").expect("cidr");
        assert_eq!((c.network(), c.prefix()), (ip("10.0.0.0"), 24));
        assert_eq!(c.to_string(), "10.0.0.0/24");
        assert_eq!(Cidr::parse(" 192.168.1.7 ").expect("host").prefix(), 32);
        assert_eq!(Cidr::parse("fd00::/8").expect("v6").prefix(), 8);
        assert_eq!(Cidr::parse("::1").expect("v6 host").prefix(), 128);
        assert_eq!(Cidr::parse("0.0.0.0/0").expect("all").prefix(), 0);
        assert!(matches!(
            Cidr::parse("10.0.0/24"),
            Err(CidrError::Address(_))
        ));
        assert!(matches!(
            Cidr::parse("10.0.0.0/x"),
            Err(CidrError::Prefix(_))
        ));
        assert!(matches!(
            Cidr::parse("10.0.0.0/33"),
            Err(CidrError::TooLong { prefix: 33, .. })
        ));
        assert!(matches!(
            Cidr::parse("fd00::/129"),
            Err(CidrError::TooLong { bits: 128, .. })
        ));
        assert!(matches!(
            Cidr::parse("10.0.0.5/24"),
            Err(CidrError::HostBits { .. })
        ));
        assert!(Cidr::parse("").is_err());
        assert!(Cidr::parse("10.0.0.0/-1").is_err());
    }

    #[test]
    fn containment_edges_and_mapped_addresses() {
        let lan = Cidr::parse("10.0.0.0/24").expect("cidr");
        assert!(lan.contains(ip("10.0.0.0")));
        assert!(lan.contains(ip("10.0.0.255")));
        assert!(!lan.contains(ip("10.0.1.0")));
        assert!(!lan.contains(ip("9.255.255.255")));
        assert!(lan.contains(ip("::ffff:10.0.0.9")), "IPv4-mapped");
        assert!(!lan.contains(ip("fd00::1")));
        let everyone = Cidr::parse("0.0.0.0/0").expect("all v4");
        assert!(everyone.contains(ip("203.0.113.1")));
        assert!(!everyone.contains(ip("2001:db8::1")));
        let mapped = Cidr::parse("::ffff:10.0.0.0/120").expect("mapped net");
        assert!(mapped.contains(ip("10.0.0.3")));
        let ula = Cidr::parse("fd00::/8").expect("ula");
        assert!(ula.contains(ip("fdff::1")));
        assert!(!ula.contains(ip("fe80::1")));
    }

    proptest! {
        #[test]
        fn parse_never_panics(text in ".{0,64}") {
            let _ = Cidr::parse(&text);
        }

        #[test]
        fn v4_contains_is_prefix_equality(
            net in any::<u32>(),
            prefix in 0u8..=32,
            probe in any::<u32>(),
        ) {
            let m = v4_mask(prefix);
            let text = format!("{}/{prefix}", Ipv4Addr::from(net & m));
            let cidr = Cidr::parse(&text).expect("masked networks parse");
            prop_assert_eq!(cidr.to_string(), text);
            let probe = Ipv4Addr::from(probe);
            let expected = u32::from(probe) & m == net & m;
            prop_assert_eq!(cidr.contains(IpAddr::V4(probe)), expected);
            prop_assert_eq!(cidr.contains(IpAddr::V6(probe.to_ipv6_mapped())), expected);
            prop_assert!(cidr.contains(IpAddr::V4(Ipv4Addr::from(net & m))));
        }

        #[test]
        fn v6_contains_is_prefix_equality(
            net in any::<u128>(),
            prefix in 0u8..=128,
            probe in any::<u128>(),
        ) {
            let m = v6_mask(prefix);
            let cidr = Cidr::parse(&format!("{}/{prefix}", Ipv6Addr::from(net & m)))
                .expect("masked networks parse");
            let probe = Ipv6Addr::from(probe);
            // A mapped probe is its IPv4 address; IPv6 networks see it mapped again.
            let expected = u128::from(probe) & m == net & m;
            prop_assert_eq!(cidr.contains(IpAddr::V6(probe)), expected);
            prop_assert!(cidr.contains(IpAddr::V6(Ipv6Addr::from(net & m))));
        }

        #[test]
        fn display_round_trips(net in any::<u32>(), prefix in 0u8..=32) {
            let text = format!("{}/{prefix}", Ipv4Addr::from(net & v4_mask(prefix)));
            let cidr = Cidr::parse(&text).expect("parse");
            prop_assert_eq!(Cidr::parse(&cidr.to_string()), Ok(cidr));
        }
    }
}
