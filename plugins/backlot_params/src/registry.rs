//! The registry resource.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use bevy::prelude::*;

use crate::entries::Entries;
use crate::{ParamAddress, ParamError, ParamSpec, ParamValue};

/// One registered parameter and its live value.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamEntry {
    /// What it is.
    pub spec: ParamSpec,
    /// Its value now.
    pub value: ParamValue,
    /// The registry generation of its last change; owners apply entries newer than they have seen.
    pub generation: u64,
}

/// Every live parameter by address. Owners (scene, stage…) register their parameters and
/// apply changes; sources (UI, OSC, MIDI, DMX, layers) only call [`ParamRegistry::set`].
#[derive(Resource, Debug, Default, Clone)]
pub struct ParamRegistry {
    entries: Entries,
    generation: u64,
    /// Bumped when addresses may have come or gone, not on value changes.
    addresses_generation: u64,
    rejected_non_finite: u64,
}

/// Address generations are unique across every registry in the process (not counted per
/// registry), so a [`SlotHint`] taken in one registry never fits another.
static ADDRESSES: AtomicU64 = AtomicU64::new(1);

fn fresh_addresses() -> u64 {
    ADDRESSES.fetch_add(1, Ordering::Relaxed)
}

/// Where a parameter sits in the registry, kept by a caller that writes it every frame (a
/// cue list's fading value): it holds until an address comes or goes, and saves the hashed
/// lookup of the address for every write until then.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlotHint {
    addresses: u64,
    slot: usize,
    /// The arbiter's entry for the parameter: (the arbiter's entries' id, its place).
    pub(crate) entry: Option<(u64, usize)>,
}

impl ParamRegistry {
    /// Where `address` sits, for a writer that then coerces against its spec
    /// ([`ParamRegistry::entry_at`]) and writes ([`ParamRegistry::write_at`]) by place (the
    /// arbiter's cue path: thousands of values a frame): from `hint` while no address came
    /// or went since it was taken, else looked up (and kept in `hint`).
    pub(crate) fn slot_hinted(&self, address: &str, hint: &mut SlotHint) -> Option<usize> {
        // 0 is a registry nothing was ever registered in: it has no slots to remember.
        if hint.addresses != 0 && hint.addresses == self.addresses_generation {
            return Some(hint.slot);
        }
        let slot = self.entries.slot(address)?;
        hint.addresses = self.addresses_generation;
        hint.slot = slot;
        Some(slot)
    }

    /// Adds a parameter at its default value. The default is checked first (see
    /// [`ParamSpec::with_checked_default`]): a NaN or infinite one is refused with
    /// [`ParamError::NotFinite`] and counted in [`ParamRegistry::rejected_non_finite`], one
    /// of the wrong type is refused, one outside the range is clamped with a warning.
    pub fn register(&mut self, spec: ParamSpec) -> Result<(), ParamError> {
        if self.entries.contains_key(spec.address.as_str()) {
            return Err(ParamError::Duplicate(spec.address.to_string()));
        }
        let spec = self.checked(spec)?;
        self.generation += 1;
        self.addresses_generation = fresh_addresses();
        let value = spec.default.clone();
        self.entries.insert(
            spec.address.clone(),
            ParamEntry {
                spec,
                value,
                generation: self.generation,
            },
        );
        Ok(())
    }

    /// Replaces every parameter under `prefix` with `specs` (a reloaded file).
    ///
    /// A parameter whose type and default did not change keeps its live value, so an edit
    /// elsewhere in the file does not undo what an operator set; a changed default wins,
    /// because that is the edit the user just made. Defaults are checked as in
    /// [`ParamRegistry::register`]; a spec whose default is refused is left out, with a
    /// warning. Returns the addresses that were removed.
    pub fn replace_under(&mut self, prefix: &str, specs: Vec<ParamSpec>) -> Vec<ParamAddress> {
        let mut old: BTreeMap<ParamAddress, ParamEntry> = BTreeMap::new();
        let keys: Vec<ParamAddress> = self
            .entries
            .keys()
            .filter(|a| a.is_under(prefix))
            .cloned()
            .collect();
        for key in keys {
            if let Some(entry) = self.entries.remove(key.as_str()) {
                old.insert(key, entry);
            }
        }
        self.generation += 1;
        self.addresses_generation = fresh_addresses();
        for spec in specs {
            let spec = match self.checked(spec) {
                Ok(spec) => spec,
                Err(e) => {
                    warn!("{e}; the parameter is left out");
                    continue;
                }
            };
            let value = match old.remove(spec.address.as_str()) {
                Some(prev) if prev.spec.kind == spec.kind && prev.spec.default == spec.default => {
                    spec.coerce(prev.value)
                        .unwrap_or_else(|_| spec.default.clone())
                }
                _ => spec.default.clone(),
            };
            self.entries.insert(
                spec.address.clone(),
                ParamEntry {
                    spec,
                    value,
                    generation: self.generation,
                },
            );
        }
        old.into_keys().collect()
    }

    /// Sets a parameter from a source. The value is coerced to the parameter's type and
    /// clamped to its range; the stored value is returned.
    pub fn set(&mut self, address: &str, value: ParamValue) -> Result<ParamValue, ParamError> {
        self.set_inner(address, value, false)
    }

    /// Sets a read-only status parameter; for its owner only.
    pub fn set_status(
        &mut self,
        address: &str,
        value: ParamValue,
    ) -> Result<ParamValue, ParamError> {
        self.set_inner(address, value, true)
    }

