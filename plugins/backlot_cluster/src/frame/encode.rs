//! Frame state → bytes.

use backlot_params::ParamValue;

use super::{
    FLAG_SNAPSHOT, FrameError, FrameHeader, FrameState, MAGIC, MAX_BODIES, MAX_FILES, MAX_MESSAGE,
    MAX_VALUES, MIN_BODY_LEN, MIN_FILE_LEN, MIN_VALUE_LEN, VERSION, tag,
};

/// The header's fixed part: magic, version, flags, cluster length, frame, scene time,
/// primary length, epoch, file count.
const HEADER_FIXED_LEN: usize = 4 + 1 + 1 + 1 + 8 + 8 + 1 + 4 + 1;
/// The value and body counts.
const COUNTS_LEN: usize = 4 + 4;

/// Writes a frame state. Fails, and returns no bytes, on a list over its limit, a string
/// longer than its length prefix can say, a NaN or infinite number, or a message over
/// [`MAX_MESSAGE`](super::MAX_MESSAGE) bytes. Reserved flag bits are written clear.
pub fn encode(state: &FrameState) -> Result<Vec<u8>, FrameError> {
    let header = &state.header;
    let files: u8 = count("files", header.revisions.len(), MAX_FILES)?;
    let values: u32 = count("values", state.values.len(), MAX_VALUES)?;
    let bodies: u32 = count("bodies", state.bodies.len(), MAX_BODIES)?;
    // Sized first, so that an oversized state is refused before anything is allocated.
    let len = encoded_len(state);
    if len > MAX_MESSAGE {
        return Err(FrameError::TooLarge(len));
    }
    let mut out = Writer(Vec::with_capacity(len));
    out.header(header, files)?;
    out.put_u32(values);
    for (address, value) in &state.values {
        out.value(address, value)?;
    }
    out.put_u32(bodies);
    for body in &state.bodies {
        out.str16("body name", &body.name)?;
        out.put_f32s(&body.translation)?;
        out.put_f32s(&body.rotation)?;
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
    HEADER_FIXED_LEN
        + header.cluster.len()
        + header.primary.len()
        + files
        + COUNTS_LEN
        + values
        + bodies
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

    fn value(&mut self, address: &str, value: &ParamValue) -> Result<(), FrameError> {
        self.str16("address", address)?;
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
