//! Bytes → reload announcement. Bounded and panic-free: the message and the file length
//! are checked against their limits before anything is allocated, and every read is
//! checked against the end of the input.

use super::{FileReload, MAGIC, MAX_FILE, MAX_MESSAGE, ReloadError, VERSION};
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
    let mut r = Reader { bytes, pos: 0 };
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

/// A position in the input. `pos` never passes the end.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    fn take(&mut self, len: usize) -> Result<&'a [u8], ReloadError> {
        let (bytes, at) = (self.bytes, self.pos);
        let slice = at
            .checked_add(len)
            .and_then(|end| bytes.get(at..end))
            .ok_or(ReloadError::Truncated { needed: len, at })?;
        self.pos = at + len;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], ReloadError> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, ReloadError> {
        let [byte] = self.array::<1>()?;
        Ok(byte)
    }

    /// A string with a u8 length.
    fn str8(&mut self) -> Result<String, ReloadError> {
        let len = usize::from(self.u8()?);
        let at = self.pos;
        let bytes = self.take(len)?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| ReloadError::BadUtf8 { at })
    }
}
