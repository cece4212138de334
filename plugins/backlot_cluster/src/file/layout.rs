//! Where the values of a cluster file stand in its text (nodes, outputs, Zenoh settings),
//! so that every check points at its token; built with `backlot_files::ron_scan`.

use backlot_files::ron_scan::{Item, field, items};

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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
