//! The cluster as read-only parameters, so OSCQuery, the panel and any controller see it:
//! `/cluster/role`, `/cluster/frame`, `/cluster/failovers`, `/cluster/barrier_drops` and per
//! node `/cluster/nodes/<name>/{alive,role,frame,skew_ms,fps}`.

use backlot_params::{ParamAddress, ParamKind, ParamRegistry, ParamSpec, ParamValue};
use bevy::prelude::*;

use crate::announce::ROLES;
use crate::state::{ClusterNode, ClusterState, STATUS_STALE};

fn spec(
    address: &str,
    kind: ParamKind,
    default: ParamValue,
    description: &str,
) -> Option<ParamSpec> {
    let address = ParamAddress::new(address).ok()?;
    Some(
        ParamSpec::new(address, kind, default)
            .read_only()
            .with_description(description),
    )
}

fn roles() -> ParamKind {
    ParamKind::Enum(ROLES.iter().map(|r| r.to_string()).collect())
}

/// Every cluster parameter of `node`'s cluster.
pub fn cluster_specs(node: &ClusterNode) -> Vec<ParamSpec> {
    let int = |v: i32| ParamValue::Int(v);
    let mut specs: Vec<Option<ParamSpec>> = vec![
        spec(
            "/cluster/role",
            roles(),
            ParamValue::Enum(node.role.as_str().into()),
            "This node's role in the render cluster",
        ),
        spec(
            "/cluster/frame",
            ParamKind::Int,
            int(0),
            "Cluster frame: published (primary) or applied (other nodes)",
        ),
        spec(
            "/cluster/failovers",
            ParamKind::Int,
            int(0),
            "Takeovers this node has seen",
        ),
        spec(
            "/cluster/barrier_drops",
            ParamKind::Int,
            int(0),
            "Render nodes this node's barrier dropped as late (each rejoins once caught up)",
        ),
    ];
    for n in &node.file.nodes {
        let at = |leaf: &str| format!("/cluster/nodes/{}/{leaf}", n.name);
        specs.push(spec(
            &at("alive"),
            ParamKind::Bool,
            ParamValue::Bool(false),
            "The node's process is up",
        ));
        specs.push(spec(
            &at("role"),
            roles(),
            ParamValue::Enum(n.role.as_str().into()),
            "The node's role now",
        ));
        specs.push(spec(
            &at("frame"),
            ParamKind::Int,
            int(0),
            "The last frame the node reported",
        ));
        specs.push(spec(
            &at("skew_ms"),
            ParamKind::Float,
            ParamValue::Float(0.0),
            "How far the node is behind the newest frame, ms",
        ));
        specs.push(spec(
            &at("fps"),
            ParamKind::Float,
            ParamValue::Float(0.0),
            "The node's frame rate",
        ));
    }
    specs.into_iter().flatten().collect()
}

pub(crate) fn register_cluster_params(node: Res<ClusterNode>, mut registry: ResMut<ParamRegistry>) {
    for spec in cluster_specs(&node) {
        if let Err(e) = registry.register(spec) {
            warn!("cluster: {e}");
        }
    }
}

fn frame_int(frame: u64) -> ParamValue {
    ParamValue::Int(frame.min(i32::MAX as u64) as i32)
}

/// Writes the cluster's view into its parameters (only what changed reaches reports).
pub(crate) fn update_cluster_params(
    node: Res<ClusterNode>,
    state: Res<ClusterState>,
    mut registry: ResMut<ParamRegistry>,
) {
    let mut set = |address: &str, value: ParamValue| {
        if registry.get(address).ok() != Some(&value) {
            let _ = registry.set_status(address, value);
        }
    };
    set("/cluster/role", ParamValue::Enum(node.role.as_str().into()));
    set("/cluster/frame", frame_int(state.frame));
    set(
        "/cluster/failovers",
        ParamValue::Int(state.failovers as i32),
    );
    set(
        "/cluster/barrier_drops",
        ParamValue::Int(state.barrier.drops.min(i32::MAX as u64) as i32),
    );
    let period = node.frame_period();
    for (name, view) in &state.nodes {
        let at = |leaf: &str| format!("/cluster/nodes/{name}/{leaf}");
        let stale = view.last_seen.is_none_or(|t| t.elapsed() > STATUS_STALE);
        set(&at("alive"), ParamValue::Bool(view.alive));
        set(&at("role"), ParamValue::Enum(view.role.as_str().into()));
        set(&at("frame"), frame_int(view.frame));
        let skew = if view.alive && !stale {
            state.skew_ms(name, period)
        } else {
            0.0
        };
        // Whole milliseconds: sub-millisecond jitter would make every frame a change.
        set(&at("skew_ms"), ParamValue::Float(skew.round()));
        let fps = if stale {
            0.0
        } else {
            (view.fps * 10.0).round() / 10.0
        };
        set(&at("fps"), ParamValue::Float(fps));
    }
}
