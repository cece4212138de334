//! The render cluster: several backlot processes drive one stage, frame-locked, over
//! Eclipse Zenoh (see `docs/cluster.md`). A primary owns the inputs and publishes each
//! frame's resolved state; render nodes apply exactly that state and draw their outputs;
//! a backup takes over when the primary dies; a spare takes over a dead render node's
//! outputs. Without a cluster file none of this is added and no Zenoh session is opened.

pub mod file;
pub mod frame;
