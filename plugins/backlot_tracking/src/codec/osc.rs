//! Camera tracking over OSC: `/backlot/camera/<id>/pose fff fff` (x y z metres in stage
//! space, pan tilt roll degrees), `/backlot/camera/<id>/fov f` (horizontal degrees) and
//! `/backlot/camera/<id>/focal f` (mm). Bundles are flattened in order.

use rosc::{OscPacket, OscType};
use thiserror::Error;

/// Largest OSC packet accepted (a UDP datagram can be at most this).
pub const MAX_PACKET: usize = 65_507;

/// One tracking value for one camera.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OscTracking {
    /// Position (stage metres) and pan, tilt, roll (degrees).
    Pose {
        /// Camera id.
        camera: u32,
        /// x, y, z.
        position: [f32; 3],
        /// pan, tilt, roll.
        rotation: [f32; 3],
    },
    /// Horizontal field of view, degrees.
    Fov {
        /// Camera id.
        camera: u32,
        /// Degrees.
        degrees: f32,
    },
    /// Focal length, mm (turned into a field of view with the lens's sensor width).
    Focal {
        /// Camera id.
        camera: u32,
        /// mm.
        mm: f32,
    },
}

impl OscTracking {
    /// The camera the value is for.
    pub fn camera(&self) -> u32 {
        match self {
            OscTracking::Pose { camera, .. }
            | OscTracking::Fov { camera, .. }
            | OscTracking::Focal { camera, .. } => *camera,
        }
    }
}

/// Why a datagram, or a message in it, is not usable tracking.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum OscTrackingError {
    /// Not OSC at all, or truncated.
    #[error("malformed OSC packet: {0}")]
    Malformed(String),
    /// Too large.
    #[error("OSC packet of {0} bytes is larger than a UDP datagram")]
    Oversized(usize),
    /// A tracking address with the wrong arguments.
    #[error("{address}: {problem}")]
    BadArguments {
        /// The address.
        address: String,
        /// What is wrong.
        problem: String,
        /// The camera id in the address.
        camera: u32,
    },
    /// Not a tracking address (other OSC traffic on a shared port).
    #[error("{0}: not a camera tracking address")]
    NotTracking(String),
}

fn number(arg: &OscType) -> Option<f32> {
    let v = match arg {
        OscType::Float(v) => *v,
        OscType::Double(v) => *v as f32,
        OscType::Int(v) => *v as f32,
        OscType::Long(v) => *v as f32,
        _ => return None,
    };
    v.is_finite().then_some(v)
}

/// Decodes one UDP datagram into tracking values; each message that is not usable gives
/// its own error so it can be counted while the rest still apply.
pub fn decode(
    bytes: &[u8],
) -> Result<Vec<Result<OscTracking, OscTrackingError>>, OscTrackingError> {
    if bytes.len() > MAX_PACKET {
        return Err(OscTrackingError::Oversized(bytes.len()));
    }
    let (_, packet) = rosc::decoder::decode_udp(bytes)
        .map_err(|e| OscTrackingError::Malformed(format!("{e:?}")))?;
    let mut out = Vec::new();
    flatten(packet, &mut out, 0);
    Ok(out)
}

fn flatten(packet: OscPacket, out: &mut Vec<Result<OscTracking, OscTrackingError>>, depth: u32) {
    match packet {
        OscPacket::Message(m) => out.push(message(&m.addr, &m.args)),
        // rosc 0.11 does not bound nesting: it recurses per nested bundle while decoding,
        // before this runs. This guard bounds only this walk; bounding rosc takes
        // `backlot_net::osc::check_depth` on the bytes first.
        OscPacket::Bundle(b) if depth < 16 => {
            for p in b.content {
                flatten(p, out, depth + 1);
            }
        }
        OscPacket::Bundle(_) => out.push(Err(OscTrackingError::Malformed(
            "bundles nested too deeply".into(),
        ))),
    }
}

