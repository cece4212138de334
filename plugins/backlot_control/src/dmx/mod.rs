//! DMX in: Art-Net and sACN receivers (ports bound exclusively unless shared, sACN multicast
//! spread over sockets with failed joins tried again on a timer, ArtPollReply with a
//! reachable address, Art-Net time code), per-universe merging (priority, then HTP for
//! intensity channels and LTP for the rest), source loss, and the patch that turns slots
//! into parameter values.

mod bind;
mod closing;
mod groups;
mod interface;
mod merge;
mod multicast;
mod patch;
mod receive;
mod retry;
mod timecode;

pub use bind::{bind_artnet, bind_exclusive, bind_sacn, bind_shared, port_problem};
pub use closing::MAX_CLOSING;
pub use groups::{
    GROUPS_PER_SOCKET, GroupAllocation, GroupChanges, MAX_GROUP_SOCKETS, Membership, wanted,
};
pub use interface::{
    REPLY_CACHE, REPLY_CACHE_FOR, ReplyAddress, interface_label, local_address_toward,
    resolve_interface, system_interfaces,
};
pub use merge::{ARTNET_LOSS, SACN_LOSS, Universe};
pub use multicast::{MulticastStats, SacnMulticast};
pub use patch::{intensity_slots, patch_values, routes};
pub use receive::{
    Announce, MAX_POLL_REPLIES, listen_artnet, listen_sacn, listen_sacn_as, loopback_group,
};
pub use retry::{FailedJoin, JoinRetries, RETRY_FIRST, RETRY_MAX, Retry, retry_delay};
pub use timecode::frames_since_midnight;
pub(crate) use timecode::publish_artnet_timecode;
