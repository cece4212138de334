//! OSCQuery: an HTTP server answering `GET /` with the JSON namespace of every parameter,
//! `GET /<address>` with that node, `GET /<address>?VALUE` with its value, and
//! `GET /?HOST_INFO` with how to reach the OSC server. `/status/frame_age_ms` and
//! `/status/stalls` are computed when asked, from the frame's heartbeat.
//!
//! The namespace and the answers are plain functions ([`build_tree`], [`answer`]); the
//! server is hyper on one supervised thread ([`HttpServer`]), bounded in connections,
//! header size and time so no client (a storm of idle connections, a slowloris, one that
//! never reads its replies) can hold it or lock out another.

mod http;
mod live;
mod namespace;
mod server;
mod stats;
mod write_deadline;

#[cfg(test)]
mod http_tests;

use std::time::Duration;

pub use self::http::{Limits, bind};
pub use namespace::{SharedSnapshot, Snapshot, answer, build_tree, namespace_ready, value_json};
pub use server::HttpServer;
pub use stats::Stats;

/// The wait after `failures` failures in a row: 5 ms doubling to `max`, so a persistent
/// error never spins a core and a passing one costs little.
fn backoff(failures: u32, max: Duration) -> Duration {
    Duration::from_millis(5u64 << failures.min(10)).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_to_its_cap() {
        let cap = Duration::from_millis(500);
        let delays: Vec<u128> = (0..10).map(|f| backoff(f, cap).as_millis()).collect();
        assert_eq!(delays, [5, 10, 20, 40, 80, 160, 320, 500, 500, 500]);
        assert_eq!(backoff(u32::MAX, cap), cap);
    }
}
