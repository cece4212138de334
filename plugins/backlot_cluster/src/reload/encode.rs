//! Reload announcement → bytes.

use super::{FIXED_LEN, FileReload, MAGIC, MAX_FILE, ReloadError, VERSION};
use crate::frame::revision;

/// Writes an announcement. Fails, and returns no bytes, on a cluster or kind name longer
/// than 255 bytes, a file over [`MAX_FILE`], or a revision that is not the bytes'.
pub fn encode(reload: &FileReload) -> Result<Vec<u8>, ReloadError> {
    let cluster = str_len("cluster", &reload.cluster)?;
    let kind = str_len("kind", &reload.kind)?;
    let len = reload.bytes.len();
    if len > MAX_FILE {
        return Err(ReloadError::FileTooLarge(len));
    }
    let computed = revision(&reload.bytes);
    if computed != reload.revision {
        return Err(ReloadError::RevisionMismatch {
            said: reload.revision,
            computed,
        });
    }
    // Checked against MAX_FILE, which a u32 holds.
    let file_len = u32::try_from(len).map_err(|_| ReloadError::FileTooLarge(len))?;
    let mut out = Vec::with_capacity(FIXED_LEN + reload.cluster.len() + reload.kind.len() + len);
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    out.push(0);
    out.push(cluster);
    out.extend_from_slice(reload.cluster.as_bytes());
    out.push(kind);
    out.extend_from_slice(reload.kind.as_bytes());
    out.extend_from_slice(&reload.epoch.to_le_bytes());
    out.extend_from_slice(&reload.frame.to_le_bytes());
    out.extend_from_slice(&reload.revision.to_le_bytes());
    out.extend_from_slice(&file_len.to_le_bytes());
    out.extend_from_slice(&reload.bytes);
    Ok(out)
}

/// A string's length as its u8 prefix, or `StringTooLong`.
fn str_len(what: &'static str, s: &str) -> Result<u8, ReloadError> {
    u8::try_from(s.len()).map_err(|_| ReloadError::StringTooLong { what, len: s.len() })
}
