//! Performer positions, whoever measures them: OSC (`/backlot/performer/<id>/position x y z`,
//! on the shared OSC port) and FreeD ids that no camera follows (tracking). Reactive layers
//! read them as [`PerformerSample`] messages without knowing either source.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bevy::prelude::*;
use rosc::OscType;

use crate::osc::Timed;
use crate::router::OscSink;

/// The OSC address prefix of performer positions.
pub const PERFORMER_PREFIX: &str = "/backlot/performer";
/// Most samples held between frames; beyond this the newest are dropped (counted).
pub const PERFORMER_LIMIT: usize = 4096;
/// Farthest a performer may be from the stage origin on any axis, metres: beyond this a
/// sample is a glitch or a unit mix-up, not a person.
pub const PERFORMER_MAX_M: f32 = 1000.0;

/// Which measurement a sample came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PerformerSource {
    /// OSC on the shared port.
    Osc,
    /// A FreeD tracker id that no camera follows.
    Freed,
}

/// A performer was seen at a position (metres, stage space) this frame.
#[derive(Message, Debug, Clone, Copy, PartialEq)]
pub struct PerformerSample {
    /// Performer id.
    pub id: u32,
    /// Position.
    pub position: Vec3,
    /// Source.
    pub source: PerformerSource,
}

impl PerformerSample {
    /// Whether the position is finite and within [`PERFORMER_MAX_M`] on every axis. Whoever
    /// takes samples in refuses (and counts) the rest: one NaN or infinity would make every
    /// later speed of that performer NaN.
    pub fn is_plausible(&self) -> bool {
        self.position.is_finite() && self.position.abs().max_element() <= PERFORMER_MAX_M
    }
}

/// Reads `/backlot/performer/<id>/position x y z` (floats, doubles or ints); anything else
/// under the prefix, or a position that is not [plausible](PerformerSample::is_plausible),
/// is `None`.
pub fn performer_message(address: &str, args: &[OscType]) -> Option<PerformerSample> {
    let rest = address.strip_prefix(PERFORMER_PREFIX)?.strip_prefix('/')?;
    let (id, "position") = rest.split_once('/')? else {
        return None;
    };
    let id = id.parse::<u32>().ok()?;
    let v: Vec<f32> = args
        .iter()
        .filter_map(|a| match a {
            OscType::Float(f) => Some(*f),
            OscType::Double(d) => Some(*d as f32),
            OscType::Int(i) => Some(*i as f32),
            _ => None,
        })
        .collect();
    let [x, y, z]: [f32; 3] = v.try_into().ok()?;
    let sample = PerformerSample {
        id,
        position: Vec3::new(x, y, z),
        source: PerformerSource::Osc,
    };
    sample.is_plausible().then_some(sample)
}

#[derive(Debug, Default)]
struct Pending {
    samples: Vec<PerformerSample>,
    rejected: u64,
    dropped: u64,
}

/// The router's performer subscriber: samples wait here until the next frame.
#[derive(Resource, Debug, Clone, Default)]
pub struct PerformerInbox(Arc<Mutex<Pending>>);

/// Counts shown with the performers.
#[derive(Resource, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PerformerCounts {
    /// Samples delivered.
    pub received: u64,
    /// Messages under the prefix that were not a usable position.
    pub rejected: u64,
    /// Dropped because a stalled frame let the inbox fill.
    pub dropped: u64,
}

impl OscSink for PerformerInbox {
    fn receive(&self, _from: SocketAddr, messages: Vec<Timed>) {
        let mut p = self.0.lock().unwrap_or_else(|e| e.into_inner());
        for m in messages {
            match performer_message(&m.message.addr, &m.message.args) {
                Some(_) if p.samples.len() >= PERFORMER_LIMIT => p.dropped += 1,
                Some(s) => p.samples.push(s),
                None => p.rejected += 1,
            }
        }
    }
}

