//! End-to-end tests: they drive the real `backlot` binary (one test binary, as linking
//! Bevy per file would dominate CI time).

mod access;
mod calibrate;
mod cli;
mod cluster;
mod cluster_failover;
mod cluster_reload;
mod cluster_stall;
mod cluster_support;
mod colour_reference;
mod control;
mod crates;
mod disk;
mod faults;
mod faults_files;
mod faults_floods;
mod faults_osc;
mod frame;
mod grading;
mod layers;
mod logs;
mod map_saves;
mod memory;
mod ocio_reference;
mod oscquery;
mod reload;
mod render;
mod show_recovery;
mod show_run;
mod soak;
mod stage;
mod stall;
mod support;
mod tracking;
mod view_churn;
