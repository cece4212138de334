//! Positions in a file's text: byte offsets to 1-based line and column, and the token an
//! error is about.

/// Byte offset of `name: "<name>"` (the declaration), or 0: where to point cross-item errors.
pub fn find_name(src: &str, name: &str) -> usize {
    let quoted = format!("\"{name}\"");
    let mut from = 0;
    while let Some(rel) = src[from..].find(&quoted) {
        let at = from + rel;
        if src[..at].trim_end().ends_with(':')
            && src[..at]
                .trim_end()
                .trim_end_matches(':')
                .trim_end()
                .ends_with("name")
        {
            return at;
        }
        from = at + quoted.len();
    }
    0
}

/// Byte offset of the first `needle` at or after `from`.
pub fn find_after(src: &str, from: usize, needle: &str) -> Option<usize> {
    src.get(from..)?.find(needle).map(|rel| from + rel)
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Where the token at or after ron's reported position starts. ron reports where its
/// parser stood, often the end of the previous line (a stray word on line 7 is reported
/// at 6:14); whitespace and comments are skipped forward so the position names the
/// offending token. At the end of the text the reported position stands.
pub fn token_at(src: &str, line: usize, col: usize) -> (usize, usize) {
    let Some(start) = offset_of(src, line, col) else {
        return (line, col);
    };
    let bytes = src.as_bytes();
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = src[i..].find('\n').map_or(bytes.len(), |n| i + n);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => match src[i + 2..].find("*/") {
                Some(n) => i += n + 4,
                None => return (line, col),
            },
            _ => return line_col(src, i),
        }
    }
    (line, col)
}

/// Byte offset of a 1-based line and column (in characters), if inside the text.
fn offset_of(src: &str, line: usize, col: usize) -> Option<usize> {
    let mut offset = 0;
    for (i, text) in src.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let within = text
                .char_indices()
                .nth(col.saturating_sub(1))
                .map_or(text.len(), |(b, _)| b);
            return Some(offset + within);
        }
        offset += text.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_stray_token_is_reported_where_it_stands() {
        let src = "(\n  a: 1,\n  // a comment\n  /* and another */\n  garbage\n)";
        // ron stands at the end of line 2; the stray word is on line 5.
        assert_eq!(token_at(src, 2, 8), (5, 3));
        // At a token already: unchanged.
        assert_eq!(token_at(src, 5, 3), (5, 3));
        // Past the end: unchanged.
        assert_eq!(token_at(src, 9, 1), (9, 1));
    }

    #[test]
    fn offsets_round_trip_through_line_and_column() {
        let src = "ab\ncdé\nf";
        for offset in [0, 1, 3, 4, 5, 8] {
            let (l, c) = line_col(src, offset);
            assert_eq!(offset_of(src, l, c), Some(offset), "{offset}");
        }
    }

    proptest! {
        #[test]
        fn any_text_any_position_never_panics(src in "\\PC{0,80}", line in 0usize..10, col in 0usize..40) {
            let _ = token_at(&src, line, col);
        }
    }
}