/// Moves the samples received since the last frame into this frame's messages.
pub(crate) fn drain_performers(
    inbox: Res<PerformerInbox>,
    mut counts: ResMut<PerformerCounts>,
    mut out: MessageWriter<PerformerSample>,
) {
    let (samples, rejected, dropped) = {
        let mut p = inbox.0.lock().unwrap_or_else(|e| e.into_inner());
        (
            std::mem::take(&mut p.samples),
            std::mem::take(&mut p.rejected),
            std::mem::take(&mut p.dropped),
        )
    };
    counts.received += samples.len() as u64;
    counts.rejected += rejected;
    counts.dropped += dropped;
    out.write_batch(samples);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn positions_parse_and_the_rest_is_refused() {
        let s = performer_message(
            "/backlot/performer/7/position",
            &[OscType::Float(1.0), OscType::Double(2.0), OscType::Int(-3)],
        )
        .expect("position");
        assert_eq!((s.id, s.position), (7, Vec3::new(1.0, 2.0, -3.0)));
        for (addr, args) in [
            ("/backlot/performer/7/speed", vec![OscType::Float(1.0); 3]),
            (
                "/backlot/performer/x/position",
                vec![OscType::Float(1.0); 3],
            ),
            (
                "/backlot/performer/7/position",
                vec![OscType::Float(1.0); 2],
            ),
            (
                "/backlot/performer/7/position",
                vec![
                    OscType::Float(f32::NAN),
                    OscType::Float(0.0),
                    OscType::Float(0.0),
                ],
            ),
            (
                "/backlot/performers/7/position",
                vec![OscType::Float(1.0); 3],
            ),
        ] {
            assert_eq!(performer_message(addr, &args), None, "{addr} {args:?}");
        }
    }

    proptest! {
        #[test]
        fn any_address_never_panics(address in "\\PC{0,40}", n in 0usize..5) {
            let _ = performer_message(&address, &vec![OscType::Float(1.0); n]);
        }
    }

    // Non-finite and extreme positions: refused where they arrive, and counted.

    #[test]
    fn extreme_and_non_finite_positions_are_refused() {
        let at = |args: Vec<OscType>| performer_message("/backlot/performer/3/position", &args);
        let ok = at(vec![
            OscType::Float(-1000.0),
            OscType::Float(0.0),
            OscType::Float(1000.0),
        ]);
        assert!(ok.is_some_and(|s| s.is_plausible()));
        for bad in [
            vec![
                OscType::Float(1e30),
                OscType::Float(0.0),
                OscType::Float(0.0),
            ],
            vec![
                OscType::Float(0.0),
                OscType::Float(f32::INFINITY),
                OscType::Float(0.0),
            ],
            // A double beyond f32 would read as infinity.
            vec![
                OscType::Double(1e300),
                OscType::Float(0.0),
                OscType::Float(0.0),
            ],
            vec![
                OscType::Float(0.0),
                OscType::Float(0.0),
                OscType::Double(f64::NAN),
            ],
            vec![OscType::Int(2000), OscType::Int(0), OscType::Int(0)],
        ] {
            assert_eq!(at(bad.clone()), None, "{bad:?}");
        }
    }

    #[test]
    fn refused_positions_are_counted_and_good_ones_delivered() {
        let inbox = PerformerInbox::default();
        let position = |x: f32| Timed {
            at: None,
            message: rosc::OscMessage {
                addr: "/backlot/performer/1/position".into(),
                args: vec![OscType::Float(x), OscType::Float(0.0), OscType::Float(0.0)],
            },
        };
        let from: SocketAddr = "127.0.0.1:9".parse().expect("address");
        inbox.receive(from, vec![position(f32::NAN), position(1e9), position(1.5)]);
        let p = inbox.0.lock().expect("not poisoned");
        assert_eq!(p.rejected, 2);
        assert_eq!(p.samples.len(), 1);
        assert_eq!(p.samples[0].position, Vec3::new(1.5, 0.0, 0.0));
    }
}
