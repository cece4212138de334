//! A map's text edited to read as another map, touching only what differs: a changed setting
//! has its value replaced where it is written, a changed list item is replaced in place, a
//! removed one goes with its line, new ones join the end of their list in its layout, and a
//! setting or section the text leaves out is added to its struct. Everything else (comments,
//! order, spacing) stays as the user wrote it. The caller checks that the result parses to
//! the map meant.

use serde::Serialize;

use super::splice::{Edit, binding_ron, osc_binding_ron, supersedes};
use super::tokens::Tokens;
use super::{
    AccessDef, AllowDef, ChannelDef, DmxDef, FixtureDef, MapFile, MidiBinding, MidiDef, OscBinding,
    OscDef, UniverseDef,
};

/// The most cells (4 bytes each) the item alignment may use: old × new items left once the
/// ends they share are set aside, a handful for any edit a person makes. Past it, items pair
/// up in order, which gives the right map but may leave a comment above another item.
const MAX_ALIGN_CELLS: usize = 1 << 20;

/// `text`, which parses to `old`, edited to parse to `new`. `None` when that cannot be done in
/// place: new items before old ones in a list, or text laid out in a way this cannot follow.
pub(super) fn patch_map(text: &str, old: &MapFile, new: &MapFile) -> Option<String> {
    let changes = map_changes(old, new)?;
    let t = Tokens::scan(text)?;
    let mut edits = Vec::new();
    apply(&t, t.top()?, &changes, &mut edits)?;
    // From the end, so earlier offsets stay right; edits that overlap are a layout not
    // understood, not something to guess at.
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    if edits.windows(2).any(|w| w[1].1 > w[0].0) {
        return None;
    }
    let mut out = text.to_string();
    for (start, end, with) in edits {
        out.replace_range(start..end, &with);
    }
    Some(out)
}

/// What changes in one field of a struct.
struct Change {
    name: &'static str,
    /// The new value as RON, written whole where the field is not in the text.
    whole: String,
    /// How it is edited where it is.
    how: How,
}

enum How {
    /// Its value's text becomes `whole`.
    Value,
    /// A struct: field by field.
    Fields(Vec<Change>),
    /// A list: item by item, each edit naming an item of the list as it was.
    Items {
        old_len: usize,
        edits: Vec<ItemEdit>,
    },
}

enum ItemEdit {
    Replace(usize, String),
    Remove(usize),
    Append(String),
}

/// A list item: how it is written, and whether a new one is the same item (perhaps edited),
/// so it takes its place and keeps the comments around it.
trait Item: PartialEq {
    fn same(&self, new: &Self) -> bool;
    fn ron(&self) -> Option<String>;
}

impl Item for String {
    fn same(&self, new: &Self) -> bool {
        self == new
    }
    fn ron(&self) -> Option<String> {
        ron_line(self)
    }
}

impl Item for OscBinding {
    fn same(&self, new: &Self) -> bool {
        self.address == new.address
    }
    fn ron(&self) -> Option<String> {
        osc_binding_ron(self)
    }
}

impl Item for MidiBinding {
    fn same(&self, new: &Self) -> bool {
        supersedes(new, self)
    }
    fn ron(&self) -> Option<String> {
        binding_ron(self)
    }
}

impl Item for UniverseDef {
    fn same(&self, new: &Self) -> bool {
        self.id == new.id
    }
    fn ron(&self) -> Option<String> {
        ron_line(self)
    }
}

impl Item for FixtureDef {
    fn same(&self, new: &Self) -> bool {
        self.name == new.name
    }
    fn ron(&self) -> Option<String> {
        ron_line(self)
    }
}

impl Item for ChannelDef {
    fn same(&self, new: &Self) -> bool {
        self.target == new.target || (self.universe, self.address) == (new.universe, new.address)
    }
    fn ron(&self) -> Option<String> {
        ron_line(self)
    }
}

/// A value as one line of RON: `(name: "key", universe: 1, address: 1, …)`.
fn ron_line<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    let one_line = ron::ser::PrettyConfig::new()
        .compact_structs(true)
        .compact_arrays(true);
    ron::ser::to_string_pretty(value, one_line).ok()
}

