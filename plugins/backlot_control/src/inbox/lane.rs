//! One protocol's queue between its receive threads and the frame: bounded in items and in
//! bytes, the oldest dropped when full, and continuous values coalesced so that the newest
//! value of a control always survives a flood.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// How much a queue holds before it drops its oldest.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Most items.
    pub items: usize,
    /// Most bytes (estimated per item: payload, not allocator overhead).
    pub bytes: usize,
}

/// What a queue holds now, and what it dropped or merged since start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LaneStats {
    /// Items waiting for the next frame.
    pub queued: usize,
    /// Their estimated bytes.
    pub queued_bytes: usize,
    /// Most items ever waiting at once.
    pub peak: usize,
    /// Items pushed.
    pub received: u64,
    /// Items dropped, oldest first, because the queue was full.
    pub dropped: u64,
    /// Their estimated bytes.
    pub dropped_bytes: u64,
    /// Items replaced by a newer one with the same key before a frame took them.
    pub coalesced: u64,
    /// The queue's limits.
    pub limits: Limits,
}

#[derive(Debug)]
struct Slot<K, T> {
    item: T,
    bytes: usize,
    key: Option<K>,
}

/// A bounded FIFO with coalescing. Slots are ordered by push sequence, so a coalesced value
/// moves to the back: the drained order stays the order in which the surviving values were
/// sent, and whatever last wrote a target is still applied last.
///
/// The slots are a ring indexed by push sequence (`head` is the sequence of the first); a
/// coalesced item leaves a hole, skipped when the front is dropped or drained, and squeezed
/// out once holes outnumber the items. A flood pushes thousands of items a frame: no tree
/// node per item.
#[derive(Debug)]
pub(crate) struct Lane<K, T> {
    limits: Limits,
    slots: VecDeque<Option<Slot<K, T>>>,
    /// The push sequence of `slots[0]`.
    head: u64,
    /// Items held (the slots that are not holes).
    len: usize,
    /// The newest pending slot per key; never more entries than items.
    latest: HashMap<K, u64>,
    bytes: usize,
    stats: LaneStats,
}

impl<K: Eq + Hash + Clone, T> Lane<K, T> {
    pub(crate) fn new(limits: Limits) -> Self {
        Self {
            limits,
            slots: VecDeque::new(),
            head: 0,
            len: 0,
            latest: HashMap::new(),
            bytes: 0,
            stats: LaneStats {
                limits,
                ..LaneStats::default()
            },
        }
    }

    /// Queues `item` (`bytes` its estimated size). With a `key`, the pending item with that
    /// key is replaced when `merge(pending, &mut item)` says so (it may carry state over);
    /// then, while over a limit, the oldest items are dropped and counted.
    pub(crate) fn push(
        &mut self,
        mut item: T,
        bytes: usize,
        key: Option<K>,
        merge: impl FnOnce(&T, &mut T) -> bool,
    ) {
        self.stats.received += 1;
        if bytes > self.limits.bytes {
            // Larger than the whole queue: dropping older items would not make room.
            self.stats.dropped += 1;
            self.stats.dropped_bytes += bytes as u64;
            return;
        }
        if let Some(k) = &key
            && let Some(&seq) = self.latest.get(k)
            && let Some(held) = self.slot_mut(seq)
            && let Some(pending) = held.as_ref()
            && merge(&pending.item, &mut item)
            && let Some(old) = held.take()
        {
            self.len -= 1;
            self.bytes -= old.bytes;
            self.stats.coalesced += 1;
        }
        let seq = self.head + self.slots.len() as u64;
        if let Some(k) = &key {
            self.latest.insert(k.clone(), seq);
        }
        self.slots.push_back(Some(Slot { item, bytes, key }));
        self.len += 1;
        self.bytes += bytes;
        while self.len > self.limits.items || self.bytes > self.limits.bytes {
            let Some((seq, old)) = self.pop_front() else {
                break;
            };
            self.bytes -= old.bytes;
            self.stats.dropped += 1;
            self.stats.dropped_bytes += old.bytes as u64;
            if let Some(k) = old.key
                && self.latest.get(&k) == Some(&seq)
            {
                self.latest.remove(&k);
            }
        }
        if self.slots.len() > 2 * self.len + 64 {
            self.squeeze();
        }
        self.stats.peak = self.stats.peak.max(self.len);
    }

    /// The slot of push sequence `seq`, if it is still in the ring.
    fn slot_mut(&mut self, seq: u64) -> Option<&mut Option<Slot<K, T>>> {
        let i = seq.checked_sub(self.head)?;
        self.slots.get_mut(usize::try_from(i).ok()?)
    }

    /// Takes the oldest item and its push sequence, skipping holes.
    fn pop_front(&mut self) -> Option<(u64, Slot<K, T>)> {
        while let Some(front) = self.slots.pop_front() {
            self.head += 1;
            if let Some(slot) = front {
                self.len -= 1;
                return Some((self.head - 1, slot));
            }
        }
        None
    }

    /// Takes the holes out of the ring: the items keep their order and get new sequences
    /// (from the same head), and each key's entry follows its item. Runs once holes
    /// outnumber the items, so a fader flooding one address between two frames holds one
    /// slot, not one per message.
    fn squeeze(&mut self) {
        let mut kept = VecDeque::with_capacity(self.len);
        for slot in self.slots.drain(..).flatten() {
            let seq = self.head + kept.len() as u64;
            if let Some(k) = &slot.key
                && let Some(latest) = self.latest.get_mut(k)
            {
                *latest = seq;
            }
            kept.push_back(Some(slot));
        }
        self.slots = kept;
    }

