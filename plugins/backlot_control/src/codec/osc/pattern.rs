//! OSC address patterns, compiled once and matched without recursion or backtracking.
//!
//! A pattern is split into parts at `/`; each part becomes tokens (literal bytes, `?`, `*`,
//! sets `[a-z]` / `[!a-z]`, alternations `{foo,bar}`) and an empty part (OSC 1.1's `//`)
//! matches any number of address parts. Matching walks the address once per pattern token
//! with the set of positions reached so far (a bitset), and the address parts once with
//! the set of pattern parts reached: the work is at most pattern length × address length,
//! whatever the pattern. Patterns come off the wire, so their length and wildcard count
//! are capped and a pattern past a cap is refused, with its reason, before any matching.

use thiserror::Error;

/// Longest pattern accepted, in bytes.
pub const MAX_PATTERN_LEN: usize = 256;
/// Most wildcards in one pattern: `*` runs, `?`, sets, alternations and `//`.
pub const MAX_WILDCARDS: usize = 32;

/// Why a pattern is refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PatternError {
    /// Longer than [`MAX_PATTERN_LEN`].
    #[error("pattern of {len} bytes is longer than the {MAX_PATTERN_LEN} accepted")]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// More wildcards than [`MAX_WILDCARDS`].
    #[error("pattern has {count} wildcards, more than the {MAX_WILDCARDS} accepted")]
    TooManyWildcards {
        /// How many it has.
        count: usize,
    },
    /// A `[` or `{` without its `]` or `}` in the same part (such a pattern matches nothing).
    #[error("pattern has an unclosed `{open}` at byte {at}")]
    Unclosed {
        /// `[` or `{`.
        open: char,
        /// Its byte offset in the pattern.
        at: usize,
    },
}

/// One step of a part.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// This byte.
    Byte(u8),
    /// Any one byte in the class (a 256-bit set): `?` and `[...]`.
    Class([u64; 4]),
    /// Any run of bytes (repeated `*` merged).
    Star,
    /// One of these byte strings.
    Alt(Vec<Vec<u8>>),
}

/// One `/`-separated part of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// An empty part (`//`): any number of address parts.
    AnyParts,
    /// Exactly these bytes.
    Literal(Vec<u8>),
    /// Tokens, with the shortest and (when there is no `*`) longest input they can match.
    Tokens {
        tokens: Vec<Token>,
        min: usize,
        max: Option<usize>,
    },
}

/// Pattern parts a [`Pattern`] can have: one per `/` in at most [`MAX_PATTERN_LEN`] bytes,
/// plus the state past the last part, in 64-bit words.
const STATE_WORDS: usize = (MAX_PATTERN_LEN + 1).div_ceil(64);

/// A compiled OSC address pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    parts: Vec<Part>,
}

impl Pattern {
    /// Compiles a pattern, refusing one that is too long, has too many wildcards or an
    /// unclosed `[` or `{`. As with addresses, what comes before the first `/` is not a part.
    pub fn compile(pattern: &str) -> Result<Self, PatternError> {
        if pattern.len() > MAX_PATTERN_LEN {
            return Err(PatternError::TooLong { len: pattern.len() });
        }
        let Some(first) = pattern.find('/') else {
            return Ok(Self { parts: Vec::new() });
        };
        let mut parts = Vec::new();
        let mut wildcards = 0;
        let mut offset = first + 1;
        for segment in pattern[first + 1..].split('/') {
            let part = compile_part(segment.as_bytes(), offset, &mut wildcards)?;
            offset += segment.len() + 1;
            // `///` is `//`: any number of parts twice over is still any number.
            if part == Part::AnyParts && parts.last() == Some(&Part::AnyParts) {
                continue;
            }
            if part == Part::AnyParts {
                wildcards += 1;
            }
            parts.push(part);
        }
        if wildcards > MAX_WILDCARDS {
            return Err(PatternError::TooManyWildcards { count: wildcards });
        }
        Ok(Self { parts })
    }

    /// Whether the pattern matches `address`: parts line up one for one, except that `//`
    /// takes any number of address parts.
    pub fn matches(&self, address: &str) -> bool {
        let last = self.parts.len();
        // The pattern parts reached after the address parts so far (bit `last`: all of them).
        let mut reached = [0u64; STATE_WORDS];
        set(&mut reached, 0);
        self.close(&mut reached);
        for segment in address.split('/').skip(1) {
            let s = segment.as_bytes();
            let mut next = [0u64; STATE_WORDS];
            for i in ones(&reached) {
                match self.parts.get(i) {
                    Some(Part::AnyParts) => set(&mut next, i),
                    Some(part) if part_matches(part, s) => set(&mut next, i + 1),
                    _ => {}
                }
            }
            self.close(&mut next);
            if next == [0; STATE_WORDS] {
                return false;
            }
            reached = next;
        }
        get(&reached, last)
    }

    /// Reaching a `//` also reaches the part after it, which can take zero address parts.
    fn close(&self, reached: &mut [u64; STATE_WORDS]) {
        for (i, part) in self.parts.iter().enumerate() {
            if *part == Part::AnyParts && get(reached, i) {
                set(reached, i + 1);
            }
        }
    }
}

/// Whether a pattern matches an address; a pattern that does not compile matches nothing.
pub fn pattern_matches(pattern: &str, address: &str) -> bool {
    Pattern::compile(pattern).is_ok_and(|p| p.matches(address))
}