/// A struct's changed fields, in the order they are declared.
#[derive(Default)]
struct Fields(Vec<Change>);

impl Fields {
    fn value<T: PartialEq + Serialize>(
        &mut self,
        name: &'static str,
        old: &T,
        new: &T,
    ) -> Option<()> {
        if old != new {
            self.0.push(Change {
                name,
                whole: ron_line(new)?,
                how: How::Value,
            });
        }
        Some(())
    }

    fn list<T: Item>(&mut self, name: &'static str, old: &[T], new: &[T]) -> Option<()> {
        if old == new {
            return Some(());
        }
        let texts = new.iter().map(Item::ron).collect::<Option<Vec<String>>>()?;
        let edits = item_edits(old, new, &texts)?;
        self.0.push(Change {
            name,
            whole: format!("[{}]", texts.join(", ")),
            how: How::Items {
                old_len: old.len(),
                edits,
            },
        });
        Some(())
    }

    fn fields(&mut self, name: &'static str, inner: Fields) {
        if inner.0.is_empty() {
            return;
        }
        // Where the struct is not in the text it held its defaults, so its changed fields
        // are all it needs.
        let written: Vec<String> = inner
            .0
            .iter()
            .map(|c| format!("{}: {}", c.name, c.whole))
            .collect();
        self.0.push(Change {
            name,
            whole: format!("({})", written.join(", ")),
            how: How::Fields(inner.0),
        });
    }
}

fn map_changes(old: &MapFile, new: &MapFile) -> Option<Vec<Change>> {
    let mut top = Fields::default();
    top.fields("osc", osc_changes(&old.osc, &new.osc)?);
    top.fields("midi", midi_changes(&old.midi, &new.midi)?);
    top.fields("dmx", dmx_changes(&old.dmx, &new.dmx)?);
    top.fields("access", access_changes(&old.access, &new.access)?);
    Some(top.0)
}

fn osc_changes(old: &OscDef, new: &OscDef) -> Option<Fields> {
    let mut f = Fields::default();
    f.list("feedback", &old.feedback, &new.feedback)?;
    f.value("unit_scale", &old.unit_scale, &new.unit_scale)?;
    f.list("bindings", &old.bindings, &new.bindings)?;
    Some(f)
}

fn midi_changes(old: &MidiDef, new: &MidiDef) -> Option<Fields> {
    let mut f = Fields::default();
    f.list("inputs", &old.inputs, &new.inputs)?;
    f.list("outputs", &old.outputs, &new.outputs)?;
    f.list("bindings", &old.bindings, &new.bindings)?;
    Some(f)
}

fn dmx_changes(old: &DmxDef, new: &DmxDef) -> Option<Fields> {
    let mut f = Fields::default();
    f.value("artnet", &old.artnet, &new.artnet)?;
    f.value("sacn", &old.sacn, &new.sacn)?;
    f.list("universes", &old.universes, &new.universes)?;
    f.list("fixtures", &old.fixtures, &new.fixtures)?;
    f.list("channels", &old.channels, &new.channels)?;
    Some(f)
}

fn access_changes(old: &AccessDef, new: &AccessDef) -> Option<Fields> {
    let mut f = Fields::default();
    f.fields("allow", allow_changes(&old.allow, &new.allow)?);
    f.list("read_only", &old.read_only, &new.read_only)?;
    Some(f)
}

fn allow_changes(old: &AllowDef, new: &AllowDef) -> Option<Fields> {
    let mut f = Fields::default();
    f.list("osc", &old.osc, &new.osc)?;
    f.list("oscquery", &old.oscquery, &new.oscquery)?;
    f.list("dmx", &old.dmx, &new.dmx)?;
    f.list("tracking", &old.tracking, &new.tracking)?;
    f.list("all", &old.all, &new.all)?;
    Some(f)
}

