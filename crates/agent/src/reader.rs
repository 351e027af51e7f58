//! The ring-buffer reader: one OS thread that polls the BPF ring buffer, decodes each record and
//! queues it for the pipeline. libbpf's poll uses level-triggered epoll, which avoids the lost
//! wakeups of edge-triggered async readers; programs submit with BPF_RB_NO_WAKEUP, so the thread
//! also drains on a short timer.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Sender, TrySendError};
use libbpf_rs::{MapHandle, RingBufferBuilder};

use crate::decode::{KernelEvent, decode};
use crate::stats::Counters;

/// How long one poll waits before draining anyway.
pub const DRAIN_INTERVAL: Duration = Duration::from_millis(10);

/// Starts the reader thread. It stops after `stop` is set, once it drained what was left.
pub fn spawn(
    ring: MapHandle,
    tx: Sender<KernelEvent>,
    counters: Arc<Counters>,
    stop: Arc<AtomicBool>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("auspex-rb-reader".into())
        .spawn(move || run(ring, tx, counters, stop))
}

fn run(ring: MapHandle, tx: Sender<KernelEvent>, counters: Arc<Counters>, stop: Arc<AtomicBool>) {
    let cb_counters = counters.clone();
    let mut builder = RingBufferBuilder::new();
    let added = builder.add(&ring, move |data: &[u8]| {
        Counters::inc(&cb_counters.records_read);
        match decode(data) {
            Ok(ev) => match tx.try_send(ev) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => Counters::inc(&cb_counters.queue_overflow),
                Err(TrySendError::Disconnected(_)) => return -1,
            },
            Err(_) => Counters::inc(&cb_counters.decode_errors),
        }
        0
    });
    if let Err(e) = added {
        tracing::error!(err = %e, "ring buffer: cannot register the events map");
        return;
    }
    let rb = match builder.build() {
        Ok(rb) => rb,
        Err(e) => {
            tracing::error!(err = %e, "ring buffer: cannot create the reader");
            return;
        }
    };
    loop {
        let stopping = stop.load(Ordering::Acquire);
        // poll() returns early on a forced wakeup; consume() then takes what NO_WAKEUP left.
        if let Err(e) = rb.poll(DRAIN_INTERVAL).and_then(|_| rb.consume()) {
            if e.kind() == libbpf_rs::ErrorKind::Interrupted {
                continue;
            }
            tracing::debug!(err = %e, "ring buffer reader stops");
            break;
        }
        if stopping {
            break;
        }
    }
}
