//! Camera tracking for the LED stage: FreeD D1 and OSC trackers over UDP, tracker →
//! stage calibration with the lens's nodal offset, fixed lenses and lens tables (zoom and
//! focus encoders → focal length, distortion), delay compensation and One Euro smoothing,
//! dropout hold and recovery, per-camera health parameters, and take files (CSV) recorded
//! from and replayed as a live source.
//!
//! Each frame, in [`BacklotSystems::Input`], every stage camera that follows a tracker gets
//! its pose and field of view written to `/stage/cameras/<id>/...`, which the stage reads
//! later in the same frame.

mod apply;
pub mod codec;
mod configure;
pub mod filter;
pub mod history;
mod ingest;
mod panel;
pub mod params;
pub mod pose;
pub mod receiver;
mod recording;
pub mod setup;
mod state;
pub mod take;

use std::path::PathBuf;

use backlot_params::{BacklotSystems, ParamsPlugin};
use bevy::prelude::*;

pub use receiver::{CAMERA_PREFIX, TrackingOsc};
pub use recording::TakeRecorder;
pub use setup::{CameraSetup, TrackerSetup, TrackingSetup};
pub use state::{
    Applied, CameraState, TrackerStatus, TrackingSettings, TrackingState, TrackingStatus,
};

/// Follows the stage file's trackers and drives its cameras.
#[derive(Debug, Clone)]
pub struct TrackingPlugin {
    /// Listen to live trackers (off for deterministic renders).
    pub live: bool,
    /// A take file to replay instead of live input.
    pub replay: Option<PathBuf>,
    /// Where recorded takes go.
    pub takes_dir: PathBuf,
}

impl Default for TrackingPlugin {
    fn default() -> Self {
        Self {
            live: true,
            replay: None,
            takes_dir: PathBuf::from("takes"),
        }
    }
}

impl Plugin for TrackingPlugin {
    fn build(&self, app: &mut App) {
        if !app.is_plugin_added::<backlot_net::NetPlugin>() {
            app.add_plugins(backlot_net::NetPlugin);
        }
        if !app.is_plugin_added::<ParamsPlugin>() {
            app.add_plugins(ParamsPlugin);
        }
        let replay = self
            .replay
            .as_ref()
            .and_then(|path| match take::read_take(path) {
                Ok(rows) => {
                    info!(
                        "tracking replay: {} ({} samples)",
                        path.display(),
                        rows.len()
                    );
                    Some(rows)
                }
                Err(e) => {
                    error!("{e}; live tracking instead");
                    None
                }
            });
        app.insert_resource(TrackingSettings {
            live: self.live,
            replay,
            takes_dir: self.takes_dir.clone(),
        })
        // Read even without the stage plugin (then nothing is ever sent).
        .add_message::<backlot_files::FileLoaded<backlot_stage::StageKind>>()
        .init_resource::<TrackingSetup>()
        .init_resource::<TrackingState>()
        .init_resource::<TakeRecorder>()
        .add_systems(Startup, recording::register_take_params)
        .add_systems(
            Update,
            (
                configure::follow_stage,
                configure::configure,
                // Before ingest: a press takes effect for the samples of the same frame.
                recording::record_takes,
                ingest::ingest,
                apply::apply,
            )
                .chain()
                // The stage file's load is seen in the frame it happens.
                .after(backlot_files::watch_file::<backlot_stage::StageKind>)
                .in_set(BacklotSystems::Input),
        );
        panel::build(app);
    }
}

#[cfg(test)]
mod finite_tests;
#[cfg(test)]
mod tests;
