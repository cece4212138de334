//! A YAML document as a tree that keeps tags and positions, built from `yaml-rust2`'s event
//! parser. OCIO tags its objects with verbatim tags (`!<MatrixTransform> {...}`), which the
//! serde-based YAML crates drop, and a config's errors should point at their line.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::error::ColourError;

/// Most nodes one document may build, aliases counted each time they are expanded: the ACES
/// studio config has about 4 000, and this bounds what an alias bomb can allocate.
const MAX_NODES: usize = 250_000;
/// Deepest nesting accepted (the parser recurses per level; configs nest about 6 deep).
const MAX_DEPTH: usize = 64;

/// What a node holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// `~`, `null` or nothing.
    Null,
    /// Any scalar, as written.
    Scalar(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order.
    Map(Vec<(Node, Node)>),
}

/// A YAML node with its tag (`MatrixTransform` for `!<MatrixTransform>` or
/// `!MatrixTransform`) and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    /// Content.
    pub kind: Kind,
    /// Local or verbatim tag, without the `!`.
    pub tag: Option<String>,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
}

impl Node {
    /// A problem at this node.
    pub fn error(&self, message: impl Into<String>) -> ColourError {
        ColourError::at(self.line, self.col, message)
    }

    /// Whether the node is null (or an empty scalar).
    pub fn is_null(&self) -> bool {
        matches!(self.kind, Kind::Null)
    }

    /// The value of `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
            .filter(|v| !v.is_null())
    }

    /// A mapping's entries (none for other nodes).
    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.kind {
            Kind::Map(entries) => entries,
            _ => &[],
        }
    }

    /// A sequence's items (none for other nodes).
    pub fn items(&self) -> &[Node] {
        match &self.kind {
            Kind::Seq(items) => items,
            _ => &[],
        }
    }

    /// A scalar's text.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(s) => Some(s.as_str()),
            _ => None,
        }
    }

    /// A scalar's text, or an error naming `what`.
    pub fn string(&self, what: &str) -> Result<String, ColourError> {
        self.as_str()
            .map(str::to_string)
            .ok_or_else(|| self.error(format!("{what} must be a single value")))
    }

    /// A finite number.
    pub fn number(&self, what: &str) -> Result<f64, ColourError> {
        self.as_str()
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite())
            .ok_or_else(|| self.error(format!("{what} must be a finite number")))
    }

    /// A sequence of finite numbers.
    pub fn numbers(&self, what: &str) -> Result<Vec<f64>, ColourError> {
        if !matches!(self.kind, Kind::Seq(_)) {
            return Err(self.error(format!("{what} must be a list of numbers")));
        }
        self.items().iter().map(|n| n.number(what)).collect()
    }

    /// A scalar, or a sequence of scalars (`aliases: [a, b]`).
    pub fn strings(&self, what: &str) -> Result<Vec<String>, ColourError> {
        match &self.kind {
            Kind::Null => Ok(Vec::new()),
            Kind::Scalar(s) => Ok(vec![s.clone()]),
            Kind::Seq(items) => items.iter().map(|n| n.string(what)).collect(),
            Kind::Map(_) => Err(self.error(format!("{what} must be a list of names"))),
        }
    }

    /// A YAML 1.1 boolean as yaml-cpp reads it.
    pub fn boolean(&self, what: &str) -> Result<bool, ColourError> {
        match self.as_str().map(str::to_ascii_lowercase).as_deref() {
            Some("true" | "yes" | "on" | "y") => Ok(true),
            Some("false" | "no" | "off" | "n") => Ok(false),
            _ => Err(self.error(format!("{what} must be true or false"))),
        }
    }

    /// How many nodes this tree holds (for the alias bound).
    fn count(&self) -> usize {
        1 + match &self.kind {
            Kind::Null | Kind::Scalar(_) => 0,
            Kind::Seq(items) => items.iter().map(Node::count).sum(),
            Kind::Map(entries) => entries.iter().map(|(k, v)| k.count() + v.count()).sum(),
        }
    }
}

/// Parses the first document of `text`.
pub(crate) fn parse(text: &str) -> Result<Node, ColourError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    check_flow_depth(text)?;
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut builder, false).map_err(|e| {
        ColourError::at(
            e.marker().line(),
            e.marker().col() + 1,
            e.info().to_string(),
        )
    })?;
    if let Some(failure) = builder.failure {
        return Err(failure);
    }
    Ok(builder.root.unwrap_or(Node {
        kind: Kind::Null,
        tag: None,
        line: 1,
        col: 1,
    }))
}

/// Refuses flow collections nested deeper than [`MAX_DEPTH`] before the (recursive) parser
/// sees them. Brackets inside quoted text count too: no real config comes near the limit.
fn check_flow_depth(text: &str) -> Result<(), ColourError> {
    let mut depth = 0usize;
    for (i, line) in text.lines().enumerate() {
        for (j, c) in line.chars().enumerate() {
            match c {
                '[' | '{' => depth += 1,
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            if depth > MAX_DEPTH {
                return Err(ColourError::at(
                    i + 1,
                    j + 1,
                    format!("collections nest deeper than {MAX_DEPTH}"),
                ));
            }
        }
    }
    Ok(())
}

/// An open collection while its events arrive.
enum Frame {
    /// A sequence and its anchor id.
    Seq(Node, usize),
    /// A mapping, the key waiting for its value, and its anchor id.
    Map(Node, Option<Node>, usize),
}

/// Builds the tree from parser events; stops at the end of the first document.
#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    root: Option<Node>,
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    failure: Option<ColourError>,
    done: bool,
}

