//! OSC bundle messages held for their time tag: ordered by when they are due, so each
//! frame takes only the due ones off the front; bounded in count and in how far ahead.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use thiserror::Error;

use crate::inbox::OscIn;

/// Most messages held for later; past this the one due latest is dropped (counted).
pub const SCHEDULED_LIMIT: usize = 4096;
/// Furthest ahead, in seconds, a bundle may be due; later ones are refused, not held.
pub const HORIZON_S: f64 = 10.0;
/// Due within this many seconds counts as due now.
const NOW_S: f64 = 0.001;

/// Why a bundle message was not held.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ScheduleError {
    /// Due further ahead than [`HORIZON_S`].
    #[error("bundle due in {ahead_s:.1} s, beyond the {HORIZON_S} s horizon")]
    BeyondHorizon {
        /// How far ahead it was due.
        ahead_s: f64,
    },
    /// [`SCHEDULED_LIMIT`] messages were already held; this one was due latest.
    #[error("{SCHEDULED_LIMIT} bundle messages already held; dropped the one due latest")]
    Full,
}

/// What became of a message offered to the schedule.
#[derive(Debug)]
pub(crate) enum Offered {
    /// Due now: apply it this frame.
    Now(OscIn),
    /// Held for later.
    Held,
    /// Refused or dropped (not always the message offered: when full, the one due latest
    /// goes), with its sender.
    Refused(SocketAddr, ScheduleError),
}

/// Messages by (due time in nanoseconds since 1900, arrival order).
#[derive(Debug, Default)]
pub(crate) struct Schedule {
    held: BTreeMap<(u64, u64), OscIn>,
    arrivals: u64,
    dropped: u64,
    beyond_horizon: u64,
}

impl Schedule {
    /// Holds a message due later, or hands it back when it is due now (`now`: NTP seconds).
    pub(crate) fn offer(&mut self, m: OscIn, now: f64) -> Offered {
        let at = match m.timed.at {
            Some(at) if at > now + NOW_S => at,
            _ => return Offered::Now(m),
        };
        if at - now > HORIZON_S {
            self.beyond_horizon += 1;
            return Offered::Refused(m.from, ScheduleError::BeyondHorizon { ahead_s: at - now });
        }
        self.arrivals += 1;
        self.held.insert((nanos(at), self.arrivals), m);
        if self.held.len() > SCHEDULED_LIMIT
            && let Some((_, latest)) = self.held.pop_last()
        {
            self.dropped += 1;
            return Offered::Refused(latest.from, ScheduleError::Full);
        }
        Offered::Held
    }

    /// The earliest held message if it is due by `now`.
    pub(crate) fn pop_due(&mut self, now: f64) -> Option<OscIn> {
        let entry = self.held.first_entry()?;
        (entry.key().0 <= nanos(now)).then(|| entry.remove())
    }

    /// Messages held.
    pub(crate) fn len(&self) -> usize {
        self.held.len()
    }

    /// Dropped because the schedule was full.
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Refused for being due beyond the horizon.
    pub(crate) fn beyond_horizon(&self) -> u64 {
        self.beyond_horizon
    }
}

/// NTP seconds as whole nanoseconds, a total order for the map (time tags are finite and
/// below 2³² s, well inside `u64` nanoseconds).
fn nanos(at: f64) -> u64 {
    (at * 1e9) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::osc::Timed;
    use rosc::OscMessage;

    fn at(addr: &str, at: Option<f64>) -> OscIn {
        OscIn {
            from: SocketAddr::from(([127, 0, 0, 1], 9)),
            timed: Timed {
                at,
                message: OscMessage {
                    addr: addr.into(),
                    args: vec![],
                },
            },
        }
    }

    #[test]
    fn due_in_time_order_bounded_and_within_the_horizon() {
        let now = 3_900_000_000.0;
        let mut s = Schedule::default();
        assert!(matches!(s.offer(at("/now", None), now), Offered::Now(_)));
        assert!(matches!(
            s.offer(at("/past", Some(now - 5.0)), now),
            Offered::Now(_)
        ));
        for (addr, ahead) in [("/c", 3.0), ("/a", 1.0), ("/b", 2.0), ("/b2", 2.0)] {
            assert!(matches!(
                s.offer(at(addr, Some(now + ahead)), now),
                Offered::Held
            ));
        }
        match s.offer(at("/far", Some(now + 3600.0)), now) {
            Offered::Refused(_, e) => assert_eq!(
                e.to_string(),
                "bundle due in 3600.0 s, beyond the 10 s horizon"
            ),
            other => panic!("held a bundle an hour ahead: {other:?}"),
        }
        assert_eq!((s.len(), s.beyond_horizon()), (4, 1));
        assert!(s.pop_due(now + 0.5).is_none());
        let order: Vec<String> = std::iter::from_fn(|| s.pop_due(now + 2.5))
            .map(|m| m.timed.message.addr)
            .collect();
        assert_eq!(order, ["/a", "/b", "/b2"]);
        assert_eq!(s.len(), 1);
    }

    #[test]
    fn full_drops_the_one_due_latest() {
        let now = 3_900_000_000.0;
        let mut s = Schedule::default();
        for i in 0..SCHEDULED_LIMIT {
            let m = at(&format!("/{i}"), Some(now + 1.0 + i as f64 / 1_000.0));
            assert!(matches!(s.offer(m, now), Offered::Held));
        }
        // Due before everything held: kept, and the latest goes.
        assert!(matches!(
            s.offer(at("/early", Some(now + 0.5)), now),
            Offered::Refused(_, ScheduleError::Full)
        ));
        assert_eq!(
            s.pop_due(now + 0.6).map(|m| m.timed.message.addr),
            Some("/early".to_string())
        );
        // Due after everything held: the second one offered is itself the latest.
        assert!(matches!(
            s.offer(at("/late", Some(now + 9.0)), now),
            Offered::Held
        ));
        assert!(matches!(
            s.offer(at("/late", Some(now + 9.0)), now),
            Offered::Refused(_, ScheduleError::Full)
        ));
        assert_eq!((s.len(), s.dropped()), (SCHEDULED_LIMIT, 2));
        let late = std::iter::from_fn(|| s.pop_due(now + 10.0))
            .filter(|m| m.timed.message.addr == "/late")
            .count();
        assert_eq!(late, 1);
    }
}
