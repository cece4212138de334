//! Frame state → bytes.

use backlot_params::{Claim, ParamValue, Source, TempoCarry};

use super::{
    FLAG_SNAPSHOT, FrameError, FrameHeader, FrameState, MAGIC, MAX_BODIES, MAX_CLAIMS, MAX_FILES,
    MAX_MESSAGE, MAX_VALUES, MIN_BODY_LEN, MIN_CLAIM_LEN, MIN_FILE_LEN, MIN_VALUE_LEN, VERSION,
    source_tag, tag,
};

/// The header's fixed part: magic, version, flags, cluster length, frame, scene time,
/// primary length, epoch, file count.
const HEADER_FIXED_LEN: usize = 4 + 1 + 1 + 1 + 8 + 8 + 1 + 4 + 1;
/// The body's fixed part: the value and body counts, the claims' and the tempo's presence
/// bytes.
const BODY_FIXED_LEN: usize = 4 + 4 + 1 + 1;
/// The claim count, when the claims are present.
const CLAIM_COUNT_LEN: usize = 4;
/// The tempo, when present: BPM and beats.
const TEMPO_LEN: usize = 8 + 8;

/// Writes a frame state. Fails, and returns no bytes, on a list over its limit, a string
/// longer than its length prefix can say, a NaN or infinite number, or a message over
/// [`MAX_MESSAGE`](super::MAX_MESSAGE) bytes. Reserved flag bits are written clear.
pub fn encode(state: &FrameState) -> Result<Vec<u8>, FrameError> {
    let header = &state.header;
    let files: u8 = count("files", header.revisions.len(), MAX_FILES)?;
    let values: u32 = count("values", state.values.len(), MAX_VALUES)?;
    let bodies: u32 = count("bodies", state.bodies.len(), MAX_BODIES)?;
    let claims: Option<u32> = state
        .claims
        .as_ref()
        .map(|claims| count("claims", claims.len(), MAX_CLAIMS))
        .transpose()?;
    // Sized first, so that an oversized state is refused before anything is allocated.
    let len = encoded_len(state);
    if len > MAX_MESSAGE {
        return Err(FrameError::TooLarge(len));
    }
    let mut out = Writer(Vec::with_capacity(len));
    out.header(header, files)?;
    out.put_u32(values);
    for (address, value) in &state.values {
        out.str16("address", address)?;
        out.value(value)?;
    }
    out.put_u32(bodies);
    for body in &state.bodies {
        out.str16("body name", &body.name)?;
        out.put_f32s(&body.translation)?;
        out.put_f32s(&body.rotation)?;
        out.put_f32s(&body.linear_velocity)?;
        out.put_f32s(&body.angular_velocity)?;
    }
    match (&state.claims, claims) {
        (Some(list), Some(n)) => {
            out.put_u8(1);
            out.put_u32(n);
            for claim in list {
                out.claim(claim)?;
            }
        }
        _ => out.put_u8(0),
    }
    match state.tempo {
        Some(TempoCarry { bpm, beats }) => {
            out.put_u8(1);
            out.put_f64(bpm)?;
            out.put_f64(beats)?;
        }
        None => out.put_u8(0),
    }
    debug_assert_eq!(out.0.len(), len, "encoded_len agrees with what is written");
    Ok(out.0)
}

/// A list's length as its count field, or `TooMany` past its limit (which every count
/// field can hold).
fn count<T: TryFrom<usize>>(what: &'static str, count: usize, max: usize) -> Result<T, FrameError> {
    let too_many = FrameError::TooMany { what, count, max };
    if count > max {
        return Err(too_many);
    }
    T::try_from(count).map_err(|_| too_many)
}

/// The encoded size of `state`. Lengths of strings too long for their prefix are counted
/// as they are; writing refuses them afterwards.
fn encoded_len(state: &FrameState) -> usize {
    let header = &state.header;
    let files: usize = header
        .revisions
        .iter()
        .map(|(kind, _)| MIN_FILE_LEN + kind.len())
        .sum();
    let values: usize = state
        .values
        .iter()
        .map(|(address, value)| MIN_VALUE_LEN + address.len() + payload_len(value))
        .sum();
    let bodies: usize = state
        .bodies
        .iter()
        .map(|body| MIN_BODY_LEN + body.name.len())
        .sum();
    let claims: usize = state.claims.as_ref().map_or(0, |claims| {
        CLAIM_COUNT_LEN + claims.iter().map(claim_len).sum::<usize>()
    });
    let tempo = if state.tempo.is_some() { TEMPO_LEN } else { 0 };
    HEADER_FIXED_LEN
        + header.cluster.len()
        + header.primary.len()
        + files
        + BODY_FIXED_LEN
        + values
        + bodies
        + claims
        + tempo
}

/// The bytes after a value's tag.
fn payload_len(value: &ParamValue) -> usize {
    match value {
        ParamValue::Float(_) | ParamValue::Int(_) => 4,
        ParamValue::Bool(_) => 1,
        ParamValue::Color(_) | ParamValue::Vec3(_) => 3 * 4,
        ParamValue::Trigger => 0,
        ParamValue::Enum(name) => 2 + name.len(),
    }
}

/// The bytes after a source's tag.
fn source_payload_len(source: &Source) -> usize {
    match source {
        Source::Scene | Source::Layers | Source::Operator => 0,
        Source::Dmx(_) => 2,
        Source::Cue(name)
        | Source::Tracking(name)
        | Source::Osc(name)
        | Source::Midi(name)
        | Source::Cluster(name) => 2 + name.len(),
    }
}

