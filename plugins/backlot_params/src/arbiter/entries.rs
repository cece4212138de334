//! The arbiter's entries: one per parameter a source ever wrote, never removed, kept in a
//! vector with a hashed index. A writer that comes back every frame (a cue list's fading
//! value) keeps its entry's place in its [`SlotHint`] and skips the lookup.

use std::sync::atomic::{AtomicU64, Ordering};

use bevy::platform::collections::HashMap;

use super::Entry;
use crate::SlotHint;

/// Each arbiter's entries have their own id, so a place kept for one is never used in
/// another (ids start at 1: 0 is a hint that holds no place).
static IDS: AtomicU64 = AtomicU64::new(1);

pub(super) struct Entries {
    items: Vec<(String, Entry)>,
    index: HashMap<String, usize>,
    id: u64,
}

impl Default for Entries {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            index: HashMap::new(),
            id: IDS.fetch_add(1, Ordering::Relaxed),
        }
    }
}

impl Entries {
    pub(super) fn get(&self, address: &str) -> Option<&Entry> {
        self.index.get(address).map(|&i| &self.items[i].1)
    }

    pub(super) fn get_mut(&mut self, address: &str) -> Option<&mut Entry> {
        self.index.get(address).map(|&i| &mut self.items[i].1)
    }

    /// The entry at `address`, made when there is none.
    pub(super) fn entry(&mut self, address: &str) -> &mut Entry {
        let i = self.place(address);
        &mut self.items[i].1
    }

    /// [`Entries::entry`], from `hint` when it holds a place in these entries (entries are
    /// never removed, so a place once found stays right); the place is kept in `hint`.
    pub(super) fn hinted(&mut self, address: &str, hint: &mut SlotHint) -> &mut Entry {
        let i = match hint.entry {
            Some((id, i)) if id == self.id && i < self.items.len() => i,
            _ => {
                let i = self.place(address);
                hint.entry = Some((self.id, i));
                i
            }
        };
        debug_assert_eq!(self.items[i].0, address, "a hint kept for another address");
        &mut self.items[i].1
    }

    fn place(&mut self, address: &str) -> usize {
        if let Some(&i) = self.index.get(address) {
            return i;
        }
        // The address is only copied for a new entry.
        let i = self.items.len();
        self.items.push((address.to_string(), Entry::new()));
        self.index.insert(address.to_string(), i);
        i
    }

    pub(super) fn iter(&self) -> impl Iterator<Item = (&String, &Entry)> {
        self.items.iter().map(|(a, e)| (a, e))
    }

    pub(super) fn iter_mut(&mut self) -> impl Iterator<Item = (&String, &mut Entry)> {
        self.items.iter_mut().map(|(a, e)| (&*a, e))
    }

    pub(super) fn values_mut(&mut self) -> impl Iterator<Item = &mut Entry> {
        self.items.iter_mut().map(|(_, e)| e)
    }
}
