//! sACN multicast: memberships spread over sockets sharing the sACN port (planned by
//! [`super::groups`]), joined and left as the patch changes. A failed join is warned once
//! per universe with the system's error, counted, shown in the DMX monitor, and tried again
//! on a timer ([`super::retry`]); unicast sACN keeps working either way. Emptied sockets
//! close off the frame ([`super::closing`]).

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::net::{Ipv4Addr, UdpSocket};
use std::sync::Arc;
use std::time::Instant;

use backlot_net::{AllowList, HealthReport, UdpListener};
use tracing::{info, warn};

use super::bind::bind_shared;
use super::closing::Closer;
use super::groups::{GROUPS_PER_SOCKET, GroupAllocation, MAX_GROUP_SOCKETS, Membership, wanted};
use super::interface::interface_label;
use super::receive::listen_sacn_as;
use super::retry::{FailedJoin, JoinRetries, Retry};
use crate::inbox::{LogKind, SharedInbox};

/// One socket of the pool: a handle for joins and leaves, and the listener reading it.
struct GroupSocket {
    handle: UdpSocket,
    listener: UdpListener,
}

/// What the DMX monitor and tests read of the multicast side.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MulticastStats {
    /// Interfaces joined on (unspecified: the system's default).
    pub interfaces: Vec<Ipv4Addr>,
    /// Memberships held.
    pub memberships: usize,
    /// Memberships per open socket.
    pub per_socket: Vec<usize>,
    /// Memberships the patch wants that are not held (their join failed or was refused).
    pub failing: usize,
    /// Joins that failed since start.
    pub joins_failed: u64,
    /// Memberships refused for want of sockets.
    pub refused: u64,
    /// The last failure.
    pub last_error: Option<String>,
    /// Each membership not held: why, how often it was tried again, when it is next.
    pub failed: Vec<FailedJoin>,
    /// Tries again made so far over the memberships not held.
    pub retries: u64,
    /// Emptied sockets whose receive threads are being stopped off the frame.
    pub closing: usize,
    /// Emptied sockets closed on the frame (too many were closing already).
    pub closed_on_frame: u64,
    /// Closing threads that ended by a panic.
    pub close_panics: u64,
}

/// The sACN multicast sockets and their memberships.
pub struct SacnMulticast {
    port: u16,
    interfaces: Vec<Ipv4Addr>,
    inbox: SharedInbox,
    /// DMX's allow-list, checked before decoding like the unicast socket's.
    access: Option<Arc<AllowList>>,
    groups: GroupAllocation,
    sockets: Vec<Option<GroupSocket>>,
    /// Stops emptied sockets' threads off the frame.
    closer: Closer,
    /// Wanted memberships not held, and why (bounded by the patch).
    failed: BTreeMap<Membership, String>,
    /// Universes already warned about (bounded by the patch).
    warned: BTreeSet<u16>,
    joins_failed: u64,
    refused: u64,
    last_error: Option<String>,
    /// When each failed join is tried again (only those placed on a socket).
    retries: JoinRetries,
}

impl SacnMulticast {
    /// Multicast on the sACN `port`, joined on each of `interfaces`.
    pub fn new(port: u16, interfaces: Vec<Ipv4Addr>, inbox: SharedInbox) -> Self {
        Self {
            port,
            interfaces,
            inbox,
            access: None,
            groups: GroupAllocation::default(),
            sockets: Vec::new(),
            closer: Closer::default(),
            failed: BTreeMap::new(),
            warned: BTreeSet::new(),
            joins_failed: 0,
            refused: 0,
            last_error: None,
            retries: JoinRetries::default(),
        }
    }

    /// Refuses senders outside `access` on every multicast socket, before decoding.
    pub fn with_access(mut self, access: Option<Arc<AllowList>>) -> Self {
        self.access = access;
        self
    }

