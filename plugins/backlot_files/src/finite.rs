//! Every number in a backlot file must be finite. ron happily reads `NaN`, `inf` and
//! literals too large for an f32 (`1e39` becomes infinity), and one such value poisons
//! whatever it drives. One pass over the text's tokens covers every float field of every
//! file kind (plain `f32`s, vectors, colours) without a checked type on each of them.

/// ron's spellings of NaN and infinity (each may also carry a `+` or `-` sign).
const NON_FINITE: [&str; 6] = ["NaN", "NaNf32", "NaNf64", "inf", "inff32", "inff64"];

/// Byte offset and text of each number in `src` that is not finite: ron's NaN and infinity
/// literals, signed or not, and numeric literals that overflow an f32 (backlot files hold
/// f32s only). Strings, chars and comments are skipped, as are field names (`inf: 1`).
pub fn non_finite_numbers(src: &str) -> Vec<(usize, &str)> {
    let bytes = src.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = src[i..].find('\n').map_or(bytes.len(), |n| i + n);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = skip_block_comment(bytes, i),
            quote @ (b'"' | b'\'') => i = skip_quoted(bytes, i, quote),
            b if is_ident_start(b) => {
                let end = ident_end(bytes, i);
                let word = &src[i..end];
                match (word, bytes.get(end)) {
                    ("b", Some(&quote @ (b'"' | b'\''))) => i = skip_quoted(bytes, end, quote),
                    ("r" | "br", Some(&(b'"' | b'#'))) => i = skip_raw(src, end),
                    _ => {
                        let raw_ident = i > 0 && bytes[i - 1] == b'#';
                        if NON_FINITE.contains(&word) && !raw_ident && !is_field_name(bytes, end) {
                            let start = signed_start(bytes, i);
                            found.push((start, &src[start..end]));
                        }
                        i = end;
                    }
                }
            }
            b'0'..=b'9' => i = number(src, i, &mut found),
            b'.' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i = number(src, i, &mut found);
            }
            _ => i += 1,
        }
    }
    found
}

/// What is wrong with a value [`non_finite_numbers`] found, in the user's terms.
pub fn non_finite_message(text: &str) -> String {
    let word = text
        .trim_start_matches(['+', '-'])
        .starts_with(|c: char| c.is_ascii_alphabetic());
    if word {
        format!("`{text}`: a value must be a finite number, not NaN/inf")
    } else {
        format!(
            "`{text}` is too large for a 32-bit number and would read as infinity; a value \
             must be a finite number, not NaN/inf"
        )
    }
}

/// Scans the numeric literal at `at`, records it when it overflows an f32, returns its end.
fn number<'a>(src: &'a str, at: usize, found: &mut Vec<(usize, &'a str)>) -> usize {
    let bytes = src.as_bytes();
    let hex = bytes[at..].starts_with(b"0x") || bytes[at..].starts_with(b"0X");
    let mut end = at;
    while let Some(&b) = bytes.get(end) {
        let exponent_sign =
            matches!(b, b'+' | b'-') && !hex && end > at && matches!(bytes[end - 1], b'e' | b'E');
        if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.') || exponent_sign {
            end += 1;
        } else {
            break;
        }
    }
    if overflows_f32(&src[at..end]) {
        let start = signed_start(bytes, at);
        found.push((start, &src[start..end]));
    }
    end
}

/// Whether a literal reads as a number that is infinite once it is an f32. Hex, binary and
/// octal literals and those with an integer suffix are integers: their types check them.
fn overflows_f32(literal: &str) -> bool {
    let radix = ["0x", "0X", "0b", "0o"]
        .iter()
        .any(|p| literal.starts_with(*p));
    if radix {
        return false;
    }
    let body = literal
        .strip_suffix("f32")
        .or_else(|| literal.strip_suffix("f64"))
        .unwrap_or(literal);
    let digits: String = body.chars().filter(|&c| c != '_').collect();
    // An f64 that rounds past f32::MAX is what ron hands an f32 field: infinity.
    digits.parse::<f64>().is_ok_and(|v| !(v as f32).is_finite())
}

fn is_ident_start(b: u8) -> bool {
    // Any non-ASCII byte starts (or continues) an identifier, so that a scan never stops
    // inside a multi-byte character.
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn ident_end(bytes: &[u8], from: usize) -> usize {
    let mut end = from;
    while bytes
        .get(end)
        .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80)
    {
        end += 1;
    }
    end
}

