//! A show file's text edited so that its `looks` read as the running show's, touching only
//! what changed: a changed look has only its changed fields (`values`, `approved`,
//! `versions`) rewritten where they are written (or added to it), a new look joins the end of
//! `looks` in its layout, a look no longer there goes with its line. Every other byte —
//! comments, order, spacing, the cue lists — stays as the user wrote it. The caller checks
//! that the result parses to the show meant.

use backlot_params::ParamValue;

use crate::look::{Look, LookValues, LookVersion};
use backlot_files::ron_scan::{bracket_at, field, items, skip_blank, string_at, value_end};

/// Replace `start..end` of the text with the string.
pub(super) type Edit = (usize, usize, String);

/// One level of indentation in what is written.
pub(super) const INDENT: &str = "    ";

/// `text`, whose `looks` parse as `old`, edited so that they read as `new`. `None` when that
/// cannot be done in place: the text is laid out in a way this does not follow, or the looks
/// kept would change their order.
pub fn patch_looks(text: &str, old: &[Look], new: &[Look]) -> Option<String> {
    if old == new {
        return Some(text.to_string());
    }
    // The looks kept stay in their place, new ones join the end: any other order cannot be
    // had by editing in place.
    let kept = old.iter().filter(|o| new.iter().any(|n| n.name == o.name));
    let added = new.iter().filter(|n| !old.iter().any(|o| o.name == n.name));
    let order = kept.chain(added.clone()).map(|l| &l.name);
    if !order.eq(new.iter().map(|l| &l.name)) {
        return None;
    }
    let top = items(text, 0);
    let mut edits = Vec::new();
    match field(&top, "looks") {
        None if !old.is_empty() => return None,
        None => {
            // No `looks:` written (it defaults to none): add the field, the looks in it.
            let open = bracket_at(text, 0)?;
            let place = Place::of(text, open)?;
            let inner = format!("{}{INDENT}", place.indent);
            let looks = added
                .map(|l| Some(format!("{inner}{},\n", look_text(l, &inner, true)?)))
                .collect::<Option<Vec<String>>>()?;
            let entry = format!("looks: [\n{}{}]", looks.concat(), place.indent);
            place.append(text, &[entry], &mut edits);
        }
        Some(at) => {
            let open = bracket_at(text, at)?;
            if text.as_bytes()[open] != b'[' {
                return None;
            }
            let entries = items(text, open);
            if entries.len() != old.len() {
                return None;
            }
            for (entry, before) in entries.iter().zip(old) {
                let look = bracket_at(text, entry.at)?;
                let name = field(&items(text, look), "name").and_then(|n| string_at(text, n));
                if name != Some(before.name.as_str()) {
                    return None;
                }
                match new.iter().find(|n| n.name == before.name) {
                    None => edits.push(removal(text, entry.at)),
                    Some(after) if after != before => {
                        look_edits(text, look, before, after, &mut edits)?;
                    }
                    Some(_) => {}
                }
            }
            let added: Vec<&Look> = added.collect();
            if !added.is_empty() {
                let place = Place::of(text, open)?;
                let texts = added
                    .iter()
                    .map(|l| look_text(l, &place.indent, place.multiline))
                    .collect::<Option<Vec<_>>>()?;
                place.append(text, &texts, &mut edits);
            }
        }
    }
    apply(text, edits)
}

/// The edits turning look `before`, whose struct opens at `open`, into `after`.
fn look_edits(
    text: &str,
    open: usize,
    before: &Look,
    after: &Look,
    edits: &mut Vec<Edit>,
) -> Option<()> {
    let fields = items(text, open);
    let multiline = spans_lines(text, open);
    let field_indent = entry_indent(text, open, fields.first().map(|f| f.at));
    let mut absent = Vec::new();
    let changes = [
        ("values", before.values != after.values),
        ("approved", before.approved != after.approved),
        ("versions", before.versions != after.versions),
    ];
    for (key, changed) in changes {
        if !changed {
            continue;
        }
        let written = field(&fields, key);
        let indent = written.map_or(field_indent.as_str(), |at| line_indent(text, at));
        let value = match key {
            "values" => values_text(&after.values, indent, multiline)?,
            "approved" => after.approved.to_string(),
            _ => versions_text(&after.versions, indent, multiline)?,
        };
        match written {
            Some(at) => edits.push((at, value_end(text, at), value)),
            None => absent.push(format!("{key}: {value}")),
        }
    }
    if !absent.is_empty() {
        Place::of(text, open)?.append(text, &absent, edits);
    }
    Some(())
}

