//! The user-space process cache: every known process image keyed by (pid, ktime), with its built
//! `Process` message, its parent link and a reference count of the children that still point at it.
//!
//! An image leaves the cache when it is dead (exited, or replaced by a newer exec of the same pid)
//! and no child refers to it any more. The cache is bounded: past `capacity`, the oldest dead
//! images are evicted even if referenced. Live images are never evicted; their number is bounded by
//! the kernel's pid space. Not thread-safe: owned by the pipeline thread.
use std::collections::{HashMap, VecDeque};

use auspex_events::tetragon::Process;

/// Identity of a process image: (host tgid, exec or clone ktime).
pub type ImageKey = (u32, u64);

/// One cached image.
#[derive(Debug, Clone)]
pub struct CachedProcess {
    /// Its identity.
    pub key: ImageKey,
    /// Its parent image.
    pub parent: Option<ImageKey>,
    /// The event-ready message (refcnt filled on read).
    pub process: Process,
    refs: u32,
    alive: bool,
}

impl CachedProcess {
    /// The message with the current reference count.
    pub fn message(&self) -> Process {
        let mut p = self.process.clone();
        p.refcnt = self.refs;
        p
    }

    /// Children still referring to this image.
    pub fn refs(&self) -> u32 {
        self.refs
    }

    /// Still running (not exited, not replaced by exec).
    pub fn is_alive(&self) -> bool {
        self.alive
    }
}

/// Bounded process cache.
#[derive(Debug)]
pub struct ProcessCache {
    entries: HashMap<ImageKey, CachedProcess>,
    by_pid: HashMap<u32, ImageKey>,
    dead: VecDeque<ImageKey>,
    /// Recently exited images, kept for events of their exit path (see `with_exit_grace`).
    grace: VecDeque<ImageKey>,
    exit_grace: usize,
    capacity: usize,
    evictions: u64,
}

