//! Where the values of a show file stand in its text (looks, their values, lists, cues), so
//! that every check points at its token; built with `backlot_files::ron_scan`.

use backlot_files::ron_scan::{Item, field, items, string_at};

/// Where a show file's checked values stand.
pub(super) struct Layout<'a> {
    src: &'a str,
    top: Vec<Item<'a>>,
    looks: Vec<Entry<'a>>,
    lists: Vec<ListLayout<'a>>,
}

/// A struct in a list: where it starts and its fields.
pub(super) struct Entry<'a> {
    start: usize,
    fields: Vec<Item<'a>>,
}

struct ListLayout<'a> {
    entry: Entry<'a>,
    cues: Vec<Entry<'a>>,
}

impl<'a> Entry<'a> {
    fn at(src: &'a str, start: usize) -> Self {
        Self {
            start,
            fields: items(src, start),
        }
    }

    /// The value of `key` (the struct, when it is not written).
    pub fn field(&self, key: &str) -> usize {
        field(&self.fields, key).unwrap_or(self.start)
    }
}

impl<'a> Layout<'a> {
    /// Scans the text of a show file.
    pub fn of(src: &'a str) -> Self {
        let top = items(src, 0);
        let entries = |at: Option<usize>| -> Vec<Entry<'a>> {
            at.map(|at| {
                items(src, at)
                    .iter()
                    .map(|i| Entry::at(src, i.at))
                    .collect()
            })
            .unwrap_or_default()
        };
        let looks = entries(field(&top, "looks"));
        let lists = entries(field(&top, "lists"))
            .into_iter()
            .map(|entry| {
                let cues = entries(field(&entry.fields, "cues"));
                ListLayout { entry, cues }
            })
            .collect();
        Self {
            src,
            top,
            looks,
            lists,
        }
    }

    /// The value of a top-level field (start of the text when it is not written).
    pub fn top(&self, key: &str) -> usize {
        field(&self.top, key).unwrap_or(0)
    }

    /// Field `key` of the `look`-th look.
    pub fn look(&self, look: usize, key: &str) -> usize {
        self.looks
            .get(look)
            .map_or_else(|| self.top("looks"), |l| l.field(key))
    }

    /// Each value address of the `look`-th look's `values`, with its offset.
    pub fn look_values(&self, look: usize) -> Vec<(&'a str, usize)> {
        let Some(at) = self
            .looks
            .get(look)
            .and_then(|l| field(&l.fields, "values"))
        else {
            return Vec::new();
        };
        items(self.src, at)
            .iter()
            .filter_map(|i| string_at(self.src, i.at).map(|s| (s, i.at)))
            .collect()
    }

    /// Field `key` of the `list`-th list.
    pub fn list(&self, list: usize, key: &str) -> usize {
        self.lists
            .get(list)
            .map_or_else(|| self.top("lists"), |l| l.entry.field(key))
    }

    /// Field `key` of cue `cue` of the `list`-th list.
    pub fn cue(&self, list: usize, cue: usize, key: &str) -> usize {
        self.lists
            .get(list)
            .and_then(|l| l.cues.get(cue))
            .map_or_else(|| self.list(list, "cues"), |c| c.field(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use backlot_files::ron_scan::value_end;
    use proptest::prelude::*;

    #[test]
    fn looks_values_and_cues_are_found_past_comments() {
        let src = r#"(
    // looks: [ (name: "decoy") ]
    looks: [
        (name: "a", values: { "/x/y": Float(1.0), /* "/no": */ "/z": Bool(true) }),
    ],
    lists: [(name: "l", cues: [(name: "1", look: "a"), (name: "2", look: "b", fade: -1.0)])],
)"#;
        let layout = Layout::of(src);
        let at = |needle: &str| src.find(needle).expect("in the text");
        assert_eq!(layout.look(0, "name"), at("\"a\""));
        let values = layout.look_values(0);
        assert_eq!(values, [("/x/y", at("\"/x/y")), ("/z", at("\"/z"))]);
        assert_eq!(layout.cue(0, 1, "fade"), at("-1.0"));
        assert_eq!(
            layout.cue(0, 1, "delay"),
            at("(name: \"2\""),
            "unwritten: the cue"
        );
        assert_eq!(layout.list(0, "name"), at("\"l\""));
    }

    proptest! {
        #[test]
        fn any_text_scans_without_panicking(src in "\\PC{0,120}") {
            let layout = Layout::of(&src);
            let _ = (layout.top("name"), layout.look(0, "name"), layout.cue(1, 0, "fade"));
            let _ = layout.look_values(0);
            for at in 0..src.len() {
                prop_assert!(value_end(&src, at) <= src.len());
            }
        }

        #[test]
        fn bracket_soup_scans_without_panicking(src in "[()\\[\\]{}\"'r#/*:, a-z\n]{0,80}") {
            let layout = Layout::of(&src);
            let _ = (layout.list(0, "cues"), layout.look_values(1));
        }
    }
}
