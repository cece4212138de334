//! The parameter registry: every live value in backlot has an address, a type, a range
//! and a default here, and every source (UI, OSC, MIDI, DMX, layers) sets it through here.
//!
//! The registry itself is plain data ([`ParamRegistry`]) so it is testable without an App;
//! [`ParamsPlugin`] inserts it and fixes the frame order every other plugin joins.

mod address;
pub mod addresses;
pub mod arbiter;
mod carry;
mod entries;
mod errors;
#[cfg(test)]
mod finite_tests;
mod registry;
mod sets;
mod spec;
pub mod undo;
mod value;

pub use address::{ParamAddress, sanitize_segment};
pub use arbiter::{Arbiter, Claim, Input, Source};
pub use carry::{LayersCarry, TempoCarry};
pub use errors::ParamError;
pub use registry::{ParamEntry, ParamRegistry, SlotHint};
pub use sets::BacklotSystems;
pub use spec::{ParamKind, ParamSpec};
pub use undo::{OperatorChange, OperatorNote, OperatorState, UndoHistory, UndoStep};
pub use value::ParamValue;

/// The commonly used items.
pub mod prelude {
    pub use crate::{
        BacklotSystems, ParamAddress, ParamError, ParamKind, ParamRegistry, ParamSpec, ParamValue,
        ParamsPlugin,
    };
}

use bevy::prelude::*;

/// Inserts the [`ParamRegistry`] and the [`Arbiter`] and orders the frame: input → control →
/// layers → arbitrate → scene → stage → render → report.
#[derive(Default)]
pub struct ParamsPlugin;

impl Plugin for ParamsPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<ParamRegistry>()
            .init_resource::<Arbiter>()
            .add_systems(Update, arbiter::arbitrate.in_set(BacklotSystems::Arbitrate));
        sets::configure(app);
    }
}
