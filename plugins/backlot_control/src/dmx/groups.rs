//! Which sACN multicast memberships each receive socket holds, sans-IO. Linux refuses more
//! than 20 memberships per socket (`net.ipv4.igmp_max_memberships`), so memberships are
//! spread over sockets sharing the sACN port, at most [`GROUPS_PER_SOCKET`] each: 64
//! universes on one interface take four sockets.

use std::collections::BTreeSet;
use std::net::Ipv4Addr;

use crate::codec::sacn;

/// Memberships per socket, under the kernel's default limit of 20 with room to spare.
pub const GROUPS_PER_SOCKET: usize = 16;
/// Sockets at most: 1,024 memberships (64 universes on 16 interfaces); beyond that a
/// membership is refused, counted and shown.
pub const MAX_GROUP_SOCKETS: usize = 64;

/// One membership: a sACN universe's group on one interface (unspecified: the system's
/// default multicast interface).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Membership {
    /// The sACN universe (1..63999).
    pub universe: u16,
    /// The interface's address.
    pub interface: Ipv4Addr,
}

impl Membership {
    /// The universe's multicast group.
    pub fn group(&self) -> Ipv4Addr {
        sacn::multicast_group(self.universe)
    }
}

/// What to do to make the held memberships the wanted ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupChanges {
    /// (socket, membership) to leave.
    pub leave: Vec<(usize, Membership)>,
    /// (socket, membership) to join; a socket index past the open ones is a new socket.
    pub join: Vec<(usize, Membership)>,
    /// Wanted, but every socket is full.
    pub refused: Vec<Membership>,
}

/// The memberships each socket holds (index = socket).
#[derive(Debug, Clone, Default)]
pub struct GroupAllocation {
    sockets: Vec<BTreeSet<Membership>>,
}

impl GroupAllocation {
    /// Plans the change to `wanted`, and records it as done: leaves first (so freed places
    /// are reused), then joins into the first socket with room, opening sockets as needed.
    /// A join that then fails must be given back with [`GroupAllocation::release`].
    pub fn plan(&mut self, wanted: &BTreeSet<Membership>) -> GroupChanges {
        let mut leave = Vec::new();
        for (i, held) in self.sockets.iter_mut().enumerate() {
            let gone: Vec<Membership> = held.difference(wanted).copied().collect();
            for m in gone {
                held.remove(&m);
                leave.push((i, m));
            }
        }
        let mut changes = self.place(wanted);
        changes.leave = leave;
        changes
    }

    /// Plans joins for those of `memberships` not held, leaving nothing (retries must not
    /// disturb what is joined), and records them as done like [`GroupAllocation::plan`].
    pub fn place(&mut self, memberships: &BTreeSet<Membership>) -> GroupChanges {
        let mut changes = GroupChanges::default();
        for m in memberships {
            if self.socket_of(m).is_some() {
                continue;
            }
            match self.room() {
                Some(i) => {
                    if let Some(held) = self.sockets.get_mut(i) {
                        held.insert(*m);
                    }
                    changes.join.push((i, *m));
                }
                None => changes.refused.push(*m),
            }
        }
        self.close_trailing();
        changes
    }

    /// Forgets a membership whose join failed (or whose socket could not open).
    pub fn release(&mut self, socket: usize, m: &Membership) {
        if let Some(held) = self.sockets.get_mut(socket) {
            held.remove(m);
        }
        self.close_trailing();
    }

    /// Trailing empty sockets are closed; earlier ones keep their index for reuse.
    fn close_trailing(&mut self) {
        while self.sockets.last().is_some_and(BTreeSet::is_empty) {
            self.sockets.pop();
        }
    }

    /// The socket holding `m`.
    pub fn socket_of(&self, m: &Membership) -> Option<usize> {
        self.sockets.iter().position(|held| held.contains(m))
    }

    /// Memberships per socket index (0 for a socket that holds none and may be closed).
    pub fn per_socket(&self) -> Vec<usize> {
        self.sockets.iter().map(BTreeSet::len).collect()
    }

    /// Memberships held in all.
    pub fn memberships(&self) -> usize {
        self.sockets.iter().map(BTreeSet::len).sum()
    }

    /// The first socket with room, opening one when all are full and the limit allows.
    fn room(&mut self) -> Option<usize> {
        if let Some(i) = self
            .sockets
            .iter()
            .position(|held| held.len() < GROUPS_PER_SOCKET)
        {
            return Some(i);
        }
        if self.sockets.len() >= MAX_GROUP_SOCKETS {
            return None;
        }
        self.sockets.push(BTreeSet::new());
        Some(self.sockets.len() - 1)
    }
}

