//! Hashing for what a process compares only with itself: the fingerprints
//! that tell a rebuild what changed (pages, citations, the anchors links
//! lead to), and the maps a rebuild looks things up in.

use std::collections::{HashMap, HashSet};

/// A hash map with a fast hasher, for the maps a rebuild looks up every
/// page in (SipHash, the standard one, was most of a one-note edit).
pub type FastMap<K, V> = HashMap<K, V, ahash::RandomState>;

/// A hash set with a fast hasher, as [`FastMap`].
pub type FastSet<K> = HashSet<K, ahash::RandomState>;

/// The hasher of fingerprints: fast, and with fixed keys, so that a
/// fingerprint means the same thing for the whole life of a process.
/// Fingerprints are only ever compared within one process.
pub fn hasher() -> ahash::RandomState {
    ahash::RandomState::with_seeds(0x6272_6965, 0x6662_6f6f, 0x6b21_7061, 0x6765_7321)
}
