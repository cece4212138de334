//! Values OSCQuery computes when asked instead of serving the frame's last snapshot: a stuck
//! frame loop stops refreshing the snapshot, and these are what must show it.

use std::time::Instant;

use backlot_params::{ParamValue, addresses};
use backlot_ui::Heartbeat;
use serde_json::Value;

use super::namespace::value_json;
use crate::OscQueryServer;

/// `path`'s value as of `now`, when it is one computed at request time.
pub(super) fn value(heartbeat: &Heartbeat, path: &str, now: Instant) -> Option<ParamValue> {
    match path.trim_end_matches('/') {
        addresses::STATUS_FRAME_AGE_MS => {
            let age = heartbeat
                .sample_at(now)
                .map_or(0.0, |s| s.age.as_secs_f32() * 1000.0);
            Some(ParamValue::Float(age))
        }
        addresses::STATUS_STALLS => Some(ParamValue::Int(
            i32::try_from(heartbeat.stalls()).unwrap_or(i32::MAX),
        )),
        _ => None,
    }
}

/// `node` with its VALUE replaced by `value`.
pub(super) fn with_value(node: &Value, value: &ParamValue) -> Value {
    let mut node = node.clone();
    if let Some(object) = node.as_object_mut() {
        object.insert("VALUE".into(), value_json(value));
    }
    node
}

impl OscQueryServer {
    /// Answers `/status/frame_age_ms` and `/status/stalls` from the frame's heartbeat when
    /// asked, so they stay true while the frame loop is stuck. Call once both exist; a
    /// server already running picks it up with its next request.
    pub fn serve_heartbeat(&self, heartbeat: Heartbeat) {
        self.snapshot
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .live = Some(heartbeat);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use backlot_ui::Heartbeat;
    use serde_json::{Value, json};

    use super::super::namespace::{Snapshot, answer_at};

    /// What the frame last published: a stale age, a stale stall count.
    fn snapshot(live: Option<Heartbeat>) -> Snapshot {
        let leaf = |path: &str, ty: &str, value: Value| json!({ "FULL_PATH": path, "TYPE": ty, "VALUE": [value], "ACCESS": 1 });
        let tree = json!({
            "FULL_PATH": "/",
            "ACCESS": 0,
            "CONTENTS": { "status": {
                "FULL_PATH": "/status",
                "ACCESS": 0,
                "CONTENTS": {
                    "frame_age_ms": leaf("/status/frame_age_ms", "f", json!(3.5)),
                    "stalls": leaf("/status/stalls", "i", json!(7)),
                    "fps": leaf("/status/fps", "f", json!(60.0)),
                },
            }},
        });
        Snapshot {
            tree: Arc::new(tree),
            ready: true,
            live,
            ..Snapshot::default()
        }
    }

    fn number(body: &str) -> f64 {
        let v: Value = serde_json::from_str(body).expect("json");
        v["VALUE"][0].as_f64().expect("a number")
    }

    #[test]
    fn frame_age_is_computed_when_asked_and_grows_while_stuck() {
        let beat = Heartbeat::default();
        let s = snapshot(Some(beat.clone()));
        let now = Instant::now();
        let (code, body) = answer_at(&s, "/status/frame_age_ms?VALUE", now);
        assert_eq!((code, number(&body)), (200, 0.0), "no frame yet: {body}");
        beat.begin_frame();
        let stuck = Instant::now() + Duration::from_secs(3);
        let age = number(&answer_at(&s, "/status/frame_age_ms?VALUE", stuck).1);
        assert!(age >= 3000.0, "{age}");
        let later = stuck + Duration::from_secs(2);
        let age = number(&answer_at(&s, "/status/frame_age_ms?VALUE", later).1);
        assert!(age >= 5000.0, "{age}");
        // The node itself, trailing slash and all, carries the live value.
        let (code, node) = answer_at(&s, "/status/frame_age_ms/", stuck);
        assert_eq!(code, 200);
        let node: Value = serde_json::from_str(&node).expect("json");
        assert_eq!(node["TYPE"], "f");
        assert!(
            node["VALUE"][0].as_f64().is_some_and(|v| v >= 3000.0),
            "{node}"
        );
        assert_eq!(number(&answer_at(&s, "/status/stalls?VALUE", stuck).1), 0.0);
        // Everything else is the snapshot's.
        assert_eq!(
            answer_at(&s, "/status/fps?VALUE", stuck),
            (200, "{\"VALUE\":[60.0]}".to_string())
        );
    }

    #[test]
    fn without_a_heartbeat_the_snapshot_answers() {
        let s = snapshot(None);
        let now = Instant::now() + Duration::from_secs(3);
        assert_eq!(
            number(&answer_at(&s, "/status/frame_age_ms?VALUE", now).1),
            3.5
        );
        assert_eq!(number(&answer_at(&s, "/status/stalls?VALUE", now).1), 7.0);
    }
}
