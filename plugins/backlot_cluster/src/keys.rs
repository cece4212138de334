//! The cluster's Zenoh key expressions, all under `backlot/<cluster>/` (see
//! `docs/cluster.md`).

/// Key expressions of one cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    /// For the cluster called `cluster` (checked by the file to be one key segment).
    pub fn new(cluster: &str) -> Self {
        Self {
            prefix: format!("backlot/{cluster}"),
        }
    }

    /// A node's liveliness token.
    pub fn alive(&self, node: &str) -> String {
        format!("{}/alive/{node}", self.prefix)
    }

    /// Every node's liveliness token.
    pub fn alive_all(&self) -> String {
        format!("{}/alive/*", self.prefix)
    }

    /// The frame states the primary publishes.
    pub fn frame(&self) -> String {
        format!("{}/frame", self.prefix)
    }

    /// The primary's full-state queryable.
    pub fn snapshot(&self) -> String {
        format!("{}/snapshot", self.prefix)
    }

    /// A node's status messages.
    pub fn status(&self, node: &str) -> String {
        format!("{}/status/{node}", self.prefix)
    }

    /// Every node's status messages.
    pub fn status_all(&self) -> String {
        format!("{}/status/*", self.prefix)
    }

    /// A render node's rendered-frame reports (the swap barrier).
    pub fn rendered(&self, node: &str) -> String {
        format!("{}/rendered/{node}", self.prefix)
    }

    /// Every render node's rendered-frame reports.
    pub fn rendered_all(&self) -> String {
        format!("{}/rendered/*", self.prefix)
    }

    /// A file kind's reload announcements (`scene`, `stage`), and the primary's queryable
    /// that answers with the kind's newest announcement.
    pub fn files(&self, kind: &str) -> String {
        format!("{}/files/{kind}", self.prefix)
    }

    /// Every kind's reload announcements.
    pub fn files_all(&self) -> String {
        format!("{}/files/*", self.prefix)
    }

    /// The node named by a key under `<prefix>/<kind>/<node>`, if the key is one.
    pub fn node_of<'k>(&self, key: &'k str, kind: &str) -> Option<&'k str> {
        let rest = key.strip_prefix(&self.prefix)?.strip_prefix('/')?;
        let node = rest.strip_prefix(kind)?.strip_prefix('/')?;
        (!node.is_empty() && !node.contains('/')).then_some(node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_is_read_back_from_its_keys() {
        let k = Keys::new("local");
        assert_eq!(k.alive("c"), "backlot/local/alive/c");
        assert_eq!(k.node_of(&k.alive("c"), "alive"), Some("c"));
        assert_eq!(k.node_of(&k.status("b"), "status"), Some("b"));
        assert_eq!(k.node_of(&k.status("b"), "alive"), None);
        assert_eq!(k.node_of("backlot/other/alive/c", "alive"), None);
        assert_eq!(k.node_of("backlot/local/alive/c/x", "alive"), None);
        assert_eq!(k.node_of("backlot/local/alive/", "alive"), None);
        // A file kind is read back the same way.
        assert_eq!(k.files("scene"), "backlot/local/files/scene");
        assert_eq!(k.node_of(&k.files("stage"), "files"), Some("stage"));
    }
}