    fn set_inner(
        &mut self,
        address: &str,
        value: ParamValue,
        owner: bool,
    ) -> Result<ParamValue, ParamError> {
        let entry = self
            .entries
            .get_mut(address)
            .ok_or_else(|| ParamError::UnknownAddress(address.to_string()))?;
        if entry.spec.read_only && !owner {
            return Err(ParamError::ReadOnly(address.to_string()));
        }
        let value = match entry.spec.coerce(value) {
            Ok(value) => value,
            Err(e) => {
                if matches!(e, ParamError::NotFinite(_)) {
                    self.rejected_non_finite += 1;
                }
                return Err(e);
            }
        };
        // Triggers always fire; other values only count as a change when they differ.
        if value != entry.value || value == ParamValue::Trigger {
            self.generation += 1;
            entry.value = value.clone();
            entry.generation = self.generation;
        }
        Ok(value)
    }

    pub(crate) fn entry_at(&self, slot: usize) -> Option<&ParamEntry> {
        self.entries.at(slot)
    }

    /// Writes a value already coerced against the entry's spec; refuses read-only values.
    pub(crate) fn write_at(&mut self, slot: usize, value: ParamValue) -> Result<(), ParamError> {
        let Some(entry) = self.entries.at_mut(slot) else {
            return Err(ParamError::UnknownAddress(format!("slot {slot}")));
        };
        if entry.spec.read_only {
            return Err(ParamError::ReadOnly(entry.spec.address.to_string()));
        }
        // Triggers always fire; other values only count as a change when they differ.
        if value == ParamValue::Trigger || value != entry.value {
            self.generation += 1;
            entry.value = value;
            entry.generation = self.generation;
        }
        Ok(())
    }

    /// Writes and defaults refused because a number in them was NaN or infinite, for
    /// monitors: each one is a sender or file that needs fixing.
    pub fn rejected_non_finite(&self) -> u64 {
        self.rejected_non_finite
    }

    /// Counts a write refused for a non-finite number before it reached the registry (the
    /// arbiter coerces its inputs itself).
    pub(crate) fn note_non_finite(&mut self) {
        self.rejected_non_finite += 1;
    }

    /// [`ParamSpec::with_checked_default`], counting a non-finite default.
    fn checked(&mut self, spec: ParamSpec) -> Result<ParamSpec, ParamError> {
        let checked = spec.with_checked_default();
        if matches!(checked, Err(ParamError::NotFinite(_))) {
            self.rejected_non_finite += 1;
        }
        checked
    }

    /// Puts a parameter back to its default.
    pub fn reset(&mut self, address: &str) -> Result<ParamValue, ParamError> {
        let default = self
            .entries
            .get(address)
            .map(|e| e.spec.default.clone())
            .ok_or_else(|| ParamError::UnknownAddress(address.to_string()))?;
        self.set_inner(address, default, true)
    }

    /// The live value at an address.
    pub fn get(&self, address: &str) -> Result<&ParamValue, ParamError> {
        self.entries
            .get(address)
            .map(|e| &e.value)
            .ok_or_else(|| ParamError::UnknownAddress(address.to_string()))
    }

    /// The value as a number, or `default` (no such parameter, or not numeric).
    pub fn f32_or(&self, address: &str, default: f32) -> f32 {
        self.get(address)
            .ok()
            .and_then(ParamValue::as_f32)
            .unwrap_or(default)
    }

    /// The value as a switch, or `default`.
    pub fn bool_or(&self, address: &str, default: bool) -> bool {
        self.get(address)
            .ok()
            .and_then(ParamValue::as_bool)
            .unwrap_or(default)
    }

    /// The value as three numbers (a vector or colour), or `default`.
    pub fn vec3_or(&self, address: &str, default: [f32; 3]) -> [f32; 3] {
        self.get(address)
            .ok()
            .and_then(ParamValue::as_vec3)
            .unwrap_or(default)
    }

    /// The choice of an enum parameter, if it is one.
    pub fn enum_value(&self, address: &str) -> Option<&str> {
        match self.get(address) {
            Ok(ParamValue::Enum(s)) => Some(s),
            _ => None,
        }
    }

    /// Whether a trigger fired since generation `seen` (and the generation to remember).
    pub fn trigger_fired(&self, address: &str, seen: u64) -> (bool, u64) {
        match self.entry(address) {
            Some(e) if e.generation > seen => (true, e.generation),
            _ => (false, seen),
        }
    }

    /// The whole entry at an address.
    pub fn entry(&self, address: &str) -> Option<&ParamEntry> {
        self.entries.get(address)
    }

    /// Every entry, in address order.
    pub fn iter(&self) -> impl Iterator<Item = &ParamEntry> {
        self.entries.values()
    }

    /// Entries under a prefix, in address order.
    pub fn iter_under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a ParamEntry> + 'a {
        self.entries
            .values()
            .filter(move |e| e.spec.address.is_under(prefix))
    }

    /// Entries changed after generation `since` (see [`ParamRegistry::generation`]).
    pub fn changed_since(&self, since: u64) -> impl Iterator<Item = &ParamEntry> {
        self.entries.values().filter(move |e| e.generation > since)
    }

    /// The generation counter: grows with every change.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Changes whenever the set of addresses may have changed (a parameter registered, or
    /// a file's parameters replaced), never on a value change: what caches of address
    /// lookups (OSC patterns) key on.
    pub fn addresses_generation(&self) -> u64 {
        self.addresses_generation
    }

    /// Number of registered parameters.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
#[path = "registry_tests.rs"]
mod tests;
