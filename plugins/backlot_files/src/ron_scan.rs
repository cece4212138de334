//! Where values stand in a RON file's text, so that every check of a file kind points at
//! its token and a save can rewrite one value in place. ron keeps no positions of what
//! parsed well, and a plain text search is fooled by comments and by one name used twice;
//! this small scanner follows RON's brackets, strings and comments instead. Written by hand:
//! no RON crate exposes its token positions. Each file kind (show, cluster) builds its own
//! layout from these.

/// One entry of a bracketed RON value: `key: value` in a struct, a bare value in a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item<'a> {
    /// The field's name, for struct fields.
    pub key: Option<&'a str>,
    /// Byte offset of the value.
    pub at: usize,
}

/// The entries of the bracketed value at `from` (after blanks and an optional struct name,
/// as in `ClusterFile(...)`), in order; none when no bracket stands there.
pub fn items(src: &str, from: usize) -> Vec<Item<'_>> {
    let b = src.as_bytes();
    let mut i = skip_blank(b, from);
    while b.get(i).is_some_and(|c| is_ident(*c)) {
        i += 1;
    }
    i = skip_blank(b, i);
    if !matches!(b.get(i), Some(b'(' | b'[' | b'{')) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut depth = 0usize;
    // Whether the next thing at depth 1 starts an entry (after the bracket or a comma).
    let mut expect = false;
    while i < b.len() {
        i = skip_blank(b, i);
        let Some(&c) = b.get(i) else { break };
        if depth == 1 && expect && !matches!(c, b')' | b']' | b'}' | b',') {
            expect = false;
            if let Some((key, value)) = key_at(src, i) {
                out.push(Item {
                    key: Some(key),
                    at: value,
                });
                i = value;
                continue;
            }
            out.push(Item { key: None, at: i });
        }
        match c {
            b'(' | b'[' | b'{' => {
                depth += 1;
                expect = depth == 1;
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
                if depth == 0 {
                    break;
                }
            }
            b',' => {
                expect = depth == 1;
                i += 1;
            }
            b'"' | b'\'' => i = quoted_end(b, i),
            _ => i = raw_string_end(b, i).unwrap_or(i + 1),
        }
    }
    out
}

