//! What every node says about itself a few times a second on `backlot/<c>/status/<node>`:
//! JSON, so any Zenoh client reads it without a decoder.

use serde::{Deserialize, Serialize};

use crate::file::Role;

/// Longest status message accepted; a bigger one is not a backlot node's.
pub const MAX_STATUS: usize = 4096;

/// One node's status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeStatus {
    /// The node's name.
    pub node: String,
    /// Its role now (a promoted backup says `primary`).
    pub role: Role,
    /// The last frame it ran (primary: published; render: rendered).
    pub frame: u64,
    /// Frames per second over the last second.
    pub fps: f32,
    /// The failover epoch it follows.
    pub epoch: u32,
    /// Whether its scene and stage are loaded (a lockstep primary waits for this).
    pub ready: bool,
    /// The outputs it draws now (a spare that took over draws a lost node's).
    #[serde(default)]
    pub outputs: Vec<String>,
    /// When its process started, ms since the Unix epoch: of two nodes claiming one role or
    /// one output, the one that started later yields.
    #[serde(default)]
    pub started_ms: u64,
}

impl NodeStatus {
    /// The message's bytes.
    pub fn encode(&self) -> Vec<u8> {
        // Plain data: serialising it cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// A status from bytes; `None` for anything that is not one.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        if bytes.len() > MAX_STATUS {
            return None;
        }
        let status: NodeStatus = serde_json::from_slice(bytes).ok()?;
        status.fps.is_finite().then_some(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_round_trips_and_junk_is_refused() {
        let s = NodeStatus {
            node: "c".into(),
            role: Role::Render,
            frame: 42,
            fps: 59.9,
            epoch: 1,
            ready: true,
            outputs: vec!["wall_left".into()],
            started_ms: 1_790_000_000_000,
        };
        assert_eq!(NodeStatus::decode(&s.encode()), Some(s));
        assert_eq!(NodeStatus::decode(b"{\"node\":1}"), None);
        assert_eq!(NodeStatus::decode(&vec![b' '; MAX_STATUS + 1]), None);
    }
}
