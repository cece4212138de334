//! What this node knows of the cluster, for its panel, its `/cluster/...` parameters and
//! its own decisions.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bevy::prelude::*;

use crate::barrier::Barrier;
use crate::file::{ClusterFile, Role};
use crate::live_edit::Restart;
use crate::session::Link;

/// A node whose status has not been heard for this long shows as not reporting.
pub const STATUS_STALE: Duration = Duration::from_secs(2);

/// This node: the cluster it belongs to, its name and its role now.
#[derive(Resource, Debug, Clone)]
pub struct ClusterNode {
    /// The cluster file.
    pub file: ClusterFile,
    /// This node's name in it.
    pub name: String,
    /// Its role now (a backup that took over is `Primary`).
    pub role: Role,
    /// Frame-by-frame on the fixed render clock (`backlot render --cluster`), driven from
    /// outside the schedule, instead of the live frame lock.
    pub lockstep: bool,
}

impl ClusterNode {
    /// Seconds per frame at the cluster's frame rate.
    pub fn frame_period(&self) -> Duration {
        Duration::from_secs_f64(1.0 / f64::from(self.file.frame_rate.max(1.0)))
    }
}

/// The Zenoh session, when it opened.
#[derive(Resource)]
pub struct ClusterLink(pub Option<Link>);

/// Another node as this one sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeView {
    /// Its liveliness token is present.
    pub alive: bool,
    /// Its role (the file's until it reports another).
    pub role: Role,
    /// The last frame it reported.
    pub frame: u64,
    /// Its frame rate.
    pub fps: f32,
    /// Its scene and stage are loaded.
    pub ready: bool,
    /// When its last status arrived.
    pub last_seen: Option<Instant>,
    /// The outputs it says it draws.
    pub outputs: Vec<String>,
    /// The failover epoch it says it follows.
    pub epoch: u32,
    /// When it started (ms since the Unix epoch), as it says.
    pub started_ms: u64,
    /// Its token was seen, then went: it died (a node not yet started has not).
    pub lost: bool,
    /// When it went.
    pub lost_at: Option<Instant>,
}

/// A backup that took over as primary has inputs to open (the app's composition opens them).
#[derive(Resource, Debug, Default)]
pub struct Promotion {
    /// Set when this node became primary; cleared once its inputs are open.
    pub pending: bool,
    /// Set with `pending`; cleared once the primary's claims are adopted and physics runs
    /// (`follow::take_over_state`, in the same frame).
    pub(crate) take_state: bool,
}

/// A takeover this node saw.
#[derive(Debug, Clone, PartialEq)]
pub struct Failover {
    /// Who took over.
    pub node: String,
    /// From whom.
    pub from: String,
    /// The frame the new primary continued from.
    pub frame: u64,
    /// Frames the wall did not get a new state for.
    pub gap: u64,
}

/// Scene and stage reloads as this node saw them (`crate::file_sync`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileStats {
    /// Reloads put in force on this node.
    pub landed: u64,
    /// Edits that did not parse (primary); announcements that did not decode or do not load
    /// on this node.
    pub failed: u64,
    /// Times this node asked the primary for a file revision its frames named.
    pub requests: u64,
    /// Reads of a watched file that failed or found it over the size limit (primary).
    pub read_errors: u64,
    /// Restarts of a file watch whose thread stopped (primary).
    pub watch_restarts: u64,
    /// Announcements and answers dropped because they came faster than the frame took them.
    pub dropped: u64,
    /// The last problem.
    pub last_error: Option<String>,
}

