//! The Cluster panel: this node's role, every node's state, the barrier, frame-state sizes,
//! the last failover, and cluster-file edits that wait for a restart or did not parse.

use backlot_ui::{PanelAppExt, PanelSlot};
use bevy::prelude::*;
use bevy_egui::egui;

use crate::file_sync::FileSync;
use crate::publish::Published;
use crate::state::{ClusterNode, ClusterState, STATUS_STALE};

pub(crate) fn build(app: &mut App) {
    app.add_panel("Cluster", PanelSlot::Side, cluster_panel);
}

const GREEN: egui::Color32 = egui::Color32::from_rgb(80, 200, 120);
const AMBER: egui::Color32 = egui::Color32::from_rgb(230, 180, 60);
const RED: egui::Color32 = egui::Color32::from_rgb(240, 70, 60);

/// One line per node: `c · render · frame 1234 · 59.9 fps · 0 ms behind`.
pub fn node_line(state: &ClusterState, name: &str, node: &ClusterNode) -> (String, egui::Color32) {
    let Some(v) = state.nodes.get(name) else {
        return (format!("{name}: not in the cluster file"), RED);
    };
    if !v.alive {
        return (format!("{name} · {} · DOWN", v.role.as_str()), RED);
    }
    let stale = v.last_seen.is_none_or(|t| t.elapsed() > STATUS_STALE);
    let behind = state.skew_ms(name, node.frame_period());
    let me = if name == node.name {
        " (this node)"
    } else {
        ""
    };
    let text = format!(
        "{name}{me} · {} · frame {} · {:.1} fps · {behind:.0} ms behind{}",
        v.role.as_str(),
        v.frame,
        v.fps,
        if stale { " · not reporting" } else { "" }
    );
    // Amber: not reporting, not loaded, or a render node out of the barrier.
    let out_of_barrier =
        name != node.name && v.role == crate::file::Role::Render && !state.barrier.admitted(name);
    let color = if stale || !v.ready || out_of_barrier {
        AMBER
    } else {
        GREEN
    };
    (text, color)
}

fn cluster_panel(ui: &mut egui::Ui, world: &mut World) {
    let (Some(node), Some(state)) = (
        world.get_resource::<ClusterNode>(),
        world.get_resource::<ClusterState>(),
    ) else {
        ui.label("Not part of a cluster (run with --cluster FILE --node NAME).");
        return;
    };
    ui.heading(format!(
        "Cluster `{}` · node `{}` · {}",
        node.file.name,
        node.name,
        node.role.as_str()
    ));
    if let Some(e) = &state.error {
        ui.colored_label(RED, format!("No cluster session: {e}"));
    }
    if let Some(e) = &state.file_error {
        ui.colored_label(
            RED,
            format!("cluster file not reloaded (the last good one stays): {e}"),
        );
    }
    if !state.restart_needed.is_empty() {
        let said: Vec<String> = state
            .restart_needed
            .iter()
            .map(ToString::to_string)
            .collect();
        ui.colored_label(AMBER, format!("restart needed: {}", said.join("; ")));
    }
    ui.label(format!(
        "frame {} · epoch {} · {:.1} fps · last frame state {} bytes",
        state.frame, state.epoch, state.fps, state.last_frame_bytes
    ));
    ui.separator();
    for name in state.nodes.keys() {
        let (text, color) = node_line(state, name, node);
        ui.colored_label(color, text);
    }
    ui.separator();
    let mean = if state.barrier_waits > 0 {
        state.barrier_wait_total.as_secs_f64() * 1000.0 / state.barrier_waits as f64
    } else {
        0.0
    };
    ui.label(format!(
        "barrier: timeout {} ms · {} waits, {mean:.2} ms mean · {} nodes dropped",
        state.barrier.timeout().as_millis(),
        state.barrier_waits,
        state.barrier.drops
    ));
    ui.label(format!(
        "frame states: {} · gaps {} · snapshots asked {} · undecodable {}",
        state.frames_total, state.gaps, state.snapshot_requests, state.decode_errors
    ));
    if let Some(e) = &state.last_decode_error {
        ui.small(format!("last undecodable: {e}"));
    }
    if state.unknown_values + state.unknown_bodies > 0 {
        ui.colored_label(
            AMBER,
            format!(
                "{} values and {} bodies of the primary have nothing here (do the nodes load \
                 the same files?)",
                state.unknown_values, state.unknown_bodies
            ),
        );
    }
    for (kind, ours, theirs) in &state.revision_mismatch {
        ui.colored_label(
            AMBER,
            format!(
                "{kind}: this node has revision {ours:016x}, the primary {theirs:016x} · \
                 asked the primary for files {} times",
                state.files.requests
            ),
        );
    }
    let files = &state.files;
    ui.label(format!(
        "file reloads: {} landed · {} fetched · {} failed · {} dropped · {} read errors · {} \
         watch restarts",
        files.landed,
        files.requests,
        files.failed,
        files.dropped,
        files.read_errors,
        files.watch_restarts
    ));
    if let Some(sync) = world.get_resource::<FileSync>() {
        for (kind, (revision, frame)) in &sync.pending {
            ui.label(format!(
                "{kind} revision {revision:016x} waits for frame {frame}"
            ));
        }
    }
    if let Some(e) = &files.last_error {
        ui.small(format!("last file problem: {e}"));
    }
    if let Some(p) = world.get_resource::<Published>()
        && p.errors > 0
    {
        ui.colored_label(RED, format!("{} frame states failed to publish", p.errors));
    }
    match &state.last_failover {
        Some(f) => ui.label(format!(
            "failovers: {} · last: `{}` took over from `{}` at frame {} after {} frames",
            state.failovers, f.node, f.from, f.frame, f.gap
        )),
        None => ui.label(format!("failovers: {}", state.failovers)),
    };
}
