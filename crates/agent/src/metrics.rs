//! Prometheus metrics and the `/metrics` HTTP endpoint.
//!
//! The metrics mirror Tetragon's (`tetragon_*`, see the Tetragon reference §9) under the
//! `auspex_` prefix:
//!
//! | Auspex | Tetragon | updated by |
//! |---|---|---|
//! | `auspex_events_total{type,namespace,workload,pod,binary}` | `tetragon_events_total` | [`MetricsSink`] |
//! | `auspex_policy_events_total{policy,hook,namespace,workload,pod,binary}` | `tetragon_policy_events_total` | [`MetricsSink`] |
//! | `auspex_policy_actions_total{policy,action}` | (`tetragon_tracingpolicy_selector_actions_total`) | [`MetricsSink`] |
//! | `auspex_events_exported_total` | `tetragon_events_exported_total` | [`Metrics::set_exported`] |
//! | `auspex_events_lost_total{reason}` | ring-buffer / queue / rate-limit loss counters | [`Metrics::set_lost`] |
//! | `auspex_process_cache_size`, `auspex_process_cache_evictions_total` | `tetragon_process_cache_*` | [`Metrics::set_process_cache`] |
//! | `auspex_map_entries{map}`, `auspex_map_capacity{map}` | `tetragon_map_entries`, `tetragon_map_capacity` | [`Metrics::set_map`] |
//! | `auspex_build_info{version}` | `tetragon_build_info` | [`Metrics::new`] |
//!
//! Labels: `type` is the `EventType` name (`PROCESS_EXEC`, …); `namespace`, `workload`, `pod` come
//! from the process's pod and `binary` from the process (all empty when the event has none);
//! which of those four are kept is chosen with a [`MetricsLabelFilter`] (Tetragon's
//! `--metrics-label-filter`), a dropped label is exported as the empty string. `hook` is the
//! kprobe/LSM `function_name`, the tracepoint `subsys/event`, the uprobe `path:symbol` or the
//! usdt `path:provider:name`. `action` is the event's `KprobeAction` in lower case without its
//! prefix (`post`, `sigkill`, `override`, …; `unknown` when unset).
//!
//! The exposition is the OpenMetrics text format of the `prometheus-client` crate (counters are
//! declared without their `_total` suffix in `# TYPE` lines, the body ends with `# EOF`), served
//! with the OpenMetrics content type, which Prometheus scrapes natively.
//!
//! Totals that the agent keeps elsewhere (exported, lost, evictions) are *set*, not incremented:
//! the agent copies its own counters periodically (e.g. from [`crate::stats`] with
//! [`Metrics::set_loss_snapshot`]).

use std::io::{self, BufRead, BufReader, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use auspex_events::filter::{event_process, event_type};
use auspex_events::tetragon::get_events_response::Event;
use auspex_events::tetragon::{GetEventsResponse, KprobeAction};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::export::EventSink;
use crate::stats::LossSnapshot;

/// The `Content-Type` of [`Metrics::encode`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Which process labels the event metrics keep (Tetragon's `--metrics-label-filter`); the others
/// are exported as empty strings. The default keeps all four.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricsLabelFilter {
    /// Keep `namespace`.
    pub namespace: bool,
    /// Keep `workload`.
    pub workload: bool,
    /// Keep `pod`.
    pub pod: bool,
    /// Keep `binary`.
    pub binary: bool,
}

impl Default for MetricsLabelFilter {
    fn default() -> Self {
        Self::ALL
    }
}

impl MetricsLabelFilter {
    /// Keep every label (the default).
    pub const ALL: Self = Self {
        namespace: true,
        workload: true,
        pod: true,
        binary: true,
    };
    /// Drop every label.
    pub const NONE: Self = Self {
        namespace: false,
        workload: false,
        pod: false,
        binary: false,
    };

    /// Parses a comma-separated list of the labels to keep, e.g. `namespace,pod` (the format of
    /// `--metrics-label-filter`); an empty string keeps none.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut f = Self::NONE;
        for label in s.split(',').map(str::trim).filter(|l| !l.is_empty()) {
            match label {
                "namespace" => f.namespace = true,
                "workload" => f.workload = true,
                "pod" => f.pod = true,
                "binary" => f.binary = true,
                other => {
                    return Err(format!(
                        "unknown metrics label {other:?} (known: namespace, workload, pod, binary)"
                    ));
                }
            }
        }
        Ok(f)
    }
}

