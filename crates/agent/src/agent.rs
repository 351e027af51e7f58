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
use crate::sensors::process::{AttachedProcessSensor, ProcessSensorSpec};
use crate::sensors::{SensorError, install_libbpf_logger};
use crate::stats::{Counters, LossSnapshot};
use crate::{procfs, reader};

/// Why the agent could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// A precondition is missing.
    #[error(transparent)]
    Preflight(#[from] PreflightError),
    /// A sensor failed.
    #[error(transparent)]
    Sensor(#[from] SensorError),
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
}

/// A configured agent.
pub struct Agent {
    config: AgentConfig,
}

impl Agent {
    /// An agent with this configuration.
    pub fn new(config: AgentConfig) -> Self {
        Self { config }
    }

    /// Runs until `stop` is set. `on_ready` is called once the sensors are attached and the /proc
    /// scan is done, i.e. when every later process start is observed.
    pub fn run(
        self,
        sinks: Vec<Box<dyn EventSink>>,
        stop: Arc<AtomicBool>,
        on_ready: impl FnOnce(),
    ) -> Result<RunSummary, AgentError> {
        let cfg = self.config;
        install_libbpf_logger();
        let btf = cfg
            .btf
            .clone()
            .unwrap_or_else(|| PathBuf::from("/sys/kernel/btf/vmlinux"));
        preflight(&btf, &cfg.procfs)?;
        KernelFeatures::probe().log();

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
        let host_ns = procfs::host_namespaces(&cfg.procfs);
        let options = BuildOptions {
            credentials: cfg.enable_process_cred,
            namespaces: cfg.enable_process_ns,
            username: cfg.username_metadata,
        };
        let builder = EventBuilder::new(cfg.node_name.clone(), options, host_ns);
        let mut pipeline = Pipeline::new(
            cfg.process_cache_size,
            builder,
            sinks,
            counters.clone(),
            cfg.enable_ancestors,
        );

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
        let mut last_gc = Instant::now();
        let mut last_clock = Instant::now();
        let mut reported = LossSnapshot::default();
        let mut result = Ok(());
        let mut cache_peak = pipeline.cache().len();
        while !stop.load(Ordering::Acquire) {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok(ev) => {
                    if let Err(e) = pipeline.handle(ev) {
                        result = Err(e);
                        break;
                    }
                    cache_peak = cache_peak.max(pipeline.cache().len());
                    if rx.is_empty()
                        && let Err(e) = pipeline.flush()
                    {
                        result = Err(e);
                        break;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            if last_stats.elapsed() >= cfg.stats_interval {
                last_stats = Instant::now();
                reported = log_losses(&sensor, &counters, reported);
            }
            if last_gc.elapsed() >= cfg.process_cache_gc_interval {
                last_gc = Instant::now();
                pipeline.collect_lost_exits(&cfg.procfs);
            }
            if last_clock.elapsed() >= Duration::from_secs(60) {
                last_clock = Instant::now();
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
        let flushed = pipeline.flush();
        let losses = snapshot(&sensor, &counters);
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

fn snapshot(sensor: &AttachedProcessSensor, counters: &Counters) -> LossSnapshot {
    use auspex_bpf::abi::stat;
    let k = sensor.kernel_counters();
    LossSnapshot {
        kernel_exec: k[stat::RB_RESERVE_FAIL_EXEC as usize],
        kernel_exit: k[stat::RB_RESERVE_FAIL_EXIT as usize],
        kernel_clone: k[stat::RB_RESERVE_FAIL_CLONE as usize],
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
