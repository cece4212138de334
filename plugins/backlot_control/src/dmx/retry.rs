//! When a failed sACN multicast join is tried again, sans-IO: 5 s after it failed, the wait
//! doubling to 30 s while it keeps failing. A failure is often passing (an interface not up
//! yet at start, a cable plugged in later), and a map reload is not something to wait for.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use super::groups::Membership;

/// The wait after the first failure.
pub const RETRY_FIRST: Duration = Duration::from_secs(5);
/// The longest wait between tries.
pub const RETRY_MAX: Duration = Duration::from_secs(30);

/// The wait after `failures` failed tries in a row (1: the first join failed): 5 s, 10 s,
/// 20 s, then 30 s on.
pub fn retry_delay(failures: u32) -> Duration {
    // Past 16 doublings the cap has long been reached; the shift stays in range.
    let doublings = failures.saturating_sub(1).min(16);
    RETRY_FIRST.saturating_mul(1u32 << doublings).min(RETRY_MAX)
}

/// One membership waiting to be joined again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Failed tries in a row, the first join included.
    pub failures: u32,
    /// When it is tried next.
    pub next: Instant,
}

impl Retry {
    /// Tries again made so far (the first join is not one).
    pub fn retries(&self) -> u32 {
        self.failures.saturating_sub(1)
    }
}

/// The memberships whose join failed and when each is tried again. Only memberships the
/// allocation placed on a socket are scheduled (those refused for want of sockets wait for a
/// patch change), so it holds at most `GROUPS_PER_SOCKET × MAX_GROUP_SOCKETS` entries.
#[derive(Debug, Clone, Default)]
pub struct JoinRetries {
    pending: BTreeMap<Membership, Retry>,
}

impl JoinRetries {
    /// A join of `m` failed at `now`: it is tried again after the wait for its streak.
    pub fn failed(&mut self, m: Membership, now: Instant) -> Retry {
        let failures = self
            .pending
            .get(&m)
            .map_or(0, |r| r.failures)
            .saturating_add(1);
        let retry = Retry {
            failures,
            next: now + retry_delay(failures),
        };
        self.pending.insert(m, retry);
        retry
    }

    /// `m` is joined, refused or no longer wanted: no more tries.
    pub fn forget(&mut self, m: &Membership) -> Option<Retry> {
        self.pending.remove(m)
    }

    /// Keeps only the memberships `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&Membership) -> bool) {
        self.pending.retain(|m, _| keep(m));
    }

    /// The memberships due at `now`.
    pub fn due(&self, now: Instant) -> BTreeSet<Membership> {
        self.pending
            .iter()
            .filter(|(_, r)| r.next <= now)
            .map(|(m, _)| *m)
            .collect()
    }

    /// The schedule of `m`, while it waits.
    pub fn get(&self, m: &Membership) -> Option<&Retry> {
        self.pending.get(m)
    }

    /// Tries again made so far, over every waiting membership.
    pub fn retries(&self) -> u64 {
        self.pending.values().map(|r| u64::from(r.retries())).sum()
    }

    /// Memberships waiting.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Nothing waits.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

/// A wanted membership that is not held, for the DMX monitor and status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedJoin {
    /// The sACN universe.
    pub universe: u16,
    /// Its multicast group.
    pub group: Ipv4Addr,
    /// The interface (unspecified: the system's default).
    pub interface: Ipv4Addr,
    /// The last failure, with the system's error.
    pub error: String,
    /// Tries again made so far (0: only the first join failed).
    pub retries: u32,
    /// The next try; none for a membership refused for want of sockets, which is tried
    /// again when the patch changes.
    pub next_retry: Option<Instant>,
}

#[cfg(test)]
mod tests {
    use std::net::UdpSocket;

    use super::*;
    use crate::dmx::SacnMulticast;
    use crate::inbox::SharedInbox;

    fn membership(universe: u16) -> Membership {
        Membership {
            universe,
            interface: Ipv4Addr::LOCALHOST,
        }
    }

    #[test]
    fn the_wait_doubles_from_five_seconds_to_thirty() {
        let secs: Vec<u64> = (1..=6).map(|n| retry_delay(n).as_secs()).collect();
        assert_eq!(secs, vec![5, 10, 20, 30, 30, 30]);
        assert_eq!(
            retry_delay(0),
            RETRY_FIRST,
            "no failure yet: the first wait"
        );
        assert_eq!(
            retry_delay(u32::MAX),
            RETRY_MAX,
            "a long streak stays capped"
        );
    }

