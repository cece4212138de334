//! End-to-end tests: they drive the real `backlot` binary (one test binary, as linking
//! Bevy per file would dominate CI time).

mod access;
mod cli;
mod control;
mod crates;
mod frame;
mod layers;
mod memory;
mod oscquery;
mod reload;
mod render;
mod stage;
mod support;
mod tracking;
