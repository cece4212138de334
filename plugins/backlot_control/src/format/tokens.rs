//! RON text as its significant tokens (whitespace and comments dropped), brackets paired:
//! enough structure to find a field's value or a list's items in a map file and edit them
//! in place.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Open,
    Close,
    Comma,
    Colon,
    /// A name, number or string.
    Word,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Token {
    pub(super) kind: Kind,
    pub(super) start: usize,
    pub(super) end: usize,
}

/// RON text as its significant tokens (whitespace and comments dropped), each bracket with
/// the index of its partner.
pub(super) struct Tokens<'a> {
    pub(super) text: &'a str,
    pub(super) list: Vec<Token>,
    /// For each bracket, its partner's index.
    pub(super) partner: Vec<usize>,
}

impl<'a> Tokens<'a> {
    /// `None` when brackets do not pair up.
    pub(super) fn scan(text: &'a str) -> Option<Self> {
        let b = text.as_bytes();
        let mut list = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let start = i;
            let kind = match b[i] {
                c if c.is_ascii_whitespace() => {
                    i += 1;
                    continue;
                }
                b'/' if b.get(i + 1) == Some(&b'/') => {
                    i = text[i..].find('\n').map_or(b.len(), |n| i + n);
                    continue;
                }
                b'/' if b.get(i + 1) == Some(&b'*') => {
                    i = block_comment_end(b, i);
                    continue;
                }
                b'(' | b'[' | b'{' => {
                    i += 1;
                    Kind::Open
                }
                b')' | b']' | b'}' => {
                    i += 1;
                    Kind::Close
                }
                b',' => {
                    i += 1;
                    Kind::Comma
                }
                b':' => {
                    i += 1;
                    Kind::Colon
                }
                q @ (b'"' | b'\'') => {
                    i = string_end(b, i + 1, q);
                    Kind::Word
                }
                _ => {
                    i = raw_string_end(b, i).unwrap_or_else(|| word_end(b, i + 1));
                    Kind::Word
                }
            };
            list.push(Token {
                kind,
                start,
                end: i,
            });
        }
        let mut partner = vec![usize::MAX; list.len()];
        let mut open = Vec::new();
        for (k, t) in list.iter().enumerate() {
            match t.kind {
                Kind::Open => open.push(k),
                Kind::Close => {
                    let o = open.pop()?;
                    let pair = (b[list[o].start], b[t.start]);
                    if !matches!(pair, (b'(', b')') | (b'[', b']') | (b'{', b'}')) {
                        return None;
                    }
                    partner[o] = k;
                    partner[k] = o;
                }
                _ => {}
            }
        }
        open.is_empty().then_some(Self {
            text,
            list,
            partner,
        })
    }

    pub(super) fn kind(&self, k: usize) -> Option<Kind> {
        self.list.get(k).map(|t| t.kind)
    }

    pub(super) fn word(&self, k: usize) -> &str {
        &self.text[self.list[k].start..self.list[k].end]
    }

    pub(super) fn opens(&self, k: usize, bracket: u8) -> bool {
        self.kind(k) == Some(Kind::Open) && self.text.as_bytes()[self.list[k].start] == bracket
    }

    /// The top-level value's `(`, after any `#![enable(…)]`.
    pub(super) fn top(&self) -> Option<usize> {
        let mut k = 0;
        while k < self.list.len() {
            match self.list[k].kind {
                Kind::Open if self.opens(k, b'(') => return Some(k),
                Kind::Open => k = self.partner[k] + 1,
                Kind::Word => k += 1,
                _ => return None,
            }
        }
        None
    }

    /// Field `name`'s value in the struct opened at `open`, as its first and last token: a
    /// word (`true`, `"a"`, `None`), a bracket pair, or a word and a bracket pair (`Some(…)`,
    /// `Cc(…)`, `MidiDef(…)`).
    pub(super) fn value(&self, open: usize, name: &str) -> Option<(usize, usize)> {
        let close = self.partner[open];
        let mut k = open + 1;
        while k < close {
            match self.list[k].kind {
                Kind::Open => k = self.partner[k] + 1,
                Kind::Word if self.word(k) == name && self.kind(k + 1) == Some(Kind::Colon) => {
                    let first = k + 2;
                    let last = match self.kind(first)? {
                        Kind::Open => self.partner[first],
                        Kind::Word if self.kind(first + 1) == Some(Kind::Open) => {
                            self.partner[first + 1]
                        }
                        Kind::Word => first,
                        _ => return None,
                    };
                    return (last < close).then_some((first, last));
                }
                _ => k += 1,
            }
        }
        None
    }

    /// The `(` of the struct value starting at token `first` (`(…)` or `Name(…)`).
    pub(super) fn struct_at(&self, first: usize) -> Option<usize> {
        let open = if self.kind(first) == Some(Kind::Word) {
            first + 1
        } else {
            first
        };
        self.opens(open, b'(').then_some(open)
    }

    /// Each item of the list opened at `open`, as its first and last token.
    pub(super) fn items(&self, open: usize) -> Vec<(usize, usize)> {
        let close = self.partner[open];
        let mut items = Vec::new();
        let mut first = None;
        let mut k = open + 1;
        while k < close {
            match self.list[k].kind {
                Kind::Comma => {
                    if let Some(f) = first.take() {
                        items.push((f, k - 1));
                    }
                    k += 1;
                }
                Kind::Open => {
                    first.get_or_insert(k);
                    k = self.partner[k] + 1;
                }
                _ => {
                    first.get_or_insert(k);
                    k += 1;
                }
            }
        }
        if let Some(f) = first {
            items.push((f, close - 1));
        }
        items
    }
}

/// Past a block comment starting at `i` (RON's nest).
fn block_comment_end(b: &[u8], mut i: usize) -> usize {
    let mut depth = 0usize;
    while i < b.len() {
        if b[i..].starts_with(b"/*") {
            depth += 1;
            i += 2;
        } else if b[i..].starts_with(b"*/") {
            depth = depth.saturating_sub(1);
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    b.len()
}

/// Past the closing `quote` of a string whose text starts at `i`.
fn string_end(b: &[u8], mut i: usize, quote: u8) -> usize {
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    b.len()
}

/// Past a raw string (`r"…"`, `r#"…"#`, `br"…"`) when one starts at `i`.
fn raw_string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    if b.get(j) == Some(&b'b') {
        j += 1;
    }
    if b.get(j) != Some(&b'r') {
        return None;
    }
    j += 1;
    let hashes = b[j..].iter().take_while(|&&c| c == b'#').count();
    j += hashes;
    // `r#name` is a raw identifier, not a string.
    if b.get(j) != Some(&b'"') {
        return None;
    }
    j += 1;
    while j < b.len() {
        if b[j] == b'"' && b[j + 1..].iter().take_while(|&&c| c == b'#').count() >= hashes {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(b.len())
}

/// Past a name or number (its first byte at `i - 1` already taken).
fn word_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len()
        && !b[i].is_ascii_whitespace()
        && !matches!(
            b[i],
            b'(' | b')' | b'[' | b']' | b'{' | b'}' | b',' | b':' | b'"' | b'\'' | b'/'
        )
    {
        i += 1;
    }
    i
}
