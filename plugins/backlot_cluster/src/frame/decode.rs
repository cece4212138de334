//! Bytes → frame state. Bounded and panic-free: every count is checked against its limit
//! and against the bytes left before anything is allocated for it, nothing recurses, and
//! every read is checked against the end of the input.

use backlot_params::{Claim, ParamValue, Source, TempoCarry};

use crate::cursor::{Cursor, CursorError};

use super::{
    BodyPose, FLAG_SNAPSHOT, FrameError, FrameHeader, FrameState, MAGIC, MAX_BODIES, MAX_CLAIMS,
    MAX_FILES, MAX_MESSAGE, MAX_VALUES, MIN_BODY_LEN, MIN_CLAIM_LEN, MIN_FILE_LEN, MIN_VALUE_LEN,
    VERSION, source_tag, tag,
};

/// Reads one whole frame state; bytes after it are an error.
pub fn decode(bytes: &[u8]) -> Result<FrameState, FrameError> {
    let (header, used) = decode_header(bytes)?;
    let mut r = Reader::at(bytes, used);

    let count = r.u32_as_usize()?;
    let count = r.count(count, "values", MAX_VALUES, MIN_VALUE_LEN)?;
    let mut values = Vec::with_capacity(count);
    for _ in 0..count {
        let address = r.str16()?;
        values.push((address, r.value()?));
    }

    let count = r.u32_as_usize()?;
    let count = r.count(count, "bodies", MAX_BODIES, MIN_BODY_LEN)?;
    let mut bodies = Vec::with_capacity(count);
    for _ in 0..count {
        let name = r.str16()?;
        let translation = r.f32s()?;
        let rotation = r.f32s()?;
        let linear_velocity = r.f32s()?;
        let angular_velocity = r.f32s()?;
        bodies.push(BodyPose {
            name,
            translation,
            rotation,
            linear_velocity,
            angular_velocity,
        });
    }

    let claims = if r.present()? {
        let count = r.u32_as_usize()?;
        let count = r.count(count, "claims", MAX_CLAIMS, MIN_CLAIM_LEN)?;
        let mut claims = Vec::with_capacity(count);
        for _ in 0..count {
            claims.push(r.claim()?);
        }
        Some(claims)
    } else {
        None
    };

    let tempo = if r.present()? {
        let bpm = r.f64()?;
        let beats = r.f64()?;
        Some(TempoCarry { bpm, beats })
    } else {
        None
    };

    match r.remaining() {
        0 => Ok(FrameState {
            header,
            values,
            bodies,
            claims,
            tempo,
        }),
        left => Err(FrameError::TrailingBytes(left)),
    }
}

/// Reads only the header, and how many bytes it took: enough to tell whose frame this is
/// without decoding its body. Reserved flag bits are ignored.
pub fn decode_header(bytes: &[u8]) -> Result<(FrameHeader, usize), FrameError> {
    if bytes.len() > MAX_MESSAGE {
        return Err(FrameError::TooLarge(bytes.len()));
    }
    // A prefix of the magic is a message cut short; anything else is not a frame state.
    if bytes.iter().zip(&MAGIC).any(|(got, want)| got != want) {
        return Err(FrameError::BadMagic);
    }
    let mut r = Reader::at(bytes, 0);
    r.take(MAGIC.len())?;
    let version = r.u8()?;
    if version != VERSION {
        return Err(FrameError::UnsupportedVersion(version));
    }
    let flags = r.u8()?;
    let cluster = r.str8()?;
    let frame = u64::from_le_bytes(r.array()?);
    let scene_time = r.f64()?;
    let primary = r.str8()?;
    let epoch = u32::from_le_bytes(r.array()?);

    let count = usize::from(r.u8()?);
    let count = r.count(count, "files", MAX_FILES, MIN_FILE_LEN)?;
    let mut revisions = Vec::with_capacity(count);
    for _ in 0..count {
        let kind = r.str8()?;
        let revision = u64::from_le_bytes(r.array()?);
        revisions.push((kind, revision));
    }

    let header = FrameHeader {
        cluster,
        frame,
        scene_time,
        primary,
        epoch,
        snapshot: (flags & FLAG_SNAPSHOT) != 0,
        revisions,
    };
    Ok((header, r.pos))
}

/// The frame codec's cursor.
type Reader<'a> = Cursor<'a, FrameError>;

impl CursorError for FrameError {
    fn truncated(needed: usize, at: usize) -> Self {
        FrameError::Truncated { needed, at }
    }

