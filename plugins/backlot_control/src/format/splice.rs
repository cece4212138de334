//! Edits to RON text in its own layout, so the user's comments and formatting survive a
//! save: an item removed with its line, items appended as the list (or struct) already lays
//! them out. Also learn's rules for a list of bindings (MIDI and OSC), and bindings as
//! hand-written RON.

use super::tokens::{Kind, Tokens};
use super::{MapFile, MidiBinding, MidiControl, OscBinding};

/// One replacement in a text: `start..end` becomes the string.
pub(super) type Edit = (usize, usize, String);

/// Puts a learned binding into a list as a save writes it into the file: it takes the place
/// of the first binding with its control or its target, and the others with either go.
pub fn learn_binding(bindings: &mut Vec<MidiBinding>, learned: MidiBinding) {
    let Some(at) = bindings.iter().position(|b| supersedes(&learned, b)) else {
        bindings.push(learned);
        return;
    };
    let mut i = 0;
    bindings.retain(|b| {
        let keep = i == at || !supersedes(&learned, b);
        i += 1;
        keep
    });
    // Everything before `at` was kept, so it is still at `at`.
    bindings[at] = learned;
}

/// Puts an OSC-learned binding into a list as a save writes it into the file: it takes the
/// place of the first binding with its address, and the others with it go. Other aliases of
/// its target stay: a parameter may be on several surfaces (a MIDI control has one target
/// because its feedback goes back to it; OSC feedback goes to the parameter's own address).
pub fn learn_osc_binding(bindings: &mut Vec<OscBinding>, learned: OscBinding) {
    let Some(at) = bindings.iter().position(|b| b.address == learned.address) else {
        bindings.push(learned);
        return;
    };
    let mut i = 0;
    bindings.retain(|b| {
        let keep = i == at || b.address != learned.address;
        i += 1;
        keep
    });
    bindings[at] = learned;
}

/// A binding made by learn: a MIDI control (MIDI learn) or an OSC address (OSC learn) for a
/// parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum LearnedBinding {
    /// From MIDI learn.
    Midi(MidiBinding),
    /// From OSC learn: an `osc.bindings` alias.
    Osc(OscBinding),
}

impl LearnedBinding {
    /// Puts it into `map` by learn's rules ([`learn_binding`], [`learn_osc_binding`]).
    pub fn apply_to(&self, map: &mut MapFile) {
        match self {
            LearnedBinding::Midi(b) => learn_binding(&mut map.midi.bindings, b.clone()),
            LearnedBinding::Osc(b) => learn_osc_binding(&mut map.osc.bindings, b.clone()),
        }
    }
}

/// Learned bindings, held by learn's rules: at most one per MIDI control and one per target
/// among the MIDI ones, one per address among the OSC ones.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Learned {
    /// MIDI-learned bindings.
    pub midi: Vec<MidiBinding>,
    /// OSC-learned aliases.
    pub osc: Vec<OscBinding>,
}

impl Learned {
    /// Adds a binding; it supersedes those it takes the place of.
    pub fn add(&mut self, learned: LearnedBinding) {
        match learned {
            LearnedBinding::Midi(b) => learn_binding(&mut self.midi, b),
            LearnedBinding::Osc(b) => learn_osc_binding(&mut self.osc, b),
        }
    }

    /// Puts every one into `map`, as a save writes them into the file.
    pub fn apply_to(&self, map: &mut MapFile) {
        for b in &self.midi {
            learn_binding(&mut map.midi.bindings, b.clone());
        }
        for b in &self.osc {
            learn_osc_binding(&mut map.osc.bindings, b.clone());
        }
    }

    /// Forgets those `saved` holds (a save wrote them); any learned since stay.
    pub fn forget(&mut self, saved: &Learned) {
        self.midi.retain(|b| !saved.midi.contains(b));
        self.osc.retain(|b| !saved.osc.contains(b));
    }

    /// How many bindings.
    pub fn len(&self) -> usize {
        self.midi.len() + self.osc.len()
    }

    /// None at all.
    pub fn is_empty(&self) -> bool {
        self.midi.is_empty() && self.osc.is_empty()
    }

    /// Forgets them all.
    pub fn clear(&mut self) {
        self.midi.clear();
        self.osc.clear();
    }
}

/// Whether a learned binding takes `old`'s place: same control, or same target.
pub(super) fn supersedes(learned: &MidiBinding, old: &MidiBinding) -> bool {
    old.control == learned.control || old.target == learned.target
}

/// A binding as one line of RON in the hand-written style (defaults left out).
pub(super) fn binding_ron(b: &MidiBinding) -> Option<String> {
    let mut s = format!(
        "(control: {}, target: {}",
        control_ron(b.control),
        ron::to_string(&b.target).ok()?
    );
    if b.slew_ms.abs() > 0.0 {
        s.push_str(&format!(", slew_ms: {}", ron::to_string(&b.slew_ms).ok()?));
    }
    if !b.pickup {
        s.push_str(", pickup: false");
    }
    if !b.feedback {
        s.push_str(", feedback: false");
    }
    if b.priority != 0 {
        s.push_str(&format!(", priority: {}", b.priority));
    }
    s.push(')');
    Some(s)
}

