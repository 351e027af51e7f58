//! maxData buffers: the kernel sends the whole buffer of a `maxData` argument as chunks ahead of
//! its event (same thread and ktime); [`MaxDataAssembler`] joins them until the event arrives and
//! takes them for it.
use std::collections::HashMap;

use crate::decode::DataRecord;

/// Buffers waiting for their event at most; an event lost in the kernel leaves its chunks here,
/// and the oldest go first.
const PENDING_MAX: usize = 16;

/// (tid, ktime, argument position) of the event a buffer belongs to.
type Key = (u32, u64, u32);

struct Pending {
    bytes: Vec<u8>,
    /// A chunk was missing: later chunks are not appended.
    gap: bool,
    seq: u64,
}

/// Chunks of maxData buffers, joined per event argument.
#[derive(Default)]
pub struct MaxDataAssembler {
    pending: HashMap<Key, Pending>,
    seq: u64,
    dropped: u64,
}

impl MaxDataAssembler {
    /// Adds a chunk. Chunks of one buffer come in order; after a missing one (lost in the kernel)
    /// the buffer keeps what came before it.
    pub fn add(&mut self, d: &DataRecord) {
        let key = (d.tid, d.ktime, d.arg);
        if !self.pending.contains_key(&key) && self.pending.len() >= PENDING_MAX {
            let oldest = self
                .pending
                .iter()
                .min_by_key(|(_, p)| p.seq)
                .map(|(k, _)| *k);
            if let Some(k) = oldest {
                self.pending.remove(&k);
                self.dropped += 1;
            }
        }
        self.seq += 1;
        let seq = self.seq;
        let p = self.pending.entry(key).or_insert_with(|| Pending {
            bytes: Vec::new(),
            gap: false,
            seq,
        });
        if p.gap {
            return;
        }
        if d.offset as usize != p.bytes.len()
            || p.bytes.len() + d.bytes.len() > auspex_bpf::abi::DATA_MAX
        {
            p.gap = true;
            return;
        }
        p.bytes.extend_from_slice(&d.bytes);
    }

    /// The buffer of argument `arg` of the event (tid, ktime), if chunks came for it.
    pub fn take(&mut self, tid: u32, ktime: u64, arg: u32) -> Option<Vec<u8>> {
        self.pending.remove(&(tid, ktime, arg)).map(|p| p.bytes)
    }

    /// Buffers dropped because their event never came.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(tid: u32, ktime: u64, offset: u32, bytes: &[u8]) -> DataRecord {
        DataRecord {
            tid,
            ktime,
            arg: 1,
            offset,
            bytes: bytes.to_vec(),
        }
    }

    #[test]
    fn chunks_join_in_order_and_stop_at_a_gap() {
        let mut a = MaxDataAssembler::default();
        a.add(&chunk(7, 100, 0, b"abc"));
        a.add(&chunk(7, 100, 3, b"def"));
        a.add(&chunk(8, 100, 0, b"xy"));
        a.add(&chunk(8, 100, 5, b"lost one before"));
        a.add(&chunk(8, 100, 2, b"late"));
        assert_eq!(a.take(7, 100, 1).as_deref(), Some(&b"abcdef"[..]));
        assert_eq!(a.take(7, 100, 1), None, "taken once");
        assert_eq!(a.take(8, 100, 1).as_deref(), Some(&b"xy"[..]));
        assert_eq!(a.take(9, 100, 1), None);
    }

    #[test]
    fn orphans_are_dropped_oldest_first() {
        let mut a = MaxDataAssembler::default();
        for k in 0..PENDING_MAX as u64 + 3 {
            a.add(&chunk(1, k, 0, b"z"));
        }
        assert_eq!(a.dropped(), 3);
        assert_eq!(a.take(1, 0, 1), None, "the oldest went first");
        assert!(a.take(1, PENDING_MAX as u64 + 2, 1).is_some());
    }
}
