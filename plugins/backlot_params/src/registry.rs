//! The registry resource.

use std::collections::BTreeMap;

use bevy::prelude::*;

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
    entries: BTreeMap<ParamAddress, ParamEntry>,
    generation: u64,
    /// Bumped when addresses may have come or gone, not on value changes.
    addresses_generation: u64,
    rejected_non_finite: u64,
}

impl ParamRegistry {
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
        self.addresses_generation += 1;
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
        self.addresses_generation += 1;
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
mod tests {
    use super::*;
    use crate::ParamKind;
    use proptest::prelude::*;

    fn addr(s: &str) -> ParamAddress {
        ParamAddress::new(s).unwrap()
    }

    fn registry() -> ParamRegistry {
        let mut r = ParamRegistry::default();
        r.register(ParamSpec::float(
            addr("/scene/lights/key/intensity"),
            1000.0,
            0.0,
            5000.0,
            "lm",
        ))
        .unwrap();
        r.register(ParamSpec::color(
            addr("/scene/lights/key/color"),
            [1.0, 0.5, 0.2],
        ))
        .unwrap();
        r.register(ParamSpec::bool(addr("/scene/entities/rock/visible"), true))
            .unwrap();
        r.register(ParamSpec::new(
            addr("/scene/mode"),
            ParamKind::Enum(vec!["day".into(), "night".into()]),
            ParamValue::Enum("day".into()),
        ))
        .unwrap();
        r.register(ParamSpec::float(addr("/status/fps"), 0.0, 0.0, 1000.0, "Hz").read_only())
            .unwrap();
        r
    }

    #[test]
    fn set_clamps_and_coerces() {
        let mut r = registry();
        assert_eq!(
            r.set("/scene/lights/key/intensity", ParamValue::Float(9000.0)),
            Ok(ParamValue::Float(5000.0))
        );
        assert_eq!(
            r.set("/scene/lights/key/intensity", ParamValue::Int(-3)),
            Ok(ParamValue::Float(0.0))
        );
        assert_eq!(
            r.set(
                "/scene/lights/key/color",
                ParamValue::Vec3([2.0, -1.0, 0.5])
            ),
            Ok(ParamValue::Color([1.0, 0.0, 0.5]))
        );
        assert_eq!(
            r.set("/scene/entities/rock/visible", ParamValue::Float(0.0)),
            Ok(ParamValue::Bool(false))
        );
        assert_eq!(
            r.get("/scene/entities/rock/visible"),
            Ok(&ParamValue::Bool(false))
        );
    }

    #[test]
    fn bad_sets_are_errors_not_panics() {
        let mut r = registry();
        assert!(matches!(
            r.set("/nope", ParamValue::Float(1.0)),
            Err(ParamError::UnknownAddress(_))
        ));
        assert!(matches!(
            r.set("/scene/lights/key/color", ParamValue::Bool(true)),
            Err(ParamError::WrongType { .. })
        ));
        assert!(matches!(
            r.set("/scene/lights/key/intensity", ParamValue::Float(f32::NAN)),
            Err(ParamError::NotFinite(_))
        ));
        assert!(matches!(
            r.set("/scene/mode", ParamValue::Enum("dusk".into())),
            Err(ParamError::UnknownOption { .. })
        ));
        assert!(matches!(
            r.set("/status/fps", ParamValue::Float(3.0)),
            Err(ParamError::ReadOnly(_))
        ));
        assert_eq!(
            r.set_status("/status/fps", ParamValue::Float(3.0)),
            Ok(ParamValue::Float(3.0))
        );
        assert!(matches!(
            r.register(ParamSpec::bool(addr("/scene/entities/rock/visible"), true)),
            Err(ParamError::Duplicate(_))
        ));
    }

    #[test]
    fn changes_are_seen_once_by_generation() {
        let mut r = registry();
        let seen = r.generation();
        assert_eq!(r.changed_since(seen).count(), 0);
        r.set("/scene/lights/key/intensity", ParamValue::Float(10.0))
            .unwrap();
        let changed: Vec<_> = r
            .changed_since(seen)
            .map(|e| e.spec.address.to_string())
            .collect();
        assert_eq!(changed, vec!["/scene/lights/key/intensity"]);
        // Setting the same value again is not a change.
        let seen = r.generation();
        r.set("/scene/lights/key/intensity", ParamValue::Float(10.0))
            .unwrap();
        assert_eq!(r.changed_since(seen).count(), 0);
    }

    #[test]
    fn addresses_generation_moves_with_addresses_not_values() {
        let mut r = registry();
        let seen = r.addresses_generation();
        r.set("/scene/lights/key/intensity", ParamValue::Float(10.0))
            .expect("a value");
        assert_eq!(r.addresses_generation(), seen);
        r.register(ParamSpec::bool(addr("/scene/entities/tree/visible"), true))
            .expect("a new address");
        let registered = r.addresses_generation();
        assert_ne!(registered, seen);
        r.replace_under("/scene/entities", vec![]);
        assert_ne!(r.addresses_generation(), registered);
    }

    #[test]
    fn replace_keeps_live_values_unless_default_changed() {
        let mut r = registry();
        r.set("/scene/lights/key/intensity", ParamValue::Float(42.0))
            .unwrap();
        r.set(
            "/scene/lights/key/color",
            ParamValue::Color([0.0, 0.0, 1.0]),
        )
        .unwrap();
        let removed = r.replace_under(
            "/scene/lights",
            vec![
                ParamSpec::float(
                    addr("/scene/lights/key/intensity"),
                    1000.0,
                    0.0,
                    5000.0,
                    "lm",
                ),
                ParamSpec::color(addr("/scene/lights/key/color"), [0.0, 1.0, 0.0]),
                ParamSpec::float(addr("/scene/lights/fill/intensity"), 5.0, 0.0, 10.0, "lm"),
            ],
        );
        assert!(removed.is_empty());
        assert_eq!(
            r.get("/scene/lights/key/intensity"),
            Ok(&ParamValue::Float(42.0))
        );
        assert_eq!(
            r.get("/scene/lights/key/color"),
            Ok(&ParamValue::Color([0.0, 1.0, 0.0]))
        );
        assert_eq!(
            r.get("/scene/lights/fill/intensity"),
            Ok(&ParamValue::Float(5.0))
        );
        let removed = r.replace_under("/scene/lights", vec![]);
        assert_eq!(removed.len(), 3);
        assert!(r.get("/scene/entities/rock/visible").is_ok());
    }

    proptest! {
        #[test]
        fn any_float_set_lands_in_range(v in proptest::num::f32::ANY) {
            let mut r = registry();
            match r.set("/scene/lights/key/intensity", ParamValue::Float(v)) {
                Ok(ParamValue::Float(x)) => prop_assert!((0.0..=5000.0).contains(&x)),
                Ok(other) => prop_assert!(false, "unexpected {other:?}"),
                Err(e) => prop_assert!(!v.is_finite(), "finite {v} refused: {e}"),
            }
        }

        #[test]
        fn arbitrary_addresses_never_panic(s in ".{0,40}") {
            let mut r = registry();
            let _ = r.set(&s, ParamValue::Float(1.0));
            let _ = ParamAddress::new(s);
        }
    }
}