/// Where entries join a bracketed value: its closing bracket, how its entries are indented,
/// and whether it is written over several lines.
pub(super) struct Place {
    open: usize,
    close: usize,
    indent: String,
    multiline: bool,
}

impl Place {
    pub(super) fn of(text: &str, open: usize) -> Option<Self> {
        let b = text.as_bytes();
        let closer = match b.get(open)? {
            b'(' => b')',
            b'[' => b']',
            b'{' => b'}',
            _ => return None,
        };
        let close = value_end(text, open).checked_sub(1)?;
        if close <= open || b.get(close) != Some(&closer) {
            return None;
        }
        let first = items(text, open).first().map(|i| i.at);
        Some(Self {
            open,
            close,
            indent: entry_indent(text, open, first),
            // An empty bracket takes its entries on lines of their own.
            multiline: spans_lines(text, open) || first.is_none(),
        })
    }

    /// Edits adding `entries` (written out already) after the last entry.
    pub(super) fn append(&self, text: &str, entries: &[String], edits: &mut Vec<Edit>) {
        let b = text.as_bytes();
        let last = items(text, self.open).last().map(|i| value_end(text, i.at));
        // The last entry's own comma, if it has none yet (a comment may follow it).
        let comma = last.filter(|e| b.get(skip_blank(b, *e)) != Some(&b','));
        let line = line_start(text, self.close);
        let alone = line > self.open && text[line..self.close].trim().is_empty();
        if alone {
            // `]` on a line of its own: the entries on lines of their own above it.
            if let Some(e) = comma {
                edits.push((e, e, ",".into()));
            }
            let block = entries
                .iter()
                .map(|e| format!("{}{e},\n", self.indent))
                .collect();
            edits.push((line, line, block));
        } else if self.multiline {
            let mut block = String::from(if comma.is_some() { "," } else { "" });
            for e in entries {
                block.push_str(&format!("\n{}{e},", self.indent));
            }
            block.push('\n');
            block.push_str(line_indent(text, self.close));
            edits.push((self.close, self.close, block));
        } else {
            // One line it was, one line it stays.
            let lead = match comma {
                Some(_) => ", ",
                None if last.is_some() => " ",
                None => "",
            };
            edits.push((
                self.close,
                self.close,
                format!("{lead}{}", entries.join(", ")),
            ));
        }
    }
}

/// The edit taking away the list entry at `at`: the entry, its comma, and its line when
/// nothing else is on it.
fn removal(text: &str, at: usize) -> Edit {
    let b = text.as_bytes();
    let mut end = value_end(text, at);
    let after = skip_blank(b, end);
    if b.get(after) == Some(&b',') {
        end = after + 1;
    }
    let start_line = line_start(text, at);
    let rest = text.get(end..).unwrap_or_default();
    let end_line = rest.find('\n').map_or(text.len(), |n| end + n + 1);
    let blank =
        |range: std::ops::Range<usize>| text.get(range).is_some_and(|t| t.trim().is_empty());
    if blank(start_line..at) && blank(end..end_line) {
        (start_line, end_line, String::new())
    } else {
        (at, end, String::new())
    }
}

/// `text` with `edits` made; `None` when two overlap or one would split a character (a
/// layout not understood, not something to guess at).
pub(super) fn apply(text: &str, mut edits: Vec<Edit>) -> Option<String> {
    // From the end, so earlier offsets stay right.
    edits.sort_by_key(|e| std::cmp::Reverse((e.0, e.1)));
    if edits.windows(2).any(|w| w[1].1 > w[0].0) {
        return None;
    }
    let mut out = text.to_string();
    for (start, end, with) in edits {
        if start > end || !out.is_char_boundary(start) || !out.is_char_boundary(end) {
            return None;
        }
        out.replace_range(start..end, &with);
    }
    Some(out)
}

