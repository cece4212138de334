//! OSC address patterns against the registry at a bounded cost per frame.
//!
//! A pattern is matched against every parameter address, on the frame thread. Each one is
//! compiled once per message; what a pattern matched is cached (a surface usually repeats
//! the same few patterns) until the registry's addresses change; and only
//! [`NEW_PATTERNS_PER_FRAME`] uncached patterns are evaluated per frame, the rest dropped
//! and counted. Binding patterns from the map file are compiled once per change of map.

use std::collections::HashMap;
use std::sync::Arc;

use backlot_params::{ParamAddress, ParamRegistry};
use thiserror::Error;

use crate::codec::osc::{Pattern, PatternError};
use crate::format::OscBinding;

/// Patterns whose matches are kept; when full the cache starts again (cheap, and an
/// attacker cycling patterns meets the per-frame budget either way).
pub const CACHED_PATTERNS: usize = 64;
/// Addresses kept across all cached patterns, before the cache starts again.
pub const CACHED_ADDRESSES: usize = 1 << 16;
/// Uncached patterns evaluated against the registry per frame; more are dropped.
pub const NEW_PATTERNS_PER_FRAME: usize = 32;
/// Most characters of a sender's address shown in a monitor line.
const SHOWN_CHARS: usize = 80;

/// Why a pattern from a sender set nothing.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ResolveError {
    /// The pattern itself is refused.
    #[error(transparent)]
    Pattern(#[from] PatternError),
    /// Too many new patterns this frame.
    #[error("dropped: over this frame's budget of {NEW_PATTERNS_PER_FRAME} new patterns")]
    OverBudget,
}

/// Compiled bindings, cached pattern matches and this frame's budget.
#[derive(Debug, Default)]
pub(crate) struct OscPatterns {
    /// Each binding's address and its compiled pattern (`None`: refused, matches nothing).
    bindings: Vec<(String, Option<Pattern>)>,
    /// Pattern → the parameters it matches, valid for registry addresses generation `shape`.
    cache: HashMap<String, Arc<[ParamAddress]>>,
    cached_addresses: usize,
    shape: u64,
    /// Uncached patterns evaluated this frame.
    spent: usize,
    refused: u64,
    over_budget: u64,
}

impl OscPatterns {
    /// Starts a frame: recompiles bindings if the map changed, forgets matches if the
    /// registry's addresses changed, and renews the budget.
    pub(crate) fn begin_frame(&mut self, bindings: &[OscBinding], registry: &ParamRegistry) {
        let same = self.bindings.len() == bindings.len()
            && self
                .bindings
                .iter()
                .zip(bindings)
                .all(|((address, _), b)| *address == b.address);
        if !same {
            self.bindings = bindings
                .iter()
                .map(|b| {
                    let compiled = match Pattern::compile(&b.address) {
                        Ok(p) => Some(p),
                        Err(e) => {
                            tracing::warn!(
                                "OSC binding `{}` matches nothing: {e}",
                                shown(&b.address)
                            );
                            None
                        }
                    };
                    (b.address.clone(), compiled)
                })
                .collect();
        }
        if registry.addresses_generation() != self.shape {
            self.clear();
            self.shape = registry.addresses_generation();
        }
        self.spent = 0;
    }

    /// Whether binding `i` (in the order given to [`OscPatterns::begin_frame`]) takes
    /// messages to `address`.
    pub(crate) fn binding_matches(&self, i: usize, address: &str) -> bool {
        self.bindings
            .get(i)
            .and_then(|(_, p)| p.as_ref())
            .is_some_and(|p| p.matches(address))
    }

    /// The parameters a sender's pattern matches, from the cache or, within this frame's
    /// budget, by matching every address once.
    pub(crate) fn resolve(
        &mut self,
        pattern: &str,
        registry: &ParamRegistry,
    ) -> Result<Arc<[ParamAddress]>, ResolveError> {
        if let Some(hits) = self.cache.get(pattern) {
            return Ok(hits.clone());
        }
        // Refusing is bounded by the pattern cap, so it is not cached or budgeted.
        let compiled = Pattern::compile(pattern).inspect_err(|_| self.refused += 1)?;
        if self.spent >= NEW_PATTERNS_PER_FRAME {
            self.over_budget += 1;
            return Err(ResolveError::OverBudget);
        }
        self.spent += 1;
        let hits: Arc<[ParamAddress]> = registry
            .iter()
            .filter(|e| compiled.matches(e.spec.address.as_str()))
            .map(|e| e.spec.address.clone())
            .collect();
        if self.cache.len() >= CACHED_PATTERNS
            || self.cached_addresses + hits.len() > CACHED_ADDRESSES
        {
            self.clear();
        }
        self.cached_addresses += hits.len();
        self.cache.insert(pattern.to_string(), hits.clone());
        Ok(hits)
    }