    /// Makes the memberships those of `universes` (sACN universe numbers): leaves the groups
    /// of universes no longer patched, joins the new ones, closes emptied sockets (their
    /// threads are stopped off the frame; a group joins again at once on a new socket).
    pub fn set_universes(&mut self, universes: &BTreeSet<u16>) {
        let want = wanted(universes, &self.interfaces);
        let changes = self.groups.plan(&want);
        for (i, m) in &changes.leave {
            let Some(Some(s)) = self.sockets.get(*i) else {
                continue;
            };
            // An emptied socket is closed below, which leaves its groups anyway.
            if let Err(e) = s.handle.leave_multicast_v4(&m.group(), &m.interface) {
                warn!(
                    "sACN universe {}: leaving {} on {}: {e}",
                    m.universe,
                    m.group(),
                    interface_label(m.interface)
                );
            }
        }
        let mut emptied = self.close_empty();
        let now = Instant::now();
        for (i, m) in &changes.join {
            match self.join_one(*i, m) {
                Ok(()) => {
                    self.failed.remove(m);
                }
                Err(why) => {
                    self.groups.release(*i, m);
                    self.fail(*m, why);
                    self.retries.failed(*m, now);
                }
            }
        }
        for m in &changes.refused {
            // No socket has room: only a patch change can make one, so no timer.
            self.retries.forget(m);
            self.refused += 1;
            let why = format!(
                "more than {} memberships ({MAX_GROUP_SOCKETS} sockets of {GROUPS_PER_SOCKET})",
                MAX_GROUP_SOCKETS * GROUPS_PER_SOCKET
            );
            self.fail(*m, why);
        }
        emptied.extend(self.close_empty());
        self.closer.close(emptied);
        self.failed.retain(|m, _| want.contains(m));
        let failed = &self.failed;
        self.retries.retain(|m| failed.contains_key(m));
        self.warned.retain(|u| universes.contains(u));
        if changes.leave.is_empty() && changes.join.is_empty() {
            return;
        }
        let s = self.stats();
        let text = format!(
            "sACN multicast: {} groups joined over {} sockets ({}), {} failing",
            s.memberships,
            s.per_socket.len(),
            s.per_socket
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join("+"),
            s.failing
        );
        info!("{text}");
        self.inbox.lock().log(LogKind::Dmx, text, s.failing > 0);
    }

    /// Counts a membership that could not be held; warns once per universe.
    fn fail(&mut self, m: Membership, why: String) {
        self.joins_failed += 1;
        let text = format!(
            "sACN universe {}: cannot join {} on {}: {why}",
            m.universe,
            m.group(),
            interface_label(m.interface)
        );
        if self.warned.insert(m.universe) {
            warn!("{text}; unicast sACN to this machine still reaches it");
            self.inbox.lock().log(LogKind::Dmx, text.clone(), true);
        }
        self.last_error = Some(text.clone());
        self.failed.insert(m, text);
    }

    /// Joins `m` on socket `i`, opening the socket if need be.
    fn join_one(&mut self, i: usize, m: &Membership) -> Result<(), String> {
        let port = self.port;
        match self.open(i) {
            Ok(s) => s
                .join_multicast_v4(&m.group(), &m.interface)
                .map_err(|e| e.to_string()),
            Err(e) => Err(format!("cannot open another socket on udp {port}: {e}")),
        }
    }

    /// Joins again the failed memberships whose wait is over at `now` (5 s after a failure,
    /// doubling to 30 s); returns how many were tried. A join is one system call, and no
    /// socket is closed here (closing one joins its thread), so the frame may call it: a
    /// socket a failed retry opened stays open for the next try, and a patch change closes
    /// it if it is still empty then.
    pub fn retry_joins(&mut self, now: Instant) -> usize {
        let due = self.retries.due(now);
        if due.is_empty() {
            return 0;
        }
        let changes = self.groups.place(&due);
        for (i, m) in &changes.join {
            match self.join_one(*i, m) {
                Ok(()) => self.joined_again(*m),
                Err(why) => {
                    self.groups.release(*i, m);
                    self.fail(*m, why);
                    self.retries.failed(*m, now);
                }
            }
        }
        for m in &changes.refused {
            // Retries only free places they fail in, so this is rare: wait for the patch.
            self.retries.forget(m);
        }
        due.len()
    }

