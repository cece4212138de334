//! The node's Zenoh session: a peer in a full mesh (it listens on its own endpoint and dials
//! every other node's, retrying in the background), its liveliness token, and the
//! subscriptions and queryables of its role. Zenoh calls back on its own threads; everything
//! reaches the frame through bounded [`Mailbox`]es.

use std::time::Duration;

use zenoh::Wait;
use zenoh::query::{Query, Reply};
use zenoh::sample::{Sample, SampleKind};

use crate::file::{ClusterFile, NodeDef, Role};
use crate::keys::Keys;
use crate::mailbox::Mailbox;

/// Frame states waiting for the frame (a render node takes them in order).
const FRAME_QUEUE: usize = 64;
/// Status and rendered reports waiting (a few per node per frame).
const REPORT_QUEUE: usize = 1024;
/// Membership changes waiting.
const LIVELINESS_QUEUE: usize = 256;
/// Snapshot requests waiting for the primary's frame.
const QUERY_QUEUE: usize = 32;
/// Reload announcements waiting (each up to 16 MiB, so few): one dropped is fetched again
/// when a frame header names its revision.
const RELOAD_QUEUE: usize = 4;
/// How long a node waits for the answer to a file or snapshot query.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(2);

/// A node joining or leaving, from liveliness tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Membership {
    /// The node's token appeared.
    Joined(String),
    /// The node's token went: its process or machine is gone.
    Left(String),
}

/// The open session and what it receives.
pub struct Link {
    session: zenoh::Session,
    /// The cluster's keys.
    pub keys: Keys,
    /// This node's name.
    pub node: String,
    _token: zenoh::liveliness::LivelinessToken,
    _subscribers: Vec<zenoh::pubsub::Subscriber<()>>,
    queryable: Option<zenoh::query::Queryable<()>>,
    file_queryable: Option<zenoh::query::Queryable<()>>,
    /// Frame states from the primary (render and backup nodes).
    pub frames: Mailbox<Vec<u8>>,
    /// Other nodes' status messages: (node, bytes).
    pub statuses: Mailbox<(String, Vec<u8>)>,
    /// Render nodes' rendered-frame reports: (node, frame).
    pub rendered: Mailbox<(String, u64)>,
    /// Nodes joining and leaving.
    pub membership: Mailbox<Membership>,
    /// Snapshot requests (primary).
    pub queries: Mailbox<Query>,
    /// Snapshot replies (a node catching up).
    pub snapshots: Mailbox<Vec<u8>>,
    /// Reload announcements (every node; the primary's own come back to it too).
    pub reloads: Mailbox<Vec<u8>>,
    /// Queries for a file kind's newest announcement (primary).
    pub file_queries: Mailbox<Query>,
    /// Answers to this node's file queries.
    pub file_replies: Mailbox<Vec<u8>>,
}

/// The Zenoh configuration of `node` in `file`: a peer listening on its own endpoint and
/// dialling every other node's (and the file's extra `connect` endpoints).
pub fn zenoh_config(file: &ClusterFile, node: &NodeDef) -> Result<zenoh::Config, String> {
    let json = |items: &[String]| {
        serde_json::to_string(items).map_err(|e| format!("cannot write endpoints: {e}"))
    };
    let mut connect = file.peers_of(&node.name);
    connect.extend(file.zenoh.connect.iter().cloned());
    let mut config = zenoh::Config::default();
    let mut set = |key: &str, value: String| {
        config
            .insert_json5(key, &value)
            .map_err(|e| format!("zenoh setting {key} = {value}: {e}"))
    };
    set("mode", "\"peer\"".into())?;
    set(
        "listen/endpoints",
        json(std::slice::from_ref(&node.listen))?,
    )?;
    set("connect/endpoints", json(&connect)?)?;
    // A node restarted after a crash may find its port held a minute by connections in
    // TIME_WAIT: it listens as soon as it can (in the background) and meanwhile dials out.
    set("listen/timeout_ms", "-1".into())?;
    set("listen/exit_on_failure", "false".into())?;
    set(
        "listen/retry",
        "{period_init_ms: 250, period_max_ms: 2000, period_increase_factor: 2.0}".into(),
    )?;
    // Peers not up yet are dialled in the background, quickly: nodes start in any order and
    // a node that comes back is found again within a second.
    set(
        "connect/retry",
        "{period_init_ms: 100, period_max_ms: 1000, period_increase_factor: 2.0}".into(),
    )?;
    set(
        "scouting/multicast/enabled",
        file.zenoh.multicast_scouting.to_string(),
    )?;
    // A process that dies closes its links and is gone at once; only a machine that
    // vanishes without closing them (power, cable) waits out the lease. A node stalled for
    // less than the lease is late, not gone: the barrier drops it and it rejoins, and no
    // spare takes its outputs. Four keep-alives per lease.
    set("transport/link/tx/lease", file.zenoh.lease_ms.to_string())?;
    set("transport/link/tx/keep_alive", "4".into())?;
    // Opening returns at once; the mesh forms while the node loads its scene.
    set("open/return_conditions/connect_scouted", "false".into())?;
    set("open/return_conditions/declares", "false".into())?;
    Ok(config)
}