    /// Everything queued, oldest first; the queue is empty after.
    pub(crate) fn drain(&mut self) -> Vec<T> {
        self.latest.clear();
        self.bytes = 0;
        self.len = 0;
        self.head += self.slots.len() as u64;
        let mut items = Vec::with_capacity(self.slots.len());
        items.extend(self.slots.drain(..).flatten().map(|s| s.item));
        items
    }

    /// What it holds now and its counts.
    pub(crate) fn stats(&self) -> LaneStats {
        LaneStats {
            queued: self.len,
            queued_bytes: self.bytes,
            ..self.stats
        }
    }

    /// Keys with a pending item (at most the items queued).
    #[cfg(test)]
    pub(crate) fn keys(&self) -> usize {
        self.latest.len()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn lane(items: usize, bytes: usize) -> Lane<u8, (u8, u32)> {
        Lane::new(Limits { items, bytes })
    }

    #[test]
    fn full_drops_the_oldest_and_counts_it() {
        let mut l = lane(3, 1000);
        for i in 0..5u32 {
            l.push((0, i), 10, None, |_, _| true);
        }
        let s = l.stats();
        assert_eq!((s.queued, s.queued_bytes, s.peak), (3, 30, 3));
        assert_eq!((s.received, s.dropped, s.dropped_bytes), (5, 2, 20));
        assert_eq!(l.drain(), vec![(0, 2), (0, 3), (0, 4)]);
        assert_eq!(l.stats().queued, 0);
    }

    #[test]
    fn the_byte_limit_drops_too() {
        let mut l = lane(100, 25);
        for i in 0..4u32 {
            l.push((0, i), 10, None, |_, _| true);
        }
        let s = l.stats();
        assert_eq!(
            (s.queued, s.queued_bytes, s.dropped, s.dropped_bytes),
            (2, 20, 2, 20)
        );
        // One item larger than the whole queue is dropped on arrival.
        l.push((0, 9), 26, None, |_, _| true);
        assert_eq!(l.drain(), vec![(0, 2), (0, 3)]);
    }

    #[test]
    fn a_coalesced_value_moves_to_the_back() {
        let mut l = lane(10, 1000);
        l.push((1, 0), 1, Some(1), |_, _| true);
        l.push((2, 0), 1, Some(2), |_, _| true);
        l.push((1, 1), 1, Some(1), |_, _| true);
        // Refused by `merge`: both stay.
        l.push((2, 1), 1, Some(2), |_, _| false);
        assert_eq!(l.stats().coalesced, 1);
        assert_eq!(l.drain(), vec![(2, 0), (1, 1), (2, 1)]);
        assert_eq!(l.keys(), 0);
    }

    #[test]
    fn a_flood_of_one_control_holds_one_slot() {
        let mut l = lane(100, 100_000);
        for i in 0..10_000u32 {
            l.push((1, i), 1, Some(1), |_, _| true);
        }
        assert!(l.slots.len() <= 2 + 64, "{} slots", l.slots.len());
        assert_eq!(l.stats().coalesced, 9_999);
        assert_eq!(l.drain(), vec![(1, 9_999)]);
        // And it goes on coalescing after the holes were squeezed out and after a drain.
        l.push((1, 0), 1, Some(1), |_, _| true);
        l.push((1, 1), 1, Some(1), |_, _| true);
        assert_eq!(l.drain(), vec![(1, 1)]);
    }

    #[test]
    fn merge_may_carry_state_over() {
        let mut l = lane(10, 1000);
        l.push((1, 5), 1, Some(1), |_, _| true);
        l.push((1, 6), 1, Some(1), |old, new| {
            new.1 += old.1 * 100;
            true
        });
        assert_eq!(l.drain(), vec![(1, 506)]);
    }

    proptest! {
        /// Any pushes: within limits, every count adds up, the newest item of every key
        /// that was not dropped is drained, and drained items keep push order.
        #[test]
        fn bounded_and_accounted(
            pushes in proptest::collection::vec((0u8..6, any::<bool>(), 0usize..40), 0..300),
            items in 1usize..20,
            bytes in 1usize..200,
        ) {
            let mut l = lane(items, bytes);
            for (i, (key, coalesce, size)) in pushes.iter().enumerate() {
                l.push((*key, i as u32), *size, coalesce.then_some(*key), |_, _| true);
                let s = l.stats();
                prop_assert!(s.queued <= items && s.queued_bytes <= bytes);
                prop_assert!(l.keys() <= s.queued);
                prop_assert!(l.slots.len() <= 2 * s.queued + 65, "holes squeezed out");
                prop_assert_eq!(s.received, s.queued as u64 + s.dropped + s.coalesced);
            }
            let total: usize = pushes.iter().map(|p| p.2).sum();
            let s = l.stats();
            let drained = l.drain();
            let order: Vec<u32> = drained.iter().map(|d| d.1).collect();
            prop_assert!(order.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(s.dropped_bytes as usize + s.queued_bytes <= total);
            // The last push of a coalescing key survives unless it alone overflows.
            if let Some((i, (key, true, size))) = pushes.iter().enumerate().next_back()
                && *size <= bytes
            {
                prop_assert!(drained.contains(&(*key, i as u32)));
            }
        }
    }
}
