//! The OSC router: one port carries parameters, camera tracking and performer positions;
//! each packet is decoded once and its messages handed to the subscriber of the longest
//! matching address prefix (`/backlot/camera` → tracking, `/backlot/performer` → layers),
//! everything else to the fallback (control).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use bevy::prelude::Resource;

use crate::osc::{self, OscError, Timed};

/// Where routed messages go. Called on the receiving thread: a sink hands messages to its
/// own bounded inbox and returns.
pub trait OscSink: Send + Sync + 'static {
    /// The messages of one packet under this sink's prefix, in packet order.
    fn receive(&self, from: SocketAddr, messages: Vec<Timed>);
    /// A packet that is not OSC (told to the fallback only).
    fn malformed(&self, _from: SocketAddr, _error: &OscError) {}
}

#[derive(Default)]
struct Routes {
    by_prefix: Vec<(String, Arc<dyn OscSink>)>,
    fallback: Option<Arc<dyn OscSink>>,
    port: Option<u16>,
}

/// Shared by the socket threads that receive OSC and the plugins that subscribe.
#[derive(Resource, Clone, Default)]
pub struct OscRouter {
    routes: Arc<RwLock<Routes>>,
    decoded: Arc<AtomicU64>,
    unrouted: Arc<AtomicU64>,
}

impl std::fmt::Debug for OscRouter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OscRouter")
            .field("prefixes", &self.prefixes())
            .field("decoded", &self.decoded())
            .finish()
    }
}

/// Whether `address` is `prefix` or below it (`/a/b` is under `/a`, `/ab` is not).
pub fn under(address: &str, prefix: &str) -> bool {
    address
        .strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/') || prefix.ends_with('/'))
}

