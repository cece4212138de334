//! Which parameters a look stores: address patterns such as `/scene/lights/**` or
//! `/scene/entities/neon_*/emissive`.
//!
//! backlot_params has no matcher and backlot_control's OSC pattern compiler is private to
//! that crate (and matches OSC 1.1 syntax, where `//` is the any-depth wildcard, not the
//! `**` people write for "everything below"), so this is a small glob of its own: `**` is a
//! whole segment matching any number of segments (none included), `*` matches any run of
//! characters inside one segment. Matching is a table over pattern × address segments and,
//! inside a segment, the classic two-pointer glob: bounded by the product of the lengths,
//! and patterns are capped in length, so no pattern can make a store slow.

use std::fmt;

/// Longest pattern accepted, in bytes.
pub const MAX_PATTERN_LEN: usize = 256;

/// A checked address pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressPattern {
    text: String,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// `**`: any number of segments.
    Any,
    /// A segment glob, `*` inside.
    Glob(String),
}

/// Why a pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// Not `/` followed by segments.
    #[error("pattern `{0}` must start with `/` and have no empty segment")]
    Shape(String),
    /// Longer than [`MAX_PATTERN_LEN`].
    #[error("pattern of {0} bytes is longer than the {MAX_PATTERN_LEN} accepted")]
    TooLong(usize),
    /// A character an address cannot hold.
    #[error("pattern `{pattern}` has `{found}`; use letters, digits, `_`, `-`, `.`, `*` and `**`")]
    Character {
        /// The pattern.
        pattern: String,
        /// What it has.
        found: char,
    },
}

impl AddressPattern {
    /// Checks and compiles a pattern.
    pub fn new(text: &str) -> Result<Self, PatternError> {
        if text.len() > MAX_PATTERN_LEN {
            return Err(PatternError::TooLong(text.len()));
        }
        let Some(body) = text.strip_prefix('/') else {
            return Err(PatternError::Shape(text.to_string()));
        };
        if let Some(found) = text
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '*' | '/')))
        {
            return Err(PatternError::Character {
                pattern: text.to_string(),
                found,
            });
        }
        let mut segments = Vec::new();
        for part in body.split('/') {
            match part {
                "" => return Err(PatternError::Shape(text.to_string())),
                "**" => {
                    // `**/**` means what `**` does; one keeps the table small.
                    if segments.last() != Some(&Segment::Any) {
                        segments.push(Segment::Any);
                    }
                }
                glob => segments.push(Segment::Glob(glob.to_string())),
            }
        }
        Ok(Self {
            text: text.to_string(),
            segments,
        })
    }

    /// Whether `address` (`/a/b/c`) matches.
    pub fn matches(&self, address: &str) -> bool {
        let Some(body) = address.strip_prefix('/') else {
            return false;
        };
        let parts: Vec<&str> = body.split('/').collect();
        // reach[j]: the pattern's first i segments can match the address's first j parts.
        let mut reach = vec![false; parts.len() + 1];
        reach[0] = true;
        for segment in &self.segments {
            let mut next = vec![false; parts.len() + 1];
            match segment {
                Segment::Any => {
                    let mut any = false;
                    for (j, r) in reach.iter().enumerate() {
                        any |= *r;
                        next[j] = any;
                    }
                }
                Segment::Glob(glob) => {
                    for (j, part) in parts.iter().enumerate() {
                        next[j + 1] = reach[j] && glob_matches(glob.as_bytes(), part.as_bytes());
                    }
                }
            }
            reach = next;
        }
        reach[parts.len()]
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for AddressPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// `*` matches any run of bytes; everything else itself.
fn glob_matches(glob: &[u8], text: &[u8]) -> bool {
    let (mut g, mut t) = (0, 0);
    // The last `*` seen and the text position it was tried at.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if g < glob.len() && glob[g] == b'*' {
            star = Some((g, t));
            g += 1;
        } else if g < glob.len() && glob[g] == text[t] {
            g += 1;
            t += 1;
        } else if let Some((sg, st)) = star {
            // Let the last star take one more byte and try again from there.
            g = sg + 1;
            t = st + 1;
            star = Some((sg, st + 1));
        } else {
            return false;
        }
    }
    glob[g..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(pattern: &str, address: &str) -> bool {
        AddressPattern::new(pattern)
            .expect("a valid pattern")
            .matches(address)
    }

    #[test]
    fn double_star_is_any_depth_single_star_one_segment() {
        assert!(m("/scene/lights/**", "/scene/lights/key/intensity"));
        assert!(m("/scene/lights/**", "/scene/lights/key"));
        assert!(
            m("/scene/lights/**", "/scene/lights"),
            "** matches no segment too"
        );
        assert!(!m("/scene/lights/**", "/scene/fog/density"));
        assert!(m(
            "/scene/lights/*/intensity",
            "/scene/lights/key/intensity"
        ));
        assert!(!m(
            "/scene/lights/*/intensity",
            "/scene/lights/key/x/intensity"
        ));
        assert!(m("/**/intensity", "/scene/lights/key/intensity"));
        assert!(m(
            "/scene/entities/neon_*/emissive",
            "/scene/entities/neon_ring/emissive"
        ));
        assert!(!m(
            "/scene/entities/neon_*/emissive",
            "/scene/entities/floor/emissive"
        ));
        assert!(m("/scene/*_*/x", "/scene/a_b_c/x"));
        assert!(m("/**", "/anything/at/all"));
        assert!(m("/scene/fog/density", "/scene/fog/density"));
        assert!(!m("/scene/fog/density", "/scene/fog/density/x"));
        assert!(!m("/scene/fog", "scene/fog"));
    }

    #[test]
    fn bad_patterns_are_refused_with_their_reason() {
        assert!(matches!(
            AddressPattern::new("scene/**"),
            Err(PatternError::Shape(_))
        ));
        assert!(matches!(
            AddressPattern::new("/scene//x"),
            Err(PatternError::Shape(_))
        ));
        assert!(matches!(
            AddressPattern::new("/scene/[ab]"),
            Err(PatternError::Character { found: '[', .. })
        ));
        let long = format!("/{}", "a".repeat(MAX_PATTERN_LEN));
        assert!(matches!(
            AddressPattern::new(&long),
            Err(PatternError::TooLong(_))
        ));
    }

    proptest! {
        #[test]
        fn an_address_matches_itself_and_everything_below_matches_double_star(
            segs in proptest::collection::vec("[a-z_]{1,6}", 1..6),
        ) {
            let address = format!("/{}", segs.join("/"));
            prop_assert!(m(&address, &address));
            let below = format!("/{}/**", segs[0]);
            prop_assert!(m(&below, &address));
            prop_assert!(m("/**", &address));
        }

        #[test]
        fn any_pattern_against_any_address_never_panics(
            pattern in "[/a*]{0,20}",
            address in "[/a]{0,20}",
        ) {
            if let Ok(p) = AddressPattern::new(&pattern) {
                let _ = p.matches(&address);
            }
        }
    }
}