/// The memberships a patch wants: each multicast universe (1..63999) on each interface.
pub fn wanted(universes: &BTreeSet<u16>, interfaces: &[Ipv4Addr]) -> BTreeSet<Membership> {
    universes
        .iter()
        .filter(|u| (1..=63999).contains(*u))
        .flat_map(|&universe| {
            interfaces.iter().map(move |&interface| Membership {
                universe,
                interface,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(universes: impl IntoIterator<Item = u16>) -> BTreeSet<Membership> {
        wanted(&universes.into_iter().collect(), &[Ipv4Addr::LOCALHOST])
    }

    #[test]
    fn sixty_four_universes_take_four_sockets_of_sixteen() {
        let mut a = GroupAllocation::default();
        let c = a.plan(&patch(1..=64));
        assert_eq!(c.join.len(), 64);
        assert!(c.leave.is_empty() && c.refused.is_empty());
        assert_eq!(a.per_socket(), vec![16, 16, 16, 16]);
        assert_eq!(a.memberships(), 64);
        // Nothing changed: nothing to do.
        assert_eq!(a.plan(&patch(1..=64)), GroupChanges::default());
    }

    #[test]
    fn unpatched_universes_are_left_and_their_places_reused() {
        let mut a = GroupAllocation::default();
        a.plan(&patch(1..=64));
        let c = a.plan(&patch(1..=10));
        assert_eq!(c.leave.len(), 54);
        assert!(c.join.is_empty());
        assert!(c.leave.iter().all(|(_, m)| m.universe > 10));
        assert_eq!(a.per_socket(), vec![10], "emptied sockets close");
        let c = a.plan(&patch((1..=10).chain(100..=110)));
        assert_eq!(c.join.len(), 11);
        assert_eq!(a.per_socket(), vec![16, 5]);
        let m = Membership {
            universe: 105,
            interface: Ipv4Addr::LOCALHOST,
        };
        assert_eq!(m.group(), Ipv4Addr::new(239, 255, 0, 105));
        assert!(a.socket_of(&m).is_some());
    }

    #[test]
    fn a_failed_join_holds_no_place() {
        let mut a = GroupAllocation::default();
        let c = a.plan(&patch(1..=17));
        let (socket, m) = c.join[16];
        assert_eq!(socket, 1);
        a.release(socket, &m);
        assert_eq!(a.per_socket(), vec![16]);
        assert_eq!(a.socket_of(&m), None);
        // The next plan tries it again.
        assert_eq!(a.plan(&patch(1..=17)).join, vec![(1, m)]);
    }

    #[test]
    fn placing_joins_what_is_not_held_and_leaves_nothing() {
        let mut a = GroupAllocation::default();
        let c = a.plan(&patch(1..=17));
        let (socket, m) = c.join[16];
        a.release(socket, &m);
        // A retry places only the failed membership, into the place it left.
        let c = a.place(&BTreeSet::from([m]));
        assert_eq!(c.join, vec![(1, m)]);
        assert!(c.leave.is_empty() && c.refused.is_empty());
        assert_eq!(a.per_socket(), vec![16, 1]);
        // Already held: nothing to do.
        assert_eq!(a.place(&patch(1..=17)), GroupChanges::default());
    }

    #[test]
    fn memberships_are_per_interface_and_bounded() {
        let interfaces = [Ipv4Addr::UNSPECIFIED, Ipv4Addr::LOCALHOST];
        let w = wanted(&(0..=64).collect(), &interfaces);
        assert_eq!(w.len(), 128, "universe 0 is not sACN");
        let mut a = GroupAllocation::default();
        a.plan(&w);
        assert_eq!(a.per_socket().len(), 8);
        let all: BTreeSet<u16> = (1..=2000).collect();
        let c = a.plan(&wanted(&all, &[Ipv4Addr::LOCALHOST]));
        assert_eq!(a.memberships(), GROUPS_PER_SOCKET * MAX_GROUP_SOCKETS);
        assert_eq!(
            c.refused.len(),
            2000 - GROUPS_PER_SOCKET * MAX_GROUP_SOCKETS
        );
        assert!(a.per_socket().iter().all(|n| *n <= GROUPS_PER_SOCKET));
    }
}