/// The cluster as this node sees it.
#[derive(Resource, Debug)]
pub struct ClusterState {
    /// Primary: the last frame published; other roles: the last frame applied.
    pub frame: u64,
    /// The failover epoch followed.
    pub epoch: u32,
    /// Every node of the file, by name.
    pub nodes: BTreeMap<String, NodeView>,
    /// The session's problem, when it did not open.
    pub error: Option<String>,
    /// Takeovers seen.
    pub failovers: u32,
    /// The last one.
    pub last_failover: Option<Failover>,
    /// Frame states that did not decode.
    pub decode_errors: u64,
    /// The last decode error.
    pub last_decode_error: Option<String>,
    /// Frames missed (a gap in the numbering), each answered by a snapshot request.
    pub gaps: u64,
    /// Snapshot requests sent.
    pub snapshot_requests: u64,
    /// Values of the primary with no parameter here (a file that differs between nodes).
    pub unknown_values: u64,
    /// Bodies of the primary with no entity here.
    pub unknown_bodies: u64,
    /// File revisions that differ from the primary's: (kind, ours, theirs).
    pub revision_mismatch: Vec<(String, u64, u64)>,
    /// Frame states published or applied.
    pub frames_total: u64,
    /// Bytes of the last frame state.
    pub last_frame_bytes: usize,
    /// Frames this node waited for at the barrier, and for how long in all.
    pub barrier_waits: u64,
    /// Time spent waiting at the barrier.
    pub barrier_wait_total: Duration,
    /// The swap barrier.
    pub barrier: Barrier,
    /// Frame rate of this node.
    pub fps: f32,
    /// When this process started, ms since the Unix epoch.
    pub started_ms: u64,
    /// The outputs this node draws now.
    pub outputs: Vec<String>,
    /// The primary whose frames this node follows (from the frame headers).
    pub primary: Option<String>,
    /// When the last frame state arrived.
    pub last_frame_at: Option<Instant>,
    /// Edits of the cluster file that wait for nodes to restart (empty: the file as edited
    /// is in force).
    pub restart_needed: Vec<Restart>,
    /// The cluster file's last failed reload, `file:line:col: …` (the last good one stays).
    pub file_error: Option<String>,
    /// Scene and stage reloads.
    pub files: FileStats,
}

impl ClusterState {
    /// For `file`'s nodes, each as the file describes it, none known alive yet.
    pub fn new(file: &ClusterFile) -> Self {
        let nodes = file
            .nodes
            .iter()
            .map(|n| {
                (
                    n.name.clone(),
                    NodeView {
                        alive: false,
                        role: n.role,
                        frame: 0,
                        fps: 0.0,
                        ready: false,
                        last_seen: None,
                        outputs: Vec::new(),
                        epoch: 0,
                        started_ms: 0,
                        lost: false,
                        lost_at: None,
                    },
                )
            })
            .collect();
        Self {
            frame: 0,
            epoch: 0,
            nodes,
            error: None,
            failovers: 0,
            last_failover: None,
            decode_errors: 0,
            last_decode_error: None,
            gaps: 0,
            snapshot_requests: 0,
            unknown_values: 0,
            unknown_bodies: 0,
            revision_mismatch: Vec::new(),
            frames_total: 0,
            last_frame_bytes: 0,
            barrier_waits: 0,
            barrier_wait_total: Duration::ZERO,
            barrier: Barrier::new(Duration::from_millis(u64::from(file.barrier_timeout_ms))),
            fps: 0.0,
            started_ms: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as u64),
            outputs: Vec::new(),
            primary: None,
            last_frame_at: None,
            restart_needed: Vec::new(),
            file_error: None,
            files: FileStats::default(),
        }
    }

    /// The live render nodes other than `me`, for the barrier.
    pub fn live_render_nodes<'a>(&'a self, me: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.nodes
            .iter()
            .filter(move |(name, v)| v.alive && v.role == Role::Render && name.as_str() != me)
            .map(|(name, _)| name.as_str())
    }

    /// How far `node` is behind the newest frame known, in milliseconds at `period`.
    pub fn skew_ms(&self, node: &str, period: Duration) -> f32 {
        let newest = self
            .nodes
            .values()
            .filter(|v| v.alive)
            .map(|v| v.frame)
            .max()
            .unwrap_or(0)
            .max(self.frame);
        let frame = self.nodes.get(node).map_or(0, |v| v.frame);
        (newest.saturating_sub(frame) as f64 * period.as_secs_f64() * 1000.0) as f32
    }
}