fn compile_part(p: &[u8], offset: usize, wildcards: &mut usize) -> Result<Part, PatternError> {
    if p.is_empty() {
        return Ok(Part::AnyParts);
    }
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            b'*' => {
                if tokens.last() != Some(&Token::Star) {
                    tokens.push(Token::Star);
                    *wildcards += 1;
                }
                i += 1;
            }
            b'?' => {
                tokens.push(Token::Class([u64::MAX; 4]));
                *wildcards += 1;
                i += 1;
            }
            b'[' => {
                let end = closing(p, i, b']', offset)?;
                tokens.push(Token::Class(class(&p[i + 1..end])));
                *wildcards += 1;
                i = end + 1;
            }
            b'{' => {
                let end = closing(p, i, b'}', offset)?;
                let alts = p[i + 1..end].split(|c| *c == b',').map(<[u8]>::to_vec);
                tokens.push(Token::Alt(alts.collect()));
                *wildcards += 1;
                i = end + 1;
            }
            c => {
                tokens.push(Token::Byte(c));
                i += 1;
            }
        }
    }
    if tokens.iter().all(|t| matches!(t, Token::Byte(_))) {
        return Ok(Part::Literal(p.to_vec()));
    }
    let (mut min, mut max) = (0usize, Some(0usize));
    for t in &tokens {
        let (lo, hi) = match t {
            Token::Byte(_) | Token::Class(_) => (1, Some(1)),
            Token::Star => (0, None),
            Token::Alt(alts) => (
                alts.iter().map(Vec::len).min().unwrap_or(0),
                alts.iter().map(Vec::len).max(),
            ),
        };
        min += lo;
        max = max.zip(hi).map(|(a, b)| a + b);
    }
    Ok(Part::Tokens { tokens, min, max })
}

/// The index of the first `close` after the opener at `open`, within the part.
fn closing(p: &[u8], open: usize, close: u8, offset: usize) -> Result<usize, PatternError> {
    let unclosed = PatternError::Unclosed {
        open: char::from(p[open]),
        at: offset + open,
    };
    p[open + 1..]
        .iter()
        .position(|c| *c == close)
        .map(|n| open + 1 + n)
        .ok_or(unclosed)
}

/// The bytes a set's contents stand for: `abc`, ranges `a-z`, `!` first to negate. A
/// reversed range matches nothing; a `-` first or last is itself.
fn class(set: &[u8]) -> [u64; 4] {
    let (negate, set) = match set.split_first() {
        Some((b'!', rest)) => (true, rest),
        _ => (false, set),
    };
    let mut bits = [0u64; 4];
    let mut add = |c: u8| bits[usize::from(c / 64)] |= 1u64 << (c % 64);
    let mut i = 0;
    while i < set.len() {
        if i + 2 < set.len() && set[i + 1] == b'-' {
            for c in set[i]..=set[i + 2] {
                add(c);
            }
            i += 3;
        } else {
            add(set[i]);
            i += 1;
        }
    }
    if negate {
        bits = bits.map(|w| !w);
    }
    bits
}

fn in_class(bits: &[u64; 4], c: u8) -> bool {
    bits[usize::from(c / 64)] & (1u64 << (c % 64)) != 0
}

fn part_matches(part: &Part, s: &[u8]) -> bool {
    match part {
        Part::AnyParts => true,
        Part::Literal(l) => l.as_slice() == s,
        Part::Tokens { tokens, min, max } => {
            if s.len() < *min || max.is_some_and(|m| s.len() > m) {
                return false;
            }
            // Positions 0..=len; address parts are short, so this is nearly always on the stack.
            let words = (s.len() + 1).div_ceil(64);
            if words <= 4 {
                let (mut a, mut b) = ([0u64; 4], [0u64; 4]);
                tokens_match(tokens, s, &mut a[..words], &mut b[..words])
            } else {
                let (mut a, mut b) = (vec![0u64; words], vec![0u64; words]);
                tokens_match(tokens, s, &mut a, &mut b)
            }
        }
    }
}

/// Each token once over the positions reached so far: a position is reached after a token
/// when the token can take the bytes from an earlier reached position up to it.
fn tokens_match(tokens: &[Token], s: &[u8], a: &mut [u64], b: &mut [u64]) -> bool {
    let (mut reached, mut next) = (a, b);
    reached.fill(0);
    set(reached, 0);
    for token in tokens {
        next.fill(0);
        match token {
            Token::Star => {
                // Every position from the first one reached.
                let Some(first) = ones(reached).next() else {
                    return false;
                };
                for j in first..=s.len() {
                    set(next, j);
                }
            }
            Token::Byte(c) => {
                for j in ones(reached) {
                    if s.get(j) == Some(c) {
                        set(next, j + 1);
                    }
                }
            }
            Token::Class(bits) => {
                for j in ones(reached) {
                    if s.get(j).is_some_and(|c| in_class(bits, *c)) {
                        set(next, j + 1);
                    }
                }
            }
            Token::Alt(alts) => {
                for j in ones(reached) {
                    for alt in alts {
                        if s[j..].starts_with(alt) {
                            set(next, j + alt.len());
                        }
                    }
                }
            }
        }
        std::mem::swap(&mut reached, &mut next);
        if reached.iter().all(|w| *w == 0) {
            return false;
        }
    }
    get(reached, s.len())
}

fn set(bits: &mut [u64], i: usize) {
    bits[i / 64] |= 1u64 << (i % 64);
}

fn get(bits: &[u64], i: usize) -> bool {
    bits.get(i / 64)
        .is_some_and(|w| *w & (1u64 << (i % 64)) != 0)
}

/// The set bits, lowest first.
fn ones(bits: &[u64]) -> impl Iterator<Item = usize> + '_ {
    bits.iter().enumerate().flat_map(|(w, word)| {
        let mut rest = *word;
        std::iter::from_fn(move || {
            (rest != 0).then(|| {
                let bit = rest.trailing_zeros() as usize;
                rest &= rest - 1;
                w * 64 + bit
            })
        })
    })
}

#[cfg(test)]
#[path = "pattern_tests.rs"]
mod tests;