/// Whether the identifier ending at `end` is followed by `:` (a field name, not a value).
fn is_field_name(bytes: &[u8], end: usize) -> bool {
    bytes[end..]
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b':')
}

/// Where a value starting at `at` begins, counting a sign written right before it.
fn signed_start(bytes: &[u8], at: usize) -> usize {
    if at > 0 && matches!(bytes[at - 1], b'+' | b'-') {
        at - 1
    } else {
        at
    }
}

/// Past a `"…"` or `'…'` whose opening quote is at `at`, escapes included.
fn skip_quoted(bytes: &[u8], at: usize, quote: u8) -> usize {
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Past a raw string `#…#"…"#…#` whose hashes (or quote) start at `at`; for a raw
/// identifier (`r#name`) just past the hashes, so the name is read next.
fn skip_raw(src: &str, at: usize) -> usize {
    let hashes = src[at..].bytes().take_while(|&b| b == b'#').count();
    let open = at + hashes;
    if src.as_bytes().get(open) != Some(&b'"') {
        return open;
    }
    let close = format!("\"{}", "#".repeat(hashes));
    src[open + 1..]
        .find(&close)
        .map_or(src.len(), |n| open + 1 + n + close.len())
}

/// Past a `/* … */` comment starting at `at`; ron's block comments nest.
fn skip_block_comment(bytes: &[u8], at: usize) -> usize {
    let mut depth = 0usize;
    let mut i = at;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else if bytes[i..].starts_with(b"*/") {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn texts(src: &str) -> Vec<&str> {
        non_finite_numbers(src)
            .into_iter()
            .map(|(_, t)| t)
            .collect()
    }

    #[test]
    fn every_ron_spelling_of_nan_and_infinity_is_found() {
        for word in [
            "NaN", "+NaN", "-NaN", "NaNf32", "-NaNf64", "inf", "+inf", "-inf", "inff32", "-inff64",
        ] {
            let src = format!("(a: {word}, b: 1.0)");
            assert_eq!(non_finite_numbers(&src), vec![(4, word)], "{src}");
        }
    }

    #[test]
    fn literals_beyond_f32_are_infinite() {
        assert_eq!(
            texts("(a: 1e39, b: -4e38, c: 1_000e36f32)"),
            ["1e39", "-4e38", "1_000e36f32"]
        );
        assert_eq!(texts("(a: .5e39)"), [".5e39"]);
        // f32::MAX and ordinary numbers are fine, as are integers and hex.
        let fine = "(a: 3.4028235e38, b: -1.5e-3, c: 42, d: 0xffe9, e: 7u8, f: 1e-50)";
        assert!(texts(fine).is_empty(), "{:?}", texts(fine));
    }

    #[test]
    fn strings_comments_names_and_longer_words_are_not_numbers() {
        let src = r##"(
            // NaN in a comment, /* inf */
            /* nested /* NaN */ inf */
            name: "NaN inf 1e99",
            c: 'N',
            raw: r#"a "NaN" inside"#,
            bytes: b"inf",
            inf: 1.0,
            info: Infinity,
            kind: NaNs,
            r#inf: 2.0,
        )"##;
        assert!(
            non_finite_numbers(src).is_empty(),
            "{:?}",
            non_finite_numbers(src)
        );
        // An escaped quote does not end the string early.
        assert!(texts(r#"(a: "say \"NaN\"", b: 2.0)"#).is_empty());
        assert_eq!(texts(r#"(a: "say \"hi\"", b: NaN)"#), ["NaN"]);
    }

    #[test]
    fn values_inside_vectors_are_found_in_order() {
        let src = "(p: (1.0, -inf, 3.0), c: [NaN, 0.5])";
        assert_eq!(non_finite_numbers(src), vec![(10, "-inf"), (26, "NaN")]);
    }

    proptest! {
        #[test]
        fn any_text_never_panics(src in "\\PC{0,120}") {
            let _ = non_finite_numbers(&src);
        }

        #[test]
        fn finite_numbers_are_never_flagged(v in -3.0e38f32..3.0e38f32) {
            let src = format!("(a: {v}, b: {v:e})");
            prop_assert!(non_finite_numbers(&src).is_empty(), "{}", src);
        }
    }
}
