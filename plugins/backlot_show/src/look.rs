//! Looks: named sets of parameter values, stored from the live state (all of it, or what
//! matches address patterns), with the versions they replaced and an approval mark.

use std::collections::BTreeMap;
use std::sync::Arc;

use backlot_params::{ParamKind, ParamRegistry, ParamValue};
use serde::{Deserialize, Serialize};

use crate::pattern::AddressPattern;

/// A look's values by parameter address. Colours are sRGB, as [`ParamValue`] holds them.
pub type LookValues = BTreeMap<String, ParamValue>;

/// How many earlier versions a look keeps; storing past this forgets the oldest.
pub const MAX_VERSIONS: usize = 16;

/// How many looks a show holds; storing a new look past this is refused.
pub const MAX_LOOKS: usize = 1024;

/// An earlier version of a look.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookVersion {
    /// Its values (shared: a fade plays them and the undo history keeps them uncopied).
    #[serde(with = "crate::shared")]
    pub values: Arc<LookValues>,
    /// Whether it was approved when it was replaced.
    #[serde(default)]
    pub approved: bool,
}

/// A named set of parameter values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Look {
    /// Unique in its show.
    pub name: String,
    /// The values it sets (only these: a look leaves every other parameter as it is);
    /// shared: a fade plays them and the undo history keeps them uncopied.
    #[serde(with = "crate::shared")]
    pub values: Arc<LookValues>,
    /// Marked good by whoever signs the look off; storing over it clears the mark.
    #[serde(default)]
    pub approved: bool,
    /// What storing over it replaced, oldest first, at most [`MAX_VERSIONS`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<LookVersion>,
}

/// A look, or one of its earlier versions: what a recall or an A/B compare plays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookRef {
    /// The look's name.
    pub look: String,
    /// 0: the look as it is; 1: the version before; and so on.
    #[serde(default)]
    pub back: usize,
}

impl LookRef {
    /// The look as it is now.
    pub fn current(look: impl Into<String>) -> Self {
        Self {
            look: look.into(),
            back: 0,
        }
    }
}

impl Look {
    /// A new, unapproved look without history.
    pub fn new(name: impl Into<String>, values: LookValues) -> Self {
        Self {
            name: name.into(),
            values: Arc::new(values),
            approved: false,
            versions: Vec::new(),
        }
    }

    /// Stores `values` over the look: the values it had become its newest earlier version
    /// (the oldest is forgotten past [`MAX_VERSIONS`]) and the approval is cleared, since
    /// what was approved is no longer what it holds. Storing what it already holds changes
    /// nothing; returns whether anything changed.
    pub fn store(&mut self, values: LookValues) -> bool {
        if values == *self.values {
            return false;
        }
        let previous = LookVersion {
            values: std::mem::replace(&mut self.values, Arc::new(values)),
            approved: std::mem::replace(&mut self.approved, false),
        };
        self.push_version(previous);
        true
    }

    /// Brings back the version `back` steps before the current one (1: the previous); the
    /// current values become the newest version, so a restore can be undone by another.
    /// False when there is no such version.
    pub fn restore(&mut self, back: usize) -> bool {
        let Some(index) = self.version_index(back) else {
            return false;
        };
        let restored = self.versions.remove(index);
        let previous = LookVersion {
            values: std::mem::replace(&mut self.values, restored.values),
            approved: std::mem::replace(&mut self.approved, restored.approved),
        };
        self.push_version(previous);
        true
    }

    /// The values `back` steps back (0: the current ones).
    pub fn values_at(&self, back: usize) -> Option<&Arc<LookValues>> {
        if back == 0 {
            return Some(&self.values);
        }
        self.version_index(back).map(|i| &self.versions[i].values)
    }

    fn version_index(&self, back: usize) -> Option<usize> {
        if back == 0 {
            return None;
        }
        self.versions.len().checked_sub(back)
    }

    fn push_version(&mut self, version: LookVersion) {
        self.versions.push(version);
        if self.versions.len() > MAX_VERSIONS {
            let excess = self.versions.len() - MAX_VERSIONS;
            self.versions.drain(..excess);
        }
    }
}

/// The look called `name` among `looks`.
pub fn find<'a>(looks: &'a [Look], name: &str) -> Option<&'a Look> {
    looks.iter().find(|l| l.name == name)
}

