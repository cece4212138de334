//! Who may reach backlot over the network: the address each protocol's listeners bind and a
//! CIDR allow-list per protocol, checked on a datagram's or a connection's source address
//! before anything decodes it. An empty list lets everyone in (today's behaviour: desks
//! broadcast, surfaces come and go).
//!
//! [`Cidr`] (sans-IO, in `cidr.rs`) says who is in a network; [`AllowList`] is the shared,
//! counted filter a listener thread asks.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use bevy::prelude::Resource;

pub use crate::cidr::{Cidr, CidrError};

/// Most CIDRs one protocol's allow-list holds (command line and map together); more are
/// left out and a warning says so. Each datagram is checked against the whole list.
pub const MAX_CIDRS: usize = 256;

/// The protocols a listener speaks, each with its own bind address and allow-list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Protocol {
    /// OSC over UDP and over TCP (SLIP), and the feedback socket.
    Osc,
    /// OSCQuery's HTTP server.
    OscQuery,
    /// Art-Net and sACN.
    Dmx,
    /// Camera trackers' own sockets (FreeD, OSC on a port of their own).
    Tracking,
}

impl Protocol {
    /// Every protocol, in the order they are shown.
    pub const ALL: [Protocol; 4] = [
        Protocol::Osc,
        Protocol::OscQuery,
        Protocol::Dmx,
        Protocol::Tracking,
    ];

    /// Its name on the command line, in the map and in `/status/net/<name>/...`.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Osc => "osc",
            Protocol::OscQuery => "oscquery",
            Protocol::Dmx => "dmx",
            Protocol::Tracking => "tracking",
        }
    }

    /// The protocol named `name` (as [`Protocol::name`] gives it).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// CIDRs per protocol, as configured (command line or map); empty: everyone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowLists {
    lists: [Vec<Cidr>; 4],
}

impl AllowLists {
    /// `protocol`'s list.
    pub fn get(&self, protocol: Protocol) -> &[Cidr] {
        &self.lists[protocol.index()]
    }

    /// Adds `cidr` to `protocol`'s list, or to every list for `None` (`all=`).
    pub fn add(&mut self, protocol: Option<Protocol>, cidr: Cidr) {
        match protocol {
            Some(p) => push_unique(&mut self.lists[p.index()], cidr),
            None => {
                for list in &mut self.lists {
                    push_unique(list, cidr);
                }
            }
        }
    }

    /// Whether no protocol has a list.
    pub fn is_empty(&self) -> bool {
        self.lists.iter().all(Vec::is_empty)
    }
}

fn push_unique(list: &mut Vec<Cidr>, cidr: Cidr) {
    if !list.contains(&cidr) {
        list.push(cidr);
    }
}

/// Where listeners bind and who may reach them, from the command line. The default is what
/// backlot always did: every interface, everyone, advertised over DNS-SD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkSettings {
    /// Every listener's address unless its protocol names its own (`--bind`).
    pub bind: IpAddr,
    /// OSC's (UDP, TCP and the feedback socket), over `bind`.
    pub osc: Option<IpAddr>,
    /// OSCQuery's, over `bind`.
    pub oscquery: Option<IpAddr>,
    /// Art-Net's and sACN's, over `bind`.
    pub dmx: Option<IpAddr>,
    /// Tracker sockets', over `bind`.
    pub tracking: Option<IpAddr>,
    /// Allow-lists from the command line; the map's are added to them.
    pub allow: AllowLists,
    /// Advertise over DNS-SD (restricted to the bound interface when one is named).
    pub mdns: bool,
}

impl Default for NetworkSettings {
    fn default() -> Self {
        Self {
            bind: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            osc: None,
            oscquery: None,
            dmx: None,
            tracking: None,
            allow: AllowLists::default(),
            mdns: true,
        }
    }
}

