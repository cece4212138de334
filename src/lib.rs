//! backlot: the binary's library half. It only composes the capability plugins into an
//! app for each CLI mode; domain logic lives in `plugins/*`.

pub mod app;
pub mod calibrate;
pub mod cli;
pub mod cluster;
pub mod files;
pub mod log_file;
pub mod log_flood;
pub mod paths;
pub mod render;
pub mod show;
pub mod unrendered;

pub use app::{AppMode, AppOptions, BacklotPlugins, build_app};