fn bytes(sample: &Sample) -> Vec<u8> {
    sample.payload().to_bytes().into_owned()
}

impl Link {
    /// Opens the session of `node` with the subscriptions its `role` needs.
    pub fn open(file: &ClusterFile, node: &NodeDef, role: Role) -> Result<Self, String> {
        let config = zenoh_config(file, node)?;
        let session = zenoh::open(config)
            .wait()
            .map_err(|e| format!("cannot open the cluster's Zenoh session: {e}"))?;
        let keys = Keys::new(&file.name);
        let token = session
            .liveliness()
            .declare_token(keys.alive(&node.name))
            .wait()
            .map_err(|e| format!("cannot declare this node's liveliness: {e}"))?;

        let mut link = Self {
            session,
            keys,
            node: node.name.clone(),
            _token: token,
            _subscribers: Vec::new(),
            queryable: None,
            file_queryable: None,
            frames: Mailbox::new(FRAME_QUEUE),
            statuses: Mailbox::new(REPORT_QUEUE),
            rendered: Mailbox::new(REPORT_QUEUE),
            membership: Mailbox::new(LIVELINESS_QUEUE),
            queries: Mailbox::new(QUERY_QUEUE),
            snapshots: Mailbox::new(4),
            reloads: Mailbox::new(RELOAD_QUEUE),
            file_queries: Mailbox::new(QUERY_QUEUE),
            file_replies: Mailbox::new(RELOAD_QUEUE),
        };
        link.subscribe_reports()?;
        link.subscribe_frames()?;
        link.subscribe_reloads()?;
        if role == Role::Primary {
            link.serve_snapshots()?;
        }
        Ok(link)
    }

    fn subscribe_reports(&mut self) -> Result<(), String> {
        let keys = self.keys.clone();
        let membership = self.membership.clone();
        let alive = self
            .session
            .liveliness()
            .declare_subscriber(keys.alive_all())
            // Nodes already up are reported as joined.
            .history(true)
            .callback(move |sample: Sample| {
                let key = sample.key_expr().as_str();
                if let Some(node) = keys.node_of(key, "alive") {
                    membership.push(match sample.kind() {
                        SampleKind::Put => Membership::Joined(node.to_string()),
                        SampleKind::Delete => Membership::Left(node.to_string()),
                    });
                }
            })
            .wait()
            .map_err(|e| format!("cannot follow the cluster's nodes: {e}"))?;
        self._subscribers.push(alive);

        let keys = self.keys.clone();
        let statuses = self.statuses.clone();
        let status = self
            .session
            .declare_subscriber(keys.status_all())
            .callback(move |sample: Sample| {
                if let Some(node) = keys.node_of(sample.key_expr().as_str(), "status") {
                    statuses.push((node.to_string(), bytes(&sample)));
                }
            })
            .wait()
            .map_err(|e| format!("cannot follow node status: {e}"))?;
        self._subscribers.push(status);

        let keys = self.keys.clone();
        let rendered = self.rendered.clone();
        let reports = self
            .session
            .declare_subscriber(keys.rendered_all())
            .callback(move |sample: Sample| {
                let Some(node) = keys.node_of(sample.key_expr().as_str(), "rendered") else {
                    return;
                };
                let b = bytes(&sample);
                if let Ok(frame) = <[u8; 8]>::try_from(b.as_slice()) {
                    rendered.push((node.to_string(), u64::from_le_bytes(frame)));
                }
            })
            .wait()
            .map_err(|e| format!("cannot follow rendered frames: {e}"))?;
        self._subscribers.push(reports);
        Ok(())
    }

    fn subscribe_frames(&mut self) -> Result<(), String> {
        let frames = self.frames.clone();
        let sub = self
            .session
            .declare_subscriber(self.keys.frame())
            .callback(move |sample: Sample| frames.push(bytes(&sample)))
            .wait()
            .map_err(|e| format!("cannot follow frame states: {e}"))?;
        self._subscribers.push(sub);
        Ok(())
    }

    fn subscribe_reloads(&mut self) -> Result<(), String> {
        let reloads = self.reloads.clone();
        let sub = self
            .session
            .declare_subscriber(self.keys.files_all())
            .callback(move |sample: Sample| reloads.push(bytes(&sample)))
            .wait()
            .map_err(|e| format!("cannot follow file reloads: {e}"))?;
        self._subscribers.push(sub);
        Ok(())
    }

