//! Reactive layers for music-video sets: audio (RMS, 8 bands, onsets, beat tracking), tempo
//! (MIDI clock, tap, internal, audio), performer motion, LFOs and noise, shaped by envelope
//! followers, curves, one-shot triggers and palettes, blended onto any parameter with a
//! weight, mute and solo per layer; learned-model layers (ONNX through tract) and
//! shader-driven generative visuals. Layers sit below controllers and the operator
//! override in the arbitration rule.

pub mod analysis;
mod asset;
pub mod audio;
mod background;
pub mod format;
mod load;
mod mix;
pub mod model;
mod panel;
mod params;
mod sense;
pub mod signals;
pub mod stack;
mod state;
pub mod visuals;

use std::path::PathBuf;

use backlot_params::{BacklotSystems, ParamsPlugin};
use backlot_ui::TrackAssetsExt;
use bevy::prelude::*;

pub use asset::{LayersAsset, LayersKind, LayersLoader, LayersSource};
pub use mix::feature;
pub use params::layer_specs;
pub use state::{
    AudioIn, LayerLoaders, LayerState, LayersSettings, LayersState, ModelBuild, WavDecode,
};

/// The layer stack.
#[derive(Debug, Clone)]
pub struct LayersPlugin {
    /// Live audio and model threads (off for deterministic renders).
    pub live: bool,
    /// Where `assets/` is.
    pub asset_root: PathBuf,
}

impl Plugin for LayersPlugin {
    fn build(&self, app: &mut App) {
        if !app.is_plugin_added::<ParamsPlugin>() {
            app.add_plugins(ParamsPlugin);
        }
        if !app.is_plugin_added::<backlot_net::NetPlugin>() {
            app.add_plugins(backlot_net::NetPlugin);
        }
        if !app.is_plugin_added::<backlot_scene::LiveBufferPlugin>() {
            app.add_plugins(backlot_scene::LiveBufferPlugin);
        }
        if app.is_plugin_added::<bevy::pbr::PbrPlugin>() {
            visuals::build(app);
            app.track_assets::<visuals::GenerativeMaterial>("generative materials");
            app.add_systems(
                Update,
                (visuals::spawn_overlays, visuals::update_overlays)
                    .chain()
                    .in_set(BacklotSystems::Stage),
            );
        }
        app.add_plugins(backlot_files::FilePlugin::<LayersKind>::new(Some(
            self.asset_root.clone(),
        )))
        .insert_resource(LayersSettings {
            live: self.live,
            asset_root: self.asset_root.clone(),
        })
        .init_resource::<LayersState>()
        .init_resource::<LayerLoaders>()
        .init_non_send::<AudioIn>()
        .add_systems(Startup, load::start_loading)
        // The frame's layer work (in `BacklotSystems::Layers`, after control, before the
        // scene): audio analysis, tempo, performers, LFOs, models, then every layer's value
        // blended over the scene base and written to its parameters — except where a
        // controller or the operator drives the parameter (the arbitration rule: they sit
        // above the layers).
        .add_systems(
            Update,
            (
                load::watch_layers,
                load::configure,
                load::finish_loading,
                load::check_targets,
                sense::sense,
                mix::apply,
            )
                .chain()
                .in_set(BacklotSystems::Layers),
        );
        panel::build(app);
    }
}

#[cfg(test)]
mod audio_format_tests;
#[cfg(test)]
mod cue_base_tests;
#[cfg(test)]
mod model_worker_tests;
#[cfg(test)]
mod reload_tests;
#[cfg(test)]
mod tests;