/// The value of `key` among struct entries.
pub fn field(items: &[Item<'_>], key: &str) -> Option<usize> {
    items.iter().find(|i| i.key == Some(key)).map(|i| i.at)
}

/// The text of the string literal at `at` (without its quotes; escapes left as written).
pub fn string_at(src: &str, at: usize) -> Option<&str> {
    let b = src.as_bytes();
    if b.get(at) != Some(&b'"') {
        return None;
    }
    let end = quoted_end(b, at);
    src.get(at + 1..end.saturating_sub(1).max(at + 1))
}

/// The end (exclusive) of the value starting at `at`: just past its closing bracket, or its
/// last token before the `,` or closing bracket that ends it. Comments after it are not part
/// of it. What saving the show replaces when it rewrites one value in place.
pub fn value_end(src: &str, at: usize) -> usize {
    let b = src.as_bytes();
    let mut depth = 0usize;
    let mut i = at;
    let mut end = at;
    loop {
        i = skip_blank(b, i);
        let Some(&c) = b.get(i) else { return end };
        match c {
            b'(' | b'[' | b'{' => {
                depth += 1;
                i += 1;
            }
            b')' | b']' | b'}' => {
                let Some(d) = depth.checked_sub(1) else {
                    return end;
                };
                depth = d;
                i += 1;
            }
            b',' if depth == 0 => return end,
            b'"' | b'\'' => i = quoted_end(b, i),
            _ => i = raw_string_end(b, i).unwrap_or(i + 1),
        }
        end = i;
    }
}

/// The opening bracket of the value at `from` (after blanks and an optional struct name, as
/// [`items`] reads it).
pub fn bracket_at(src: &str, from: usize) -> Option<usize> {
    let b = src.as_bytes();
    let mut i = skip_blank(b, from);
    while b.get(i).is_some_and(|c| is_ident(*c)) {
        i += 1;
    }
    i = skip_blank(b, i);
    matches!(b.get(i), Some(b'(' | b'[' | b'{')).then_some(i)
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// `key` and the offset of its value when a `key:` field starts at `i`.
fn key_at(src: &str, i: usize) -> Option<(&str, usize)> {
    let b = src.as_bytes();
    if !b
        .get(i)
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
    {
        return None;
    }
    let mut end = i;
    while b.get(end).is_some_and(|c| is_ident(*c)) {
        end += 1;
    }
    let colon = skip_blank(b, end);
    (b.get(colon) == Some(&b':') && b.get(colon + 1) != Some(&b':'))
        .then(|| (&src[i..end], skip_blank(b, colon + 1)))
}

/// Skips whitespace and comments (block comments nest, as in ron).
pub fn skip_blank(b: &[u8], mut i: usize) -> usize {
    loop {
        match (b.get(i), b.get(i + 1)) {
            (Some(c), _) if c.is_ascii_whitespace() => i += 1,
            (Some(b'/'), Some(b'/')) => {
                while b.get(i).is_some_and(|c| *c != b'\n') {
                    i += 1;
                }
            }
            (Some(b'/'), Some(b'*')) => {
                let mut level = 0usize;
                while i < b.len() {
                    if b[i..].starts_with(b"/*") {
                        level += 1;
                        i += 2;
                    } else if b[i..].starts_with(b"*/") {
                        level = level.saturating_sub(1);
                        i += 2;
                        if level == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            _ => return i,
        }
    }
}

/// The end of the string or character literal opening at `i`.
fn quoted_end(b: &[u8], i: usize) -> usize {
    let quote = b[i];
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            c if c == quote => return j + 1,
            _ => j += 1,
        }
    }
    b.len()
}

/// The end of a raw string (`r"…"`, `r#"…"#`, `br"…"`) opening at `i`, if one does.
fn raw_string_end(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'r') {
        return None;
    }
    let before = i.checked_sub(1).map(|p| b[p]);
    let prefix_ok = match before {
        None => true,
        Some(b'b') => i < 2 || !is_ident(b[i - 2]),
        Some(c) => !is_ident(c),
    };
    if !prefix_ok {
        return None;
    }
    let mut j = i + 1;
    while b.get(j) == Some(&b'#') {
        j += 1;
    }
    if b.get(j) != Some(&b'"') {
        return None;
    }
    let hashes = j - i - 1;
    let mut k = j + 1;
    while k < b.len() {
        let closed = b
            .get(k + 1..k + 1 + hashes)
            .is_some_and(|h| h.iter().all(|c| *c == b'#'));
        if b[k] == b'"' && closed {
            return Some(k + 1 + hashes);
        }
        k += 1;
    }
    Some(b.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn entries_skip_comments_strings_and_nested_values() {
        let src = r##"// a comment (with a bracket
( a: "x, y)", /* b: 1, /* nested */ */ b: [1, (2, 3)], c: r#"q"# )"##;
        let found = items(src, 0);
        let keys: Vec<Option<&str>> = found.iter().map(|i| i.key).collect();
        assert_eq!(keys, [Some("a"), Some("b"), Some("c")]);
        assert_eq!(&src[found[0].at..found[0].at + 1], "\"");
        let list = items(src, found[1].at);
        assert_eq!(list.len(), 2);
        assert_eq!(&src[list[1].at..list[1].at + 1], "(");
        assert_eq!(&src[found[2].at..found[2].at + 2], "r#");
    }

    #[test]
    fn a_named_struct_and_an_empty_list() {
        let src = "ClusterFile(nodes: [], name: \"n\")";
        let top = items(src, 0);
        assert_eq!(
            field(&top, "name"),
            Some(src.find("\"n\"").expect("written"))
        );
        assert!(items(src, field(&top, "nodes").expect("written")).is_empty());
    }

    #[test]
    fn a_value_ends_before_its_comma_and_any_comment() {
        let src = r#"[ (name: "a", v: {"/x": Float(1.0)}) /* note */ , Float(2.5) // last
]"#;
        let at = |needle: &str| src.find(needle).expect("in the text");
        let first = at("(name");
        assert_eq!(
            &src[first..value_end(src, first)],
            r#"(name: "a", v: {"/x": Float(1.0)})"#
        );
        let second = at("Float(2.5)");
        assert_eq!(&src[second..value_end(src, second)], "Float(2.5)");
        assert_eq!(value_end(src, 0), src.len(), "the whole list");
        assert_eq!(bracket_at(src, 0), Some(0));
        assert_eq!(bracket_at("  Look (x: 1)", 0), Some(7));
        assert_eq!(bracket_at("1.0", 0), None);
    }

    proptest! {
        #[test]
        fn any_text_scans_without_panicking(src in "\\PC{0,120}", from in 0usize..130) {
            let found = items(&src, from);
            prop_assert!(found.iter().all(|i| i.at <= src.len()));
            for at in 0..src.len() {
                prop_assert!(value_end(&src, at) <= src.len());
                let _ = (bracket_at(&src, at), string_at(&src, at));
            }
        }
    }
}
