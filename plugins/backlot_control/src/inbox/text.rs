//! Monitor text, bounded: whatever a sender puts in a message, a line costs at most a few
//! hundred characters to build and to keep.

use std::fmt::Write;

use rosc::{OscMessage, OscType};

/// Arguments described per message (and per array); the rest are counted.
pub const DESCRIBE_ARGS: usize = 16;
/// Characters of a message description.
pub const DESCRIBE_CHARS: usize = 200;
/// Characters of a string argument shown.
const STRING_CHARS: usize = 40;

/// Cuts `text` to `max_chars` characters (on a character boundary), marking the cut with
/// "…".
pub fn truncate(mut text: String, max_chars: usize) -> String {
    if let Some((at, _)) = text.char_indices().nth(max_chars) {
        text.truncate(at);
        text.push('…');
    }
    text
}

/// Describes an OSC message for the monitor: the first [`DESCRIBE_ARGS`] arguments, arrays
/// inside arrays as `[…n]`, at most [`DESCRIBE_CHARS`] characters.
pub fn describe(m: &OscMessage) -> String {
    let mut out = truncate(m.addr.clone(), DESCRIBE_CHARS);
    for a in m.args.iter().take(DESCRIBE_ARGS) {
        if out.len() > DESCRIBE_CHARS * 4 {
            break;
        }
        out.push(' ');
        match a {
            OscType::Array(array) => {
                out.push('[');
                for (i, inner) in array.content.iter().take(DESCRIBE_ARGS).enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    scalar(&mut out, inner);
                }
                if array.content.len() > DESCRIBE_ARGS {
                    let _ = write!(out, ", …{} more", array.content.len() - DESCRIBE_ARGS);
                }
                out.push(']');
            }
            other => scalar(&mut out, other),
        }
    }
    if m.args.len() > DESCRIBE_ARGS {
        let _ = write!(out, " …{} more", m.args.len() - DESCRIBE_ARGS);
    }
    truncate(out, DESCRIBE_CHARS)
}

/// One argument; an array here is nested, so only its length is shown (arrays can nest as
/// deep as a packet allows, and the monitor must not walk them).
fn scalar(out: &mut String, a: &OscType) {
    let _ = match a {
        OscType::Array(array) => write!(out, "[…{}]", array.content.len()),
        OscType::String(s) => write!(out, "String({:?})", truncate(prefix(s), STRING_CHARS)),
        OscType::Blob(b) => write!(out, "Blob({} bytes)", b.len()),
        other => write!(out, "{other:?}"),
    };
}

/// The start of a string, without copying all of a long one.
fn prefix(s: &str) -> String {
    let end = s
        .char_indices()
        .nth(STRING_CHARS + 1)
        .map_or(s.len(), |(at, _)| at);
    s[..end].to_string()
}

#[cfg(test)]
mod tests {
    use rosc::OscArray;

    use super::*;

    #[test]
    fn truncation_is_on_a_character_boundary() {
        assert_eq!(truncate("abc".into(), 3), "abc");
        assert_eq!(truncate("abcd".into(), 3), "abc…");
        let cut = truncate("é".repeat(500), 200);
        assert_eq!(cut.chars().count(), 201);
        assert!(cut.ends_with("é…"));
    }

    #[test]
    fn descriptions_are_bounded_and_flat() {
        let nested = OscType::Array(OscArray {
            content: vec![
                OscType::Array(OscArray {
                    content: vec![OscType::Int(1); 3],
                }),
                OscType::Float(0.5),
            ],
        });
        let m = OscMessage {
            addr: "/a".into(),
            args: vec![nested.clone()],
        };
        assert_eq!(describe(&m), "/a [[…3], Float(0.5)]");
        let m = OscMessage {
            addr: "/a".into(),
            args: vec![OscType::Int(7), OscType::String("x".repeat(10_000))],
        };
        let text = describe(&m);
        assert!(text.starts_with("/a Int(7) String(\"xxx"), "{text}");
        assert!(text.chars().count() < 80, "{text}");
        let m = OscMessage {
            addr: "/a".repeat(1000),
            args: vec![nested; 1000],
        };
        assert!(describe(&m).chars().count() <= DESCRIBE_CHARS + 1);
        let m = OscMessage {
            addr: "/b".into(),
            args: vec![OscType::Int(1); 20],
        };
        assert!(describe(&m).ends_with(" …4 more"));
    }
}