impl NetworkSettings {
    /// The address `protocol`'s listeners bind: its own, else the global one.
    pub fn addr(&self, protocol: Protocol) -> IpAddr {
        match protocol {
            Protocol::Osc => self.osc,
            Protocol::OscQuery => self.oscquery,
            Protocol::Dmx => self.dmx,
            Protocol::Tracking => self.tracking,
        }
        .unwrap_or(self.bind)
    }
}

/// One protocol's allow-list as listener threads ask it: the command line's CIDRs plus the
/// map's (replaced on every map load), a refusal counter and the last refused sender.
#[derive(Debug)]
pub struct AllowList {
    protocol: Protocol,
    fixed: Vec<Cidr>,
    rules: RwLock<Vec<Cidr>>,
    /// No rules: the check costs one atomic load.
    open: AtomicBool,
    refused: AtomicU64,
    last_refused: Mutex<Option<IpAddr>>,
    /// The first refusal since the rules changed has been logged.
    warned: AtomicBool,
}

impl AllowList {
    /// `protocol`'s list with the command line's `fixed` CIDRs (empty: everyone).
    pub fn new(protocol: Protocol, fixed: &[Cidr]) -> Self {
        let list = Self {
            protocol,
            fixed: capped(protocol, fixed.to_vec()),
            rules: RwLock::default(),
            open: AtomicBool::new(true),
            refused: AtomicU64::new(0),
            last_refused: Mutex::default(),
            warned: AtomicBool::new(false),
        };
        list.set_extra(&[]);
        list
    }

    /// Which protocol it guards.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The map's CIDRs, added to the command line's (an empty map list changes nothing).
    pub fn set_extra(&self, extra: &[Cidr]) {
        let mut rules = self.fixed.clone();
        for c in extra {
            push_unique(&mut rules, *c);
        }
        let rules = capped(self.protocol, rules);
        self.open.store(rules.is_empty(), Ordering::Relaxed);
        *self.rules.write().unwrap_or_else(|e| e.into_inner()) = rules;
        self.warned.store(false, Ordering::Relaxed);
    }

    /// The CIDRs in force (empty: everyone).
    pub fn rules(&self) -> Vec<Cidr> {
        self.rules.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Whether everyone is let in.
    pub fn is_open(&self) -> bool {
        self.open.load(Ordering::Relaxed)
    }

    /// Whether `ip` may send; counts nothing.
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.is_open()
            || self
                .rules
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .any(|c| c.contains(ip))
    }

    /// Whether `ip` may send; a refusal is counted, remembered, and the first one since the
    /// rules changed is logged (a flood costs a count, not a log line each).
    pub fn admit(&self, ip: IpAddr) -> bool {
        if self.allows(ip) {
            return true;
        }
        self.refused.fetch_add(1, Ordering::Relaxed);
        // Never wait on the panel: a refusal it does not see is still counted.
        if let Ok(mut last) = self.last_refused.try_lock() {
            *last = Some(ip);
        }
        if !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                "{}: refused {ip}: not in the allow-list; further refusals are counted \
                 (/status/net/{}/refused)",
                self.protocol,
                self.protocol
            );
        }
        false
    }

    /// Senders refused so far.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    /// The last sender refused.
    pub fn last_refused(&self) -> Option<IpAddr> {
        *self.last_refused.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `everyone`, or the CIDRs joined, for logs and the panel.
    pub fn describe(&self) -> String {
        let rules = self.rules();
        if rules.is_empty() {
            "open to every sender (no allow-list)".to_string()
        } else {
            let list: Vec<String> = rules.iter().map(Cidr::to_string).collect();
            format!("allow-list {}", list.join(", "))
        }
    }
}

/// `rules` cut to [`MAX_CIDRS`], saying so.
fn capped(protocol: Protocol, mut rules: Vec<Cidr>) -> Vec<Cidr> {
    if rules.len() > MAX_CIDRS {
        tracing::warn!(
            "{protocol}: allow-list has {} entries; only the first {MAX_CIDRS} apply",
            rules.len()
        );
        rules.truncate(MAX_CIDRS);
    }
    rules
}

