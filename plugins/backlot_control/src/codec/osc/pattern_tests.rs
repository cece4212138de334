//! Pattern matching agrees with the recursive matcher it replaced, refuses what it must with
//! its reason, and answers star storms without blowing up.

use super::*;
use proptest::prelude::*;

/// The matcher this one replaced: recursive, exponential in `*`s, the reference for
/// what patterns mean.
fn reference(pattern: &str, address: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').skip(1).collect();
    let a: Vec<&str> = address.split('/').skip(1).collect();
    parts_ref(&p, &a)
}

fn parts_ref(p: &[&str], a: &[&str]) -> bool {
    match p.split_first() {
        None => a.is_empty(),
        Some((&"", rest)) => (0..=a.len()).any(|i| parts_ref(rest, &a[i..])),
        Some((first, rest)) => match a.split_first() {
            Some((head, tail)) => {
                part_ref(first.as_bytes(), head.as_bytes()) && parts_ref(rest, tail)
            }
            None => false,
        },
    }
}

fn part_ref(p: &[u8], s: &[u8]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some(b'*') => (0..=s.len()).any(|i| part_ref(&p[1..], &s[i..])),
        Some(b'?') => !s.is_empty() && part_ref(&p[1..], &s[1..]),
        Some(b'[') => {
            let Some(end) = p.iter().position(|c| *c == b']') else {
                return false;
            };
            let Some(c) = s.first() else {
                return false;
            };
            let mut set = &p[1..end];
            let negate = set.first() == Some(&b'!');
            if negate {
                set = &set[1..];
            }
            let mut hit = false;
            let mut i = 0;
            while i < set.len() {
                if i + 2 < set.len() && set[i + 1] == b'-' {
                    hit |= (set[i]..=set[i + 2]).contains(c);
                    i += 3;
                } else {
                    hit |= set[i] == *c;
                    i += 1;
                }
            }
            hit != negate && part_ref(&p[end + 1..], &s[1..])
        }
        Some(b'{') => {
            let Some(end) = p.iter().position(|c| *c == b'}') else {
                return false;
            };
            p[1..end]
                .split(|c| *c == b',')
                .any(|alt| s.starts_with(alt) && part_ref(&p[end + 1..], &s[alt.len()..]))
        }
        Some(c) => s.first() == Some(c) && part_ref(&p[1..], &s[1..]),
    }
}

#[test]
fn refusals_say_why() {
    assert_eq!(
        Pattern::compile(&format!("/{}", "a".repeat(MAX_PATTERN_LEN))),
        Err(PatternError::TooLong {
            len: MAX_PATTERN_LEN + 1
        })
    );
    assert_eq!(
        Pattern::compile(&"/*a".repeat(MAX_WILDCARDS + 1)),
        Err(PatternError::TooManyWildcards {
            count: MAX_WILDCARDS + 1
        })
    );
    assert_eq!(
        Pattern::compile("/a/b[cd"),
        Err(PatternError::Unclosed { open: '[', at: 4 })
    );
    assert_eq!(
        Pattern::compile("/{a,b/c}"),
        Err(PatternError::Unclosed { open: '{', at: 1 })
    );
    assert!(Pattern::compile(&"/*a".repeat(MAX_WILDCARDS)).is_ok());
}

#[test]
fn star_storms_are_refused_or_answered() {
    // 64 KB of stars: refused on its length before anything else.
    let huge = format!("/{}", "*".repeat(65_536));
    assert_eq!(
        Pattern::compile(&huge),
        Err(PatternError::TooLong { len: 65_537 })
    );
    assert!(!pattern_matches(&huge, "/a"));
    // 200 bytes of stars is one wildcard once merged, and matches any one part.
    let stars = format!("/{}", "*".repeat(199));
    assert!(pattern_matches(&stars, "/anything"));
    assert!(!pattern_matches(&stars, "/two/parts"));
    // The classic exponential case for a backtracking matcher: many stars, no match.
    let p = format!("/{}b", "*a".repeat(MAX_WILDCARDS));
    let a = format!("/{}", "a".repeat(200));
    assert!(!pattern_matches(&p, &a));
    assert!(pattern_matches(&p, &format!("{a}b")));
    // Against a datagram-sized address.
    let long = format!("/{}", "a".repeat(65_000));
    assert!(!pattern_matches(&p, &long));
    assert!(pattern_matches(
        &format!("/{}", "*a".repeat(MAX_WILDCARDS)),
        &long
    ));
    // `//` as often as allowed, against many parts.
    let p = "//a".repeat(MAX_WILDCARDS);
    let parts = "/a".repeat(2_000);
    assert!(pattern_matches(&p, &parts));
    assert!(!pattern_matches(&format!("{p}/b"), &parts));
}

#[test]
fn sets_and_alternations() {
    let m = pattern_matches;
    assert!(m("/[]a", "/]a") == reference("/[]a", "/]a"));
    assert!(m("/[!]", "/x") && !m("/[]", "/x"));
    assert!(m("/[a-]", "/-") && m("/[z-a]x", "/x") == reference("/[z-a]x", "/x"));
    assert!(m("/{a,ab}c", "/abc") && m("/{,x}y", "/y") && m("/{}y", "/y"));
    assert!(m("/a{b,c}*{d,e}", "/acxxd") && !m("/a{b,c}*{d,e}", "/adxxd"));
    assert!(
        m("/x/", "/x") && m("/x/", "/x/y/z"),
        "a trailing `/` is `//`"
    );
    assert!(m("/", "/anything/at/all") && m("///", "/a"));
    assert!(m("/é?", "/é\u{1}") == reference("/é?", "/é\u{1}"));
}

/// Pieces patterns are built from, including ones that combine into sets and
/// alternations across pieces and unclosed ones.
const PIECES: &[&str] = &[
    "a", "b", "c", "*", "?", "/", "//", "[ab]", "[!a]", "[a-c]", "{a,ab}", "{,b}", "{b}", "[", "{",
    "]", "}", ",", "!", "-",
];

proptest! {
    #[test]
    fn agrees_with_the_recursive_matcher(
        pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..9),
        parts in proptest::collection::vec("[abc]{0,4}", 0..5),
    ) {
        let pattern = format!("/{}", pieces.concat());
        let address = format!("/{}", parts.join("/"));
        let expected = reference(&pattern, &address);
        match Pattern::compile(&pattern) {
            Ok(p) => prop_assert_eq!(p.matches(&address), expected, "{} {}", pattern, address),
            Err(PatternError::Unclosed { .. }) => prop_assert!(!expected),
            Err(e) => prop_assert!(false, "{pattern}: {e}"),
        }
    }

    #[test]
    fn arbitrary_patterns_never_panic(pattern in ".{0,300}", address in ".{0,80}") {
        let _ = pattern_matches(&pattern, &address);
    }
}
