//! DMX in: Art-Net and sACN receivers, per-universe merging (priority, then HTP for
//! intensity channels and LTP for the rest), source loss, and the patch that turns slots
//! into parameter values.

mod merge;
mod patch;
mod receive;

pub use merge::{ARTNET_LOSS, SACN_LOSS, Universe};
pub use patch::{intensity_slots, patch_values, routes};
pub use receive::{Announce, bind_shared, listen_artnet, listen_sacn, loopback_group};
