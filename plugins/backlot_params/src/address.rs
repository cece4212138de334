//! Parameter addresses: OSC-style paths such as `/scene/lights/key/intensity`.

use std::fmt;

use crate::ParamError;

/// A validated parameter address: starts with `/`, segments of `[A-Za-z0-9_.-]`, no empty segment.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ParamAddress(String);

impl ParamAddress {
    /// Validates and wraps an address.
    pub fn new(address: impl Into<String>) -> Result<Self, ParamError> {
        let address = address.into();
        let valid = address.len() > 1
            && address.starts_with('/')
            && address[1..].split('/').all(|segment| {
                !segment.is_empty()
                    && segment
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            });
        if valid {
            Ok(Self(address))
        } else {
            Err(ParamError::InvalidAddress(address))
        }
    }

    /// Builds `/<a>/<b>/…` from segments, turning characters an address cannot hold into `_`.
    pub fn from_segments<'a>(
        segments: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, ParamError> {
        let mut out = String::new();
        for segment in segments {
            out.push('/');
            out.push_str(&sanitize_segment(segment));
        }
        Self::new(out)
    }

    /// Like [`ParamAddress::from_segments`], but never fails: empty segments become `_`
    /// (for owners building addresses from already-validated names).
    pub fn from_segments_lossy<'a>(segments: impl IntoIterator<Item = &'a str>) -> Self {
        let mut out = String::new();
        for segment in segments {
            out.push('/');
            let clean = sanitize_segment(segment);
            out.push_str(if clean.is_empty() { "_" } else { &clean });
        }
        if out.is_empty() {
            out.push_str("/_");
        }
        Self(out)
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when this address is `prefix` itself or lies below it.
    pub fn is_under(&self, prefix: &str) -> bool {
        let prefix = prefix.trim_end_matches('/');
        self.0 == prefix || (self.0.starts_with(prefix) && self.0[prefix.len()..].starts_with('/'))
    }
}

/// Replaces characters not allowed in an address segment (spaces, `#`, `/` …) with `_`.
pub fn sanitize_segment(segment: &str) -> String {
    segment
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

impl fmt::Display for ParamAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

// Lets maps keyed by address be looked up with a plain `&str`; Ord/Hash agree with `String`'s.
impl std::borrow::Borrow<str> for ParamAddress {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for ParamAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_rejects() {
        assert!(ParamAddress::new("/scene/lights/key/intensity").is_ok());
        for bad in ["", "/", "scene", "/scene//x", "/scene/a b", "/scene/"] {
            assert!(ParamAddress::new(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn lossy_segments_always_valid() {
        for segs in [vec![], vec![""], vec!["a", "", "b c"]] {
            let a = ParamAddress::from_segments_lossy(segs.iter().copied());
            assert!(ParamAddress::new(a.as_str()).is_ok(), "{a}");
        }
    }

    #[test]
    fn segments_are_sanitized() {
        let a = ParamAddress::from_segments(["scene", "entities", "neon sign #2"]).unwrap();
        assert_eq!(a.as_str(), "/scene/entities/neon_sign__2");
        assert!(a.is_under("/scene/entities"));
        assert!(a.is_under("/scene/"));
        assert!(!a.is_under("/scene/ent"));
    }
}
