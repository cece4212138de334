//! A show file's text edited so that its cue `lists` read as the running show's, touching
//! only what changed. In a changed list a changed `release_fade` is rewritten where it
//! stands; its cues are laid out again in their new order, each unchanged cue with its text
//! as written (the comments on the lines above it and after it on its line go with it), a
//! changed cue rewritten in the place it stands, a new cue written like the others. The
//! lists themselves, their order and every other byte stay as the user wrote them.

use backlot_files::ron_scan::{bracket_at, field, items, string_at, value_end};

use super::patch::{Edit, INDENT, Place, apply, block, line_indent, line_start, quoted};
use crate::fade::{DEFAULT_SWITCH_AT, FadeCurve};
use crate::file::{CueDef, CueListDef};

/// `text`, whose `lists` parse as `old`, edited so that they read as `new` (the same lists,
/// by name and order, with other cues). `None` when that cannot be done in place: lists
/// added, removed or reordered, or a layout this does not follow.
pub fn patch_lists(text: &str, old: &[CueListDef], new: &[CueListDef]) -> Option<String> {
    if old == new {
        return Some(text.to_string());
    }
    if !old.iter().map(|l| &l.name).eq(new.iter().map(|l| &l.name)) {
        return None;
    }
    let open = bracket_at(text, field(&items(text, 0), "lists")?)?;
    let entries = items(text, open);
    if text.as_bytes()[open] != b'[' || entries.len() != old.len() {
        return None;
    }
    let mut edits = Vec::new();
    for ((entry, before), after) in entries.iter().zip(old).zip(new) {
        if before == after {
            continue;
        }
        let list = bracket_at(text, entry.at)?;
        let fields = items(text, list);
        if field(&fields, "name").and_then(|n| string_at(text, n)) != Some(before.name.as_str()) {
            return None;
        }
        if before.release_fade != after.release_fade {
            let value = number(after.release_fade)?;
            match field(&fields, "release_fade") {
                Some(at) => edits.push((at, value_end(text, at), value)),
                None => Place::of(text, list)?.append(
                    text,
                    &[format!("release_fade: {value}")],
                    &mut edits,
                ),
            }
        }
        if before.cues != after.cues {
            let cues = bracket_at(text, field(&fields, "cues")?)?;
            edits.push(cues_edit(text, cues, &before.cues, &after.cues)?);
        }
    }
    apply(text, edits)
}

/// One cue as the text holds it: where its line starts and ends, and its value.
struct Written {
    /// The comment lines above it, from the end of the cue before.
    gap: std::ops::Range<usize>,
    /// Its line (or lines), newline included.
    line: std::ops::Range<usize>,
    /// The cue's `( … )`.
    value: std::ops::Range<usize>,
}