    fn bad_utf8(at: usize) -> Self {
        FrameError::BadUtf8 { at }
    }
}

// Frame-state reads beyond the shared cursor's (an inherent impl on this codec's cursor).
impl Cursor<'_, FrameError> {
    fn u32_as_usize(&mut self) -> Result<usize, FrameError> {
        let count = u32::from_le_bytes(self.array()?);
        // Only a 16-bit target cannot hold it, and there it is over every limit anyway.
        Ok(usize::try_from(count).unwrap_or(usize::MAX))
    }

    fn f32(&mut self) -> Result<f32, FrameError> {
        let at = self.pos;
        let v = f32::from_le_bytes(self.array()?);
        if v.is_finite() {
            Ok(v)
        } else {
            Err(FrameError::NotFinite { at })
        }
    }

    fn f32s<const N: usize>(&mut self) -> Result<[f32; N], FrameError> {
        let mut out = [0.0; N];
        for v in &mut out {
            *v = self.f32()?;
        }
        Ok(out)
    }

    fn f64(&mut self) -> Result<f64, FrameError> {
        let at = self.pos;
        let v = f64::from_le_bytes(self.array()?);
        if v.is_finite() {
            Ok(v)
        } else {
            Err(FrameError::NotFinite { at })
        }
    }

    /// A list's count, checked against its limit and against the bytes left (each item
    /// takes at least `min_len`), so that allocating for it is justified by the input.
    fn count(
        &self,
        count: usize,
        what: &'static str,
        max: usize,
        min_len: usize,
    ) -> Result<usize, FrameError> {
        if count > max {
            return Err(FrameError::TooMany { what, count, max });
        }
        // No overflow: count ≤ max ≤ MAX_VALUES and min_len is a few dozen bytes.
        let needed = count * min_len;
        if needed > self.remaining() {
            return Err(FrameError::Truncated {
                needed,
                at: self.pos,
            });
        }
        Ok(count)
    }

    /// A presence or held byte: 0 or 1, anything else is `BadTag`.
    fn present(&mut self) -> Result<bool, FrameError> {
        let at = self.pos;
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            byte => Err(FrameError::BadTag { tag: byte, at }),
        }
    }

    /// A value's tag and payload.
    fn value(&mut self) -> Result<ParamValue, FrameError> {
        let at = self.pos;
        let value = match self.u8()? {
            tag::FLOAT => ParamValue::Float(self.f32()?),
            tag::INT => ParamValue::Int(i32::from_le_bytes(self.array()?)),
            tag::BOOL => {
                let at = self.pos;
                match self.u8()? {
                    0 => ParamValue::Bool(false),
                    1 => ParamValue::Bool(true),
                    byte => return Err(FrameError::BadTag { tag: byte, at }),
                }
            }
            tag::COLOR => ParamValue::Color(self.f32s()?),
            tag::VEC3 => ParamValue::Vec3(self.f32s()?),
            tag::TRIGGER => ParamValue::Trigger,
            tag::ENUM => ParamValue::Enum(self.str16()?),
            other => return Err(FrameError::BadTag { tag: other, at }),
        };
        Ok(value)
    }

    /// A source's tag and its name or universe.
    fn source(&mut self) -> Result<Source, FrameError> {
        let at = self.pos;
        let source = match self.u8()? {
            source_tag::SCENE => Source::Scene,
            source_tag::CUE => Source::Cue(self.str16()?),
            source_tag::LAYERS => Source::Layers,
            source_tag::TRACKING => Source::Tracking(self.str16()?),
            source_tag::OSC => Source::Osc(self.str16()?),
            source_tag::MIDI => Source::Midi(self.str16()?),
            source_tag::DMX => Source::Dmx(u16::from_le_bytes(self.array()?)),
            source_tag::OPERATOR => Source::Operator,
            source_tag::CLUSTER => Source::Cluster(self.str16()?),
            other => return Err(FrameError::BadTag { tag: other, at }),
        };
        Ok(source)
    }

    fn claim(&mut self) -> Result<Claim, FrameError> {
        let address = self.str16()?;
        let driver = self.source()?;
        let held = if self.present()? {
            Some(self.value()?)
        } else {
            None
        };
        let under = if self.present()? {
            let value = self.value()?;
            Some((value, self.source()?))
        } else {
            None
        };
        Ok(Claim {
            address,
            driver,
            held,
            under,
        })
    }
}