/// Why events were lost, the `reason` label of `auspex_events_lost_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LossReason {
    /// The kernel could not reserve ring-buffer space.
    KernelRingbuf,
    /// The kernel's table of calls in flight (return probes, imaHash) was full.
    KernelPending,
    /// A hook call was skipped: its CPU's heap belonged to another (preempted or interrupted) call.
    KernelHeapBusy,
    /// The user-space queue between reader and pipeline was full.
    UserQueue,
    /// Dropped by the export rate limit.
    ExportRatelimit,
    /// A record could not be decoded.
    Decode,
}

impl LossReason {
    /// Every reason, in label order.
    pub const ALL: [Self; 6] = [
        Self::KernelRingbuf,
        Self::KernelPending,
        Self::KernelHeapBusy,
        Self::UserQueue,
        Self::ExportRatelimit,
        Self::Decode,
    ];

    /// The label value (`kernel_ringbuf`, `kernel_pending`, `kernel_heap_busy`, `user_queue`,
    /// `export_ratelimit`, `decode`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::KernelRingbuf => "kernel_ringbuf",
            Self::KernelPending => "kernel_pending",
            Self::KernelHeapBusy => "kernel_heap_busy",
            Self::UserQueue => "user_queue",
            Self::ExportRatelimit => "export_ratelimit",
            Self::Decode => "decode",
        }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventLabels {
    r#type: String,
    namespace: String,
    workload: String,
    pod: String,
    binary: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PolicyEventLabels {
    policy: String,
    hook: String,
    namespace: String,
    workload: String,
    pod: String,
    binary: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PolicyActionLabels {
    policy: String,
    action: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MapLabels {
    map: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VersionLabels {
    version: &'static str,
}

#[derive(Debug)]
struct Inner {
    registry: Registry,
    filter: MetricsLabelFilter,
    events: Family<EventLabels, Counter>,
    policy_events: Family<PolicyEventLabels, Counter>,
    policy_actions: Family<PolicyActionLabels, Counter>,
    exported: Counter,
    lost: Family<ReasonLabels, Counter>,
    process_cache_size: Gauge,
    process_cache_evictions: Counter,
    map_entries: Family<MapLabels, Gauge>,
    map_capacity: Family<MapLabels, Gauge>,
}

/// The agent's metrics. Cheap to clone (shared state); `Send + Sync`.
#[derive(Debug, Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

/// Saturating `u64` → gauge value.
fn gauge_value(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Metrics {
    /// Registers all metrics; the event metrics keep the labels `label_filter` selects.
    pub fn new(label_filter: MetricsLabelFilter) -> Self {
        let mut registry = Registry::with_prefix("auspex");
        let events = Family::<EventLabels, Counter>::default();
        registry.register(
            "events",
            "The total number of Auspex events by type",
            events.clone(),
        );
        let policy_events = Family::<PolicyEventLabels, Counter>::default();
        registry.register(
            "policy_events",
            "Policy events observed, by policy and hook",
            policy_events.clone(),
        );
        let policy_actions = Family::<PolicyActionLabels, Counter>::default();
        registry.register(
            "policy_actions",
            "Policy events by policy and action taken",
            policy_actions.clone(),
        );
        let exported = Counter::default();
        registry.register(
            "events_exported",
            "Total number of events exported",
            exported.clone(),
        );
        let lost = Family::<ReasonLabels, Counter>::default();
        for reason in LossReason::ALL {
            drop(lost.get_or_create(&ReasonLabels {
                reason: reason.as_str(),
            }));
        }
        registry.register("events_lost", "Events lost, by reason", lost.clone());
        let process_cache_size = Gauge::default();
        registry.register(
            "process_cache_size",
            "The size of the process cache",
            process_cache_size.clone(),
        );
        let process_cache_evictions = Counter::default();
        registry.register(
            "process_cache_evictions",
            "Number of process cache LRU evictions",
            process_cache_evictions.clone(),
        );
        let map_entries = Family::<MapLabels, Gauge>::default();
        registry.register(
            "map_entries",
            "The total number of in-use entries per BPF map",
            map_entries.clone(),
        );
        let map_capacity = Family::<MapLabels, Gauge>::default();
        registry.register(
            "map_capacity",
            "Capacity of a BPF map (max entries)",
            map_capacity.clone(),
        );
        let build_info = Family::<VersionLabels, Gauge>::default();
        build_info
            .get_or_create(&VersionLabels {
                version: env!("CARGO_PKG_VERSION"),
            })
            .set(1);
        registry.register("build_info", "Build information about Auspex", build_info);
        Self {
            inner: Arc::new(Inner {
                registry,
                filter: label_filter,
                events,
                policy_events,
                policy_actions,
                exported,
                lost,
                process_cache_size,
                process_cache_evictions,
                map_entries,
                map_capacity,
            }),
        }
    }

    /// The label filter the event metrics use.
    pub fn label_filter(&self) -> MetricsLabelFilter {
        self.inner.filter
    }

    /// An event sink that counts the events it is given (see the module docs).
    pub fn sink(&self) -> MetricsSink {
        MetricsSink {
            metrics: self.clone(),
        }
    }

    /// Counts one event in `auspex_events_total` and, for policy events, in
    /// `auspex_policy_events_total` and `auspex_policy_actions_total`.
    pub fn observe(&self, ev: &GetEventsResponse) {
        let inner = &*self.inner;
        let f = inner.filter;
        let process = event_process(ev);
        let pod = process.and_then(|p| p.pod.as_ref());
        let keep = |on: bool, v: Option<&String>| {
            if on {
                v.cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        let namespace = keep(f.namespace, pod.map(|p| &p.namespace));
        let workload = keep(f.workload, pod.map(|p| &p.workload));
        let pod_name = keep(f.pod, pod.map(|p| &p.name));
        let binary = keep(f.binary, process.map(|p| &p.binary));

        if let Some((policy, hook, action)) = policy_info(ev) {
            inner
                .policy_events
                .get_or_create(&PolicyEventLabels {
                    policy: policy.to_owned(),
                    hook,
                    namespace: namespace.clone(),
                    workload: workload.clone(),
                    pod: pod_name.clone(),
                    binary: binary.clone(),
                })
                .inc();
            inner
                .policy_actions
                .get_or_create(&PolicyActionLabels {
                    policy: policy.to_owned(),
                    action: action_label(action),
                })
                .inc();
        }
        inner
            .events
            .get_or_create(&EventLabels {
                r#type: event_type(ev).as_str_name().to_owned(),
                namespace,
                workload,
                pod: pod_name,
                binary,
            })
            .inc();
    }

    /// Sets `auspex_events_exported_total`.
    pub fn set_exported(&self, total: u64) {
        self.inner.exported.inner().store(total, Ordering::Relaxed);
    }

    /// Sets `auspex_events_lost_total{reason}`.
    pub fn set_lost(&self, reason: LossReason, total: u64) {
        self.inner
            .lost
            .get_or_create(&ReasonLabels {
                reason: reason.as_str(),
            })
            .inner()
            .store(total, Ordering::Relaxed);
    }

    /// Sets the kernel, queue and decode losses from the agent's loss counters:
    /// `kernel_ringbuf` = exec + exit + clone + generic records and maxData chunks lost in the kernel,
    /// `kernel_pending` = events of return probes the kernel had no room to keep until the
    /// return, `kernel_heap_busy` = hook calls skipped while their CPU's heap was another call's,
    /// `user_queue` = queue overflows, `decode` = decode errors. (Processes the kernel's process
    /// map could not hold are not lost events and are not counted.)
    pub fn set_loss_snapshot(&self, loss: &LossSnapshot) {
        let kernel = loss
            .kernel_exec
            .saturating_add(loss.kernel_exit)
            .saturating_add(loss.kernel_clone)
            .saturating_add(loss.kernel_generic)
            .saturating_add(loss.kernel_data);
        self.set_lost(LossReason::KernelRingbuf, kernel);
        self.set_lost(LossReason::KernelPending, loss.kernel_pending_full);
        self.set_lost(LossReason::KernelHeapBusy, loss.kernel_heap_busy);
        self.set_lost(LossReason::UserQueue, loss.queue_overflow);
        self.set_lost(LossReason::Decode, loss.decode_errors);
    }

    /// Sets `auspex_process_cache_size` and `auspex_process_cache_evictions_total`.
    pub fn set_process_cache(&self, size: u64, evictions: u64) {
        self.inner.process_cache_size.set(gauge_value(size));
        self.inner
            .process_cache_evictions
            .inner()
            .store(evictions, Ordering::Relaxed);
    }

    /// Sets `auspex_map_entries{map}` and `auspex_map_capacity{map}`.
    pub fn set_map(&self, map: &str, entries: u64, capacity: u64) {
        let labels = MapLabels {
            map: map.to_owned(),
        };
        self.inner
            .map_entries
            .get_or_create(&labels)
            .set(gauge_value(entries));
        self.inner
            .map_capacity
            .get_or_create(&labels)
            .set(gauge_value(capacity));
    }

    /// The exposition (OpenMetrics text, see [`CONTENT_TYPE`]).
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(4096);
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.inner.registry);
        out
    }
}

/// `(policy, hook, action)` of a policy event with a non-empty policy name.
fn policy_info(ev: &GetEventsResponse) -> Option<(&str, String, i32)> {
    let (policy, hook, action) = match ev.event.as_ref()? {
        Event::ProcessKprobe(k) => (&k.policy_name, k.function_name.clone(), k.action),
        Event::ProcessTracepoint(t) => (
            &t.policy_name,
            format!("{}/{}", t.subsys, t.event),
            t.action,
        ),
        Event::ProcessUprobe(u) => (&u.policy_name, format!("{}:{}", u.path, u.symbol), u.action),
        Event::ProcessLsm(l) => (&l.policy_name, l.function_name.clone(), l.action),
        Event::ProcessUsdt(u) => (
            &u.policy_name,
            format!("{}:{}:{}", u.path, u.provider, u.name),
            u.action,
        ),
        _ => return None,
    };
    (!policy.is_empty()).then_some((policy.as_str(), hook, action))
}

/// `KPROBE_ACTION_SIGKILL` → `sigkill`; unknown values → `unknown`.
fn action_label(action: i32) -> String {
    let name = KprobeAction::try_from(action)
        .unwrap_or(KprobeAction::Unknown)
        .as_str_name();
    name.strip_prefix("KPROBE_ACTION_")
        .unwrap_or(name)
        .to_ascii_lowercase()
}

/// An [`EventSink`] that only counts events (see [`Metrics::observe`]); never fails.
#[derive(Debug, Clone)]
pub struct MetricsSink {
    metrics: Metrics,
}

impl EventSink for MetricsSink {
    fn emit(&mut self, event: &GetEventsResponse) -> io::Result<()> {
        self.metrics.observe(event);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

// --- HTTP -------------------------------------------------------------------------------------

/// How long a client may take to send its request / read the response.
const READ_TIMEOUT: Duration = Duration::from_secs(5);
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections served concurrently on threads of their own.
const MAX_CONNECTION_THREADS: usize = 4;
/// Longest accepted request head.
const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// A tiny HTTP/1.1 server answering `GET /metrics` (and `HEAD`) with [`Metrics::encode`], 404 for
/// other paths and 405 for other methods. Accepts on a thread of its own and serves each connection
/// on a short-lived thread (at most four at once). Stops accepting (and closes the listening
/// socket) when dropped.
#[derive(Debug)]
pub struct MetricsServer {
    local_addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// Parses `:2112` (all interfaces), `127.0.0.1:2112`, `[::1]:2112` or `localhost:2112`.
fn listen(addr: &str) -> io::Result<TcpListener> {
    if let Some(port) = addr.strip_prefix(':') {
        let port: u16 = port.parse().map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("invalid metrics address {addr:?}"),
            )
        })?;
        // Like Go's ":port": every interface, IPv6 (dual stack) when available.
        return TcpListener::bind((Ipv6Addr::UNSPECIFIED, port))
            .or_else(|_| TcpListener::bind((Ipv4Addr::UNSPECIFIED, port)));
    }
    let addrs: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("invalid metrics address {addr:?}: {e}"),
            )
        })?
        .collect();
    TcpListener::bind(&addrs[..])
}

impl MetricsServer {
    /// Listens on `addr` (`:2112`, `127.0.0.1:2112`, `127.0.0.1:0` for an ephemeral port, …) and
    /// serves `metrics` until dropped.
    pub fn start(addr: &str, metrics: Metrics) -> io::Result<Self> {
        let listener = listen(addr)?;
        let local_addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = Arc::clone(&stop);
        let active = Arc::new(AtomicUsize::new(0));
        let thread = std::thread::Builder::new()
            .name("auspex-metrics".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    if stop_flag.load(Ordering::Acquire) {
                        break;
                    }
                    match conn {
                        Ok(stream) => handle(stream, &metrics, &active),
                        Err(e) => {
                            tracing::debug!("metrics: accept: {e}");
                            // Out of file descriptors and the like: do not spin.
                            std::thread::sleep(Duration::from_millis(50));
                        }
                    }
                }
            })?;
        Ok(Self {
            local_addr,
            stop,
            thread: Some(thread),
        })
    }

    /// The address the server listens on (with the actual port for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        // Wake the blocking accept with a connection of our own.
        let mut wake = self.local_addr;
        if wake.ip().is_unspecified() {
            wake.set_ip(match wake {
                SocketAddr::V4(_) => Ipv4Addr::LOCALHOST.into(),
                SocketAddr::V6(_) => Ipv6Addr::LOCALHOST.into(),
            });
        }
        let woke = TcpStream::connect_timeout(&wake, Duration::from_secs(1)).is_ok();
        if let Some(thread) = self.thread.take()
            && woke
        {
            let _ = thread.join();
        }
        // If the wake-up connection failed the thread is left blocked in accept (detached).
    }
}

