//! The show's merge of its lists: one value per parameter, the latest fade's. A fade frame
//! merges the same addresses every frame, so each list keeps where its values sit in the
//! merged ones and looks them up again only when an address comes or goes.

use backlot_params::{ParamValue, SlotHint};

use super::Show;
use crate::running::Held;

#[derive(Debug, Clone)]
pub(super) struct Merged {
    pub(super) value: ParamValue,
    pub(super) stamp: u64,
    pub(super) list: usize,
    /// Handed to the arbiter since it last changed ([`Show::due`]).
    pub(super) pushed: bool,
    /// Where the parameter sits in the registry, for the arbiter.
    pub(super) hint: SlotHint,
}

impl Merged {
    /// Takes `held`, list `list`'s value, unless a later fade's value is here.
    fn fold(&mut self, held: &Held, list: usize) {
        if self.stamp > held.stamp {
            return;
        }
        if self.value != held.value {
            self.value.clone_from(&held.value);
            self.pushed = false;
        }
        self.stamp = held.stamp;
        if self.list != list {
            self.list = list;
            self.pushed = false;
        }
    }
}

/// One list's part in the merge: its [`CueList::held_changes`] when it was last merged, and
/// where each of its values sits in the merged values, found once for a layout of both.
///
/// [`CueList::held_changes`]: crate::cue_list::CueList::held_changes
#[derive(Debug, Clone, Default)]
pub(super) struct MergeMap {
    merged_at: Option<u64>,
    layouts: Option<(u64, u64)>,
    positions: Vec<usize>,
}

impl Show {
    /// Folds the lists' values into one value per parameter, the latest fade's. Only lists
    /// whose values changed since the last merge are walked (a show at rest walks none).
    pub(super) fn merge(&mut self) {
        let all = std::mem::take(&mut self.remerge) || self.merge_maps.len() != self.lists.len();
        if all {
            self.merged.clear();
            self.merge_maps = vec![MergeMap::default(); self.lists.len()];
        }
        let lists = self.lists.iter().zip(self.merge_maps.iter_mut());
        for (i, (list, map)) in lists.enumerate() {
            if map.merged_at == Some(list.held_changes()) {
                continue;
            }
            map.merged_at = Some(list.held_changes());
            let held = list.held_slots();
            if map.layouts == Some((held.layout(), self.merged.layout())) {
                // The same addresses as last time (a fade frame): no lookups.
                for ((_, h), &at) in held.iter().zip(&map.positions) {
                    if let Some(m) = self.merged.at_mut(at) {
                        m.fold(h, i);
                    }
                }
                continue;
            }
            let mut positions = Vec::with_capacity(held.len());
            for (address, h) in held.iter() {
                let at = match self.merged.position(address) {
                    Some(at) => {
                        if let Some(m) = self.merged.at_mut(at) {
                            m.fold(h, i);
                        }
                        at
                    }
                    None => {
                        let m = Merged {
                            value: h.value.clone(),
                            stamp: h.stamp,
                            list: i,
                            pushed: false,
                            hint: SlotHint::default(),
                        };
                        self.merged.insert(address, m)
                    }
                };
                positions.push(at);
            }
            map.layouts = Some((held.layout(), self.merged.layout()));
            map.positions = positions;
        }
    }
}
