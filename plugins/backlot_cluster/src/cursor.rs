//! A cursor over untrusted bytes, shared by the cluster's sans-IO decoders (frame states
//! and reload announcements): every read is bounded by what is left, and each codec names
//! its own errors through [`CursorError`].

use std::marker::PhantomData;

/// How a codec names a read past the end or text that is not UTF-8.
pub(crate) trait CursorError {
    /// `needed` more bytes were wanted at offset `at`.
    fn truncated(needed: usize, at: usize) -> Self;
    /// The text starting at `at` is not UTF-8.
    fn bad_utf8(at: usize) -> Self;
}

/// A position in the input. `pos` never passes the end.
pub(crate) struct Cursor<'a, E> {
    pub(crate) bytes: &'a [u8],
    pub(crate) pos: usize,
    error: PhantomData<fn() -> E>,
}

impl<'a, E: CursorError> Cursor<'a, E> {
    /// Reading `bytes` from `pos`.
    pub(crate) fn at(bytes: &'a [u8], pos: usize) -> Self {
        Self {
            bytes,
            pos: pos.min(bytes.len()),
            error: PhantomData,
        }
    }

    /// Bytes not read yet.
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    /// The next `len` bytes.
    pub(crate) fn take(&mut self, len: usize) -> Result<&'a [u8], E> {
        let (bytes, at) = (self.bytes, self.pos);
        let slice = at
            .checked_add(len)
            .and_then(|end| bytes.get(at..end))
            .ok_or_else(|| E::truncated(len, at))?;
        self.pos = at + len;
        Ok(slice)
    }

    /// The next `N` bytes as an array.
    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], E> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    /// One byte.
    pub(crate) fn u8(&mut self) -> Result<u8, E> {
        let [byte] = self.array::<1>()?;
        Ok(byte)
    }

    /// `len` bytes of UTF-8 text.
    pub(crate) fn string(&mut self, len: usize) -> Result<String, E> {
        let at = self.pos;
        let bytes = self.take(len)?;
        std::str::from_utf8(bytes)
            .map(str::to_owned)
            .map_err(|_| E::bad_utf8(at))
    }

    /// A string with a u8 length.
    pub(crate) fn str8(&mut self) -> Result<String, E> {
        let len = self.u8()?;
        self.string(usize::from(len))
    }

    /// A string with a u16 length.
    pub(crate) fn str16(&mut self) -> Result<String, E> {
        let len = u16::from_le_bytes(self.array()?);
        self.string(usize::from(len))
    }
}

/// A test vector as `docs/cluster.md` writes it: hex digits, white space ignored.
#[cfg(test)]
pub(crate) fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    digits
        .chunks(2)
        .map(|pair| {
            let pair = std::str::from_utf8(pair).expect("hex is ASCII");
            u8::from_str_radix(pair, 16).expect("two hex digits")
        })
        .collect()
}
