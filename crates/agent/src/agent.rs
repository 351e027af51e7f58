//! Agent orchestration: preflight, sensor load and attach, /proc seeding, the reader thread and
//! the pipeline loop, and an orderly shutdown that detaches everything and flushes the sinks.
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::RecvTimeoutError;

use crate::config::AgentConfig;
use crate::event_builder::{BuildOptions, EventBuilder};
use crate::export::EventSink;
use crate::features::{KernelFeatures, PreflightError, preflight};
use crate::pipeline::Pipeline;
use crate::policy_manager::{PolicyManager, PolicyRegistry, PolicyStatus};
use crate::sensors::process::{AttachedProcessSensor, ProcessSensorSpec};
use crate::sensors::{SensorError, install_libbpf_logger};
use crate::stats::{Counters, LossSnapshot};
use crate::tracefs::Tracefs;
use crate::{procfs, reader};

/// How long exported output may wait in the sinks' buffers before it is written out.
const EXPORT_FLUSH_INTERVAL: Duration = Duration::from_millis(10);

/// Why the agent could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// A precondition is missing.
    #[error(transparent)]
    Preflight(#[from] PreflightError),
    /// A sensor failed.
    #[error(transparent)]
    Sensor(#[from] SensorError),
    /// A start-up policy could not be read, validated, compiled or attached.
    #[error("{0}")]
    Policy(String),
    /// Export or thread I/O.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// What a finished run did.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunSummary {
    /// Events handed to the sinks.
    pub events_emitted: u64,
    /// Losses at the end of the run.
    pub losses: LossSnapshot,
    /// Largest number of process-cache entries seen.
    pub process_cache_peak: usize,
    /// Process-cache entries evicted because it was full.
    pub process_cache_evictions: u64,
    /// User-space policy actions performed.
    pub actions: ActionTotals,
}

/// Counts of GetUrl/DnsLookup actions of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActionTotals {
    /// GetUrl requests answered.
    pub geturl_ok: u64,
    /// GetUrl requests failed.
    pub geturl_failed: u64,
    /// DNS lookups resolved.
    pub dns_ok: u64,
    /// DNS lookups failed.
    pub dns_failed: u64,
    /// Actions dropped (queue full).
    pub dropped: u64,
}

/// A request to the running agent, answered on `reply`.
pub enum ControlRequest {
    /// Load a (validated) policy.
    AddPolicy {
        /// The policy.
        policy: Box<auspex_policy::model::TracingPolicy>,
        /// Outcome.
        reply: crossbeam_channel::Sender<Result<PolicyStatus, String>>,
    },
    /// Unload a policy by name.
    DeletePolicy {
        /// Its name.
        name: String,
        /// Outcome.
        reply: crossbeam_channel::Sender<Result<(), String>>,
    },
    /// Attach (true) or detach (false) a loaded policy.
    SetPolicyEnabled {
        /// Its name.
        name: String,
        /// Attach or detach.
        enabled: bool,
        /// Outcome.
        reply: crossbeam_channel::Sender<Result<(), String>>,
    },
    /// Switch a loaded policy between enforce and monitor mode.
    SetPolicyMode {
        /// Its name.
        name: String,
        /// Monitor (true) or enforce (false).
        monitor: bool,
        /// Outcome.
        reply: crossbeam_channel::Sender<Result<(), String>>,
    },
    /// List loaded policies.
    ListPolicies {
        /// The list.
        reply: crossbeam_channel::Sender<Vec<PolicyStatus>>,
    },
}

/// Handle to send requests to a running agent (policy add/remove/list). Cloneable, `Send`.
#[derive(Clone)]
pub struct AgentControl {
    tx: crossbeam_channel::Sender<ControlRequest>,
}

impl AgentControl {
    fn ask<T>(
        &self,
        make: impl FnOnce(crossbeam_channel::Sender<T>) -> ControlRequest,
    ) -> Option<T> {
        let (tx, rx) = crossbeam_channel::bounded(1);
        self.tx.send(make(tx)).ok()?;
        rx.recv_timeout(Duration::from_secs(60)).ok()
    }

    /// [`Self::ask`] for requests whose reply is a result; no reply becomes an error.
    fn request<T>(
        &self,
        make: impl FnOnce(crossbeam_channel::Sender<Result<T, String>>) -> ControlRequest,
    ) -> Result<T, String> {
        self.ask(make)
            .unwrap_or_else(|| Err("agent is not running".into()))
    }

    /// Loads a policy in the running agent.
    pub fn add_policy(
        &self,
        policy: auspex_policy::model::TracingPolicy,
    ) -> Result<PolicyStatus, String> {
        self.request(|reply| ControlRequest::AddPolicy {
            policy: Box::new(policy),
            reply,
        })
    }

