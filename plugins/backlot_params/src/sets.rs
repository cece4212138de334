//! The named stages of a backlot frame.

use bevy::prelude::*;

/// Frame order within `Update`: sources write parameters first, owners apply them after,
/// so a value set by any source reaches the scene in the same frame; reports come last.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BacklotSystems {
    /// Sockets, devices and files are read.
    Input,
    /// Control mappings turn inputs into parameter values.
    Control,
    /// Reactive layers compute their contributions.
    Layers,
    /// Every write of the frame is resolved by the one arbitration rule ([`crate::Arbiter`]).
    Arbitrate,
    /// The scene applies its parameters to entities.
    Scene,
    /// The LED stage applies its parameters.
    Stage,
    /// Anything that must see the final state of the frame before rendering.
    Render,
    /// Reports of the frame's resolved values: controller feedback, OSCQuery, published
    /// status. Runs last, so what is reported is what this frame renders.
    Report,
}

pub(crate) fn configure(app: &mut App) {
    app.configure_sets(
        Update,
        (
            BacklotSystems::Input,
            BacklotSystems::Control,
            BacklotSystems::Layers,
            BacklotSystems::Arbitrate,
            BacklotSystems::Scene,
            BacklotSystems::Stage,
            BacklotSystems::Render,
            BacklotSystems::Report,
        )
            .chain(),
    );
}
