//! The software swap barrier: a node goes on to its next frame only when every live render
//! node has finished the one before. A node that does not finish within the timeout is
//! dropped from the barrier (with a warning) so one stuck machine cannot stop the wall, and
//! is admitted again once it has caught up.

use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, Clone, Default)]
struct Member {
    rendered: Option<u64>,
    admitted: bool,
}

/// What the barrier says about a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every admitted node has rendered it: go on.
    Go,
    /// These admitted nodes have not yet.
    Wait(Vec<String>),
    /// These timed out and are dropped from the barrier; go on without them.
    Dropped(Vec<String>),
}

/// The barrier's state: the live render nodes (other than this one) and what they rendered.
#[derive(Debug, Clone)]
pub struct Barrier {
    timeout: Duration,
    members: BTreeMap<String, Member>,
    /// The last frame the barrier was asked about; a dropped node that reaches it rejoins.
    frame: u64,
    /// Drops so far.
    pub drops: u64,
}

impl Barrier {
    /// A barrier that waits at most `timeout` for a node.
    pub fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            members: BTreeMap::new(),
            frame: 0,
            drops: 0,
        }
    }

    /// How long a node may keep the others waiting.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Waits at most `timeout` from the next check on (a live edit of the cluster file);
    /// members, and who is dropped, stay as they are.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// The live nodes that take part; a new one is admitted at once (it is on time until
    /// it is not), one that is gone leaves.
    pub fn set_members<'a>(&mut self, live: impl IntoIterator<Item = &'a str>) {
        let live: Vec<&str> = live.into_iter().collect();
        self.members.retain(|name, _| live.contains(&name.as_str()));
        for name in live {
            self.members
                .entry(name.to_string())
                .or_insert_with(|| Member {
                    rendered: None,
                    admitted: true,
                });
        }
    }

    /// `node` has rendered `frame`; a dropped node that has caught up is admitted again.
    /// Returns true when that re-admitted it.
    pub fn report(&mut self, node: &str, frame: u64) -> bool {
        let Some(m) = self.members.get_mut(node) else {
            return false;
        };
        m.rendered = Some(m.rendered.map_or(frame, |r| r.max(frame)));
        if !m.admitted && frame + 1 >= self.frame {
            m.admitted = true;
            return true;
        }
        false
    }

    /// Whether every admitted node has rendered `frame`, given how long this node has waited.
    pub fn check(&mut self, frame: u64, waited: Duration) -> Verdict {
        self.frame = frame;
        let late: Vec<String> = self
            .members
            .iter()
            .filter(|(_, m)| m.admitted && m.rendered.is_none_or(|r| r < frame))
            .map(|(name, _)| name.clone())
            .collect();
        if late.is_empty() {
            return Verdict::Go;
        }
        if waited < self.timeout {
            return Verdict::Wait(late);
        }
        for name in &late {
            if let Some(m) = self.members.get_mut(name) {
                m.admitted = false;
            }
        }
        self.drops += late.len() as u64;
        Verdict::Dropped(late)
    }

    /// Whether `node` is in the barrier now.
    pub fn admitted(&self, node: &str) -> bool {
        self.members.get(node).is_some_and(|m| m.admitted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Duration = Duration::from_millis(100);

    #[test]
    fn waits_for_every_live_node_then_goes() {
        let mut b = Barrier::new(T);
        b.set_members(["c", "d"]);
        assert_eq!(
            b.check(5, Duration::ZERO),
            Verdict::Wait(vec!["c".into(), "d".into()])
        );
        b.report("c", 5);
        assert_eq!(b.check(5, Duration::ZERO), Verdict::Wait(vec!["d".into()]));
        b.report("d", 6);
        assert_eq!(b.check(5, Duration::ZERO), Verdict::Go);
        // A node that is gone is not waited for.
        b.set_members(["c"]);
        b.report("c", 6);
        assert_eq!(b.check(6, Duration::ZERO), Verdict::Go);
    }

    #[test]
    fn a_late_node_is_dropped_after_the_timeout_and_rejoins_when_caught_up() {
        let mut b = Barrier::new(T);
        b.set_members(["c", "d"]);
        b.report("c", 10);
        assert_eq!(b.check(10, T), Verdict::Dropped(vec!["d".into()]));
        assert!(!b.admitted("d"));
        assert_eq!(b.drops, 1);
        // The others go on without it.
        b.report("c", 11);
        assert_eq!(b.check(11, Duration::ZERO), Verdict::Go);
        // Still behind: not back yet.
        assert!(!b.report("d", 5));
        assert!(!b.admitted("d"));
        // Caught up: back in, and waited for again.
        assert!(b.report("d", 11));
        assert!(b.admitted("d"));
        assert_eq!(
            b.check(12, Duration::ZERO),
            Verdict::Wait(vec!["c".into(), "d".into()])
        );
    }
}