/// The live values a look stores: every parameter matching any of `patterns` (every one
/// when there are none), except read-only status values (nothing could play them back),
/// triggers (they hold no state to store) and the show's own parameters (`/show/<list>/goto`
/// says where a list was sent, not what the stage looks like).
pub fn capture(registry: &ParamRegistry, patterns: &[AddressPattern]) -> LookValues {
    registry
        .iter()
        .filter(|e| !e.spec.read_only && e.spec.kind != ParamKind::Trigger)
        .filter(|e| !e.spec.address.is_under(crate::status::PREFIX))
        .filter(|e| {
            patterns.is_empty() || patterns.iter().any(|p| p.matches(e.spec.address.as_str()))
        })
        .map(|e| (e.spec.address.to_string(), e.value.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use backlot_params::{ParamAddress, ParamSpec};

    fn registry() -> ParamRegistry {
        let mut r = ParamRegistry::default();
        let a = |s: &str| ParamAddress::new(s).expect("address");
        for spec in [
            ParamSpec::float(a("/scene/lights/key/intensity"), 100.0, 0.0, 1000.0, "lm"),
            ParamSpec::color(a("/scene/lights/key/color"), [1.0, 0.5, 0.2]),
            ParamSpec::float(a("/scene/fog/density"), 0.1, 0.0, 1.0, ""),
            ParamSpec::trigger(a("/scene/physics/reset")),
            ParamSpec::float(a("/status/fps"), 0.0, 0.0, 1000.0, "Hz").read_only(),
        ] {
            r.register(spec).expect("register");
        }
        r
    }

    fn values(pairs: &[(&str, f32)]) -> LookValues {
        pairs
            .iter()
            .map(|(a, v)| (a.to_string(), ParamValue::Float(*v)))
            .collect()
    }

    #[test]
    fn capture_takes_what_matches_and_never_status_or_triggers() {
        let r = registry();
        let all = capture(&r, &[]);
        let keys: Vec<&str> = all.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "/scene/fog/density",
                "/scene/lights/key/color",
                "/scene/lights/key/intensity"
            ]
        );
        let lights = AddressPattern::new("/scene/lights/**").expect("pattern");
        let some = capture(&r, &[lights]);
        assert_eq!(some.len(), 2);
        assert_eq!(
            some.get("/scene/lights/key/color"),
            Some(&ParamValue::Color([1.0, 0.5, 0.2]))
        );
    }

    #[test]
    fn storing_keeps_bounded_versions_and_clears_approval() {
        let mut look = Look::new("a", values(&[("/x", 0.0)]));
        look.approved = true;
        assert!(
            !look.store(values(&[("/x", 0.0)])),
            "same values: nothing new"
        );
        assert!(look.approved);
        assert!(look.store(values(&[("/x", 1.0)])));
        assert!(!look.approved, "a changed look needs approving again");
        assert_eq!(look.versions.len(), 1);
        assert!(look.versions[0].approved, "the old version keeps its mark");
        for i in 2..40 {
            look.store(values(&[("/x", i as f32)]));
        }
        assert_eq!(look.versions.len(), MAX_VERSIONS);
        assert_eq!(
            look.values_at(0).map(|v| &**v),
            Some(&values(&[("/x", 39.0)]))
        );
        assert_eq!(
            look.values_at(1).map(|v| &**v),
            Some(&values(&[("/x", 38.0)]))
        );
        assert_eq!(
            look.values_at(MAX_VERSIONS).map(|v| &**v),
            Some(&values(&[("/x", (39 - MAX_VERSIONS) as f32)]))
        );
        assert_eq!(look.values_at(MAX_VERSIONS + 1), None);
    }

    #[test]
    fn restoring_a_version_can_be_undone() {
        let mut look = Look::new("a", values(&[("/x", 0.0)]));
        look.store(values(&[("/x", 1.0)]));
        look.store(values(&[("/x", 2.0)]));
        assert!(look.restore(2));
        assert_eq!(*look.values, values(&[("/x", 0.0)]));
        assert!(
            look.restore(1),
            "the values before the restore are the newest version"
        );
        assert_eq!(*look.values, values(&[("/x", 2.0)]));
        assert!(!look.restore(0));
        assert!(!look.restore(99));
    }
}
