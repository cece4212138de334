//! Each node follows its cluster file (hot reload through the files crate). An edit of the
//! pacing (`frame_rate`, `snapshot_every`, `barrier_timeout_ms`) applies at once. What shapes
//! the running processes and their Zenoh sessions (the name, stage and scene, the nodes,
//! their roles, endpoints, outputs and control ports, the Zenoh settings) is not applied
//! live: one warning says which nodes to restart for it, and the Cluster panel shows it until
//! the edit is undone or the nodes restarted. A broken edit keeps the last good file; its
//! `file:line:col` error is in the log (the files crate says it) and the panel.

use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

use backlot_files::{FileAsset, FileNews, FilePlugin, FileSource, WatchedFile, watch_file};
use backlot_params::BacklotSystems;
use bevy::prelude::*;

use crate::file::{ClusterFile, ClusterKind, NodeDef};
use crate::state::{ClusterNode, ClusterState};

/// A setting an edit changed that applies at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveChange {
    /// The field, as the file names it.
    pub field: &'static str,
    /// Its value in force before the edit.
    pub from: String,
    /// Its value now.
    pub to: String,
}

/// An edit that takes effect only once `nodes` restart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restart {
    /// What changed: `zenoh.lease_ms`, ``node `c` listen``, ``node `f` added``.
    pub what: String,
    /// The nodes to restart (or, one added, to start), in the edited file's order.
    pub nodes: Vec<String>,
}

impl fmt::Display for Restart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (restart {})", self.what, self.nodes.join(", "))
    }
}

/// What an edit of the cluster file changes, against the file in force.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileChanges {
    /// Applied at once.
    pub live: Vec<LiveChange>,
    /// Waiting for restarts.
    pub restart: Vec<Restart>,
}

/// Compares the file in force (`running`) with an `edited` one: what applies live, and
/// what needs which nodes restarted.
pub fn diff(running: &ClusterFile, edited: &ClusterFile) -> FileChanges {
    let mut live = Vec::new();
    // Compared as written out: no float equality, and the log shows the same text.
    let pacing = [
        (
            "frame_rate",
            running.frame_rate.to_string(),
            edited.frame_rate.to_string(),
        ),
        (
            "snapshot_every",
            running.snapshot_every.to_string(),
            edited.snapshot_every.to_string(),
        ),
        (
            "barrier_timeout_ms",
            running.barrier_timeout_ms.to_string(),
            edited.barrier_timeout_ms.to_string(),
        ),
    ];
    for (field, from, to) in pacing {
        if from != to {
            live.push(LiveChange { field, from, to });
        }
    }

    // Every node keys, dials and plans takeovers from these: all of them restart.
    let everyone: Vec<String> = edited.nodes.iter().map(|n| n.name.clone()).collect();
    let mut restart = Vec::new();
    let mut all = |what: String| {
        restart.push(Restart {
            what,
            nodes: everyone.clone(),
        });
    };
    let whole = [
        ("name", running.name != edited.name),
        ("stage", running.stage != edited.stage),
        ("scene", running.scene != edited.scene),
        (
            "zenoh.connect",
            running.zenoh.connect != edited.zenoh.connect,
        ),
        (
            "zenoh.multicast_scouting",
            running.zenoh.multicast_scouting != edited.zenoh.multicast_scouting,
        ),
        (
            "zenoh.lease_ms",
            running.zenoh.lease_ms != edited.zenoh.lease_ms,
        ),
    ];
    for (what, changed) in whole {
        if changed {
            all(what.to_string());
        }
    }

    let mut added: Vec<&str> = edited
        .nodes
        .iter()
        .filter(|n| running.node(&n.name).is_none())
        .map(|n| n.name.as_str())
        .collect();
    for old in running
        .nodes
        .iter()
        .filter(|n| edited.node(&n.name).is_none())
    {
        // A new name on the same endpoint is the same machine renamed.
        let renamed = added
            .iter()
            .position(|n| edited.node(n).is_some_and(|new| new.listen == old.listen));
        match renamed {
            Some(i) => {
                let new = added.remove(i);
                all(format!("node `{}` renamed `{new}`", old.name));
            }
            None => all(format!("node `{}` removed", old.name)),
        }
    }
    for new in added {
        all(format!("node `{new}` added"));
    }

    let mut own = Vec::new();
    for new in &edited.nodes {
        let Some(old) = running.node(&new.name) else {
            continue;
        };
        let shared = [
            ("role", old.role != new.role),
            ("listen", old.listen != new.listen),
            ("outputs", output_set(old) != output_set(new)),
        ];
        for (field, changed) in shared {
            if changed {
                all(format!("node `{}` {field}", new.name));
            }
        }
        // Control ports are the node's own business.
        let ports = [
            ("osc_port", old.osc_port != new.osc_port),
            ("oscquery_port", old.oscquery_port != new.oscquery_port),
        ];
        for (field, changed) in ports {
            if changed {
                own.push(Restart {
                    what: format!("node `{}` {field}", new.name),
                    nodes: vec![new.name.clone()],
                });
            }
        }
    }
    restart.extend(own);
    FileChanges { live, restart }
}