/// The edit laying out the cues of the `[` at `open` (whose entries parse as `before`) as
/// `after`.
fn cues_edit(text: &str, open: usize, before: &[CueDef], after: &[CueDef]) -> Option<Edit> {
    let b = text.as_bytes();
    let entries = items(text, open);
    let close = value_end(text, open).checked_sub(1)?;
    if b.get(open) != Some(&b'[') || b.get(close) != Some(&b']') || entries.len() != before.len() {
        return None;
    }
    for (entry, cue) in entries.iter().zip(before) {
        let fields = items(text, bracket_at(text, entry.at)?);
        if field(&fields, "name").and_then(|n| string_at(text, n)) != Some(cue.name.as_str()) {
            return None;
        }
    }
    let multiline = text.get(open..close)?.contains('\n');
    if !multiline || entries.is_empty() {
        // One line: the cues joined on it, as written where unchanged.
        let texts = after
            .iter()
            .map(|cue| match before.iter().position(|c| c == cue) {
                Some(i) => text
                    .get(entries[i].at..value_end(text, entries[i].at))
                    .map(str::to_string),
                None => cue_text(cue, "", false),
            })
            .collect::<Option<Vec<_>>>()?;
        let inner = if multiline {
            let indent = format!("{}{INDENT}", line_indent(text, open));
            let lines: String = texts.iter().map(|t| format!("{indent}{t},\n")).collect();
            format!("\n{lines}{}", line_indent(text, close))
        } else {
            texts.join(", ")
        };
        return Some((open + 1, close, inner));
    }
    let written = lines_of(text, open, close, &entries)?;
    let indent = line_indent(text, entries[0].at).to_string();
    let head_end = written[0].gap.start;
    let tail_start = written.last()?.line.end;
    let mut body = text.get(open + 1..head_end)?.to_string();
    for (k, cue) in after.iter().enumerate() {
        // An unchanged cue keeps its text; a changed one (found by name) its place's
        // comments; a new one is written like the others.
        let old = before
            .iter()
            .position(|c| c == cue)
            .or_else(|| before.iter().position(|c| c.name == cue.name));
        let Some(i) = old else {
            body.push_str(&format!("{indent}{},\n", cue_text(cue, &indent, false)?));
            continue;
        };
        let w = &written[i];
        body.push_str(text.get(w.gap.clone())?);
        let value = if before[i] == *cue {
            text.get(w.value.clone())?.to_string()
        } else {
            let spread = text.get(w.value.clone())?.contains('\n');
            cue_text(cue, line_indent(text, w.value.start), spread)?
        };
        let rest = text.get(w.value.end..w.line.end)?;
        // A cue with one after it needs its comma: the last may not have had one.
        let comma = if rest.trim_start().starts_with(',') || k + 1 == after.len() {
            ""
        } else {
            ","
        };
        body.push_str(text.get(w.line.start..w.value.start)?);
        body.push_str(&value);
        body.push_str(comma);
        body.push_str(rest);
    }
    body.push_str(text.get(tail_start..close)?);
    Some((open + 1, close, body))
}

/// Where each entry of a cue list written one per line stands; `None` when two share a line
/// or the closing `]` shares the last one's.
fn lines_of(
    text: &str,
    open: usize,
    close: usize,
    entries: &[backlot_files::ron_scan::Item<'_>],
) -> Option<Vec<Written>> {
    // The rest of the `[` line (a comment, the newline) stays at the head.
    let mut prev = text.get(open..close)?.find('\n').map(|n| open + n + 1)?;
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let start = line_start(text, entry.at);
        if start < prev || !text.get(start..entry.at)?.trim().is_empty() {
            return None;
        }
        let end = value_end(text, entry.at);
        let line_end = text.get(end..)?.find('\n').map(|n| end + n + 1)?;
        if line_end > line_start(text, close) {
            return None;
        }
        // After the cue on its line: its comma and perhaps a comment, nothing more.
        let rest = text.get(end..line_end)?.trim_start();
        let rest = rest.strip_prefix(',').unwrap_or(rest).trim();
        if !(rest.is_empty() || rest.starts_with("//")) {
            return None;
        }
        out.push(Written {
            gap: prev..start,
            line: start..line_end,
            value: entry.at..end,
        });
        prev = line_end;
    }
    Some(out)
}

/// A number as the file writes it (`2.0`, `1.935`).
fn number(v: f32) -> Option<String> {
    ron::to_string(&v).ok()
}

/// A cue as the show file writes it: what it leaves at its default left out.
pub(super) fn cue_text(cue: &CueDef, indent: &str, multiline: bool) -> Option<String> {
    let mut fields = vec![
        format!("name: {}", quoted(&cue.name)?),
        format!("look: {}", quoted(&cue.look)?),
    ];
    if cue.fade != 0.0 {
        fields.push(format!("fade: {}", number(cue.fade)?));
    }
    if cue.delay != 0.0 {
        fields.push(format!("delay: {}", number(cue.delay)?));
    }
    if let Some(f) = cue.follow {
        fields.push(format!("follow: {}", number(f)?));
    }
    if cue.curve != FadeCurve::Linear {
        fields.push(format!("curve: {}", ron::to_string(&cue.curve).ok()?));
    }
    if cue.switch_at != DEFAULT_SWITCH_AT {
        fields.push(format!("switch_at: {}", number(cue.switch_at)?));
    }
    if let Some(next) = &cue.next {
        fields.push(format!("next: {}", quoted(next)?));
    }
    if let Some(tc) = &cue.timecode {
        fields.push(format!("timecode: {}", quoted(tc)?));
    }
    Some(block('(', ')', &fields, indent, multiline))
}

#[cfg(test)]
#[path = "patch_lists_tests.rs"]
mod tests;
