//! Test harness for kernel end-to-end tests: runs the real agent in-process (real BPF programs,
//! real processes) and exposes its event stream, so tests wait on events with a deadline instead
//! of sleeping or polling files.
#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use auspex_agent::agent::{AgentControl, AgentError, RunSummary};
use auspex_agent::export::{ChannelSink, EventSink};
use auspex_agent::{Agent, AgentConfig};
use auspex_events::tetragon::{GetEventsResponse, Process, get_events_response::Event};
use crossbeam_channel::Receiver;

/// Returns false (after printing a greppable SKIP line) when the test cannot run here.
pub fn require_root(test: &str) -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    if std::env::var_os("AUSPEX_TEST_STRICT").is_some() {
        panic!("{test}: needs root and AUSPEX_TEST_STRICT is set");
    }
    eprintln!("SKIP {test}: needs root (loads BPF programs)");
    false
}

/// One agent at a time per test binary: tests count BPF programs system-wide and compare event
/// streams, which concurrent agents in the same process would disturb.
static ONE_AGENT: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A running in-process agent.
pub struct TestAgent {
    _one: std::sync::MutexGuard<'static, ()>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<RunSummary, AgentError>>>,
    rx: Receiver<GetEventsResponse>,
    /// Everything received so far.
    pub seen: Vec<GetEventsResponse>,
    /// Policy add/remove/list on the running agent.
    pub control: AgentControl,
}

impl TestAgent {
    /// Starts an agent and waits until it is ready (sensors attached, /proc scanned).
    pub fn start(configure: impl FnOnce(&mut AgentConfig)) -> Self {
        let one = ONE_AGENT.lock().unwrap_or_else(|e| e.into_inner());
        let mut cfg = AgentConfig {
            node_name: "auspex-test".into(),
            ..AgentConfig::default()
        };
        configure(&mut cfg);
        let (sink, rx) = ChannelSink::bounded(2_000_000);
        let stop = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = crossbeam_channel::bounded(1);
        let stop2 = stop.clone();
        let agent = Agent::new(cfg);
        let control = agent.control();
        let thread = std::thread::spawn(move || {
            let sinks: Vec<Box<dyn EventSink>> = vec![Box::new(sink)];
            agent.run(sinks, stop2, move || {
                let _ = ready_tx.send(());
            })
        });
        if ready_rx.recv_timeout(Duration::from_secs(60)).is_err() {
            let res = thread.join().expect("agent thread");
            panic!("agent did not become ready: {:?}", res.err());
        }
        Self {
            stop,
            thread: Some(thread),
            rx,
            seen: Vec::new(),
            control,
            _one: one,
        }
    }

    /// Receives events until `done(&all_seen)` holds or the deadline passes (then panics).
    pub fn wait_until(
        &mut self,
        what: &str,
        timeout: Duration,
        done: impl Fn(&[GetEventsResponse]) -> bool,
    ) {
        let deadline = Instant::now() + timeout;
        loop {
            if done(&self.seen) {
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                panic!(
                    "timed out after {timeout:?} waiting for {what}; {} events seen",
                    self.seen.len()
                );
            }
            if let Ok(ev) = self.rx.recv_timeout(left.min(Duration::from_millis(100))) {
                self.seen.push(ev);
                self.seen.extend(self.rx.try_iter());
            }
        }
    }

    /// Stops the agent and returns its summary.
    pub fn stop(mut self) -> RunSummary {
        self.stop.store(true, Ordering::Release);
        let res = self
            .thread
            .take()
            .expect("running")
            .join()
            .expect("agent thread");
        res.expect("agent run")
    }
}

impl Drop for TestAgent {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Exec events.
pub fn execs(events: &[GetEventsResponse]) -> Vec<&auspex_events::tetragon::ProcessExec> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            Some(Event::ProcessExec(x)) => Some(x),
            _ => None,
        })
        .collect()
}

/// Exit events.
pub fn exits(events: &[GetEventsResponse]) -> Vec<&auspex_events::tetragon::ProcessExit> {
    events
        .iter()
        .filter_map(|e| match &e.event {
            Some(Event::ProcessExit(x)) => Some(x),
            _ => None,
        })
        .collect()
}

/// The `process` of an exec or exit event.
pub fn proc_of(p: &Option<Process>) -> &Process {
    p.as_ref().expect("event has a process")
}
