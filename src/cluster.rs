//! `--cluster FILE --node NAME`: reads the cluster file, finds this node and says what its
//! role runs here. The composition itself is `app::build_app`'s; the cluster's logic is the
//! `backlot_cluster` crate's.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use backlot_cluster::{ClusterFile, ClusterKind, NodeDef, Role};
use backlot_files::FileKind;
use backlot_stage::StageOutputs;

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
