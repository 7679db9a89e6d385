//! A bounded map that lets go of what was used least recently: how the cache keeps its memory
//! bounded whatever is asked (a scan of every county reads every state once, and holds a few).

use std::collections::VecDeque;

/// At most `capacity` values by key; the least recently used is let go first. The capacities
/// are a handful, so a linear search is the fastest lookup.
#[derive(Debug)]
pub struct Recent<K, V> {
    capacity: usize,
    /// Least recently used first.
    entries: VecDeque<(K, V)>,
}

impl<K: PartialEq, V: Clone> Recent<K, V> {
    pub fn new(capacity: usize) -> Self {
        assert!(capacity > 0, "a cache holds something");
        Self {
            capacity,
            entries: VecDeque::with_capacity(capacity),
        }
    }

    /// `key`'s value, made by `make` if not held; either way it is now the most recently used,
    /// and the least recently used is let go if the map is over its capacity.
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> V {
        let value = match self.entries.iter().position(|(k, _)| *k == key) {
            Some(i) => self.entries.remove(i).expect("found").1,
            None => make(),
        };
        self.entries.push_back((key, value.clone()));
        if self.entries.len() > self.capacity {
            self.entries.pop_front();
        }
        value
    }

    /// `key`'s value if held, without making it more recent.
    pub fn peek(&self, key: &K) -> Option<&V> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_is_let_go_first() {
        let mut recent = Recent::new(2);
        assert_eq!(recent.get_or_insert_with("TX", || 1), 1);
        assert_eq!(recent.get_or_insert_with("NY", || 2), 2);
        // Using TX makes NY the least recent: CA's arrival lets NY go.
        assert_eq!(recent.get_or_insert_with("TX", || 99), 1, "held, not made");
        recent.get_or_insert_with("CA", || 3);
        assert_eq!(recent.len(), 2);
        assert_eq!((recent.peek(&"NY"), recent.peek(&"TX")), (None, Some(&1)));
        assert_eq!(recent.get_or_insert_with("NY", || 4), 4, "made again");
        assert_eq!(recent.peek(&"CA"), Some(&3), "peek made TX no more recent");
        assert_eq!(recent.peek(&"TX"), None);
    }
}
