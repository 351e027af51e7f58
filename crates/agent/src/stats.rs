//! Counters shared by the reader and the pipeline: every lost event is counted here (kernel
//! ring-buffer reserve failures are read from the BPF `auspex_stats` map and merged in).
use std::sync::atomic::{AtomicU64, Ordering};

/// Agent-wide counters. `Sync`: updated with relaxed atomics from several threads.
#[derive(Debug, Default)]
pub struct Counters {
    /// Records read from the ring buffer.
    pub records_read: AtomicU64,
    /// Records dropped because the user-space queue was full.
    pub queue_overflow: AtomicU64,
    /// Records that could not be decoded.
    pub decode_errors: AtomicU64,
    /// Events handed to the sinks.
    pub events_emitted: AtomicU64,
    /// Exit records for processes the cache did not know.
    pub exit_unknown: AtomicU64,
    /// Processes whose exit was never seen (found gone by the periodic check).
    pub exit_lost: AtomicU64,
    /// Policy events whose policy was removed before they were read.
    pub generic_unknown_policy: AtomicU64,
}

impl Counters {
    /// Adds one to a counter.
    pub fn inc(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// Reads a counter.
    pub fn get(c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }
}

/// Loss counters at one instant, kernel and user space.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LossSnapshot {
    /// Exec records lost in the kernel (ring buffer full).
    pub kernel_exec: u64,
    /// Exit records lost in the kernel.
    pub kernel_exit: u64,
    /// Clone records lost in the kernel.
    pub kernel_clone: u64,
    /// Policy event records lost in the kernel.
    pub kernel_generic: u64,
    /// Chunks of maxData buffers lost in the kernel (their event came with less of the buffer).
    pub kernel_data: u64,
    /// Events of return probes (and imaHash) the kernel had no room to keep until the return.
    pub kernel_pending_full: u64,
    /// Hook calls skipped because their CPU's heap was another (preempted or interrupted) call's.
    pub kernel_heap_busy: u64,
    /// Processes the kernel map could not hold.
    pub kernel_process_map_full: u64,
    /// Records dropped by the user-space queue.
    pub queue_overflow: u64,
    /// Undecodable records.
    pub decode_errors: u64,
}

impl LossSnapshot {
    /// Total of all loss counters.
    pub fn total(&self) -> u64 {
        self.kernel_exec
            + self.kernel_exit
            + self.kernel_clone
            + self.kernel_generic
            + self.kernel_data
            + self.kernel_pending_full
            + self.kernel_heap_busy
            + self.kernel_process_map_full
            + self.queue_overflow
            + self.decode_errors
    }
}