    /// A retried join worked: told once, and a later failure of the universe warns again.
    fn joined_again(&mut self, m: Membership) {
        let tries = self.retries.forget(&m).map_or(1, |r| r.failures);
        self.failed.remove(&m);
        if !self.failed.keys().any(|f| f.universe == m.universe) {
            self.warned.remove(&m.universe);
        }
        let text = format!(
            "sACN universe {}: joined {} on {} at retry {tries}",
            m.universe,
            m.group(),
            interface_label(m.interface)
        );
        info!("{text}");
        self.inbox.lock().log(LogKind::Dmx, text, false);
    }

    /// Memberships the patch wants that are not held.
    pub fn failing(&self) -> usize {
        self.failed.len()
    }

    /// The socket at `i`, opened (with its receive thread) if it is not.
    fn open(&mut self, i: usize) -> io::Result<&UdpSocket> {
        if self.sockets.len() <= i {
            self.sockets.resize_with(i + 1, || None);
        }
        let Some(slot) = self.sockets.get_mut(i) else {
            return Err(io::Error::other("socket index out of range"));
        };
        if slot.is_none() {
            // Multicast reaches only sockets on the wildcard address.
            let socket = bind_shared(Ipv4Addr::UNSPECIFIED.into(), self.port)?;
            let handle = socket.try_clone()?;
            let name = format!("sacn-multicast-{}", i + 1);
            let listener = listen_sacn_as(&name, socket, self.inbox.clone(), self.access.clone())?;
            *slot = Some(GroupSocket { handle, listener });
        }
        slot.as_ref()
            .map(|s| &s.handle)
            .ok_or_else(|| io::Error::other("socket not open"))
    }

    /// Takes out sockets that hold no membership; their listeners, for the closer (dropping
    /// one joins its thread).
    fn close_empty(&mut self) -> Vec<UdpListener> {
        let per = self.groups.per_socket();
        let mut emptied = Vec::new();
        for (i, slot) in self.sockets.iter_mut().enumerate() {
            if per.get(i).copied().unwrap_or(0) == 0
                && let Some(s) = slot.take()
            {
                emptied.push(s.listener);
            }
        }
        while matches!(self.sockets.last(), Some(None)) {
            self.sockets.pop();
        }
        emptied
    }

    /// Memberships, sockets and failures now.
    pub fn stats(&self) -> MulticastStats {
        MulticastStats {
            interfaces: self.interfaces.clone(),
            memberships: self.groups.memberships(),
            per_socket: self
                .groups
                .per_socket()
                .into_iter()
                .filter(|n| *n > 0)
                .collect(),
            failing: self.failed.len(),
            joins_failed: self.joins_failed,
            refused: self.refused,
            last_error: self.last_error.clone(),
            failed: self
                .failed
                .iter()
                .map(|(m, error)| {
                    let retry = self.retries.get(m);
                    FailedJoin {
                        universe: m.universe,
                        group: m.group(),
                        interface: m.interface,
                        error: error.clone(),
                        retries: retry.map_or(0, Retry::retries),
                        next_retry: retry.map(|r| r.next),
                    }
                })
                .collect(),
            retries: self.retries.retries(),
            closing: self.closer.closing(),
            closed_on_frame: self.closer.on_frame,
            close_panics: self.closer.panicked,
        }
    }

    /// A line for the memberships (its errors: failed joins), then each socket's listener.
    pub fn health(&self) -> Vec<(String, HealthReport)> {
        let s = self.stats();
        let summary = HealthReport {
            errors: s.joins_failed,
            running: true,
            last_error: s.last_error.clone(),
            ..HealthReport::default()
        };
        let closing = match s.closing {
            0 => String::new(),
            n => format!(", {n} closing"),
        };
        let name = format!(
            "sacn multicast ({} groups over {} sockets{closing}, {} failing, {} retries; errors \
             are failed joins)",
            s.memberships,
            s.per_socket.len(),
            s.failing,
            s.retries
        );
        let listeners = self
            .sockets
            .iter()
            .flatten()
            .map(|g| (g.listener.name().to_string(), g.listener.health()));
        std::iter::once((name, summary)).chain(listeners).collect()
    }
}