    #[test]
    fn a_failed_join_comes_due_after_its_wait_and_backs_off() {
        let start = Instant::now();
        let m = membership(7);
        let mut r = JoinRetries::default();
        let first = r.failed(m, start);
        assert_eq!((first.failures, first.retries()), (1, 0));
        assert!(r.due(start).is_empty());
        assert!(r.due(start + Duration::from_millis(4_999)).is_empty());
        let at = start + RETRY_FIRST;
        assert_eq!(r.due(at), BTreeSet::from([m]));
        // The retry fails too: the next wait is 10 s from then.
        let second = r.failed(m, at);
        assert_eq!((second.failures, second.retries()), (2, 1));
        assert_eq!(second.next, at + Duration::from_secs(10));
        assert!(r.due(at + Duration::from_secs(9)).is_empty());
        assert_eq!(r.due(at + Duration::from_secs(10)).len(), 1);
        assert_eq!(r.retries(), 1);
    }

    #[test]
    fn only_due_memberships_are_tried_and_forgotten_ones_never() {
        let start = Instant::now();
        let mut r = JoinRetries::default();
        r.failed(membership(1), start);
        r.failed(membership(2), start + Duration::from_secs(3));
        r.failed(membership(3), start);
        let at = start + RETRY_FIRST;
        assert_eq!(r.due(at), BTreeSet::from([membership(1), membership(3)]));
        // Joined at last: no more tries.
        assert!(r.forget(&membership(1)).is_some());
        // Unpatched.
        r.retain(|m| m.universe != 3);
        assert!(r.due(at).is_empty());
        assert_eq!(r.len(), 1);
        assert_eq!(
            r.due(at + Duration::from_secs(3)),
            BTreeSet::from([membership(2)])
        );
        r.forget(&membership(2));
        assert!(r.is_empty());
        assert!(r.get(&membership(2)).is_none());
    }

    /// On loopback: a join that failed because another program held the sACN port without
    /// sharing it is tried again when due, and joins once the port is free (or, where this
    /// machine has no multicast, fails again, counted and scheduled further out).
    #[test]
    fn a_join_that_failed_is_tried_again_on_loopback_when_due() {
        // Held without sharing: the multicast socket cannot open on it.
        let holder = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).expect("bind");
        let port = holder.local_addr().expect("addr").port();
        let inbox = SharedInbox::default();
        let mut m = SacnMulticast::new(port, vec![Ipv4Addr::LOCALHOST], inbox.clone());
        m.set_universes(&BTreeSet::from([1]));
        let s = m.stats();
        assert_eq!((s.memberships, s.failing, s.retries), (0, 1, 0), "{s:?}");
        let failed = &s.failed[0];
        assert_eq!(failed.group, Ipv4Addr::new(239, 255, 0, 1));
        assert!(failed.error.contains("cannot open another socket"), "{s:?}");
        assert_eq!(m.retry_joins(Instant::now()), 0, "not due yet");
        drop(holder);
        let due = Instant::now() + RETRY_FIRST + Duration::from_millis(1);
        assert_eq!(m.retry_joins(due), 1);
        let s = m.stats();
        if s.failing == 0 {
            assert_eq!(s.memberships, 1);
            assert!(s.failed.is_empty() && s.retries == 0);
            let told = "joined 239.255.0.1 on 127.0.0.1 at retry 1";
            let told = inbox
                .lock()
                .dmx_log
                .iter()
                .any(|l| !l.error && l.text.contains(told));
            assert!(told, "the recovery is told");
        } else {
            // No multicast here (a container): the retry failed on the join itself.
            eprintln!("multicast joins on loopback failed here: {s:?}");
            let next = due + Duration::from_secs(10);
            assert_eq!(s.joins_failed, 2);
            assert_eq!(s.failed[0].retries, 1);
            assert_eq!(s.failed[0].next_retry, Some(next));
            assert!(!s.failed[0].error.contains("another socket"), "{s:?}");
        }
        assert_eq!(m.retry_joins(due), 0, "nothing due twice");
    }
}
