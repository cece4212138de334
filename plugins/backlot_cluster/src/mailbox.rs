//! A bounded hand-over from Zenoh's callback threads to the frame: the oldest item goes when
//! it is full, and what went is counted. Zenoh's own FIFO handler blocks its sender when
//! full, which would stall the whole session while the frame loop is stuck; its ring
//! handler drops without counting.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

struct Inner<T> {
    items: VecDeque<T>,
    dropped: u64,
}

/// A bounded queue shared between a Zenoh callback (pushes) and the frame (drains).
pub struct Mailbox<T> {
    inner: Arc<Mutex<Inner<T>>>,
    capacity: usize,
}

impl<T> Clone for Mailbox<T> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            capacity: self.capacity,
        }
    }
}

impl<T> Mailbox<T> {
    /// Holds at most `capacity` items (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner {
                items: VecDeque::new(),
                dropped: 0,
            })),
            capacity: capacity.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<T>> {
        // A panic elsewhere while holding the lock leaves plain data behind; keep using it.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds an item, dropping the oldest when full.
    pub fn push(&self, item: T) {
        let mut inner = self.lock();
        if inner.items.len() >= self.capacity {
            inner.items.pop_front();
            inner.dropped += 1;
        }
        inner.items.push_back(item);
    }

    /// Everything queued, oldest first.
    pub fn drain(&self) -> Vec<T> {
        self.lock().items.drain(..).collect()
    }

    /// The oldest item, if any.
    pub fn pop(&self) -> Option<T> {
        self.lock().items.pop_front()
    }

    /// Items dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.lock().dropped
    }

    /// Items waiting.
    pub fn len(&self) -> usize {
        self.lock().items.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_oldest_goes_and_is_counted() {
        let m = Mailbox::new(3);
        for i in 0..5 {
            m.push(i);
        }
        assert_eq!(m.dropped(), 2);
        assert_eq!(m.drain(), vec![2, 3, 4]);
        assert!(m.is_empty());
        m.push(9);
        assert_eq!(m.pop(), Some(9));
        assert_eq!(m.pop(), None);
    }
}
