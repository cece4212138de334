//! The registry's storage: looked up by hash (every write of every source goes through a
//! lookup, and a `BTreeMap` of addresses sharing long prefixes spent most of a frame of
//! 2,000 fading cue values in string comparisons), iterated in address order (panels,
//! OSCQuery and feedback list parameters in that order).

use std::collections::BTreeMap;

use bevy::platform::collections::HashMap;

use crate::{ParamAddress, ParamEntry};

/// Entries in slots, with an index by address and the address order.
#[derive(Debug, Default, Clone)]
pub(crate) struct Entries {
    slots: Vec<ParamEntry>,
    index: HashMap<ParamAddress, usize>,
    order: BTreeMap<ParamAddress, usize>,
}

impl Entries {
    pub(crate) fn contains_key(&self, address: &str) -> bool {
        self.index.contains_key(address)
    }

    pub(crate) fn get(&self, address: &str) -> Option<&ParamEntry> {
        self.index.get(address).map(|&i| &self.slots[i])
    }

    /// Where `address` lives, until an entry is removed.
    pub(crate) fn slot(&self, address: &str) -> Option<usize> {
        self.index.get(address).copied()
    }

    pub(crate) fn at(&self, slot: usize) -> Option<&ParamEntry> {
        self.slots.get(slot)
    }

    pub(crate) fn at_mut(&mut self, slot: usize) -> Option<&mut ParamEntry> {
        self.slots.get_mut(slot)
    }

    pub(crate) fn get_mut(&mut self, address: &str) -> Option<&mut ParamEntry> {
        self.index.get(address).map(|&i| &mut self.slots[i])
    }

    /// Adds an entry, or replaces the one at its address.
    pub(crate) fn insert(&mut self, address: ParamAddress, entry: ParamEntry) {
        if let Some(&i) = self.index.get(address.as_str()) {
            self.slots[i] = entry;
            return;
        }
        let i = self.slots.len();
        self.slots.push(entry);
        self.index.insert(address.clone(), i);
        self.order.insert(address, i);
    }

    pub(crate) fn remove(&mut self, address: &str) -> Option<ParamEntry> {
        let i = self.index.remove(address)?;
        self.order.remove(address);
        let entry = self.slots.swap_remove(i);
        // The last slot moved into `i`: point its address there.
        if let Some(moved) = self.slots.get(i) {
            let moved = moved.spec.address.as_str();
            if let Some(slot) = self.index.get_mut(moved) {
                *slot = i;
            }
            if let Some(slot) = self.order.get_mut(moved) {
                *slot = i;
            }
        }
        Some(entry)
    }

    /// Addresses in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &ParamAddress> {
        self.order.keys()
    }

    /// Entries in address order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &ParamEntry> {
        self.order.values().map(|&i| &self.slots[i])
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}
