//! Roles that change at run time. A spare takes the outputs of a render node that died; of
//! two nodes drawing one output, or two primaries, the one that started later yields, so a
//! node that comes back after a takeover rejoins as a spare (or a backup) instead of
//! fighting for the wall. Every node decides alike from the same statuses: no election
//! round trip, and the outcome does not depend on who hears what first for longer than a
//! status period.

use std::collections::BTreeSet;

use backlot_stage::{StageOutputs, StageRuntime};
use bevy::prelude::*;

use crate::apply::Incoming;
use crate::file::Role;
use crate::publish::Published;
use crate::state::{ClusterLink, ClusterNode, ClusterState, Failover, Promotion};

/// Keeps this node's own list of drawn outputs (said in its status) up to date.
pub(crate) fn follow_outputs(
    drawn: Res<StageOutputs>,
    runtime: Option<Res<StageRuntime>>,
    mut state: ResMut<ClusterState>,
) {
    let names: Vec<String> = match &*drawn {
        StageOutputs::Only(set) => set.iter().cloned().collect(),
        StageOutputs::All => runtime
            .map(|r| r.outputs.iter().map(|o| o.name.clone()).collect())
            .unwrap_or_default(),
    };
    if state.outputs != names {
        state.outputs = names;
    }
}

/// Whether the node started at `a` yields to the one started at `b`: it started later (on a
/// tie, its name sorts later).
pub fn yields(a: (u64, &str), b: (u64, &str)) -> bool {
    a > b
}

/// What this node should do now, from what it knows of the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Nothing.
    Stay,
    /// Stop drawing: another node that started earlier draws these outputs.
    YieldOutputs,
    /// Take these outputs of a lost render node.
    TakeOver {
        /// The lost node.
        from: String,
        /// Its outputs.
        outputs: Vec<String>,
    },
    /// Another primary started earlier: follow it.
    YieldPrimary(String),
    /// The primary is gone: this backup takes over.
    Promote {
        /// The lost primary.
        from: String,
    },
}

/// Decides this node's change of role (pure, for tests).
pub fn decide(node: &ClusterNode, state: &ClusterState) -> Change {
    let me = node.name.as_str();
    let mine = (state.started_ms, me);
    let others = || {
        state
            .nodes
            .iter()
            .filter(move |(name, v)| name.as_str() != me && v.alive && v.started_ms > 0)
    };
    match node.role {
        Role::Render => {
            let clash = others().any(|(name, v)| {
                v.outputs.iter().any(|o| state.outputs.contains(o))
                    && yields(mine, (v.started_ms, name))
            });
            if clash {
                return Change::YieldOutputs;
            }
        }
        Role::Spare => {
            let drawn: BTreeSet<&str> = others()
                .flat_map(|(_, v)| v.outputs.iter().map(String::as_str))
                .collect();
            let lost: Vec<(&str, Vec<String>)> = node
                .file
                .nodes
                .iter()
                .filter(|n| n.role == Role::Render && !n.outputs.is_empty())
                .filter(|n| state.nodes.get(&n.name).is_some_and(|v| v.lost && !v.alive))
                .filter(|n| n.outputs.iter().all(|o| !drawn.contains(o.as_str())))
                .map(|n| (n.name.as_str(), n.outputs.clone()))
                .collect();
            // Live spares in name order take lost nodes in name order.
            let mut spares: Vec<&str> = others()
                .filter(|(_, v)| v.role == Role::Spare)
                .map(|(name, _)| name.as_str())
                .chain(std::iter::once(me))
                .collect();
            spares.sort_unstable();
            let rank = spares.iter().position(|s| *s == me).unwrap_or(usize::MAX);
            if let Some((from, outputs)) = lost.get(rank) {
                return Change::TakeOver {
                    from: from.to_string(),
                    outputs: outputs.clone(),
                };
            }
        }
        Role::Primary => {
            // A primary of a later epoch took over while this one was away; on a tie the one
            // that started earlier stays.
            if let Some((name, _)) = others().find(|(name, v)| {
                v.role == Role::Primary
                    && (v.epoch > state.epoch
                        || (v.epoch == state.epoch && yields(mine, (v.started_ms, name))))
            }) {
                return Change::YieldPrimary(name.clone());
            }
        }
        Role::Backup => {
            let primary_live = others().any(|(_, v)| v.role == Role::Primary);
            let lost = state.nodes.iter().find(|(name, v)| {
                name.as_str() != me
                    && v.lost
                    && !v.alive
                    && (v.role == Role::Primary || state.primary.as_deref() == Some(name.as_str()))
            });
            if let (false, Some((from, _))) = (primary_live, lost) {
                return Change::Promote { from: from.clone() };
            }
        }
    }
    Change::Stay
}