    /// Unloads a policy.
    pub fn delete_policy(&self, name: &str) -> Result<(), String> {
        self.request(|reply| ControlRequest::DeletePolicy {
            name: name.to_string(),
            reply,
        })
    }

    /// Attaches (`true`) or detaches (`false`) a loaded policy.
    pub fn set_policy_enabled(&self, name: &str, enabled: bool) -> Result<(), String> {
        self.request(|reply| ControlRequest::SetPolicyEnabled {
            name: name.to_string(),
            enabled,
            reply,
        })
    }

    /// Switches a loaded policy to monitor (`true`: Sigkill/Signal reported, not sent) or enforce.
    pub fn set_policy_mode(&self, name: &str, monitor: bool) -> Result<(), String> {
        self.request(|reply| ControlRequest::SetPolicyMode {
            name: name.to_string(),
            monitor,
            reply,
        })
    }

    /// Loaded policies.
    pub fn list_policies(&self) -> Vec<PolicyStatus> {
        self.ask(|reply| ControlRequest::ListPolicies { reply })
            .unwrap_or_default()
    }
}

/// A configured agent.
pub struct Agent {
    config: AgentConfig,
    control_tx: crossbeam_channel::Sender<ControlRequest>,
    control_rx: crossbeam_channel::Receiver<ControlRequest>,
}

impl Agent {
    /// An agent with this configuration.
    pub fn new(config: AgentConfig) -> Self {
        let (control_tx, control_rx) = crossbeam_channel::unbounded();
        Self {
            config,
            control_tx,
            control_rx,
        }
    }

    /// A handle to control the agent once it runs.
    pub fn control(&self) -> AgentControl {
        AgentControl {
            tx: self.control_tx.clone(),
        }
    }

