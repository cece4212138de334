//! The data of a cluster file: the cluster's settings and its nodes.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// What a node does in the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
pub enum Role {
    /// Owns every input, resolves every parameter and publishes each frame's state.
    Primary,
    /// Mirrors the primary and takes over when it dies.
    Backup,
    /// Draws its outputs from the state the primary publishes.
    Render,
    /// Draws nothing until a render node dies, then takes over its outputs.
    Spare,
}

impl Role {
    /// The role in lower case, as status messages and logs name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Primary => "primary",
            Role::Backup => "backup",
            Role::Render => "render",
            Role::Spare => "spare",
        }
    }
}

/// One backlot process of the cluster.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeDef {
    /// Unique, of `[A-Za-z0-9_-]`: a Zenoh key segment (`backlot/<cluster>/alive/<node>`).
    pub name: String,
    /// What it does.
    pub role: Role,
    /// Where it accepts its peers, `tcp/HOST:PORT`.
    pub listen: String,
    /// The stage outputs it draws (render nodes only).
    #[serde(default)]
    pub outputs: Vec<String>,
    /// Its OSC UDP port; none: the command line's.
    #[serde(default)]
    pub osc_port: Option<u16>,
    /// Its OSCQuery HTTP (TCP) port; none: the command line's.
    #[serde(default)]
    pub oscquery_port: Option<u16>,
}

/// How the nodes find each other beyond their `listen` endpoints, and how long a silent
/// one is still taken as there.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZenohSettings {
    /// Extra peers or a Zenoh router to dial, `tcp/HOST:PORT`.
    #[serde(default)]
    pub connect: Vec<String>,
    /// Also find peers by UDP multicast (LAN only).
    #[serde(default)]
    pub multicast_scouting: bool,
    /// Zenoh's link lease, ms: a peer heard nothing from (not even a keep-alive) for this
    /// long is gone. Only a machine that vanishes without closing its links waits for it
    /// (a process that dies closes them and is gone at once); a node stalled for less is
    /// late, not gone. In [`LEASE_MS`], and longer than `barrier_timeout_ms`.
    #[serde(default = "default_lease_ms")]
    pub lease_ms: u32,
}

/// The lease's range, ms: under half a second a busy machine's keep-alives would miss it;
/// over a minute a dead machine's outputs stay dark too long.
pub const LEASE_MS: std::ops::RangeInclusive<u32> = 500..=60_000;

impl Default for ZenohSettings {
    fn default() -> Self {
        Self {
            connect: Vec::new(),
            multicast_scouting: false,
            lease_ms: default_lease_ms(),
        }
    }
}

fn default_lease_ms() -> u32 {
    3000
}

/// A whole `*.cluster.ron`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterFile {
    /// Of `[A-Za-z0-9_-]`: the first key segment after `backlot/`.
    pub name: String,
    /// The stage file, as written: relative to the cluster file's folder.
    pub stage: PathBuf,
    /// The scene file, as written; none: the command line's `--scene`.
    #[serde(default)]
    pub scene: Option<PathBuf>,
    /// Zenoh settings.
    #[serde(default)]
    pub zenoh: ZenohSettings,
    /// Frames per second the primary publishes, in (0, 1000].
    #[serde(default = "default_frame_rate")]
    pub frame_rate: f32,
    /// A full snapshot every this many frames (deltas between), at least 1.
    #[serde(default = "default_snapshot_every")]
    pub snapshot_every: u32,
    /// A render node later than this is dropped from the swap barrier, 1..=10000 ms.
    #[serde(default = "default_barrier_timeout_ms")]
    pub barrier_timeout_ms: u32,
    /// The processes of the cluster.
    pub nodes: Vec<NodeDef>,
}

fn default_frame_rate() -> f32 {
    60.0
}

fn default_snapshot_every() -> u32 {
    60
}

fn default_barrier_timeout_ms() -> u32 {
    100
}

impl ClusterFile {
    /// The node called `name`.
    pub fn node(&self, name: &str) -> Option<&NodeDef> {
        self.nodes.iter().find(|n| n.name == name)
    }

    /// The primary node (a checked file has exactly one).
    pub fn primary(&self) -> Option<&NodeDef> {
        self.nodes.iter().find(|n| n.role == Role::Primary)
    }

    /// The backup node, if there is one.
    pub fn backup(&self) -> Option<&NodeDef> {
        self.nodes.iter().find(|n| n.role == Role::Backup)
    }

    /// The stage file's path, given the cluster file's own.
    pub fn stage_path(&self, cluster_file: &Path) -> PathBuf {
        beside(cluster_file, &self.stage)
    }

    /// The scene file's path, given the cluster file's own, when the file names one.
    pub fn scene_path(&self, cluster_file: &Path) -> Option<PathBuf> {
        self.scene.as_deref().map(|s| beside(cluster_file, s))
    }

    /// The node that draws `output`, as the file assigns it.
    pub fn owner_of(&self, output: &str) -> Option<&NodeDef> {
        self.nodes
            .iter()
            .find(|n| n.outputs.iter().any(|o| o == output))
    }

    /// The render nodes, in file order.
    pub fn render_nodes(&self) -> impl Iterator<Item = &NodeDef> {
        self.nodes.iter().filter(|n| n.role == Role::Render)
    }

    /// The `listen` endpoints of every node but `name`: whom `name` dials.
    pub fn peers_of(&self, name: &str) -> Vec<String> {
        self.nodes
            .iter()
            .filter(|n| n.name != name)
            .map(|n| n.listen.clone())
            .collect()
    }
}

/// `relative` as seen from the folder of `file` (an absolute `relative` stays as it is).
fn beside(file: &Path, relative: &Path) -> PathBuf {
    file.parent().unwrap_or(Path::new("")).join(relative)
}
