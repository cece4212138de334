//! Cluster files (`*.cluster.ron`, see `docs/cluster.md`): the cluster's name, the stage
//! and scene it shows, Zenoh settings, frame pacing and the nodes with their roles,
//! endpoints, outputs and control ports. Parsed with a position on every problem.

mod layout;
mod parse;
mod types;

use std::path::Path;

use backlot_files::{FileErrors, FileKind};
use bevy::reflect::TypePath;

pub use parse::{check_outputs, check_paths, parse_cluster};
pub use types::{ClusterFile, LEASE_MS, NodeDef, Role, ZenohSettings};

/// Cluster files; they reference no assets.
#[derive(TypePath, Debug, Clone, Copy)]
pub struct ClusterKind;

impl FileKind for ClusterKind {
    const NOUN: &'static str = "cluster";
    const EXTENSION: &'static str = "cluster.ron";
    const SOURCE: &'static str = "backlot-cluster";
    type Content = ClusterFile;

    fn parse(
        text: &str,
        shown: &str,
        asset_root: Option<&Path>,
    ) -> Result<ClusterFile, FileErrors> {
        parse_cluster(text, shown, asset_root)
    }
}

#[cfg(test)]
mod tests;
