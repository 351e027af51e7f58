//! User-space policy actions: GetUrl (HTTP GET) and DnsLookup, performed fire-and-forget by a
//! small worker pool so that they never block the event pipeline. A full queue drops the action
//! and counts it.
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Sender, TrySendError};

use crate::stats::Counters;

/// An action to perform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserAction {
    /// HTTP(S) GET of this URL; the answer is ignored.
    GetUrl(String),
    /// Resolve this name.
    DnsLookup(String),
}

/// Outcome counters, readable from any thread.
#[derive(Debug, Default)]
pub struct ActionCounters {
    /// GET requests that got an HTTP answer.
    pub geturl_ok: AtomicU64,
    /// GET requests that failed (connection, timeout, bad URL).
    pub geturl_failed: AtomicU64,
    /// Lookups that resolved.
    pub dns_ok: AtomicU64,
    /// Lookups that failed.
    pub dns_failed: AtomicU64,
    /// Actions dropped because the queue was full.
    pub dropped: AtomicU64,
}

/// The worker pool. Dropping it lets queued actions finish and joins the workers.
pub struct ActionRunner {
    tx: Option<Sender<UserAction>>,
    workers: Vec<JoinHandle<()>>,
    counters: Arc<ActionCounters>,
}

const QUEUE: usize = 256;
const TIMEOUT: Duration = Duration::from_secs(5);

impl ActionRunner {
    /// Starts `workers` threads.
    pub fn start(workers: usize) -> Self {
        let (tx, rx) = crossbeam_channel::bounded::<UserAction>(QUEUE);
        let counters = Arc::new(ActionCounters::default());
        let workers = (0..workers.max(1))
            .filter_map(|i| {
                let rx = rx.clone();
                let c = counters.clone();
                std::thread::Builder::new()
                    .name(format!("auspex-action-{i}"))
                    .spawn(move || {
                        let agent = ureq::Agent::config_builder()
                            .timeout_global(Some(TIMEOUT))
                            .build()
                            .new_agent();
                        for action in rx {
                            perform(&agent, &action, &c);
                        }
                    })
                    .ok()
            })
            .collect();
        Self {
            tx: Some(tx),
            workers,
            counters,
        }
    }

    /// Queues an action; never blocks.
    pub fn submit(&self, action: UserAction) {
        let Some(tx) = &self.tx else { return };
        if let Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) = tx.try_send(action) {
            Counters::inc(&self.counters.dropped);
        }
    }

    /// The outcome counters.
    pub fn counters(&self) -> Arc<ActionCounters> {
        self.counters.clone()
    }
}

impl Drop for ActionRunner {
    fn drop(&mut self) {
        self.tx.take();
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

fn perform(agent: &ureq::Agent, action: &UserAction, c: &ActionCounters) {
    match action {
        UserAction::GetUrl(url) => match agent.get(url).call() {
            // Any HTTP answer, error statuses included, means the request was made.
            Ok(_) | Err(ureq::Error::StatusCode(_)) => Counters::inc(&c.geturl_ok),
            Err(e) => {
                Counters::inc(&c.geturl_failed);
                tracing::debug!(url = %url, err = %e, "GetUrl action failed");
            }
        },
        UserAction::DnsLookup(name) => {
            match std::net::ToSocketAddrs::to_socket_addrs(&(name.as_str(), 0)) {
                Ok(addrs) if addrs.len() > 0 => Counters::inc(&c.dns_ok),
                Ok(_) => Counters::inc(&c.dns_failed),
                Err(e) => {
                    Counters::inc(&c.dns_failed);
                    tracing::debug!(name = %name, err = %e, "DnsLookup action failed");
                }
            }
        }
    }
}
