//! Values by address, kept in a vector with a hashed index beside it. A fade frame walks the
//! same 2,000 addresses every frame through three of these steps (the list's fade, the
//! show's merge, the arbiter); hashing each address at each step was most of the frame.
//! Here a walker that comes back every frame keeps the positions it found, and looks
//! nothing up again while [`Slots::layout`] says that no address came or went.

use std::sync::atomic::{AtomicU64, Ordering};

use bevy::platform::collections::HashMap;

/// Layout stamps are unique across every `Slots` in the process, so positions found in one
/// map are never taken for positions in another (a list's values replaced on reload or
/// release start a new map). A clone shares its stamp: its positions are the same.
static LAYOUTS: AtomicU64 = AtomicU64::new(1);

fn fresh_layout() -> u64 {
    LAYOUTS.fetch_add(1, Ordering::Relaxed)
}

/// Values by address, in the order they were first inserted.
#[derive(Debug, Clone)]
pub struct Slots<V> {
    items: Vec<(String, V)>,
    index: HashMap<String, usize>,
    layout: u64,
}

impl<V> Default for Slots<V> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            index: HashMap::new(),
            layout: fresh_layout(),
        }
    }
}

impl<V> Slots<V> {
    /// No values.
    pub fn new() -> Self {
        Self::default()
    }

    /// Changes whenever an address comes or goes (never for a changed value): positions
    /// found at one layout hold while it lasts.
    pub fn layout(&self) -> u64 {
        self.layout
    }

    /// How many values.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The value at `address`.
    pub fn get(&self, address: &str) -> Option<&V> {
        self.position(address).map(|i| &self.items[i].1)
    }

    /// Where `address` sits.
    pub fn position(&self, address: &str) -> Option<usize> {
        self.index.get(address).copied()
    }

    /// The value at position `i`.
    pub fn at_mut(&mut self, i: usize) -> Option<&mut V> {
        self.items.get_mut(i).map(|(_, v)| v)
    }

    /// Sets the value at `address` (the layout changes only for a new address); returns its
    /// position.
    pub fn insert(&mut self, address: &str, value: V) -> usize {
        if let Some(i) = self.position(address) {
            self.items[i].1 = value;
            return i;
        }
        let i = self.items.len();
        self.items.push((address.to_string(), value));
        self.index.insert(address.to_string(), i);
        self.layout = fresh_layout();
        i
    }

    /// Takes every value out.
    pub fn clear(&mut self) {
        self.items.clear();
        self.index.clear();
        self.layout = fresh_layout();
    }

    /// Values with their addresses, in position order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.items.iter().map(|(a, v)| (a.as_str(), v))
    }

    /// Values with their addresses, in position order, to change the values.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&str, &mut V)> {
        self.items.iter_mut().map(|(a, v)| (a.as_str(), v))
    }

    /// The addresses, in position order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(|(a, _)| a.as_str())
    }

    /// The addresses, taken out.
    pub fn into_keys(self) -> impl Iterator<Item = String> {
        self.items.into_iter().map(|(a, _)| a)
    }
}

impl<V> FromIterator<(String, V)> for Slots<V> {
    fn from_iter<I: IntoIterator<Item = (String, V)>>(iter: I) -> Self {
        let mut slots = Self::new();
        for (address, value) in iter {
            slots.insert(&address, value);
        }
        slots
    }
}

/// Positions in a [`Slots`], found once and kept while its layout lasts: `positions[k]` is
/// where the walker's `k`th address sits (none: the walker skips it).
#[derive(Debug, Clone, Default)]
pub struct Positions {
    layout: Option<u64>,
    /// Where each address sits.
    pub positions: Vec<Option<usize>>,
}

impl Positions {
    /// Whether these positions were found in `slots` as it is now (and cover `len` items).
    pub fn fit<V>(&self, slots: &Slots<V>, len: usize) -> bool {
        self.layout == Some(slots.layout()) && self.positions.len() == len
    }

    /// Keeps `positions` as found in `slots` as it is now.
    pub fn keep<V>(&mut self, slots: &Slots<V>, positions: Vec<Option<usize>>) {
        self.layout = Some(slots.layout());
        self.positions = positions;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_moves_with_addresses_not_values() {
        let mut s: Slots<i32> = Slots::new();
        let empty = s.layout();
        assert_eq!(s.insert("/a", 1), 0);
        let one = s.layout();
        assert_ne!(one, empty);
        assert_eq!(s.insert("/a", 2), 0, "an address keeps its place");
        assert_eq!(s.layout(), one, "a new value is not a new layout");
        assert_eq!(s.insert("/b", 3), 1);
        assert_ne!(s.layout(), one);
        assert_eq!(s.get("/a"), Some(&2));
        assert_eq!(s.position("/b"), Some(1));
        assert_eq!(s.iter().collect::<Vec<_>>(), [("/a", &2), ("/b", &3)]);
        let before = s.layout();
        s.clear();
        assert!(s.is_empty() && s.get("/a").is_none());
        assert_ne!(s.layout(), before);
    }

    #[test]
    fn two_maps_never_share_a_layout_unless_one_is_a_copy() {
        let (a, b): (Slots<i32>, Slots<i32>) = (Slots::new(), Slots::new());
        assert_ne!(a.layout(), b.layout());
        let mut kept = Positions::default();
        kept.keep(&a, vec![]);
        assert!(kept.fit(&a, 0));
        assert!(
            !kept.fit(&b, 0),
            "positions found in one map do not fit another"
        );
        assert!(kept.fit(&a.clone(), 0), "a copy has the same positions");
        assert!(
            !kept.fit(&a, 1),
            "nor do they fit a walker of another length"
        );
    }
}