    /// Answers snapshot queries and file queries (the primary, or a backup that became one).
    pub fn serve_snapshots(&mut self) -> Result<(), String> {
        if self.queryable.is_none() {
            let queries = self.queries.clone();
            let q = self
                .session
                .declare_queryable(self.keys.snapshot())
                .callback(move |query: Query| queries.push(query))
                .wait()
                .map_err(|e| format!("cannot serve snapshots: {e}"))?;
            self.queryable = Some(q);
        }
        if self.file_queryable.is_none() {
            let queries = self.file_queries.clone();
            let q = self
                .session
                .declare_queryable(self.keys.files_all())
                .callback(move |query: Query| queries.push(query))
                .wait()
                .map_err(|e| format!("cannot serve files: {e}"))?;
            self.file_queryable = Some(q);
        }
        Ok(())
    }

    /// Publishes a frame state.
    pub fn put_frame(&self, bytes: Vec<u8>) -> Result<(), String> {
        self.session
            .put(self.keys.frame(), bytes)
            .wait()
            .map_err(|e| format!("cannot publish the frame: {e}"))
    }

    /// Publishes this node's status.
    pub fn put_status(&self, bytes: Vec<u8>) -> Result<(), String> {
        self.session
            .put(self.keys.status(&self.node), bytes)
            .wait()
            .map_err(|e| format!("cannot publish status: {e}"))
    }

    /// Says this node has rendered `frame` (the swap barrier).
    pub fn put_rendered(&self, frame: u64) -> Result<(), String> {
        self.session
            .put(self.keys.rendered(&self.node), frame.to_le_bytes().to_vec())
            .wait()
            .map_err(|e| format!("cannot report the rendered frame: {e}"))
    }

    /// Answers a snapshot query with `bytes`.
    pub fn reply(&self, query: &Query, bytes: Vec<u8>) -> Result<(), String> {
        query
            .reply(self.keys.snapshot(), bytes)
            .wait()
            .map_err(|e| format!("cannot answer a snapshot query: {e}"))
    }

    /// Announces a reload of a file of `kind` (an encoded [`crate::reload::FileReload`]).
    pub fn put_reload(&self, kind: &str, bytes: Vec<u8>) -> Result<(), String> {
        self.session
            .put(self.keys.files(kind), bytes)
            .wait()
            .map_err(|e| format!("cannot announce the {kind} reload: {e}"))
    }

    /// Answers a file query for `kind` with its newest announcement.
    pub fn reply_file(&self, query: &Query, kind: &str, bytes: Vec<u8>) -> Result<(), String> {
        query
            .reply(self.keys.files(kind), bytes)
            .wait()
            .map_err(|e| format!("cannot answer a {kind} file query: {e}"))
    }

    /// Asks the primary for the newest announcement of `kind`; the answer arrives in
    /// [`Link::file_replies`].
    pub fn request_file(&self, kind: &str) -> Result<(), String> {
        let replies = self.file_replies.clone();
        self.session
            .get(self.keys.files(kind))
            .timeout(QUERY_TIMEOUT)
            .callback(move |reply: Reply| {
                if let Ok(sample) = reply.result() {
                    replies.push(bytes(sample));
                }
            })
            .wait()
            .map_err(|e| format!("cannot ask for the {kind} file: {e}"))
    }

    /// Asks the primary for a full snapshot; the answer arrives in [`Link::snapshots`].
    pub fn request_snapshot(&self) -> Result<(), String> {
        let snapshots = self.snapshots.clone();
        self.session
            .get(self.keys.snapshot())
            .timeout(QUERY_TIMEOUT)
            .callback(move |reply: Reply| {
                if let Ok(sample) = reply.result() {
                    snapshots.push(bytes(sample));
                }
            })
            .wait()
            .map_err(|e| format!("cannot ask for a snapshot: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file::parse_cluster;

    fn lease_of(zenoh: &str) -> String {
        let text = format!(
            r#"(name: "t", stage: "s.stage.ron", {zenoh} nodes: [
                (name: "a", role: Primary, listen: "tcp/127.0.0.1:7001"),
                (name: "c", role: Render, listen: "tcp/127.0.0.1:7002"),
            ])"#
        );
        let file = parse_cluster(&text, "t.cluster.ron", None).expect("valid");
        let a = file.node("a").expect("node a");
        let config = zenoh_config(&file, a).expect("a Zenoh configuration");
        config
            .get_json("transport/link/tx/lease")
            .expect("the lease is set")
    }

    #[test]
    fn the_link_lease_is_the_cluster_files() {
        assert_eq!(lease_of(""), "3000");
        assert_eq!(lease_of("zenoh: (lease_ms: 7000),"), "7000");
    }
}