impl ProcessCache {
    /// An empty cache holding at most `capacity` images (live ones excepted).
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: HashMap::new(),
            by_pid: HashMap::new(),
            dead: VecDeque::new(),
            grace: VecDeque::new(),
            exit_grace: 0,
            capacity: capacity.max(1),
            evictions: 0,
        }
    }

    /// Keeps the last `n` exited images until `n` later exits: events that the kernel emits on a
    /// process's exit path after its exit event (files and sockets closed by exit_files) still
    /// find it. Within the capacity like any dead image.
    pub fn with_exit_grace(mut self, n: usize) -> Self {
        self.exit_grace = n;
        self
    }

    /// Number of cached images.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Images evicted because the cache was full.
    pub fn evictions(&self) -> u64 {
        self.evictions
    }

    /// Looks up an image.
    pub fn get(&self, key: ImageKey) -> Option<&CachedProcess> {
        self.entries.get(&key)
    }

    /// The current image of a pid.
    pub fn get_by_pid(&self, pid: u32) -> Option<&CachedProcess> {
        self.by_pid.get(&pid).and_then(|k| self.entries.get(k))
    }

    /// Adds a running image. A previous image of the same pid becomes dead (it stays while it is
    /// referenced, e.g. as the parent of this one).
    pub fn insert(&mut self, key: ImageKey, parent: Option<ImageKey>, process: Process) {
        if let Some(p) = parent.and_then(|p| self.entries.get_mut(&p)) {
            p.refs += 1;
        }
        if let Some(old) = self.by_pid.insert(key.0, key)
            && old != key
        {
            self.retire(old);
        }
        if let Some(prev) = self.entries.insert(
            key,
            CachedProcess {
                key,
                parent,
                process,
                refs: 0,
                alive: true,
            },
        ) {
            // Same key inserted twice (e.g. /proc scan racing an exec): keep the count of children.
            if let Some(e) = self.entries.get_mut(&key) {
                e.refs = prev.refs;
            }
        }
        self.enforce_capacity();
    }

    /// Marks an image exited. Returns its message (with its reference count) for the exit event.
    pub fn exit(&mut self, key: ImageKey) -> Option<Process> {
        let msg = self.entries.get(&key)?.message();
        if self.by_pid.get(&key.0) == Some(&key) {
            self.by_pid.remove(&key.0);
        }
        if self.exit_grace == 0 {
            self.retire(key);
            return Some(msg);
        }
        if let Some(e) = self.entries.get_mut(&key)
            && e.alive
        {
            e.alive = false;
            self.grace.push_back(key);
        }
        while self.grace.len() > self.exit_grace {
            let Some(k) = self.grace.pop_front() else {
                break;
            };
            self.release_dead(k);
        }
        Some(msg)
    }

    /// A dead image out of the grace list: gone now, or once its children are.
    fn release_dead(&mut self, key: ImageKey) {
        match self.entries.get(&key) {
            Some(e) if !e.alive && e.refs == 0 => self.remove_cascade(key),
            Some(e) if !e.alive => self.dead.push_back(key),
            _ => {}
        }
    }

    /// Parent chain above `key`'s parent, nearest first (the parent itself excluded), stopping at
    /// a missing image or pid 0.
    pub fn ancestors(&self, key: ImageKey) -> Vec<Process> {
        let mut out = Vec::new();
        let mut next = self
            .entries
            .get(&key)
            .and_then(|e| e.parent)
            .and_then(|p| self.entries.get(&p))
            .and_then(|p| p.parent);
        while let Some(k) = next {
            if k.0 == 0 || out.len() >= 1024 {
                break;
            }
            let Some(e) = self.entries.get(&k) else { break };
            out.push(e.message());
            next = e.parent;
        }
        out
    }

    /// Keys of the images believed alive (for the lost-exit check).
    pub fn alive_keys(&self) -> Vec<ImageKey> {
        self.by_pid.values().copied().collect()
    }

    fn retire(&mut self, key: ImageKey) {
        let Some(e) = self.entries.get_mut(&key) else {
            return;
        };
        if !e.alive {
            return;
        }
        e.alive = false;
        if e.refs == 0 {
            self.remove_cascade(key);
        } else {
            self.dead.push_back(key);
        }
    }

    /// Removes an image and releases its parent, which may in turn go.
    fn remove_cascade(&mut self, key: ImageKey) {
        let mut next = Some(key);
        while let Some(k) = next.take() {
            let Some(e) = self.entries.remove(&k) else {
                break;
            };
            if self.by_pid.get(&k.0) == Some(&k) {
                self.by_pid.remove(&k.0);
            }
            if let Some(pk) = e.parent
                && let Some(p) = self.entries.get_mut(&pk)
            {
                p.refs = p.refs.saturating_sub(1);
                if p.refs == 0 && !p.alive {
                    next = Some(pk);
                }
            }
        }
    }

    fn enforce_capacity(&mut self) {
        while self.entries.len() > self.capacity {
            let Some(k) = self.dead.pop_front().or_else(|| self.grace.pop_front()) else {
                break;
            };
            if self.entries.get(&k).is_some_and(|e| !e.alive) {
                self.evictions += 1;
                self.remove_cascade(k);
            }
        }
        // Keys of images that left through remove_cascade stay queued; drop them now and then.
        if self.dead.len() > 2 * self.capacity {
            let entries = &self.entries;
            self.dead
                .retain(|k| entries.get(k).is_some_and(|e| !e.alive));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proc(pid: u32) -> Process {
        Process {
            pid: Some(pid),
            ..Default::default()
        }
    }

    #[test]
    fn exited_images_stay_for_their_exit_path_events() {
        let mut c = ProcessCache::new(100).with_exit_grace(2);
        for pid in [1, 2, 3] {
            c.insert((pid, 1), None, proc(pid));
        }
        c.exit((1, 1));
        let e = c.get((1, 1)).expect("kept after its exit");
        assert!(!e.is_alive());
        assert!(c.get_by_pid(1).is_none(), "the pid is free for reuse");
        c.exit((2, 1));
        c.exit((3, 1));
        assert!(c.get((1, 1)).is_none(), "gone two exits later");
        assert!(c.get((2, 1)).is_some() && c.get((3, 1)).is_some());
    }

    #[test]
    fn exited_parent_stays_while_child_refers_to_it() {
        let mut c = ProcessCache::new(100);
        c.insert((1, 10), None, proc(1));
        c.insert((2, 20), Some((1, 10)), proc(2));
        assert_eq!(c.get((1, 10)).map(|e| e.refs()), Some(1));
        let msg = c.exit((1, 10)).expect("known");
        assert_eq!(msg.refcnt, 1);
        assert!(c.get((1, 10)).is_some(), "kept for its child");
        c.exit((2, 20));
        assert!(c.is_empty(), "both gone once nobody refers to them");
    }

    #[test]
    fn re_exec_keeps_previous_image_as_parent() {
        let mut c = ProcessCache::new(100);
        c.insert((5, 1), None, proc(5));
        c.insert((5, 2), Some((5, 1)), proc(5));
        assert!(!c.get((5, 1)).expect("kept").is_alive());
        assert_eq!(c.get_by_pid(5).map(|e| e.key), Some((5, 2)));
        c.exit((5, 2));
        assert!(c.is_empty());
    }

    #[test]
    fn clone_entry_replaced_by_exec_releases_forker_ref_once() {
        let mut c = ProcessCache::new(100);
        c.insert((1, 1), None, proc(1));
        c.insert((7, 5), Some((1, 1)), proc(7)); // clone
        c.insert((7, 6), Some((1, 1)), proc(7)); // exec of the clone child, parent = forker
        assert!(c.get((7, 5)).is_none(), "clone image went away");
        assert_eq!(c.get((1, 1)).map(|e| e.refs()), Some(1));
    }

    #[test]
    fn ancestors_are_nearest_first() {
        let mut c = ProcessCache::new(100);
        c.insert((1, 1), Some((0, 1)), proc(1));
        c.insert((2, 2), Some((1, 1)), proc(2));
        c.insert((3, 3), Some((2, 2)), proc(3));
        c.insert((4, 4), Some((3, 3)), proc(4));
        let pids: Vec<_> = c.ancestors((4, 4)).iter().map(|p| p.pid).collect();
        assert_eq!(pids, vec![Some(2), Some(1)]);
    }

    #[test]
    fn bounded_under_endless_churn() {
        let mut c = ProcessCache::new(1000);
        c.insert((1, 1), None, proc(1));
        for i in 0..200_000u64 {
            let pid = 2 + (i % 30_000) as u32;
            c.insert((pid, i + 10), Some((1, 1)), proc(pid));
            if i % 7 != 0 {
                c.exit((pid, i + 10));
            }
        }
        assert!(
            c.len() <= 1000 + 30_000,
            "live images are bounded by pids: {}",
            c.len()
        );
        // Exits every process: everything but the root must go.
        for k in c.alive_keys() {
            if k.0 != 1 {
                c.exit(k);
            }
        }
        assert!(c.len() <= 1000, "{}", c.len());
        assert!(c.dead.len() <= 2 * 1000 + 1);
    }
}