    /// Runs until `stop` is set. `on_ready` is called once the sensors are attached and the /proc
    /// scan is done, i.e. when every later process start is observed.
    pub fn run(
        self,
        mut sinks: Vec<Box<dyn EventSink>>,
        stop: Arc<AtomicBool>,
        on_ready: impl FnOnce(),
    ) -> Result<RunSummary, AgentError> {
        let cfg = self.config;
        let control_rx = self.control_rx;
        drop(self.control_tx);
        install_libbpf_logger();
        let btf = cfg
            .btf
            .clone()
            .unwrap_or_else(|| PathBuf::from("/sys/kernel/btf/vmlinux"));
        preflight(&btf, &cfg.procfs)?;
        let features = KernelFeatures::probe();
        features.log();

        let spec = ProcessSensorSpec {
            ring_buffer_bytes: cfg.rb_size_bytes,
            process_map_entries: cfg.process_map_entries,
            btf: cfg.btf.clone(),
        };
        let sensor = match spec.load().and_then(|l| l.attach()) {
            Ok(s) => {
                tracing::info!(
                    sensor = "process",
                    "attached: tp_btf/sched_process_exec, tp_btf/sched_process_fork, tp_btf/sched_process_exit"
                );
                s
            }
            Err(e) => {
                tracing::error!(sensor = "process", "not attached: {e:#}");
                return Err(e.into());
            }
        };

        let counters = Arc::new(Counters::default());
        if let Some(m) = &cfg.metrics {
            sinks.push(Box::new(m.sink()));
        }
        let host_ns = procfs::host_namespaces(&cfg.procfs);
        let options = BuildOptions {
            credentials: cfg.enable_process_cred,
            namespaces: cfg.enable_process_ns,
            username: cfg.username_metadata,
        };
        let mut builder = EventBuilder::new(cfg.node_name.clone(), options, host_ns);
        builder.set_redactor(cfg.redactor.clone());
        let registry = PolicyRegistry::default();
        let mut pipeline = Pipeline::new(
            cfg.process_cache_size,
            builder,
            sinks,
            counters.clone(),
            cfg.enable_ancestors,
            registry.clone(),
        );
        pipeline.set_action_runner(crate::actions::ActionRunner::start(2));
        pipeline.expose_stack_addresses(cfg.expose_stack_addresses);
        let tracefs = Tracefs::locate(features.kprobe_attach == crate::features::Probe::Supported)
            .map(|t| t.with_host_namespaces(&host_ns).with_features(&features));
        let mut policies = PolicyManager::new(sensor.shared_maps()?, tracefs, registry);

        // Attached first, then scanned: a process starting during the scan is seen by both, and
        // the kernel's newer record wins in its map (the seed never overwrites).
        let procs = procfs::scan(&cfg.procfs);
        let entries = pipeline.seed(&procs);
        let seeded = sensor.seed_processes(&entries);
        tracing::info!(
            processes = procs.len(),
            kernel_map_inserted = seeded.inserted,
            kernel_map_newer = seeded.already_present,
            kernel_map_failed = seeded.failed,
            "process cache seeded from {}",
            cfg.procfs.display()
        );
        // After seeding, so that binary and pid filters know every running process.
        load_startup_policies(&cfg, &mut policies)?;

        let (tx, rx) = crossbeam_channel::bounded(cfg.rb_queue_size.max(1));
        let reader_stop = Arc::new(AtomicBool::new(false));
        let ring = sensor.ring_buffer()?;
        let reader =
            reader::spawn(ring, tx, counters.clone(), reader_stop.clone()).map_err(|source| {
                AgentError::Io {
                    what: "start ring-buffer reader",
                    source,
                }
            })?;
        tracing::info!("auspex agent ready");
        on_ready();

        let mut last_stats = Instant::now();
        let mut last_metrics = Instant::now();
        let mut last_gc = Instant::now();
        let mut last_clock = Instant::now();
        let mut last_flush = Instant::now();
        let mut unflushed = false;
        let mut reported = LossSnapshot::default();
        let mut result = Ok(());
        let mut cache_peak = pipeline.cache().len();
        while !stop.load(Ordering::Acquire) {
            for req in control_rx.try_iter() {
                serve(&mut policies, req);
            }
            // Output is written at most every EXPORT_FLUSH_INTERVAL, and no later: a write(2)
            // per event was a fifth of the agent's time at 30 000 events/s.
            let wait = if unflushed {
                EXPORT_FLUSH_INTERVAL.saturating_sub(last_flush.elapsed())
            } else {
                Duration::from_millis(50)
            };
            match rx.recv_timeout(wait) {
                Ok(ev) => {
                    if let Err(e) = pipeline.handle(ev) {
                        result = Err(e);
                        break;
                    }
                    unflushed = true;
                    cache_peak = cache_peak.max(pipeline.cache().len());
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            // One clock read per pass for all the periodic work.
            let now = Instant::now();
            if unflushed && now.duration_since(last_flush) >= EXPORT_FLUSH_INTERVAL {
                if let Err(e) = pipeline.flush() {
                    result = Err(e);
                    break;
                }
                last_flush = now;
                unflushed = false;
            }
            if now.duration_since(last_stats) >= cfg.stats_interval {
                last_stats = now;
                reported = log_losses(&sensor, &counters, reported);
            }
            if let Some(m) = &cfg.metrics
                && now.duration_since(last_metrics) >= Duration::from_secs(2)
            {
                last_metrics = now;
                m.set_loss_snapshot(&snapshot(&sensor, &counters));
                m.set_exported(Counters::get(&counters.events_emitted));
                m.set_process_cache(pipeline.cache().len() as u64, pipeline.cache().evictions());
                m.set_map(
                    "auspex_processes",
                    sensor.process_map_len() as u64,
                    u64::from(cfg.process_map_entries),
                );
            }
            if now.duration_since(last_gc) >= cfg.process_cache_gc_interval {
                last_gc = now;
                pipeline.collect_lost_exits(&cfg.procfs);
                let swept = policies.sweep_pending(&cfg.procfs);
                if swept > 0 {
                    tracing::debug!(swept, "calls in flight of exited threads forgotten");
                }
            }
            if now.duration_since(last_clock) >= Duration::from_secs(60) {
                last_clock = now;
                pipeline.builder_mut().refresh_clock();
            }
        }

        // Shutdown: stop the reader after a final drain, finish the queue, flush, detach.
        reader_stop.store(true, Ordering::Release);
        let _ = reader.join();
        if result.is_ok() {
            for ev in rx.try_iter() {
                if let Err(e) = pipeline.handle(ev) {
                    result = Err(e);
                    break;
                }
            }
        }
        let flushed = pipeline.close();
        let actions = pipeline.finish_actions();
        // The breakdown too, when it changed since the last periodic report.
        let losses = log_losses(&sensor, &counters, reported);
        drop(policies);
        drop(sensor);
        tracing::info!(
            events = Counters::get(&counters.events_emitted),
            lost = losses.total(),
            "sensors detached, export flushed"
        );
        let summary = RunSummary {
            events_emitted: Counters::get(&counters.events_emitted),
            losses,
            process_cache_peak: cache_peak,
            process_cache_evictions: pipeline.cache().evictions(),
            actions: actions
                .map(|c| ActionTotals {
                    geturl_ok: Counters::get(&c.geturl_ok),
                    geturl_failed: Counters::get(&c.geturl_failed),
                    dns_ok: Counters::get(&c.dns_ok),
                    dns_failed: Counters::get(&c.dns_failed),
                    dropped: Counters::get(&c.dropped),
                })
                .unwrap_or_default(),
        };
        match result.and(flushed) {
            // A closed stdout (e.g. piped into `head`) is a normal way to stop.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(summary),
            Err(source) => Err(AgentError::Io {
                what: "write events",
                source,
            }),
            Ok(()) => Ok(summary),
        }
    }
}

fn serve(policies: &mut PolicyManager, req: ControlRequest) {
    match req {
        ControlRequest::AddPolicy { policy, reply } => {
            let res = policies.add(&policy).map_err(|e| e.to_string());
            match &res {
                Ok(s) => tracing::info!(policy = %s.name, hooks = s.hooks, "policy loaded"),
                Err(e) => tracing::warn!("policy not loaded: {e}"),
            }
            let _ = reply.send(res);
        }
        ControlRequest::DeletePolicy { name, reply } => {
            let res = policies.remove(&name).map_err(|e| e.to_string());
            if res.is_ok() {
                tracing::info!(policy = %name, "policy removed");
            }
            let _ = reply.send(res);
        }
        ControlRequest::SetPolicyEnabled {
            name,
            enabled,
            reply,
        } => {
            let res = if enabled {
                policies.enable(&name)
            } else {
                policies.disable(&name)
            }
            .map_err(|e| e.to_string());
            if res.is_ok() {
                tracing::info!(policy = %name, enabled, "policy state changed");
            }
            let _ = reply.send(res);
        }
        ControlRequest::SetPolicyMode {
            name,
            monitor,
            reply,
        } => {
            let res = policies
                .set_monitor(&name, monitor)
                .map_err(|e| e.to_string());
            if res.is_ok() {
                tracing::info!(policy = %name, monitor, "policy mode changed");
            }
            let _ = reply.send(res);
        }
        ControlRequest::ListPolicies { reply } => {
            let _ = reply.send(policies.list());
        }
    }
}

/// Loads `--tracing-policy` files and `--tracing-policy-dir`; any failure stops the start.
fn load_startup_policies(
    cfg: &AgentConfig,
    policies: &mut PolicyManager,
) -> Result<(), AgentError> {
    let mut files = cfg.tracing_policies.clone();
    if let Some(dir) = &cfg.tracing_policy_dir {
        match std::fs::read_dir(dir) {
            Ok(entries) => {
                let mut found: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                    .collect();
                found.sort();
                files.extend(found);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::info!(dir = %dir.display(), "no tracing policy directory");
            }
            Err(e) => {
                return Err(AgentError::Policy(format!(
                    "--tracing-policy-dir {}: {e}",
                    dir.display()
                )));
            }
        }
    }
    for file in files {
        let parsed =
            auspex_policy::load_file(&file).map_err(|e| AgentError::Policy(e.to_string()))?;
        for p in parsed {
            let status = policies
                .add(&p)
                .map_err(|e| AgentError::Policy(format!("{}: {e}", file.display())))?;
            tracing::info!(policy = %status.name, hooks = status.hooks, file = %file.display(), "policy loaded");
        }
    }
    Ok(())
}

fn snapshot(sensor: &AttachedProcessSensor, counters: &Counters) -> LossSnapshot {
    use auspex_bpf::abi::stat;
    let k = sensor.kernel_counters();
    LossSnapshot {
        kernel_exec: k[stat::RB_RESERVE_FAIL_EXEC as usize],
        kernel_exit: k[stat::RB_RESERVE_FAIL_EXIT as usize],
        kernel_clone: k[stat::RB_RESERVE_FAIL_CLONE as usize],
        kernel_generic: k[stat::RB_RESERVE_FAIL_GENERIC as usize],
        kernel_data: k[stat::RB_RESERVE_FAIL_DATA as usize],
        kernel_pending_full: k[stat::PENDING_FULL as usize],
        kernel_heap_busy: k[stat::HEAP_BUSY as usize],
        kernel_process_map_full: k[stat::PROCESS_MAP_FULL as usize],
        queue_overflow: Counters::get(&counters.queue_overflow),
        decode_errors: Counters::get(&counters.decode_errors),
    }
}

fn log_losses(
    sensor: &AttachedProcessSensor,
    counters: &Counters,
    before: LossSnapshot,
) -> LossSnapshot {
    let now = snapshot(sensor, counters);
    if now != before && now.total() > 0 {
        tracing::warn!(
            kernel_ringbuf_exec = now.kernel_exec,
            kernel_ringbuf_exit = now.kernel_exit,
            kernel_ringbuf_clone = now.kernel_clone,
            kernel_ringbuf_policy = now.kernel_generic,
            kernel_ringbuf_max_data = now.kernel_data,
            kernel_pending_full = now.kernel_pending_full,
            kernel_heap_busy = now.kernel_heap_busy,
            kernel_process_map_full = now.kernel_process_map_full,
            user_queue_overflow = now.queue_overflow,
            decode_errors = now.decode_errors,
            "events lost since start"
        );
    }
    now
}

/// The default BTF path, for messages.
pub fn default_btf() -> &'static Path {
    Path::new("/sys/kernel/btf/vmlinux")
}
