//! The render cluster: several backlot processes drive one stage, frame-locked, over
//! Eclipse Zenoh (see `docs/cluster.md`). A primary owns the inputs and publishes each
//! frame's resolved state; render nodes apply exactly that state and draw their outputs;
//! a backup takes over when the primary dies; a spare takes over a dead render node's
//! outputs. Scene and stage edits reach every node through Zenoh and land on all of them at
//! one frame number ([`file_sync`]). Without a cluster file none of this is added and no
//! Zenoh session is opened.

mod announce;
pub mod apply;
pub mod barrier;
mod cursor;
pub mod file;
pub mod file_sync;
pub mod follow;
pub mod frame;
pub mod keys;
pub mod live_edit;
#[cfg(test)]
mod live_edit_tests;
pub mod lock;
pub mod lockstep;
pub mod mailbox;
pub mod node_status;
mod panel;
pub mod params;
pub mod publish;
pub mod reload;
mod reports;
pub mod revisions;
pub mod session;
pub mod state;
pub mod takeover;
#[cfg(test)]
mod tests;

pub use file::{ClusterFile, ClusterKind, NodeDef, Role, parse_cluster};
pub use file_sync::ClusterAssetRoot;
pub use publish::Published;
pub use reports::drain_reports;
pub use state::{ClusterLink, ClusterNode, ClusterState, NodeView, Promotion};

use backlot_params::{BacklotSystems, LayersCarry};
use bevy::prelude::*;

/// Joins this process to a render cluster as one of its nodes.
pub struct ClusterPlugin {
    /// The cluster file's content. When the app registered the file
    /// (`backlot_files::register_file::<ClusterKind>`, before `AssetPlugin`) the node follows
    /// its edits ([`reload`]).
    pub file: ClusterFile,
    /// This node's name in it.
    pub node: String,
    /// Driven frame by frame by `backlot render --cluster` instead of the live frame lock.
    pub lockstep: bool,
}

impl Plugin for ClusterPlugin {
    fn build(&self, app: &mut App) {
        let Some(def) = self.file.node(&self.node).cloned() else {
            error!(
                "cluster `{}` has no node `{}`; running without the cluster",
                self.file.name, self.node
            );
            return;
        };
        let node = ClusterNode {
            file: self.file.clone(),
            name: def.name.clone(),
            role: def.role,
            lockstep: self.lockstep,
        };
        let mut state = ClusterState::new(&self.file);
        let link = match session::Link::open(&self.file, &def, def.role) {
            Ok(link) => {
                info!(
                    "cluster `{}`: node `{}` ({}) listening on {}",
                    self.file.name,
                    def.name,
                    def.role.as_str(),
                    def.listen
                );
                Some(link)
            }
            Err(e) => {
                // The node still runs on its own and the panel says why it is alone.
                error!("cluster `{}`: {e}", self.file.name);
                state.error = Some(e);
                None
            }
        };
        app.insert_resource(node)
            .insert_resource(state::ClusterLink(link))
            .insert_resource(state)
            .init_resource::<apply::Incoming>()
            .init_resource::<follow::Handover>()
            // The layers' tempo: filled in by the app on a primary that runs layers, from the
            // primary's frame states on the other nodes.
            .init_resource::<LayersCarry>()
            .insert_resource(Published {
                enabled: !self.lockstep,
                ..default()
            })
            .init_resource::<announce::Announcer>()
            .init_resource::<Promotion>()
            // The stage's, when there is one; a node without a stage draws nothing.
            .init_resource::<backlot_stage::StageOutputs>();
        revisions::build(app);
        live_edit::build(app);
        file_sync::build(app);
        panel::build(app);
        app.add_systems(Startup, params::register_cluster_params)
            .add_systems(
                First,
                (
                    reports::follow_reports,
                    lock::frame_lock,
                    apply::follow_scene_time,
                )
                    .chain()
                    .before(bevy::time::TimeSystems),
            )
            .add_systems(
                Update,
                (
                    (
                        takeover::follow_outputs,
                        takeover::take_over,
                        follow::take_over_state,
                    )
                        .chain()
                        .in_set(BacklotSystems::Input),
                    apply::apply_frames.in_set(BacklotSystems::Control),
                    // The layers' writes on a backup that follows: what changed between these
                    // two is put back to the primary's.
                    follow::mark_own_writes
                        .after(BacklotSystems::Control)
                        .before(BacklotSystems::Layers),
                    follow::undo_own_writes
                        .in_set(BacklotSystems::Arbitrate)
                        .before(backlot_params::arbiter::arbitrate),
                    (apply::apply_bodies, follow::hold_impulses)
                        .after(BacklotSystems::Scene)
                        .before(BacklotSystems::Stage),
                    (params::update_cluster_params, follow::hold_physics)
                        .in_set(BacklotSystems::Render),
                ),
            )
            .add_systems(
                Last,
                (
                    publish::publish_frame,
                    publish::answer_snapshots,
                    lock::report_rendered,
                    announce::announce,
                )
                    .chain(),
            );
    }
}