/// The edits turning list `old` into `new` (`texts`: each new item as RON). Items both keep
/// at either end stay; between, the same items (perhaps edited) are matched up in order,
/// the rest pair up, go, or join the end. `None` when new items would have to go before old
/// ones.
fn item_edits<T: Item>(old: &[T], new: &[T], texts: &[String]) -> Option<Vec<ItemEdit>> {
    let pre = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let post = old[pre..]
        .iter()
        .rev()
        .zip(new[pre..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let (o, n) = (&old[pre..old.len() - post], &new[pre..new.len() - post]);
    let mut anchors = align(o, n);
    // The end of both lists closes the last gap.
    anchors.push((o.len(), n.len()));
    let mut edits = Vec::new();
    let (mut i, mut j) = (0, 0);
    for (ai, aj) in anchors {
        let (gap_old, gap_new) = (ai - i, aj - j);
        for k in 0..gap_old.max(gap_new) {
            if k < gap_old && k < gap_new {
                edits.push(ItemEdit::Replace(pre + i + k, texts[pre + j + k].clone()));
            } else if k < gap_old {
                edits.push(ItemEdit::Remove(pre + i + k));
            } else if ai == o.len() && post == 0 {
                edits.push(ItemEdit::Append(texts[pre + j + k].clone()));
            } else {
                return None;
            }
        }
        if ai < o.len() && o[ai] != n[aj] {
            edits.push(ItemEdit::Replace(pre + ai, texts[pre + aj].clone()));
        }
        (i, j) = (ai + 1, aj + 1);
    }
    Some(edits)
}

/// The longest run of (old, new) index pairs, both rising, each pair the same item.
fn align<T: Item>(old: &[T], new: &[T]) -> Vec<(usize, usize)> {
    let (n, m) = (old.len(), new.len());
    if n == 0 || m == 0 || n.saturating_mul(m) > MAX_ALIGN_CELLS {
        return Vec::new();
    }
    // run[i * w + j]: the longest run within old[i..] and new[j..].
    let w = m + 1;
    let mut run = vec![0u32; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            run[i * w + j] = if old[i].same(&new[j]) {
                run[(i + 1) * w + j + 1] + 1
            } else {
                run[(i + 1) * w + j].max(run[i * w + j + 1])
            };
        }
    }
    let mut pairs = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if old[i].same(&new[j]) {
            pairs.push((i, j));
            i += 1;
            j += 1;
        } else if run[(i + 1) * w + j] >= run[i * w + j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

/// Edits making the struct opened at `open` hold `changes`.
fn apply(t: &Tokens, open: usize, changes: &[Change], edits: &mut Vec<Edit>) -> Option<()> {
    let mut absent = Vec::new();
    for c in changes {
        let Some((first, last)) = t.value(open, c.name) else {
            absent.push(format!("{}: {}", c.name, c.whole));
            continue;
        };
        match &c.how {
            How::Value => edits.push((t.list[first].start, t.list[last].end, c.whole.clone())),
            How::Fields(inner) => apply(t, t.struct_at(first)?, inner, edits)?,
            How::Items {
                old_len,
                edits: items,
            } => apply_items(t, first, *old_len, items, edits)?,
        }
    }
    if !absent.is_empty() {
        edits.extend(t.append(open, &absent));
    }
    Some(())
}

/// Edits making the list opened at `open` (holding `old_len` items) take `items`.
fn apply_items(
    t: &Tokens,
    open: usize,
    old_len: usize,
    items: &[ItemEdit],
    edits: &mut Vec<Edit>,
) -> Option<()> {
    if !t.opens(open, b'[') {
        return None;
    }
    let at = t.items(open);
    if at.len() != old_len {
        return None;
    }
    let mut appended = Vec::new();
    for item in items {
        match item {
            ItemEdit::Replace(i, text) => {
                let (first, last) = *at.get(*i)?;
                edits.push((t.list[first].start, t.list[last].end, text.clone()));
            }
            ItemEdit::Remove(i) => {
                let (first, last) = *at.get(*i)?;
                let (start, end) = t.removal(first, last);
                edits.push((start, end, String::new()));
            }
            ItemEdit::Append(text) => appended.push(text.clone()),
        }
    }
    if !appended.is_empty() {
        edits.extend(t.append(open, &appended));
    }
    Some(())
}
