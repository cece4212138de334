//! Control map files, Bevy-free: types, parsing and validation with positions, atomic save.

mod parse;
mod types;

pub use parse::{parse_map, parse_map_file, save_map};
pub use types::*;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod finite_tests;
