//! Control map files, Bevy-free: types, parsing and validation with positions, and saves
//! that keep the user's text (only what changed spliced in, atomic, verified).

mod access;
mod parse;
mod patch;
mod save;
mod splice;
mod tokens;
mod types;

pub use access::{AccessDef, AllowDef};
pub use parse::{parse_map, parse_map_file};
pub use save::{SaveError, Saved, save_learned, save_learned_bindings, save_map};
pub use splice::{Learned, LearnedBinding, learn_binding, learn_osc_binding};
pub use types::*;

#[cfg(test)]
mod finite_tests;
#[cfg(test)]
mod patch_tests;
#[cfg(test)]
mod tests;