pub(super) fn line_start(text: &str, at: usize) -> usize {
    text.get(..at)
        .and_then(|t| t.rfind('\n'))
        .map_or(0, |n| n + 1)
}

/// The blanks that start the line holding `at`.
pub(super) fn line_indent(text: &str, at: usize) -> &str {
    let start = line_start(text, at);
    let line = &text[start..];
    let blank = line.len() - line.trim_start_matches([' ', '\t']).len();
    &line[..blank]
}

/// How entries of the bracket at `open` are indented: as its first entry (`first`) when
/// that stands on a line below the bracket, else a level under the bracket's line.
fn entry_indent(text: &str, open: usize, first: Option<usize>) -> String {
    match first {
        Some(at) if line_start(text, at) > open => line_indent(text, at).to_string(),
        _ => format!("{}{INDENT}", line_indent(text, open)),
    }
}

/// Whether the bracketed value at `open` is written over several lines.
fn spans_lines(text: &str, open: usize) -> bool {
    text.get(open..value_end(text, open))
        .is_some_and(|t| t.contains('\n'))
}

/// A string as a RON literal (quoted, escaped).
pub(super) fn quoted(s: &str) -> Option<String> {
    ron::to_string(s).ok()
}

/// A value as the show file writes it: `Float(1.0)`, `Color((1.0, 0.5, 0.2))`.
fn value_text(value: &ParamValue) -> Option<String> {
    ron::ser::to_string_pretty(value, ron::ser::PrettyConfig::new()).ok()
}

/// A look's values as a map; over several lines, one value each, when `multiline`. `indent`:
/// the indentation of the line the map starts on.
fn values_text(values: &LookValues, indent: &str, multiline: bool) -> Option<String> {
    if values.is_empty() {
        return Some("{}".into());
    }
    let entries = values
        .iter()
        .map(|(address, value)| Some(format!("{}: {}", quoted(address)?, value_text(value)?)))
        .collect::<Option<Vec<String>>>()?;
    Some(block('{', '}', &entries, indent, multiline))
}

/// A look's earlier versions as a list; `indent` as for [`values_text`].
fn versions_text(versions: &[LookVersion], indent: &str, multiline: bool) -> Option<String> {
    if versions.is_empty() {
        return Some("[]".into());
    }
    // Each version on a line a level in, its fields a level further.
    let entry = format!("{indent}{INDENT}");
    let fields = format!("{entry}{INDENT}");
    let entries = versions
        .iter()
        .map(|v| {
            let written = [
                format!("values: {}", values_text(&v.values, &fields, multiline)?),
                format!("approved: {}", v.approved),
            ];
            Some(block('(', ')', &written, &entry, multiline))
        })
        .collect::<Option<Vec<String>>>()?;
    Some(block('[', ']', &entries, indent, multiline))
}

/// A whole look, as a new entry of `looks`. `indent`: the indentation of its first line.
fn look_text(look: &Look, indent: &str, multiline: bool) -> Option<String> {
    let inner = format!("{indent}{INDENT}");
    let mut fields = vec![
        format!("name: {}", quoted(&look.name)?),
        format!("values: {}", values_text(&look.values, &inner, multiline)?),
    ];
    // What the file leaves out by default stays out.
    if look.approved {
        fields.push("approved: true".into());
    }
    if !look.versions.is_empty() {
        fields.push(format!(
            "versions: {}",
            versions_text(&look.versions, &inner, multiline)?
        ));
    }
    Some(block('(', ')', &fields, indent, multiline))
}

/// `entries` between `open` and `close`: on lines of their own a level under `indent`, each
/// with its comma, or on one line.
pub(super) fn block(
    open: char,
    close: char,
    entries: &[String],
    indent: &str,
    multiline: bool,
) -> String {
    if !multiline {
        return format!("{open}{}{close}", entries.join(", "));
    }
    let mut out = String::from(open);
    out.push('\n');
    for e in entries {
        out.push_str(indent);
        out.push_str(INDENT);
        out.push_str(e);
        out.push_str(",\n");
    }
    out.push_str(indent);
    out.push(close);
    out
}

#[cfg(test)]
#[path = "patch_tests.rs"]
mod tests;