impl OscRouter {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Routes> {
        self.routes.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Routes> {
        self.routes.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends messages under `prefix` to `sink` (replacing an earlier sink for it).
    pub fn subscribe(&self, prefix: &str, sink: Arc<dyn OscSink>) {
        let mut routes = self.write();
        routes.by_prefix.retain(|(p, _)| p != prefix);
        routes.by_prefix.push((prefix.to_string(), sink));
        // Longest first, so the first match is the most specific.
        routes
            .by_prefix
            .sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    }

    /// Stops sending messages under `prefix` (they go to the fallback again).
    pub fn unsubscribe(&self, prefix: &str) {
        self.write().by_prefix.retain(|(p, _)| p != prefix);
    }

    /// Where messages no prefix claims go.
    pub fn set_fallback(&self, sink: Arc<dyn OscSink>) {
        self.write().fallback = Some(sink);
    }

    /// The UDP port a server delivers to this router from, once one does.
    pub fn port(&self) -> Option<u16> {
        self.read().port
    }

    /// Says which UDP port feeds this router (a tracker on that port subscribes instead of
    /// binding it a second time).
    pub fn serve(&self, port: u16) {
        self.write().port = Some(port);
    }

    /// The subscribed prefixes, most specific first.
    pub fn prefixes(&self) -> Vec<String> {
        self.read()
            .by_prefix
            .iter()
            .map(|(p, _)| p.clone())
            .collect()
    }

    /// Packets decoded so far.
    pub fn decoded(&self) -> u64 {
        self.decoded.load(Ordering::Relaxed)
    }

    /// Messages no subscriber and no fallback took.
    pub fn unrouted(&self) -> u64 {
        self.unrouted.load(Ordering::Relaxed)
    }

    /// Decodes one packet (datagram or SLIP frame) and hands each subscriber its messages.
    pub fn deliver(&self, bytes: &[u8], from: SocketAddr) {
        let decoded = osc::decode(bytes);
        self.decoded.fetch_add(1, Ordering::Relaxed);
        let (sinks, fallback) = {
            let routes = self.read();
            (routes.by_prefix.clone(), routes.fallback.clone())
        };
        let messages = match decoded {
            Ok(m) => m,
            Err(e) => {
                if let Some(f) = fallback {
                    f.malformed(from, &e);
                }
                return;
            }
        };
        let mut batches: Vec<Vec<Timed>> = vec![Vec::new(); sinks.len() + 1];
        for m in messages {
            let i = sinks
                .iter()
                .position(|(p, _)| under(&m.message.addr, p))
                .unwrap_or(sinks.len());
            batches[i].push(m);
        }
        let rest = batches.pop().unwrap_or_default();
        for ((_, sink), batch) in sinks.iter().zip(batches) {
            if !batch.is_empty() {
                sink.receive(from, batch);
            }
        }
        if !rest.is_empty() {
            match fallback {
                Some(f) => f.receive(from, rest),
                None => {
                    self.unrouted
                        .fetch_add(rest.len() as u64, Ordering::Relaxed);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Collect(Mutex<Vec<(usize, Vec<String>)>>);

    impl OscSink for Collect {
        fn receive(&self, _from: SocketAddr, messages: Vec<Timed>) {
            let mut calls = self.0.lock().expect("lock");
            let n = calls.len();
            calls.push((n, messages.into_iter().map(|m| m.message.addr).collect()));
        }
    }

    fn addresses(c: &Collect) -> Vec<Vec<String>> {
        c.0.lock()
            .expect("lock")
            .iter()
            .map(|(_, a)| a.clone())
            .collect()
    }

    #[test]
    fn prefixes_match_whole_segments() {
        assert!(under("/backlot/camera/1/pose", "/backlot/camera"));
        assert!(under("/backlot/camera", "/backlot/camera"));
        assert!(!under("/backlot/cameras/1", "/backlot/camera"));
        assert!(under("/anything", "/"));
    }

    #[test]
    fn one_bundle_reaches_three_subscribers_with_one_decode() {
        use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};
        let message = |addr: &str, args: Vec<OscType>| {
            OscPacket::Message(OscMessage {
                addr: addr.into(),
                args,
            })
        };
        let bundle = OscPacket::Bundle(OscBundle {
            timetag: OscTime {
                seconds: 0,
                fractional: 1,
            },
            content: vec![
                message("/backlot/camera/1/pose", vec![OscType::Float(0.0); 6]),
                message(
                    "/backlot/performer/2/position",
                    vec![
                        OscType::Float(1.0),
                        OscType::Float(0.0),
                        OscType::Float(-2.0),
                    ],
                ),
                message("/scene/fog/density", vec![OscType::Float(0.5)]),
            ],
        });
        let bytes = rosc::encoder::encode(&bundle).expect("encode");
        let router = OscRouter::default();
        let (camera, performer, control) = (
            Arc::new(Collect::default()),
            Arc::new(Collect::default()),
            Arc::new(Collect::default()),
        );
        router.subscribe("/backlot/camera", camera.clone());
        router.subscribe("/backlot/performer", performer.clone());
        router.set_fallback(control.clone());
        router.deliver(&bytes, "127.0.0.1:9".parse().expect("addr"));
        assert_eq!(router.decoded(), 1, "one decode for the whole bundle");
        assert_eq!(addresses(&camera), vec![vec!["/backlot/camera/1/pose"]]);
        assert_eq!(
            addresses(&performer),
            vec![vec!["/backlot/performer/2/position"]]
        );
        assert_eq!(addresses(&control), vec![vec!["/scene/fog/density"]]);
        // Unsubscribed, camera messages fall back to control.
        router.unsubscribe("/backlot/camera");
        router.deliver(&bytes, "127.0.0.1:9".parse().expect("addr"));
        assert_eq!(
            addresses(&control)[1],
            vec!["/backlot/camera/1/pose", "/scene/fog/density"]
        );
    }

    #[test]
    fn malformed_packets_reach_the_fallback_only() {
        #[derive(Default)]
        struct Bad(Mutex<u32>);
        impl OscSink for Bad {
            fn receive(&self, _: SocketAddr, _: Vec<Timed>) {}
            fn malformed(&self, _: SocketAddr, _: &OscError) {
                *self.0.lock().expect("lock") += 1;
            }
        }
        let router = OscRouter::default();
        let bad = Arc::new(Bad::default());
        router.set_fallback(bad.clone());
        router.deliver(b"not osc", "127.0.0.1:9".parse().expect("addr"));
        assert_eq!(*bad.0.lock().expect("lock"), 1);
    }
}