    fn clear(&mut self) {
        self.cache.clear();
        self.cached_addresses = 0;
    }

    /// Sender patterns refused (too long, too many wildcards, unclosed).
    pub(crate) fn refused(&self) -> u64 {
        self.refused
    }

    /// Sender patterns dropped over a frame's budget.
    pub(crate) fn over_budget(&self) -> u64 {
        self.over_budget
    }

    /// Patterns cached now.
    #[cfg(test)]
    pub(crate) fn cached(&self) -> usize {
        self.cache.len()
    }
}

/// An address as a monitor line shows it: addresses come off the wire, up to a datagram
/// long, so long ones are cut.
pub(crate) fn shown(address: &str) -> String {
    match address.char_indices().nth(SHOWN_CHARS) {
        Some((cut, _)) => format!("{}…", &address[..cut]),
        None => address.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use backlot_params::ParamSpec;

    fn registry(n: usize) -> ParamRegistry {
        let mut r = ParamRegistry::default();
        for i in 0..n {
            let address =
                ParamAddress::new(format!("/scene/lights/l{i}/intensity")).expect("an address");
            r.register(ParamSpec::float(address, 0.0, 0.0, 1.0, ""))
                .expect("registered");
        }
        r
    }

    #[test]
    fn patterns_are_cached_until_addresses_change_and_budgeted_per_frame() {
        let mut r = registry(100);
        let mut p = OscPatterns::default();
        p.begin_frame(&[], &r);
        let hits = p
            .resolve("/scene/lights/l1*/intensity", &r)
            .expect("resolved");
        // l1, l10..l19
        assert_eq!(hits.len(), 11);
        for i in 1..NEW_PATTERNS_PER_FRAME {
            p.resolve(&format!("/scene/lights/l{i}?/*"), &r)
                .expect("within budget");
        }
        assert_eq!(
            p.resolve("/scene/lights/*/x", &r),
            Err(ResolveError::OverBudget)
        );
        // Cached patterns still apply over budget.
        assert_eq!(
            p.resolve("/scene/lights/l1*/intensity", &r)
                .map(|h| h.len()),
            Ok(11)
        );
        assert!(matches!(
            p.resolve(&format!("/{}", "*".repeat(300)), &r),
            Err(ResolveError::Pattern(PatternError::TooLong { .. }))
        ));
        assert_eq!((p.refused(), p.over_budget()), (1, 1));
        // A new frame renews the budget; a new parameter invalidates what was cached.
        r.register(ParamSpec::float(
            ParamAddress::new("/scene/lights/l1x/intensity").expect("an address"),
            0.0,
            0.0,
            1.0,
            "",
        ))
        .expect("registered");
        p.begin_frame(&[], &r);
        assert_eq!(p.cached(), 0);
        assert_eq!(
            p.resolve("/scene/lights/l1*/intensity", &r)
                .map(|h| h.len()),
            Ok(12)
        );
        // Values changing leave the cache alone.
        r.set(
            "/scene/lights/l1/intensity",
            backlot_params::ParamValue::Float(0.5),
        )
        .expect("set");
        p.begin_frame(&[], &r);
        assert_eq!(p.cached(), 1);
    }

    #[test]
    fn the_cache_stays_bounded() {
        let r = registry(10);
        let mut p = OscPatterns::default();
        for frame in 0..10 {
            p.begin_frame(&[], &r);
            for i in 0..NEW_PATTERNS_PER_FRAME {
                let _ = p.resolve(&format!("/scene/*/l{frame}{i}*/*"), &r);
                assert!(p.cached() <= CACHED_PATTERNS);
            }
        }
        assert_eq!(p.over_budget(), 0);
    }

    #[test]
    fn long_addresses_are_cut_for_the_monitor() {
        assert_eq!(shown("/a/b"), "/a/b");
        let long = "é".repeat(10_000);
        let cut = shown(&long);
        assert_eq!(cut.chars().count(), SHOWN_CHARS + 1);
        assert!(cut.ends_with('…'));
    }
}
