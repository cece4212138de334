//! Layer set files, Bevy-free: types, parsing and validation with positions.

mod parse;
mod types;

pub use parse::{parse_layers, parse_layers_file};
pub use types::*;

#[cfg(test)]
mod finite_tests;
