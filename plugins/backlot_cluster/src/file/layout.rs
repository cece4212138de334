//! Where the values of a cluster file stand in its text, so that every check points at its
//! token. ron keeps no positions of what parsed well, and a plain text search is fooled by
//! comments and by a node named like the cluster; this small scanner follows RON's
//! brackets, strings and comments instead.

/// One entry of a bracketed RON value: `key: value` in a struct, a bare value in a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Item<'a> {
    /// The field's name, for struct fields.
    pub key: Option<&'a str>,
    /// Byte offset of the value.
    pub at: usize,
}

/// The entries of the bracketed value at `from` (after blanks and an optional struct name,
/// as in `ClusterFile(...)`), in order; none when no bracket stands there.
pub(super) fn items(src: &str, from: usize) -> Vec<Item<'_>> {
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
pub(super) fn field(items: &[Item<'_>], key: &str) -> Option<usize> {
    items.iter().find(|i| i.key == Some(key)).map(|i| i.at)
}

/// Where a cluster file's checked values stand.
pub(super) struct Layout<'a> {
    top: Vec<Item<'a>>,
    nodes: Vec<NodeLayout<'a>>,
    zenoh: Vec<Item<'a>>,
    connect: Vec<usize>,
}

struct NodeLayout<'a> {
    start: usize,
    fields: Vec<Item<'a>>,
    outputs: Vec<usize>,
}

impl<'a> Layout<'a> {
    /// Scans the text of a cluster file.
    pub fn of(src: &'a str) -> Self {
        let top = items(src, 0);
        let values = |at: Option<usize>| -> Vec<usize> {
            at.map(|at| items(src, at).iter().map(|i| i.at).collect())
                .unwrap_or_default()
        };
        let nodes = values(field(&top, "nodes"))
            .into_iter()
            .map(|start| {
                let fields = items(src, start);
                let outputs = values(field(&fields, "outputs"));
                NodeLayout {
                    start,
                    fields,
                    outputs,
                }
            })
            .collect();
        let zenoh = field(&top, "zenoh")
            .map(|at| items(src, at))
            .unwrap_or_default();
        let connect = values(field(&zenoh, "connect"));
        Self {
            top,
            nodes,
            zenoh,
            connect,
        }
    }

    /// The value of a top-level field (start of the text when it is not written).
    pub fn top(&self, key: &str) -> usize {
        field(&self.top, key).unwrap_or(0)
    }

    /// The value of field `key` of the `node`-th node (the node, when it is not written).
    pub fn node_field(&self, node: usize, key: &str) -> usize {
        self.nodes.get(node).map_or_else(
            || self.top("nodes"),
            |n| field(&n.fields, key).unwrap_or(n.start),
        )
    }

    /// The `index`-th output of the `node`-th node.
    pub fn output(&self, node: usize, index: usize) -> usize {
        self.nodes
            .get(node)
            .and_then(|n| n.outputs.get(index).copied())
            .unwrap_or_else(|| self.node_field(node, "outputs"))
    }

    /// The value of field `key` of `zenoh: (...)`, when it is written.
    pub fn zenoh(&self, key: &str) -> Option<usize> {
        field(&self.zenoh, key)
    }

    /// The `index`-th `zenoh.connect` entry.
    pub fn connect(&self, index: usize) -> usize {
        self.connect
            .get(index)
            .copied()
            .unwrap_or_else(|| self.top("zenoh"))
    }
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
fn skip_blank(b: &[u8], mut i: usize) -> usize {
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

    proptest! {
        #[test]
        fn any_text_scans_without_panicking(src in "\\PC{0,120}", from in 0usize..130) {
            let layout = Layout::of(&src);
            let _ = (layout.top("name"), layout.node_field(0, "listen"), layout.output(1, 0));
            let _ = items(&src, from);
        }

        #[test]
        fn bracket_soup_scans_without_panicking(src in "[()\\[\\]{}\"'r#/*:, a-z\n]{0,80}") {
            let layout = Layout::of(&src);
            let _ = (layout.connect(0), layout.output(0, 2), layout.zenoh("lease_ms"));
        }
    }
}
