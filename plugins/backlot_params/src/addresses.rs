//! Parameter addresses every crate may name: built here, so no crate formats another
//! crate's address strings (a renamed leaf is one change, found by the compiler).

/// Tempo from MIDI clock, BPM (read-only status).
pub const TEMPO_BPM: &str = "/tempo/bpm";
/// Beat phase from MIDI clock, 0..1.
pub const TEMPO_BEAT: &str = "/tempo/beat";
/// MIDI start/stop.
pub const TEMPO_PLAYING: &str = "/tempo/playing";
/// Timecode, frames since midnight.
pub const TIMECODE: &str = "/timecode";
/// Frames per second.
pub const STATUS_FPS: &str = "/status/fps";
/// How long the current frame has been running, ms; OSCQuery computes it when asked, so it
/// grows while the frame loop is stuck (read-only status).
pub const STATUS_FRAME_AGE_MS: &str = "/status/frame_age_ms";
/// Frames the watchdog caught running past its limit since start (read-only status).
pub const STATUS_STALLS: &str = "/status/stalls";
/// Senders whose input statistics control forgot, to keep its table bounded.
pub const STATUS_INBOX_SENDERS_EVICTED: &str = "/status/inbox/senders_evicted";
/// Art-Net time codes replaced by a newer one before a frame took them (only the newest
/// applies, so control holds one).
pub const STATUS_INBOX_TIMECODES_REPLACED: &str = "/status/inbox/dmx/timecodes_replaced";
/// The layers' tempo, BPM (tap, audio or MIDI).
pub const LAYERS_TEMPO_BPM: &str = "/layers/tempo/bpm";
/// The layers' beat phase, 0..1.
pub const LAYERS_TEMPO_BEAT: &str = "/layers/tempo/beat";
/// The layers' bar phase, 0..1.
pub const LAYERS_TEMPO_BAR: &str = "/layers/tempo/bar";
/// Tap tempo.
pub const LAYERS_TEMPO_TAP: &str = "/layers/tempo/tap";

/// `/stage/cameras/<id>/<leaf>`: a stage camera (pose, lens) that tracking drives.
pub fn stage_camera(id: u32, leaf: &str) -> String {
    format!("/stage/cameras/{id}/{leaf}")
}

/// `/stage/outputs/<name>/<leaf>`: a processor output.
pub fn stage_output(name: &str, leaf: &str) -> String {
    format!("/stage/outputs/{name}/{leaf}")
}

/// `/scene/entities/<name>/<leaf>`.
pub fn scene_entity(name: &str, leaf: &str) -> String {
    format!("/scene/entities/{name}/{leaf}")
}

/// `/scene/lights/<name>/<leaf>`.
pub fn scene_light(name: &str, leaf: &str) -> String {
    format!("/scene/lights/{name}/{leaf}")
}

/// `/tracking/<camera id>/<leaf>`: a tracked camera's settings and health.
pub fn tracking_camera(id: u32, leaf: &str) -> String {
    format!("/tracking/{id}/{leaf}")
}

/// `/layers/<layer>/<leaf>`: a reactive layer's mix controls and output.
pub fn layer(name: &str, leaf: &str) -> String {
    format!("/layers/{name}/{leaf}")
}

/// `/status/inbox/<protocol>/<leaf>`: control's queue for one protocol (`osc`, `dmx`,
/// `midi`): `queued`, `dropped`, `dropped_bytes`, `coalesced`.
pub fn status_inbox(protocol: &str, leaf: &str) -> String {
    format!("/status/inbox/{protocol}/{leaf}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ParamAddress;

    #[test]
    fn built_addresses_are_valid() {
        for a in [
            stage_camera(1, "position"),
            stage_output("left", "brightness"),
            scene_entity("ring", "emissive"),
            scene_light("key", "intensity"),
            tracking_camera(2, "delay_ms"),
            layer("pulse", "mute"),
            status_inbox("osc", "dropped"),
            STATUS_INBOX_SENDERS_EVICTED.into(),
            STATUS_INBOX_TIMECODES_REPLACED.into(),
            STATUS_FRAME_AGE_MS.into(),
            STATUS_STALLS.into(),
            TEMPO_BPM.into(),
            LAYERS_TEMPO_TAP.into(),
        ] {
            assert!(ParamAddress::new(&a).is_ok(), "{a}");
        }
    }
}