/// A node's outputs, whatever order the file lists them in.
fn output_set(node: &NodeDef) -> BTreeSet<&str> {
    node.outputs.iter().map(String::as_str).collect()
}

/// Puts the live settings of `edited` in force on this node.
pub fn apply_live(node: &mut ClusterNode, state: &mut ClusterState, edited: &ClusterFile) {
    node.file.frame_rate = edited.frame_rate;
    node.file.snapshot_every = edited.snapshot_every;
    node.file.barrier_timeout_ms = edited.barrier_timeout_ms;
    state
        .barrier
        .set_timeout(Duration::from_millis(u64::from(edited.barrier_timeout_ms)));
}

/// Takes an edit of the cluster file: applies and logs what is live; notes what waits for a
/// restart, warning once each time that changes. The file in force keeps its structure,
/// so an edit undone clears the restart again.
pub fn take_edit(
    node: &mut ClusterNode,
    state: &mut ClusterState,
    edited: &ClusterFile,
) -> FileChanges {
    let changes = diff(&node.file, edited);
    if !changes.live.is_empty() {
        apply_live(node, state, edited);
        let said: Vec<String> = changes
            .live
            .iter()
            .map(|c| format!("{} {} → {}", c.field, c.from, c.to))
            .collect();
        info!("cluster file: {} (applied now)", said.join(", "));
    }
    if changes.restart != state.restart_needed {
        if changes.restart.is_empty() {
            info!("cluster file: matches the running nodes again; no restart needed");
        } else {
            let said: Vec<String> = changes.restart.iter().map(ToString::to_string).collect();
            warn!(
                "cluster file: not applied until nodes restart: {}",
                said.join("; ")
            );
        }
        state.restart_needed.clone_from(&changes.restart);
    }
    changes
}

/// Starts loading the cluster file the app registered.
fn start_loading(
    source: Res<FileSource<ClusterKind>>,
    server: Res<AssetServer>,
    mut watched: ResMut<WatchedFile<ClusterKind>>,
) {
    watched.load(&server, &source.asset_path);
}

/// Takes each good (re)load of the cluster file, and shows the last failed one.
pub(crate) fn follow_cluster_file(
    mut news: FileNews<ClusterKind>,
    watched: Res<WatchedFile<ClusterKind>>,
    assets: Res<Assets<FileAsset<ClusterKind>>>,
    mut node: ResMut<ClusterNode>,
    mut state: ResMut<ClusterState>,
) {
    let loaded = news.loaded();
    let failed = news.failed().is_some();
    if !loaded && !failed {
        return;
    }
    // The watcher's verdict on this frame's news: a good load clears the error, a later
    // failure sets it.
    state.file_error.clone_from(&watched.error);
    if !loaded {
        return;
    }
    if let Some(asset) = watched.handle.as_ref().and_then(|h| assets.get(h)) {
        take_edit(&mut node, &mut state, &asset.file);
    }
}

/// Follows the cluster file when the app registered it (`register_file::<ClusterKind>`,
/// before `AssetPlugin`) and loads assets; an app without them (in-process tests, benches)
/// keeps the file it was given.
pub(crate) fn build(app: &mut App) {
    if !app.world().contains_resource::<FileSource<ClusterKind>>() {
        return;
    }
    if !app.is_plugin_added::<AssetPlugin>() {
        warn!("cluster: no asset server here; edits of the cluster file need a restart");
        return;
    }
    app.add_plugins(FilePlugin::<ClusterKind>::new(None))
        .add_systems(Startup, start_loading)
        .add_systems(
            Update,
            follow_cluster_file
                .after(watch_file::<ClusterKind>)
                .in_set(BacklotSystems::Input),
        );
}
