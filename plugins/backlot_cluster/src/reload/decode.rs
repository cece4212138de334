//! Bytes → reload announcement. Bounded and panic-free: the message and the file length
//! are checked against their limits before anything is allocated, and every read is
//! checked against the end of the input.

use super::{FileReload, MAGIC, MAX_FILE, MAX_MESSAGE, ReloadError, VERSION};
use crate::cursor::{Cursor, CursorError};
use crate::frame::revision;

/// Reads one whole announcement; bytes after it are an error, and so is a revision that is
/// not the FNV-1a 64 of the bytes it carries. Flag bits are ignored.
pub fn decode(bytes: &[u8]) -> Result<FileReload, ReloadError> {
    if bytes.len() > MAX_MESSAGE {
        return Err(ReloadError::TooLarge(bytes.len()));
    }
    // A prefix of the magic is a message cut short; anything else is not an announcement.
    if bytes.iter().zip(&MAGIC).any(|(got, want)| got != want) {
        return Err(ReloadError::BadMagic);
    }
    let mut r = Reader::at(bytes, 0);
    r.take(MAGIC.len())?;
    let version = r.u8()?;
    if version != VERSION {
        return Err(ReloadError::UnsupportedVersion(version));
    }
    let _flags = r.u8()?;
    let cluster = r.str8()?;
    let kind = r.str8()?;
    let epoch = u32::from_le_bytes(r.array()?);
    let frame = u64::from_le_bytes(r.array()?);
    let said = u64::from_le_bytes(r.array()?);
    let len = u32::from_le_bytes(r.array()?);
    // Only a 16-bit target cannot hold it, and there it is over the limit anyway.
    let len = usize::try_from(len).unwrap_or(usize::MAX);
    if len > MAX_FILE {
        return Err(ReloadError::FileTooLarge(len));
    }
    let file = r.take(len)?.to_vec();
    match r.remaining() {
        0 => {}
        left => return Err(ReloadError::TrailingBytes(left)),
    }
    let computed = revision(&file);
    if computed != said {
        return Err(ReloadError::RevisionMismatch { said, computed });
    }
    Ok(FileReload {
        cluster,
        kind,
        epoch,
        frame,
        revision: said,
        bytes: file,
    })
}

/// The announcement codec's cursor.
type Reader<'a> = Cursor<'a, ReloadError>;

impl CursorError for ReloadError {
    fn truncated(needed: usize, at: usize) -> Self {
        ReloadError::Truncated { needed, at }
    }

    fn bad_utf8(at: usize) -> Self {
        ReloadError::BadUtf8 { at }
    }
}