/// Every protocol's bind address and allow-list, shared by control and tracking; listener
/// threads hold the lists, so a map reload changes them in place.
#[derive(Resource, Debug, Clone)]
pub struct NetAccess {
    settings: NetworkSettings,
    lists: [Arc<AllowList>; 4],
}

impl Default for NetAccess {
    fn default() -> Self {
        Self::new(&NetworkSettings::default())
    }
}

impl NetAccess {
    /// From the command line's settings.
    pub fn new(settings: &NetworkSettings) -> Self {
        let list = |p: Protocol| Arc::new(AllowList::new(p, settings.allow.get(p)));
        Self {
            settings: settings.clone(),
            lists: Protocol::ALL.map(list),
        }
    }

    /// The settings it was made from.
    pub fn settings(&self) -> &NetworkSettings {
        &self.settings
    }

    /// Where `protocol`'s listeners bind.
    pub fn addr(&self, protocol: Protocol) -> IpAddr {
        self.settings.addr(protocol)
    }

    /// `protocol`'s allow-list.
    pub fn list(&self, protocol: Protocol) -> &Arc<AllowList> {
        &self.lists[protocol.index()]
    }

    /// A map's lists in force, added to the command line's.
    pub fn apply_map(&self, map: &AllowLists) {
        for p in Protocol::ALL {
            self.list(p).set_extra(map.get(p));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("test address")
    }

    #[test]
    fn lists_count_refusals_and_take_the_map_in_place() {
        let list = AllowList::new(Protocol::Osc, &[Cidr::parse("127.0.0.1").expect("cidr")]);
        assert!(list.admit(ip("127.0.0.1")));
        assert!(!list.admit(ip("127.0.0.2")));
        assert!(!list.admit(ip("127.0.0.2")));
        assert_eq!(list.refused(), 2);
        assert_eq!(list.last_refused(), Some(ip("127.0.0.2")));
        // The map adds; it never takes the command line's entries away.
        list.set_extra(&[Cidr::parse("127.0.0.0/30").expect("cidr")]);
        assert!(list.admit(ip("127.0.0.2")));
        list.set_extra(&[]);
        assert!(!list.admit(ip("127.0.0.2")));
        assert!(list.admit(ip("127.0.0.1")));
        assert_eq!(list.refused(), 3);

        let open = AllowList::new(Protocol::Dmx, &[]);
        assert!(open.is_open());
        assert!(open.admit(ip("203.0.113.9")));
        assert_eq!(open.refused(), 0);
    }

    #[test]
    fn lists_stay_bounded() {
        let many: Vec<Cidr> = (0..=u8::MAX)
            .flat_map(|a| [0u8, 1].map(|b| Cidr::parse(&format!("10.{a}.{b}.0/24"))))
            .collect::<Result<_, _>>()
            .expect("cidrs");
        let list = AllowList::new(Protocol::Tracking, &many);
        assert_eq!(list.rules().len(), MAX_CIDRS);
    }

    #[test]
    fn settings_default_to_everything_and_protocols_override_the_global_address() {
        let mut s = NetworkSettings::default();
        assert_eq!(s.addr(Protocol::Dmx), ip("0.0.0.0"));
        assert!(s.mdns && s.allow.is_empty());
        s.bind = ip("127.0.0.1");
        s.dmx = Some(ip("10.0.0.2"));
        assert_eq!(s.addr(Protocol::Osc), ip("127.0.0.1"));
        assert_eq!(s.addr(Protocol::Dmx), ip("10.0.0.2"));
        let mut allow = AllowLists::default();
        allow.add(None, Cidr::parse("10.0.0.0/8").expect("cidr"));
        allow.add(
            Some(Protocol::Osc),
            Cidr::parse("10.0.0.0/8").expect("cidr"),
        );
        assert_eq!(allow.get(Protocol::Osc).len(), 1, "no duplicates");
        assert_eq!(allow.get(Protocol::Tracking).len(), 1);
        for p in Protocol::ALL {
            assert_eq!(Protocol::from_name(p.name()), Some(p));
        }
        assert_eq!(Protocol::from_name("midi"), None);
    }
}