/// An OSC binding as one line of RON in the hand-written style (defaults left out).
pub(super) fn osc_binding_ron(b: &OscBinding) -> Option<String> {
    let mut s = format!(
        "(address: {}, target: {}",
        ron::to_string(&b.address).ok()?,
        ron::to_string(&b.target).ok()?
    );
    if b.unit_scale {
        s.push_str(", unit_scale: true");
    }
    if b.slew_ms.abs() > 0.0 {
        s.push_str(&format!(", slew_ms: {}", ron::to_string(&b.slew_ms).ok()?));
    }
    if b.priority != 0 {
        s.push_str(&format!(", priority: {}", b.priority));
    }
    s.push(')');
    Some(s)
}

fn control_ron(c: MidiControl) -> String {
    match c {
        MidiControl::Cc { channel, cc } => format!("Cc(channel: {channel}, cc: {cc})"),
        MidiControl::Cc14 { channel, cc } => format!("Cc14(channel: {channel}, cc: {cc})"),
        MidiControl::Nrpn { channel, number } => {
            format!("Nrpn(channel: {channel}, number: {number})")
        }
        // The mode's Debug name is its RON name.
        MidiControl::Note {
            channel,
            note,
            mode,
        } => format!("Note(channel: {channel}, note: {note}, mode: {mode:?})"),
        MidiControl::PitchBend { channel } => format!("PitchBend(channel: {channel})"),
        MidiControl::Program { channel } => format!("Program(channel: {channel})"),
    }
}

impl Tokens<'_> {
    /// The text to cut to remove an item: with its comma, and its whole line when it has the
    /// line to itself.
    pub(super) fn removal(&self, first: usize, last: usize) -> (usize, usize) {
        let start = self.list[first].start;
        let mut end = self.list[last].end;
        if self.kind(last + 1) == Some(Kind::Comma) {
            end = self.list[last + 1].end;
        }
        let line_start = self.text[..start].rfind('\n').map_or(0, |n| n + 1);
        let rest = &self.text[end..];
        let line_end = rest.find('\n').map_or(self.text.len(), |n| end + n + 1);
        if self.text[line_start..start].trim().is_empty()
            && self.text[end..line_end].trim().is_empty()
        {
            (line_start, line_end)
        } else {
            let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
            (start, end + spaces)
        }
    }

    /// Edits adding `new` as the last items of the list (or struct) opened at `open`, in its
    /// layout.
    pub(super) fn append(&self, open: usize, new: &[String]) -> Vec<Edit> {
        let close = self.partner[open];
        // The opening bracket itself when the list is empty.
        let last = close - 1;
        let after = self.list[last].end;
        let empty = last == open;
        let trailing_comma = self.list[last].kind == Kind::Comma;
        let between = &self.text[after..self.list[close].start];
        if !between.contains('\n') {
            // On one line: `[a, b]` → `[a, b, new]`.
            let new = new.join(", ");
            let with = if empty {
                new
            } else if trailing_comma {
                format!(" {new},")
            } else {
                format!(", {new}")
            };
            return vec![(after, after, with)];
        }
        let nl = if self.text.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        };
        let indent = self.item_indent(open);
        let lines: String = new.iter().map(|n| format!("{nl}{indent}{n},")).collect();
        let comma = if empty || trailing_comma { "" } else { "," };
        // After a comment that ends the last item's line, not inside it.
        let spaces = between.len() - between.trim_start_matches([' ', '\t']).len();
        let comment = &between[spaces..];
        if !comment.starts_with("//") {
            return vec![(after, after, format!("{comma}{lines}"))];
        }
        let at = after + spaces + comment.find(['\r', '\n']).unwrap_or(comment.len());
        let mut edits = vec![(at, at, lines)];
        if !comma.is_empty() {
            edits.push((after, after, comma.to_string()));
        }
        edits
    }

    /// The indentation of the list's items: its last item's, when that starts a line, else
    /// one level (four spaces) in from the line the list opens on.
    fn item_indent(&self, open: usize) -> String {
        let line_start = |at: usize| self.text[..at].rfind('\n').map_or(0, |n| n + 1);
        if let Some(&(first, _)) = self.items(open).last() {
            let start = self.list[first].start;
            let lead = &self.text[line_start(start)..start];
            if lead.trim().is_empty() {
                return lead.to_string();
            }
        }
        let line = &self.text[line_start(self.list[open].start)..];
        let lead = &line[..line.len() - line.trim_start_matches([' ', '\t']).len()];
        format!("{lead}    ")
    }
}