/// Interprets one message.
pub fn message(address: &str, args: &[OscType]) -> Result<OscTracking, OscTrackingError> {
    let not_tracking = || OscTrackingError::NotTracking(address.to_string());
    let rest = address
        .strip_prefix("/backlot/camera/")
        .ok_or_else(not_tracking)?;
    let (id, what) = rest.split_once('/').ok_or_else(not_tracking)?;
    let camera: u32 = id.parse().map_err(|_| not_tracking())?;
    let bad = |problem: String| OscTrackingError::BadArguments {
        address: address.to_string(),
        problem,
        camera,
    };
    let numbers: Vec<f32> = args
        .iter()
        .map(number)
        .collect::<Option<_>>()
        .ok_or_else(|| bad("arguments must be finite numbers (f, d, i or h)".into()))?;
    match what {
        "pose" => {
            let [x, y, z, pan, tilt, roll]: [f32; 6] = numbers
                .try_into()
                .map_err(|v: Vec<f32>| bad(format!("pose needs 6 numbers, got {}", v.len())))?;
            Ok(OscTracking::Pose {
                camera,
                position: [x, y, z],
                rotation: [pan, tilt, roll],
            })
        }
        "fov" | "focal" => {
            let [v]: [f32; 1] = numbers
                .try_into()
                .map_err(|v: Vec<f32>| bad(format!("{what} needs 1 number, got {}", v.len())))?;
            if v <= 0.0 {
                return Err(bad(format!("{what} must be positive, got {v}")));
            }
            Ok(if what == "fov" {
                OscTracking::Fov { camera, degrees: v }
            } else {
                OscTracking::Focal { camera, mm: v }
            })
        }
        _ => Err(not_tracking()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rosc::{OscBundle, OscMessage, OscTime, encoder};

    fn msg(addr: &str, args: Vec<OscType>) -> Vec<u8> {
        encoder::encode(&OscPacket::Message(OscMessage {
            addr: addr.into(),
            args,
        }))
        .expect("encodes")
    }

    #[test]
    fn pose_fov_and_focal() {
        let pose = msg(
            "/backlot/camera/1/pose",
            [1.0, 1.5, 2.5, 30.0, -5.0, 0.0]
                .map(OscType::Float)
                .to_vec(),
        );
        assert_eq!(
            decode(&pose).expect("osc"),
            vec![Ok(OscTracking::Pose {
                camera: 1,
                position: [1.0, 1.5, 2.5],
                rotation: [30.0, -5.0, 0.0]
            })]
        );
        // Ints and doubles are numbers too.
        let fov = msg("/backlot/camera/12/fov", vec![OscType::Double(40.0)]);
        assert_eq!(
            decode(&fov).expect("osc"),
            vec![Ok(OscTracking::Fov {
                camera: 12,
                degrees: 40.0
            })]
        );
        let focal = msg("/backlot/camera/2/focal", vec![OscType::Int(35)]);
        assert_eq!(
            decode(&focal).expect("osc"),
            vec![Ok(OscTracking::Focal {
                camera: 2,
                mm: 35.0
            })]
        );
    }

    #[test]
    fn bundles_flatten_and_bad_messages_are_errors_of_their_own() {
        let bundle = encoder::encode(&OscPacket::Bundle(OscBundle {
            timetag: OscTime::from((0, 1)),
            content: vec![
                OscPacket::Message(OscMessage {
                    addr: "/backlot/camera/1/fov".into(),
                    args: vec![OscType::Float(50.0)],
                }),
                OscPacket::Message(OscMessage {
                    addr: "/backlot/camera/1/pose".into(),
                    args: vec![OscType::Float(1.0)],
                }),
                OscPacket::Message(OscMessage {
                    addr: "/scene/lights/key/intensity".into(),
                    args: vec![OscType::Float(1.0)],
                }),
            ],
        }))
        .expect("encodes");
        let out = decode(&bundle).expect("osc");
        assert_eq!(out.len(), 3);
        assert!(out[0].is_ok());
        assert!(matches!(
            out[1],
            Err(OscTrackingError::BadArguments { camera: 1, .. })
        ));
        assert!(matches!(out[2], Err(OscTrackingError::NotTracking(_))));
        let nan = msg("/backlot/camera/1/fov", vec![OscType::Float(f32::NAN)]);
        assert!(matches!(
            decode(&nan).expect("osc")[0],
            Err(OscTrackingError::BadArguments { .. })
        ));
    }

    // protocols.md's OSC vectors are not tracking addresses: decoded, then refused as such.
    #[test]
    fn protocol_vectors_are_osc_but_not_tracking() {
        for hex in [
            "2f6f7363696c6c61746f722f342f6672657175656e6379002c66000043dc0000",
            "2f666f6f000000002c69697366660000000003e8ffffffff68656c6c6f0000003f9df3b640b5b22d",
        ] {
            let bytes: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                .collect();
            let out = decode(&bytes).expect("valid OSC");
            assert!(matches!(out[0], Err(OscTrackingError::NotTracking(_))));
            assert!(decode(&bytes[..bytes.len() - 3]).is_err(), "truncated");
        }
        assert!(decode(&vec![0u8; MAX_PACKET + 1]).is_err());
    }

    proptest! {
        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = decode(&bytes);
        }

        #[test]
        fn any_pose_round_trips(id in 0u32..1000, v in proptest::array::uniform6(-1000f32..1000.0)) {
            let bytes = msg(&format!("/backlot/camera/{id}/pose"), v.map(OscType::Float).to_vec());
            let out = decode(&bytes).expect("osc");
            prop_assert_eq!(out, vec![Ok(OscTracking::Pose {
                camera: id,
                position: [v[0], v[1], v[2]],
                rotation: [v[3], v[4], v[5]],
            })]);
        }
    }
}
