//! `--cluster FILE --node NAME`: reads the cluster file, finds this node and says what its
//! role runs here. The composition itself is `app::build_app`'s; the cluster's logic is the
//! `backlot_cluster` crate's, and the few systems here only join it to the input and layer
//! crates it must not depend on.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use backlot_cluster::{ClusterFile, ClusterKind, ClusterNode, NodeDef, Role};
use backlot_files::FileKind;
use backlot_layers::LayersState;
use backlot_layers::signals::TempoClock;
use backlot_params::{LayersCarry, TempoCarry};
use backlot_stage::StageOutputs;
use bevy::prelude::*;

/// This process's place in a cluster.
#[derive(Debug, Clone)]
pub struct ClusterChoice {
    /// The cluster file's content.
    pub file: ClusterFile,
    /// Where it is (its stage and scene paths are relative to it).
    pub path: PathBuf,
    /// This node.
    pub node: NodeDef,
    /// Frame by frame (`render --cluster`) instead of live.
    pub lockstep: bool,
}

impl ClusterChoice {
    /// Reads `path` and finds `node` in it.
    pub fn load(path: &Path, node: &str, asset_root: &Path) -> Result<Self, String> {
        let file = ClusterKind::parse_file(path, Some(asset_root)).map_err(|e| e.to_string())?;
        let def = file.node(node).cloned().ok_or_else(|| {
            let names: Vec<&str> = file.nodes.iter().map(|n| n.name.as_str()).collect();
            format!(
                "{}: no node `{node}` (the file names {})",
                path.display(),
                names.join(", ")
            )
        })?;
        Ok(Self {
            file,
            path: path.to_path_buf(),
            node: def,
            lockstep: false,
        })
    }

    /// The stage file the cluster drives.
    pub fn stage(&self) -> PathBuf {
        self.file.stage_path(&self.path)
    }

    /// The scene the cluster file names, if it names one.
    pub fn scene(&self) -> Option<PathBuf> {
        self.file.scene_path(&self.path)
    }

    /// Whether this node runs inputs, layers and physics (the primary does; every other
    /// role applies the primary's frame states).
    pub fn runs_inputs(&self) -> bool {
        self.node.role == Role::Primary
    }

    /// The outputs this node draws: a render node its own, the primary those no render node
    /// owns, a backup and a spare none (until they take over).
    pub fn outputs(&self, stage_outputs: &[String]) -> StageOutputs {
        let names: BTreeSet<String> = match self.node.role {
            Role::Render => self.node.outputs.iter().cloned().collect(),
            Role::Primary => stage_outputs
                .iter()
                .filter(|o| self.file.owner_of(o).is_none())
                .cloned()
                .collect(),
            Role::Backup | Role::Spare => BTreeSet::new(),
        };
        StageOutputs::Only(names)
    }

    /// The plugin that joins this process to the cluster.
    pub fn plugin(&self) -> backlot_cluster::ClusterPlugin {
        backlot_cluster::ClusterPlugin {
            file: self.file.clone(),
            node: self.node.name.clone(),
            lockstep: self.lockstep,
        }
    }
}

/// A backup that became primary opens the inputs it held closed.
pub(crate) fn open_inputs_on_promotion(world: &mut World) {
    let pending = world
        .get_resource::<backlot_cluster::Promotion>()
        .is_some_and(|p| p.pending);
    if pending {
        backlot_control::start_inputs(world);
        world.resource_mut::<backlot_cluster::Promotion>().pending = false;
    }
}

/// A cluster primary's layer clock goes out with its frame states.
pub(crate) fn carry_layer_clock(
    node: Option<Res<ClusterNode>>,
    layers: Option<Res<LayersState>>,
    carry: Option<ResMut<LayersCarry>>,
) {
    let (Some(node), Some(layers), Some(mut carry)) = (node, layers, carry) else {
        return;
    };
    if node.role != Role::Primary {
        return;
    }
    let tempo = layers.tempo.as_ref().map(|clock| TempoCarry {
        bpm: clock.bpm,
        beats: clock.beats(),
    });
    if carry.tempo != tempo {
        carry.tempo = tempo;
    }
}

/// A node that becomes primary runs its layers' clock on from the old primary's last one,
/// so beats and tempo-synced LFOs stay in step (its own ran free while it followed).
pub(crate) fn take_layer_clock(
    node: Option<Res<ClusterNode>>,
    carry: Option<Res<LayersCarry>>,
    layers: Option<ResMut<LayersState>>,
    time: Res<Time>,
    mut was_primary: Local<bool>,
) {
    let primary = node.is_some_and(|n| n.role == Role::Primary);
    let became = primary && !*was_primary;
    *was_primary = primary;
    let (true, Some(tempo), Some(mut layers)) = (became, carry.and_then(|c| c.tempo), layers)
    else {
        return;
    };
    if let Some(clock) = layers.tempo.as_mut() {
        *clock = clock_at(tempo, clock.beats_per_bar, time.elapsed_secs_f64());
    }
}

/// A tempo clock at `tempo`'s BPM that has counted `tempo.beats` by `now`. Its count is
/// private to the layers: it is run at 60 BPM (a beat a second) from `now - beats` to `now`,
/// then its phase is locked to the exact fraction (a count just below zero keeps it too).
fn clock_at(tempo: TempoCarry, beats_per_bar: u32, now: f64) -> TempoClock {
    let mut clock = TempoClock::new(60.0);
    clock.beats_per_bar = beats_per_bar;
    clock.advance(now - tempo.beats.max(0.0));
    clock.advance(now);
    clock.lock_phase(tempo.beats.rem_euclid(1.0) as f32);
    clock.bpm = tempo.bpm;
    clock
}
