//! GPU time per render pass, from the renderer's timestamp queries (Bevy's
//! `RenderDiagnosticsPlugin`): the warp's grading is a few operations per pixel of four
//! outputs, far below the frame-to-frame noise of a whole lavapipe frame, but its own pass's
//! time moves with it alone.

use std::collections::BTreeMap;
use std::time::Instant;

use bevy::diagnostic::DiagnosticsStore;
use bevy::prelude::World;

/// Sums the GPU times the renderer reported since the last call, per pass.
#[derive(Default)]
pub struct GpuTimes {
    seen: Option<Instant>,
}

impl GpuTimes {
    /// Starts counting from now (measurements already in the store are skipped).
    pub fn start(&mut self, world: &World) {
        self.seen = latest(world);
    }

    /// Milliseconds of GPU time per pass (`render/<pass>`) reported since the last call.
    pub fn take(&mut self, world: &World, into: &mut BTreeMap<String, f64>) {
        let Some(store) = world.get_resource::<DiagnosticsStore>() else {
            return;
        };
        let since = self.seen;
        for d in store.iter() {
            let path = d.path().as_str();
            let Some(pass) = path.strip_suffix("/elapsed_gpu") else {
                continue;
            };
            let new = d
                .measurements()
                .filter(|m| since.is_none_or(|s| m.time > s))
                .map(|m| m.value);
            *into.entry(pass.to_string()).or_default() += new.sum::<f64>();
        }
        self.seen = latest(world).or(since);
    }
}

/// The time of the newest GPU measurement in the store.
fn latest(world: &World) -> Option<Instant> {
    let store = world.get_resource::<DiagnosticsStore>()?;
    store
        .iter()
        .filter(|d| d.path().as_str().ends_with("/elapsed_gpu"))
        .filter_map(|d| d.measurements().last().map(|m| m.time))
        .max()
}