/// Applies [`decide`] (live nodes only: a lockstep run keeps its roles).
pub(crate) fn take_over(
    mut node: ResMut<ClusterNode>,
    mut state: ResMut<ClusterState>,
    mut drawn: ResMut<StageOutputs>,
    mut link: ResMut<ClusterLink>,
    mut published: ResMut<Published>,
    mut promotion: ResMut<Promotion>,
    mut incoming: ResMut<Incoming>,
) {
    if node.lockstep {
        return;
    }
    match decide(&node, &state) {
        Change::Stay => {}
        Change::YieldOutputs => {
            warn!(
                "cluster: another node that started earlier draws this node's outputs (it took \
                 over while this one was away); `{}` rejoins as a spare",
                node.name
            );
            node.role = Role::Spare;
            *drawn = StageOutputs::Only(BTreeSet::new());
        }
        Change::TakeOver { from, outputs } => {
            let period = node.frame_period().as_secs_f64();
            let gap = state
                .nodes
                .get(&from)
                .and_then(|v| v.lost_at)
                .map_or(0, |t| (t.elapsed().as_secs_f64() / period).round() as u64);
            warn!(
                "cluster: render node `{from}` is gone; spare `{}` takes its outputs {} ({gap} \
                 frames without them)",
                node.name,
                outputs.join(", ")
            );
            node.role = Role::Render;
            *drawn = StageOutputs::Only(outputs.into_iter().collect());
            state.failovers += 1;
            state.last_failover = Some(Failover {
                node: node.name.clone(),
                from,
                frame: state.frame,
                gap,
            });
        }
        Change::Promote { from } => {
            let period = node.frame_period().as_secs_f64();
            let gap = state
                .last_frame_at
                .map_or(0, |t| (t.elapsed().as_secs_f64() / period).round() as u64);
            // Numbering goes on from the last frame applied; a new epoch tells every node
            // to follow this one and to ignore anything late from the old primary.
            let next = state.frame + 1;
            state.epoch += 1;
            warn!(
                "cluster: primary `{from}` is gone; backup `{}` takes over at frame {next} \
                 (epoch {}, {gap} frames without a new state)",
                node.name, state.epoch
            );
            node.role = Role::Primary;
            *published = Published {
                next,
                generation: 0,
                enabled: true,
                snapshot_next: true,
                errors: published.errors,
                claims: Vec::new(),
            };
            incoming.states.clear();
            if let Some(link) = link.0.as_mut()
                && let Err(e) = link.serve_snapshots()
            {
                error!("cluster: {e}");
            }
            state.failovers += 1;
            state.last_failover = Some(Failover {
                node: node.name.clone(),
                from,
                frame: next,
                gap,
            });
            state.primary = Some(node.name.clone());
            promotion.pending = true;
            promotion.take_state = true;
        }
        Change::YieldPrimary(other) => {
            warn!(
                "cluster: `{other}` is primary since before this node started; `{}` follows it \
                 as a backup",
                node.name
            );
            node.role = Role::Backup;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file::parse_cluster;

    const FILE: &str = r#"(
    name: "t",
    stage: "s.stage.ron",
    nodes: [
        (name: "a", role: Primary, listen: "tcp/127.0.0.1:7001"),
        (name: "c", role: Render, listen: "tcp/127.0.0.1:7002", outputs: ["left"]),
        (name: "d", role: Render, listen: "tcp/127.0.0.1:7003", outputs: ["right"]),
        (name: "e", role: Spare, listen: "tcp/127.0.0.1:7004"),
        (name: "f", role: Spare, listen: "tcp/127.0.0.1:7005"),
    ],
)"#;

    fn node(name: &str) -> (ClusterNode, ClusterState) {
        let file = parse_cluster(FILE, "t.cluster.ron", None).expect("file");
        let def = file.node(name).expect("node").clone();
        let mut state = ClusterState::new(&file);
        state.started_ms = 1000;
        let node = ClusterNode {
            file,
            name: name.into(),
            role: def.role,
            lockstep: false,
        };
        (node, state)
    }

    fn live(state: &mut ClusterState, name: &str, role: Role, outputs: &[&str], started: u64) {
        let v = state.nodes.get_mut(name).expect("node");
        v.alive = true;
        v.role = role;
        v.outputs = outputs.iter().map(|o| o.to_string()).collect();
        v.started_ms = started;
    }

    fn lose(state: &mut ClusterState, name: &str) {
        let v = state.nodes.get_mut(name).expect("node");
        v.alive = false;
        v.lost = true;
        v.outputs.clear();
    }

    #[test]
    fn spares_take_lost_render_nodes_in_name_order() {
        let (e, mut se) = node("e");
        let (f, mut sf) = node("f");
        for s in [&mut se, &mut sf] {
            live(s, "c", Role::Render, &["left"], 10);
            live(s, "d", Role::Render, &["right"], 10);
            live(s, "e", Role::Spare, &[], 20);
            live(s, "f", Role::Spare, &[], 20);
        }
        assert_eq!(decide(&e, &se), Change::Stay, "nobody lost yet");
        // A node not started yet is not lost: nothing to take.
        for s in [&mut se, &mut sf] {
            s.nodes.get_mut("d").expect("d").alive = false;
        }
        assert_eq!(decide(&e, &se), Change::Stay);
        for s in [&mut se, &mut sf] {
            lose(s, "c");
            lose(s, "d");
        }
        let take = |from: &str, o: &str| Change::TakeOver {
            from: from.into(),
            outputs: vec![o.into()],
        };
        assert_eq!(decide(&e, &se), take("c", "left"));
        assert_eq!(decide(&f, &sf), take("d", "right"));
        // Once e draws `left`, f does not take it too.
        live(&mut sf, "e", Role::Render, &["left"], 20);
        lose(&mut sf, "d");
        sf.nodes.get_mut("d").expect("d").lost = false;
        assert_eq!(decide(&f, &sf), Change::Stay);
    }

    #[test]
    fn a_node_that_comes_back_yields_to_the_one_that_took_over() {
        let (mut c, mut sc) = node("c");
        sc.started_ms = 5000;
        sc.outputs = vec!["left".into()];
        live(&mut sc, "e", Role::Render, &["left"], 2000);
        assert_eq!(decide(&c, &sc), Change::YieldOutputs);
        // The one that started earlier keeps them.
        let (e, mut se) = node("e");
        let e = ClusterNode {
            role: Role::Render,
            ..e
        };
        se.started_ms = 2000;
        se.outputs = vec!["left".into()];
        live(&mut se, "c", Role::Render, &["left"], 5000);
        assert_eq!(decide(&e, &se), Change::Stay);
        // Two primaries: the later follows.
        c.role = Role::Primary;
        live(&mut sc, "a", Role::Primary, &[], 1000);
        assert_eq!(decide(&c, &sc), Change::YieldPrimary("a".into()));
        // A later epoch wins whoever started first: a primary back from a network blip
        // follows the backup that took over.
        let (mut a, mut sa) = node("a");
        a.role = Role::Primary;
        sa.started_ms = 1000;
        live(&mut sa, "c", Role::Primary, &[], 5000);
        assert_eq!(decide(&a, &sa), Change::Stay);
        sa.nodes.get_mut("c").expect("c").epoch = 1;
        assert_eq!(decide(&a, &sa), Change::YieldPrimary("c".into()));
        assert!(yields((5, "b"), (5, "a")) && !yields((4, "z"), (5, "a")));
    }
}