/// Serves a connection on a thread of its own (so a slow client does not hold up a scrape), or
/// inline when [`MAX_CONNECTION_THREADS`] are busy already.
fn handle(stream: TcpStream, metrics: &Metrics, active: &Arc<AtomicUsize>) {
    let serve_logged = |stream: TcpStream, metrics: &Metrics| {
        if let Err(e) = serve(stream, metrics) {
            tracing::debug!("metrics: connection: {e}");
        }
    };
    if active.fetch_add(1, Ordering::AcqRel) < MAX_CONNECTION_THREADS {
        let (metrics, active) = (metrics.clone(), Arc::clone(active));
        let spawned = std::thread::Builder::new()
            .name("auspex-metrics-conn".into())
            .spawn(move || {
                serve_logged(stream, &metrics);
                active.fetch_sub(1, Ordering::AcqRel);
            });
        if spawned.is_ok() {
            return;
        }
        // The stream went down with the failed spawn; the client will retry.
    } else {
        serve_logged(stream, metrics);
    }
    active.fetch_sub(1, Ordering::AcqRel);
}

/// Answers one request on `stream`.
fn serve(stream: TcpStream, metrics: &Metrics) -> io::Result<()> {
    stream.set_read_timeout(Some(READ_TIMEOUT))?;
    stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    let mut head_len = reader.read_line(&mut request_line)?;
    // Skip the headers (up to the empty line).
    loop {
        let mut header = String::new();
        let n = reader.read_line(&mut header)?;
        head_len += n;
        if n == 0 || header == "\r\n" || header == "\n" || head_len > MAX_REQUEST_HEAD {
            break;
        }
    }
    let mut parts = request_line.split_ascii_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split(['?', '#']).next().unwrap_or("");
    let mut out = &stream;
    match (method, path) {
        ("GET" | "HEAD", "/metrics") => {
            let body = metrics.encode();
            write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Type: {CONTENT_TYPE}\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n",
                body.len()
            )?;
            if method == "GET" {
                out.write_all(body.as_bytes())?;
            }
        }
        ("GET" | "HEAD", _) => respond(out, "404 Not Found", "404 page not found\n")?,
        _ => respond(out, "405 Method Not Allowed", "method not allowed\n")?,
    }
    out.flush()
}

fn respond(mut out: &TcpStream, status: &str, body: &str) -> io::Result<()> {
    write!(
        out,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
}