fn claim_len(claim: &Claim) -> usize {
    let held = claim.held.as_ref().map_or(0, |v| 1 + payload_len(v));
    let under = claim
        .under
        .as_ref()
        .map_or(0, |(v, s)| 1 + payload_len(v) + 1 + source_payload_len(s));
    MIN_CLAIM_LEN + claim.address.len() + source_payload_len(&claim.driver) + held + under
}

/// The message being written.
struct Writer(Vec<u8>);

impl Writer {
    fn header(&mut self, header: &FrameHeader, files: u8) -> Result<(), FrameError> {
        self.put_bytes(&MAGIC);
        self.put_u8(VERSION);
        self.put_u8(if header.snapshot { FLAG_SNAPSHOT } else { 0 });
        self.str8("cluster", &header.cluster)?;
        self.put_bytes(&header.frame.to_le_bytes());
        self.put_f64(header.scene_time)?;
        self.str8("primary", &header.primary)?;
        self.put_u32(header.epoch);
        self.put_u8(files);
        for (kind, revision) in &header.revisions {
            self.str8("file kind", kind)?;
            self.put_bytes(&revision.to_le_bytes());
        }
        Ok(())
    }

    /// A value's tag and payload.
    fn value(&mut self, value: &ParamValue) -> Result<(), FrameError> {
        match value {
            ParamValue::Float(v) => {
                self.put_u8(tag::FLOAT);
                self.put_f32(*v)?;
            }
            ParamValue::Int(v) => {
                self.put_u8(tag::INT);
                self.put_bytes(&v.to_le_bytes());
            }
            ParamValue::Bool(v) => {
                self.put_u8(tag::BOOL);
                self.put_u8(u8::from(*v));
            }
            ParamValue::Color(v) => {
                self.put_u8(tag::COLOR);
                self.put_f32s(v)?;
            }
            ParamValue::Vec3(v) => {
                self.put_u8(tag::VEC3);
                self.put_f32s(v)?;
            }
            ParamValue::Trigger => self.put_u8(tag::TRIGGER),
            ParamValue::Enum(name) => {
                self.put_u8(tag::ENUM);
                self.str16("enum name", name)?;
            }
        }
        Ok(())
    }

    /// A source's tag and, for those with one, its name or universe.
    fn source(&mut self, source: &Source) -> Result<(), FrameError> {
        let (code, name) = match source {
            Source::Scene => (source_tag::SCENE, None),
            Source::Cue(name) => (source_tag::CUE, Some(name)),
            Source::Layers => (source_tag::LAYERS, None),
            Source::Tracking(name) => (source_tag::TRACKING, Some(name)),
            Source::Osc(name) => (source_tag::OSC, Some(name)),
            Source::Midi(name) => (source_tag::MIDI, Some(name)),
            Source::Dmx(universe) => {
                self.put_u8(source_tag::DMX);
                self.put_bytes(&universe.to_le_bytes());
                return Ok(());
            }
            Source::Operator => (source_tag::OPERATOR, None),
            Source::Cluster(name) => (source_tag::CLUSTER, Some(name)),
        };
        self.put_u8(code);
        match name {
            Some(name) => self.str16("source name", name),
            None => Ok(()),
        }
    }

    fn claim(&mut self, claim: &Claim) -> Result<(), FrameError> {
        self.str16("address", &claim.address)?;
        self.source(&claim.driver)?;
        match &claim.held {
            Some(value) => {
                self.put_u8(1);
                self.value(value)?;
            }
            None => self.put_u8(0),
        }
        match &claim.under {
            Some((value, source)) => {
                self.put_u8(1);
                self.value(value)?;
                self.source(source)?;
            }
            None => self.put_u8(0),
        }
        Ok(())
    }

    fn put_bytes(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }

    fn put_u8(&mut self, v: u8) {
        self.0.push(v);
    }

    fn put_u32(&mut self, v: u32) {
        self.put_bytes(&v.to_le_bytes());
    }

    fn put_f32(&mut self, v: f32) -> Result<(), FrameError> {
        if !v.is_finite() {
            return Err(FrameError::NotFinite { at: self.0.len() });
        }
        self.put_bytes(&v.to_le_bytes());
        Ok(())
    }

    fn put_f32s(&mut self, vs: &[f32]) -> Result<(), FrameError> {
        vs.iter().try_for_each(|&v| self.put_f32(v))
    }

    fn put_f64(&mut self, v: f64) -> Result<(), FrameError> {
        if !v.is_finite() {
            return Err(FrameError::NotFinite { at: self.0.len() });
        }
        self.put_bytes(&v.to_le_bytes());
        Ok(())
    }

    /// A string with a u8 length.
    fn str8(&mut self, what: &'static str, s: &str) -> Result<(), FrameError> {
        let len =
            u8::try_from(s.len()).map_err(|_| FrameError::StringTooLong { what, len: s.len() })?;
        self.put_u8(len);
        self.put_bytes(s.as_bytes());
        Ok(())
    }

    /// A string with a u16 length.
    fn str16(&mut self, what: &'static str, s: &str) -> Result<(), FrameError> {
        let len =
            u16::try_from(s.len()).map_err(|_| FrameError::StringTooLong { what, len: s.len() })?;
        self.put_bytes(&len.to_le_bytes());
        self.put_bytes(s.as_bytes());
        Ok(())
    }
}