/// The tag's name when it is a local (`!Name`) or verbatim (`!<Name>`) one.
fn tag_name(tag: Option<Tag>) -> Option<String> {
    tag.filter(|t| (t.handle.is_empty() || t.handle == "!") && t.suffix != "!")
        .map(|t| t.suffix)
}

impl Builder {
    /// Counts `n` more nodes; false (and a failure) past the bound.
    fn admit(&mut self, n: usize, mark: Marker) -> bool {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            self.failure = Some(ColourError::at(
                mark.line(),
                mark.col() + 1,
                format!("the document holds more than {MAX_NODES} nodes"),
            ));
            return false;
        }
        true
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor > 0 {
            let count = node.count();
            self.anchors.insert(anchor, (node.clone(), count));
        }
    }

    fn push_value(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq(seq, _)) => {
                if let Kind::Seq(items) = &mut seq.kind {
                    items.push(node);
                }
            }
            Some(Frame::Map(map, key, _)) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    if let Kind::Map(entries) = &mut map.kind {
                        entries.push((k, node));
                    }
                }
            },
        }
    }

    fn open(&mut self, frame: Frame, mark: Marker) {
        if self.stack.len() >= MAX_DEPTH {
            self.failure = Some(ColourError::at(
                mark.line(),
                mark.col() + 1,
                format!("collections nest deeper than {MAX_DEPTH}"),
            ));
            return;
        }
        if self.admit(1, mark) {
            self.stack.push(frame);
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, mark: Marker) {
        if self.done || self.failure.is_some() {
            return;
        }
        let (line, col) = (mark.line(), mark.col() + 1);
        match event {
            Event::Scalar(value, style, anchor, tag) => {
                if !self.admit(1, mark) {
                    return;
                }
                let tag = tag_name(tag);
                let null = style == TScalarStyle::Plain
                    && tag.is_none()
                    && matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL");
                let kind = if null {
                    Kind::Null
                } else {
                    Kind::Scalar(value)
                };
                let node = Node {
                    kind,
                    tag,
                    line,
                    col,
                };
                self.remember(anchor, &node);
                self.push_value(node);
            }
            Event::SequenceStart(anchor, tag) => {
                let node = Node {
                    kind: Kind::Seq(Vec::new()),
                    tag: tag_name(tag),
                    line,
                    col,
                };
                self.open(Frame::Seq(node, anchor), mark);
            }
            Event::MappingStart(anchor, tag) => {
                let node = Node {
                    kind: Kind::Map(Vec::new()),
                    tag: tag_name(tag),
                    line,
                    col,
                };
                self.open(Frame::Map(node, None, anchor), mark);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let node = match self.stack.pop() {
                    Some(Frame::Seq(node, anchor)) | Some(Frame::Map(node, _, anchor)) => {
                        self.remember(anchor, &node);
                        node
                    }
                    None => return,
                };
                self.push_value(node);
            }
            Event::Alias(id) => {
                let (node, count) = match self.anchors.get(&id) {
                    Some((node, count)) => (node.clone(), *count),
                    None => (
                        Node {
                            kind: Kind::Null,
                            tag: None,
                            line,
                            col,
                        },
                        1,
                    ),
                };
                if self.admit(count, mark) {
                    self.push_value(node);
                }
            }
            Event::DocumentEnd if self.stack.is_empty() => self.done = true,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_verbatim_tags_and_positions() {
        let doc =
            parse("a: 1\nlist:\n  - !<MatrixTransform> {matrix: [1, 0]}\n  - !Local x\nb: ~\n")
                .expect("valid YAML");
        assert_eq!(doc.get("a").and_then(Node::as_str), Some("1"));
        assert!(doc.get("b").is_none(), "null values read as absent");
        let list = doc.get("list").expect("list").items();
        assert_eq!(list[0].tag.as_deref(), Some("MatrixTransform"));
        // Positions are where the content starts (the `{`), on the tag's line.
        assert_eq!(list[0].line, 3);
        let matrix = list[0].get("matrix").expect("matrix");
        assert_eq!(matrix.numbers("matrix").expect("numbers"), vec![1.0, 0.0]);
        assert_eq!(list[1].tag.as_deref(), Some("Local"));
        assert_eq!(list[1].as_str(), Some("x"));
    }

    #[test]
    fn refuses_broken_and_hostile_documents() {
        let e = parse("a: [1, 2\nb: 3\n").expect_err("unclosed flow sequence");
        assert!(matches!(e, ColourError::Config { .. }), "{e}");
        let deep = format!("a: {}{}", "[".repeat(200), "]".repeat(200));
        let e = parse(&deep).expect_err("too deep");
        assert!(e.to_string().contains("nest deeper"), "{e}");
        // Each level doubles the nodes an alias expands to.
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = parse(&bomb).expect_err("alias bomb");
        assert!(e.to_string().contains("more than"), "{e}");
    }

    #[test]
    fn a_leading_bom_and_an_empty_document_are_fine() {
        let doc = parse("\u{feff}k: v\n").expect("BOM skipped");
        assert_eq!(doc.get("k").and_then(Node::as_str), Some("v"));
        assert!(parse("").expect("empty").is_null());
    }
}
