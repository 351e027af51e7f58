//! The agent's gRPC API: Tetragon's `tetragon.FineGuidanceSensors` service (and the standard
//! `grpc.health.v1.Health`), served on `--server-address` so that Tetragon clients (tetra, the
//! Go and Python stubs) and `auspex events` / `auspex policy …` work against the agent.
//!
//! ```text
//! pipeline thread ── GrpcEventSink::emit ──▶ broadcast ring (bounded, never blocks)
//!                                              │ one receiver per GetEvents client
//!                                              ▼
//!                           client task: allow/deny filters, field filters
//!                                              │ try_send, bounded queue per client
//!                                              ▼
//!                                   the client's response stream
//! ```
//!
//! A client that falls behind is dropped, never waited for: when its queue is full (it does not
//! read) or when it lags behind the broadcast ring, its stream ends with `RESOURCE_EXHAUSTED`
//! and the reason, the drop is logged and counted ([`GrpcServer::dropped_clients`]). The pipeline
//! and the other clients never wait for anyone.
//!
//! The server runs on its own thread with its own tokio runtime; policy RPCs call
//! [`AgentControl`] (blocking) from tokio's blocking pool. Dropping the [`GrpcServer`] ends every
//! stream (`UNAVAILABLE: the agent is shutting down`), stops the server (connections still open
//! after a grace period are closed) and removes its Unix socket.
//!
//! Unix sockets are created race-free with mode 0600 (bound under a temporary name, chmod-ed,
//! then renamed into place); a stale socket left by a crashed agent is replaced, a live one is an
//! error. Parent directories are created (mode 0755).
use std::collections::HashMap;
use std::fs;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use auspex_api::tetragon::{
    self, AddTracingPolicyRequest, AddTracingPolicyResponse, ConfigureTracingPolicyRequest,
    ConfigureTracingPolicyResponse, DeleteTracingPolicyRequest, DeleteTracingPolicyResponse,
    DisableSensorRequest, DisableSensorResponse, DisableTracingPolicyRequest,
    DisableTracingPolicyResponse, EnableSensorRequest, EnableSensorResponse,
    EnableTracingPolicyRequest, EnableTracingPolicyResponse, Filter, GetDebugRequest,
    GetDebugResponse, GetEventsRequest, GetEventsResponse, GetHealthStatusRequest,
    GetHealthStatusResponse, GetInfoRequest, GetInfoResponse, GetVersionRequest,
    GetVersionResponse, HealthStatus, HealthStatusResult, HealthStatusType, ListSensorsRequest,
    ListSensorsResponse, ListTracingPoliciesRequest, ListTracingPoliciesResponse,
    RemoveSensorRequest, RemoveSensorResponse, RuntimeHookRequest, RuntimeHookResponse,
    SetDebugRequest, SetDebugResponse, TracingPolicyMode, TracingPolicyState, TracingPolicyStatus,
};
use auspex_api::{FineGuidanceSensors, FineGuidanceSensorsServer, ServerAddress};
use auspex_events::{EventFilter, ExportFilter, FieldFilter, FieldFilters};
use tokio::sync::{broadcast, mpsc, watch};
use tokio_stream::Stream;
use tonic::{Request, Response, Status};

use crate::agent::AgentControl;
use crate::export::EventSink;

/// What the API reports about the agent (GetVersion, GetInfo).
#[derive(Debug, Clone, Default)]
pub struct ServerInfo {
    /// Agent version (GetVersion, GetInfo).
    pub version: String,
    /// Agent name (GetInfo), e.g. `auspex`.
    pub name: String,
    /// Configuration reported by GetInfo (`key`, value as a string).
    pub conf: Vec<(String, String)>,
}

/// Buffer sizes and timeouts of the server.
#[derive(Debug, Clone, Copy)]
pub struct GrpcLimits {
    /// Events held for the GetEvents clients (broadcast ring); a client task further behind
    /// than this is dropped.
    pub event_buffer: usize,
    /// Events queued per GetEvents client; a client whose queue is full is dropped.
    pub client_queue: usize,
    /// How long shutdown waits for connections to close before closing them.
    pub shutdown_grace: Duration,
}

impl Default for GrpcLimits {
    fn default() -> Self {
        Self {
            event_buffer: 8192,
            client_queue: 1024,
            shutdown_grace: Duration::from_secs(2),
        }
    }
}

#[derive(Debug, Default)]
struct ServerStats {
    dropped_clients: AtomicU64,
    active_clients: AtomicU64,
    clients_total: AtomicU64,
}

/// A running API server. Dropping it shuts it down (see the module documentation).
pub struct GrpcServer {
    address: ServerAddress,
    local_addr: Option<SocketAddr>,
    stats: Arc<ServerStats>,
    shutdown: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
    socket: Option<OwnedSocket>,
}

impl std::fmt::Debug for GrpcServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrpcServer")
            .field("address", &self.address)
            .field("local_addr", &self.local_addr)
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

/// The event sink that feeds the GetEvents clients. Never blocks: it only pushes into the
/// broadcast ring (and does nothing while no client is connected).
pub struct GrpcEventSink {
    tx: broadcast::Sender<Arc<GetEventsResponse>>,
}

impl EventSink for GrpcEventSink {
    fn emit(&mut self, event: &GetEventsResponse) -> io::Result<()> {
        if self.tx.receiver_count() > 0 {
            // Err only when every receiver is gone in between: nothing to do.
            let _ = self.tx.send(Arc::new(event.clone()));
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl GrpcServer {
    /// Binds `address`, starts serving on a thread of its own and returns the server and the
    /// sink to add to the agent's sinks. Errors (address in use, a live agent on the socket,
    /// permissions) are returned before anything runs.
    pub fn start(
        address: &ServerAddress,
        control: AgentControl,
        info: ServerInfo,
    ) -> io::Result<(GrpcServer, Box<dyn EventSink>)> {
        Self::start_with(address, control, info, GrpcLimits::default())
    }

    /// [`start`](Self::start) with explicit buffer sizes.
    pub fn start_with(
        address: &ServerAddress,
        control: AgentControl,
        info: ServerInfo,
        limits: GrpcLimits,
    ) -> io::Result<(GrpcServer, Box<dyn EventSink>)> {
        let (listener, socket, local_addr) = match address {
            ServerAddress::Unix(path) => {
                let (listener, owned) = bind_unix(path)?;
                (Listener::Unix(listener), Some(owned), None)
            }
            ServerAddress::Tcp { .. } => {
                let bind = address.tcp_bind_addr().unwrap_or_default();
                let listener = std::net::TcpListener::bind(&bind).map_err(|e| {
                    io::Error::new(e.kind(), format!("cannot listen on {bind}: {e}"))
                })?;
                listener.set_nonblocking(true)?;
                let local = listener.local_addr().ok();
                (Listener::Tcp(listener), None, local)
            }
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("auspex-grpc")
            .enable_all()
            .build()?;
        let (events, _) = broadcast::channel(limits.event_buffer.max(1));
        let (shutdown, shutdown_rx) = watch::channel(false);
        let stats = Arc::new(ServerStats::default());
        let api = Api {
            control,
            info: Arc::new(info),
            events: events.clone(),
            shutdown: shutdown_rx.clone(),
            stats: stats.clone(),
            limits,
            policies: Arc::new(Mutex::new(HashMap::new())),
            next_client: Arc::new(AtomicU64::new(1)),
            probes: Arc::new(OnceLock::new()),
        };
        let shown = match (address, local_addr) {
            (ServerAddress::Tcp { .. }, Some(a)) => a.to_string(),
            _ => address.to_string(),
        };
        let grace = limits.shutdown_grace;
        let thread = std::thread::Builder::new()
            .name("auspex-grpc".into())
            .spawn(move || serve(runtime, listener, api, shutdown_rx, grace))?;
        tracing::info!(
            address = %shown,
            "gRPC API listening (tetragon.FineGuidanceSensors, grpc.health.v1.Health)"
        );
        let server = GrpcServer {
            address: address.clone(),
            local_addr,
            stats,
            shutdown,
            thread: Some(thread),
            socket,
        };
        Ok((server, Box::new(GrpcEventSink { tx: events })))
    }

    /// The address served.
    pub fn address(&self) -> &ServerAddress {
        &self.address
    }

    /// The bound TCP address (useful with port 0); `None` for a Unix socket.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local_addr
    }

    /// GetEvents clients dropped because they fell behind.
    pub fn dropped_clients(&self) -> u64 {
        self.stats.dropped_clients.load(Ordering::Relaxed)
    }

    /// GetEvents clients currently streaming.
    pub fn active_clients(&self) -> u64 {
        self.stats.active_clients.load(Ordering::Relaxed)
    }

    /// Stops the server (same as dropping it).
    pub fn shutdown(self) {}
}

impl Drop for GrpcServer {
    fn drop(&mut self) {
        self.shutdown.send_replace(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let total = self.stats.clients_total.load(Ordering::Relaxed);
        tracing::info!(
            address = %self.address,
            getevents_clients = total,
            dropped_clients = self.dropped_clients(),
            "gRPC API stopped"
        );
        // The socket file is removed when `self.socket` drops, after the server is gone.
        drop(self.socket.take());
    }
}

enum Listener {
    Unix(std::os::unix::net::UnixListener),
    Tcp(std::net::TcpListener),
}

/// The Unix socket we created; removed on drop unless something else replaced it meanwhile.
#[derive(Debug)]
struct OwnedSocket {
    path: PathBuf,
    /// Identity of the file: (device, inode, ctime seconds, ctime nanoseconds).
    id: (u64, u64, i64, i64),
}

fn file_id(m: &fs::Metadata) -> (u64, u64, i64, i64) {
    (m.dev(), m.ino(), m.ctime(), m.ctime_nsec())
}

impl Drop for OwnedSocket {
    fn drop(&mut self) {
        if let Ok(m) = fs::symlink_metadata(&self.path)
            && file_id(&m) == self.id
        {
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn bind_unix(path: &Path) -> io::Result<(std::os::unix::net::UnixListener, OwnedSocket)> {
    let context = |what: &str, e: io::Error| {
        io::Error::new(e.kind(), format!("{what} {}: {e}", path.display()))
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o755)
            .create(dir)
            .map_err(|e| context("cannot create the directory of", e))?;
    }
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_socket() => match std::os::unix::net::UnixStream::connect(path) {
            Ok(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::AddrInUse,
                    format!(
                        "{}: another process (an agent?) is serving on this socket; stop it or \
                             choose another --server-address",
                        path.display()
                    ),
                ));
            }
            Err(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
                fs::remove_file(path).map_err(|e| context("cannot remove the stale socket", e))?;
                tracing::info!(path = %path.display(), "removed a stale socket");
            }
            Err(e) => return Err(context("cannot check the existing socket", e)),
        },
        Ok(_) => {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "{} exists and is not a socket; remove it or choose another --server-address",
                    path.display()
                ),
            ));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(context("cannot inspect", e)),
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "socket".into());
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let _ = fs::remove_file(&tmp);
    let listener =
        std::os::unix::net::UnixListener::bind(&tmp).map_err(|e| context("cannot bind", e))?;
    let placed = fs::set_permissions(&tmp, fs::Permissions::from_mode(0o600))
        .and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = placed {
        let _ = fs::remove_file(&tmp);
        return Err(context("cannot create the socket", e));
    }
    listener.set_nonblocking(true)?;
    let m = fs::symlink_metadata(path)?;
    Ok((
        listener,
        OwnedSocket {
            path: path.to_path_buf(),
            id: file_id(&m),
        },
    ))
}

/// Resolves when the shutdown flag is set (or its sender is gone).
async fn stopped(mut rx: watch::Receiver<bool>) {
    loop {
        if *rx.borrow_and_update() {
            return;
        }
        if rx.changed().await.is_err() {
            return;
        }
    }
}

type ServeFuture = Pin<Box<dyn Future<Output = Result<(), tonic::transport::Error>> + Send>>;

fn serve(
    runtime: tokio::runtime::Runtime,
    listener: Listener,
    api: Api,
    shutdown: watch::Receiver<bool>,
    grace: Duration,
) {
    runtime.block_on(async move {
        let (reporter, health) = tonic_health::server::health_reporter();
        reporter
            .set_serving::<FineGuidanceSensorsServer<Api>>()
            .await;
        reporter
            .set_service_status("liveness", tonic_health::ServingStatus::Serving)
            .await;
        let router = tonic::transport::Server::builder()
            .add_service(health)
            .add_service(FineGuidanceSensorsServer::new(api));
        let signal = stopped(shutdown.clone());
        let serving: ServeFuture = match listener {
            Listener::Unix(l) => match tokio::net::UnixListener::from_std(l) {
                Ok(l) => Box::pin(router.serve_with_incoming_shutdown(
                    tokio_stream::wrappers::UnixListenerStream::new(l),
                    signal,
                )),
                Err(e) => {
                    tracing::error!("gRPC API: cannot use the Unix socket: {e}");
                    return;
                }
            },
            Listener::Tcp(l) => match tokio::net::TcpListener::from_std(l) {
                Ok(l) => Box::pin(router.serve_with_incoming_shutdown(
                    tokio_stream::wrappers::TcpListenerStream::new(l),
                    signal,
                )),
                Err(e) => {
                    tracing::error!("gRPC API: cannot use the TCP listener: {e}");
                    return;
                }
            },
        };
        let deadline = async {
            stopped(shutdown.clone()).await;
            tokio::time::sleep(grace).await;
        };
        tokio::select! {
            r = serving => {
                if let Err(e) = r {
                    tracing::error!("gRPC API stopped with an error: {e}");
                }
            }
            () = deadline => {
                tracing::warn!(
                    "gRPC API: connections still open {} ms after shutdown; closing them",
                    grace.as_millis()
                );
            }
        }
    });
    runtime.shutdown_timeout(Duration::from_millis(500));
}

/// What the API remembers of the policies it loaded (the agent itself knows names only).
#[derive(Debug, Clone, Default)]
struct PolicyMeta {
    namespace: String,
    sensors: Vec<String>,
}

#[derive(Clone)]
struct Api {
    control: AgentControl,
    info: Arc<ServerInfo>,
    events: broadcast::Sender<Arc<GetEventsResponse>>,
    shutdown: watch::Receiver<bool>,
    stats: Arc<ServerStats>,
    limits: GrpcLimits,
    policies: Arc<Mutex<HashMap<String, PolicyMeta>>>,
    next_client: Arc<AtomicU64>,
    probes: Arc<OnceLock<Vec<tetragon::get_info_response::Probe>>>,
}

/// The response stream of one GetEvents client. Ends with the reason when the server dropped
/// the client or shuts down.
pub struct ClientStream {
    rx: mpsc::Receiver<Result<GetEventsResponse, Status>>,
    verdict: Arc<OnceLock<Status>>,
    done: bool,
}

impl Stream for ClientStream {
    type Item = Result<GetEventsResponse, Status>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match self.rx.poll_recv(cx) {
            Poll::Ready(None) => {
                self.done = true;
                Poll::Ready(self.verdict.get().cloned().map(Err))
            }
            other => other,
        }
    }
}

/// Converts one protobuf `Filter` with the JSON filter semantics of `auspex_events`.
fn event_filter(f: &Filter, list: &str, index: usize) -> Result<EventFilter, Status> {
    let value =
        serde_json::to_value(f).map_err(|e| Status::internal(format!("{list}[{index}]: {e}")))?;
    let serde_json::Value::Object(map) = value else {
        return Err(Status::internal(format!("{list}[{index}]: not an object")));
    };
    EventFilter::from_json_object(&map)
        .map_err(|e| Status::invalid_argument(format!("{list}[{index}]: {e}")))
}

/// The allow/deny lists of a GetEvents request.
pub fn request_filter(req: &GetEventsRequest) -> Result<ExportFilter, Status> {
    let convert = |list: &[Filter], name: &str| -> Result<Vec<EventFilter>, Status> {
        list.iter()
            .enumerate()
            .map(|(i, f)| event_filter(f, name, i))
            .collect()
    };
    Ok(ExportFilter {
        allow: convert(&req.allow_list, "allow_list")?,
        deny: convert(&req.deny_list, "deny_list")?,
    })
}

/// The field filters of a GetEvents request.
pub fn request_field_filters(req: &GetEventsRequest) -> Result<FieldFilters, Status> {
    let filters = req
        .field_filters
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let value = serde_json::to_value(f)
                .map_err(|e| Status::internal(format!("field_filters[{i}]: {e}")))?;
            let serde_json::Value::Object(map) = value else {
                return Err(Status::internal(format!(
                    "field_filters[{i}]: not an object"
                )));
            };
            FieldFilter::from_json_object(&map)
                .map_err(|e| Status::invalid_argument(format!("field_filters[{i}]: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(FieldFilters::new(filters))
}

/// gRPC status for an error of [`AgentControl`].
fn control_error(message: String) -> Status {
    if message.contains("is already loaded") {
        Status::already_exists(message)
    } else if message.contains("no policy named") {
        Status::not_found(message)
    } else if message == "agent is not running" {
        Status::unavailable(
            "the agent is not processing requests (starting or stopping); try again",
        )
    } else {
        Status::failed_precondition(message)
    }
}

fn sensors_of(policy: &auspex_policy::model::TracingPolicy) -> Vec<String> {
    let spec = &policy.spec;
    let mut out = Vec::new();
    for (present, name) in [
        (!spec.kprobes.is_empty(), "generic_kprobe"),
        (!spec.fentries.is_empty(), "generic_fentry"),
        (!spec.tracepoints.is_empty(), "generic_tracepoint"),
        (!spec.uprobes.is_empty(), "generic_uprobe"),
        (!spec.lsm_hooks.is_empty(), "generic_lsm"),
        (!spec.usdts.is_empty(), "generic_usdt"),
        (spec.loader, "loader"),
    ] {
        if present {
            out.push(name.to_string());
        }
    }
    out
}

fn peer_of<T>(request: &Request<T>) -> String {
    if let Some(addr) = request.remote_addr() {
        return addr.to_string();
    }
    match request
        .extensions()
        .get::<tonic::transport::server::UdsConnectInfo>()
        .and_then(|i| i.peer_cred)
    {
        Some(cred) => match cred.pid() {
            Some(pid) => format!("unix socket, pid {pid} uid {}", cred.uid()),
            None => format!("unix socket, uid {}", cred.uid()),
        },
        None => "unix socket".into(),
    }
}

fn deprecated(rpc: &str, instead: &str) -> Status {
    Status::unimplemented(format!(
        "{rpc} is deprecated and not served by auspex: use {instead}"
    ))
}

impl Api {
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(AgentControl) -> T + Send + 'static,
    ) -> Result<T, Status> {
        let control = self.control.clone();
        tokio::task::spawn_blocking(move || f(control))
            .await
            .map_err(|e| Status::internal(format!("agent request failed: {e}")))
    }

    /// The named policy's status, `NOT_FOUND` when not loaded (or in another namespace).
    async fn find_policy(
        &self,
        name: &str,
        namespace: &str,
    ) -> Result<crate::policy_manager::PolicyStatus, Status> {
        let name_owned = name.to_string();
        let found = self
            .blocking(move |c| c.list_policies().into_iter().find(|p| p.name == name_owned))
            .await?;
        let Some(status) = found else {
            return Err(Status::not_found(format!(
                "no policy named {name:?} is loaded"
            )));
        };
        let loaded_ns = self
            .policies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .map(|m| m.namespace.clone())
            .unwrap_or_default();
        if !namespace.is_empty() && namespace != loaded_ns {
            return Err(Status::not_found(format!(
                "no policy named {name:?} is loaded in namespace {namespace:?}"
            )));
        }
        Ok(status)
    }
}

struct ClientTask {
    id: u64,
    peer: String,
    filter: ExportFilter,
    fields: FieldFilters,
    rx: broadcast::Receiver<Arc<GetEventsResponse>>,
    tx: mpsc::Sender<Result<GetEventsResponse, Status>>,
    verdict: Arc<OnceLock<Status>>,
    shutdown: watch::Receiver<bool>,
    stats: Arc<ServerStats>,
    queue: usize,
}

enum Outcome {
    /// Fell behind: dropped with this reason.
    Dropped(String),
    /// The agent shuts down.
    Shutdown,
    /// The client went away.
    Gone,
}

async fn forward(task: ClientTask) {
    let ClientTask {
        id,
        peer,
        filter,
        fields,
        mut rx,
        tx,
        verdict,
        shutdown,
        stats,
        queue,
    } = task;
    let mut sent: u64 = 0;
    let stop = stopped(shutdown);
    tokio::pin!(stop);
    let outcome = loop {
        tokio::select! {
            biased;
            () = &mut stop => break Outcome::Shutdown,
            () = tx.closed() => break Outcome::Gone,
            r = rx.recv() => match r {
                Ok(ev) => {
                    if !filter.is_empty() && !filter.admits(&ev) {
                        continue;
                    }
                    let out = if fields.is_empty() {
                        GetEventsResponse::clone(&ev)
                    } else {
                        fields.apply_event(&ev)
                    };
                    match tx.try_send(Ok(out)) {
                        Ok(()) => sent += 1,
                        Err(mpsc::error::TrySendError::Full(_)) => {
                            break Outcome::Dropped(format!(
                                "it does not keep up reading its stream (its queue of {queue} events is full)"
                            ));
                        }
                        Err(mpsc::error::TrySendError::Closed(_)) => break Outcome::Gone,
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    break Outcome::Dropped(format!("it fell {n} events behind the agent"));
                }
                Err(broadcast::error::RecvError::Closed) => break Outcome::Shutdown,
            },
        }
    };
    match outcome {
        Outcome::Dropped(reason) => {
            let dropped = stats.dropped_clients.fetch_add(1, Ordering::Relaxed) + 1;
            tracing::warn!(
                client = id,
                peer = %peer,
                events_sent = sent,
                dropped_clients = dropped,
                "gRPC: dropped GetEvents client: {reason}"
            );
            let _ = verdict.set(Status::resource_exhausted(format!(
                "auspex dropped this GetEvents stream: {reason}; read events faster or narrow the \
                 request's filters"
            )));
        }
        Outcome::Shutdown => {
            let _ = verdict.set(Status::unavailable("the Auspex agent is shutting down"));
        }
        Outcome::Gone => {
            tracing::info!(client = id, peer = %peer, events_sent = sent, "gRPC: GetEvents client disconnected");
        }
    }
    stats.active_clients.fetch_sub(1, Ordering::Relaxed);
    // Dropping `tx` ends the client's stream (with `verdict`, if any).
}

#[tonic::async_trait]
impl FineGuidanceSensors for Api {
    type GetEventsStream = ClientStream;

    async fn get_events(
        &self,
        request: Request<GetEventsRequest>,
    ) -> Result<Response<ClientStream>, Status> {
        if *self.shutdown.borrow() {
            return Err(Status::unavailable("the Auspex agent is shutting down"));
        }
        let peer = peer_of(&request);
        let req = request.into_inner();
        let filter = request_filter(&req)?;
        let fields = request_field_filters(&req)?;
        if req.aggregation_options.is_some() {
            // Tetragon aggregates only network accept/connect events, which Auspex does not
            // emit: every event is streamed as is.
            tracing::debug!("GetEvents: aggregation_options ignored (no aggregated event kinds)");
        }
        let queue = self.limits.client_queue.max(1);
        let (tx, rx) = mpsc::channel(queue);
        let verdict = Arc::new(OnceLock::new());
        let id = self.next_client.fetch_add(1, Ordering::Relaxed);
        self.stats.active_clients.fetch_add(1, Ordering::Relaxed);
        self.stats.clients_total.fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            client = id,
            peer = %peer,
            allow = req.allow_list.len(),
            deny = req.deny_list.len(),
            field_filters = req.field_filters.len(),
            "gRPC: GetEvents client connected"
        );
        tokio::spawn(forward(ClientTask {
            id,
            peer,
            filter,
            fields,
            rx: self.events.subscribe(),
            tx,
            verdict: verdict.clone(),
            shutdown: self.shutdown.clone(),
            stats: self.stats.clone(),
            queue,
        }));
        Ok(Response::new(ClientStream {
            rx,
            verdict,
            done: false,
        }))
    }

    async fn get_health(
        &self,
        request: Request<GetHealthStatusRequest>,
    ) -> Result<Response<GetHealthStatusResponse>, Status> {
        let wanted = request.into_inner().event_set;
        let mut health_status = Vec::new();
        if wanted.is_empty() || wanted.contains(&(HealthStatusType::Status as i32)) {
            health_status.push(HealthStatus {
                event: HealthStatusType::Status as i32,
                status: HealthStatusResult::HealthStatusRunning as i32,
                details: "running".into(),
            });
        }
        Ok(Response::new(GetHealthStatusResponse { health_status }))
    }

    async fn add_tracing_policy(
        &self,
        request: Request<AddTracingPolicyRequest>,
    ) -> Result<Response<AddTracingPolicyResponse>, Status> {
        let yaml = request.into_inner().yaml;
        let mut policies = auspex_policy::parse_str(&yaml, "AddTracingPolicy")
            .map_err(|e| Status::invalid_argument(e.to_string()))?;
        if policies.len() != 1 {
            return Err(Status::invalid_argument(format!(
                "the YAML holds {} policies: AddTracingPolicy takes exactly one TracingPolicy or \
                 TracingPolicyNamespaced document",
                policies.len()
            )));
        }
        let policy = policies.remove(0);
        let name = policy.name().to_string();
        let meta = PolicyMeta {
            namespace: policy.namespace().unwrap_or_default().to_string(),
            sensors: sensors_of(&policy),
        };
        let status = self
            .blocking(move |c| c.add_policy(policy))
            .await?
            .map_err(control_error)?;
        tracing::info!(
            policy = %name,
            id = status.id,
            hooks = status.hooks,
            "gRPC: tracing policy added"
        );
        self.policies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name, meta);
        Ok(Response::new(AddTracingPolicyResponse {}))
    }

    async fn delete_tracing_policy(
        &self,
        request: Request<DeleteTracingPolicyRequest>,
    ) -> Result<Response<DeleteTracingPolicyResponse>, Status> {
        let req = request.into_inner();
        self.find_policy(&req.name, &req.namespace).await?;
        let name = req.name.clone();
        self.blocking(move |c| c.delete_policy(&name))
            .await?
            .map_err(control_error)?;
        self.policies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&req.name);
        tracing::info!(policy = %req.name, "gRPC: tracing policy deleted");
        Ok(Response::new(DeleteTracingPolicyResponse {}))
    }

    async fn list_tracing_policies(
        &self,
        _request: Request<ListTracingPoliciesRequest>,
    ) -> Result<Response<ListTracingPoliciesResponse>, Status> {
        let loaded = self.blocking(|c| c.list_policies()).await?;
        let metas = self
            .policies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let policies = loaded
            .into_iter()
            .map(|p| {
                let meta = metas.get(&p.name).cloned().unwrap_or_default();
                let state = if p.enabled {
                    TracingPolicyState::TpStateEnabled
                } else {
                    TracingPolicyState::TpStateDisabled
                };
                #[allow(deprecated)]
                TracingPolicyStatus {
                    id: u64::from(p.id),
                    name: p.name,
                    namespace: meta.namespace,
                    info: String::new(),
                    sensors: meta.sensors,
                    enabled: p.enabled,
                    filter_id: 0,
                    error: String::new(),
                    state: state as i32,
                    kernel_memory_bytes: p.kernel_memory_bytes,
                    mode: if p.monitor {
                        TracingPolicyMode::TpModeMonitor as i32
                    } else {
                        TracingPolicyMode::TpModeEnforce as i32
                    },
                    stats: Some(policy_stats(&p.counters)),
                }
            })
            .collect();
        Ok(Response::new(ListTracingPoliciesResponse { policies }))
    }

    async fn configure_tracing_policy(
        &self,
        request: Request<ConfigureTracingPolicyRequest>,
    ) -> Result<Response<ConfigureTracingPolicyResponse>, Status> {
        let req = request.into_inner();
        self.find_policy(&req.name, &req.namespace).await?;
        if let Some(mode) = req.mode {
            let monitor = match TracingPolicyMode::try_from(mode) {
                Ok(TracingPolicyMode::TpModeEnforce) => false,
                Ok(TracingPolicyMode::TpModeMonitor | TracingPolicyMode::TpModeMonitorOnly) => true,
                _ => {
                    return Err(Status::invalid_argument(format!(
                        "mode {mode}: expected TP_MODE_ENFORCE or TP_MODE_MONITOR"
                    )));
                }
            };
            let name = req.name.clone();
            self.blocking(move |c| c.set_policy_mode(&name, monitor))
                .await?
                .map_err(control_error)?;
            tracing::info!(policy = %req.name, monitor, "gRPC: tracing policy mode set");
        }
        if let Some(enable) = req.enable {
            let name = req.name.clone();
            self.blocking(move |c| c.set_policy_enabled(&name, enable))
                .await?
                .map_err(control_error)?;
            tracing::info!(
                policy = %req.name,
                enabled = enable,
                "gRPC: tracing policy configured"
            );
        }
        Ok(Response::new(ConfigureTracingPolicyResponse {}))
    }

    async fn enable_tracing_policy(
        &self,
        _request: Request<EnableTracingPolicyRequest>,
    ) -> Result<Response<EnableTracingPolicyResponse>, Status> {
        Err(deprecated(
            "EnableTracingPolicy",
            "ConfigureTracingPolicy with enable=true (auspex policy enable NAME)",
        ))
    }

    async fn disable_tracing_policy(
        &self,
        _request: Request<DisableTracingPolicyRequest>,
    ) -> Result<Response<DisableTracingPolicyResponse>, Status> {
        Err(deprecated(
            "DisableTracingPolicy",
            "ConfigureTracingPolicy with enable=false (auspex policy disable NAME)",
        ))
    }

    async fn list_sensors(
        &self,
        _request: Request<ListSensorsRequest>,
    ) -> Result<Response<ListSensorsResponse>, Status> {
        Err(deprecated("ListSensors", "ListTracingPolicies"))
    }

    async fn enable_sensor(
        &self,
        _request: Request<EnableSensorRequest>,
    ) -> Result<Response<EnableSensorResponse>, Status> {
        Err(deprecated("EnableSensor", "ConfigureTracingPolicy"))
    }

    async fn disable_sensor(
        &self,
        _request: Request<DisableSensorRequest>,
    ) -> Result<Response<DisableSensorResponse>, Status> {
        Err(deprecated("DisableSensor", "ConfigureTracingPolicy"))
    }

    async fn remove_sensor(
        &self,
        _request: Request<RemoveSensorRequest>,
    ) -> Result<Response<RemoveSensorResponse>, Status> {
        Err(deprecated("RemoveSensor", "DeleteTracingPolicy"))
    }

    async fn get_version(
        &self,
        _request: Request<GetVersionRequest>,
    ) -> Result<Response<GetVersionResponse>, Status> {
        Ok(Response::new(GetVersionResponse {
            version: self.info.version.clone(),
        }))
    }

    async fn get_info(
        &self,
        _request: Request<GetInfoRequest>,
    ) -> Result<Response<GetInfoResponse>, Status> {
        use tetragon::get_info_response::{BuildInfo, ConfVal, Probe};
        let probes = match self.probes.get() {
            Some(p) => p.clone(),
            None => {
                let probed = tokio::task::spawn_blocking(|| {
                    let f = crate::features::KernelFeatures::probe();
                    f.probes()
                        .into_iter()
                        .map(|(_, name, p)| Probe {
                            name: name.to_string(),
                            enabled: Some(*p == crate::features::Probe::Supported),
                        })
                        .collect::<Vec<_>>()
                })
                .await
                .map_err(|e| Status::internal(format!("kernel probes failed: {e}")))?;
                self.probes.get_or_init(|| probed).clone()
            }
        };
        let conf = self
            .info
            .conf
            .iter()
            .map(|(key, value)| ConfVal {
                key: key.clone(),
                value: Some(prost_types::Any {
                    type_url: "type.googleapis.com/google.protobuf.StringValue".into(),
                    value: prost::Message::encode_to_vec(value),
                }),
            })
            .collect();
        Ok(Response::new(GetInfoResponse {
            version: self.info.version.clone(),
            name: self.info.name.clone(),
            probes,
            conf,
            build: Some(BuildInfo {
                go_version: String::new(),
                commit: option_env!("AUSPEX_GIT_COMMIT").unwrap_or_default().into(),
                time: String::new(),
                modified: String::new(),
            }),
        }))
    }

    async fn runtime_hook(
        &self,
        _request: Request<RuntimeHookRequest>,
    ) -> Result<Response<RuntimeHookResponse>, Status> {
        Err(Status::unimplemented(
            "RuntimeHook: container runtime hooks are not supported by auspex",
        ))
    }

    async fn get_debug(
        &self,
        _request: Request<GetDebugRequest>,
    ) -> Result<Response<GetDebugResponse>, Status> {
        Err(Status::unimplemented(
            "GetDebug is not supported by auspex (no log-level query or process-cache dump over the API)",
        ))
    }

    async fn set_debug(
        &self,
        _request: Request<SetDebugRequest>,
    ) -> Result<Response<SetDebugResponse>, Status> {
        Err(Status::unimplemented(
            "SetDebug is not supported by auspex (restart the agent with --log-level to change it)",
        ))
    }
}

/// Tetragon's per-policy stats from the kernel counters (`abi::policy_stat` order).
fn policy_stats(c: &[u64; auspex_bpf::abi::policy_stat::MAX]) -> tetragon::TracingPolicyStats {
    use auspex_bpf::abi::policy_stat as k;
    tetragon::TracingPolicyStats {
        action_counters: Some(tetragon::TracingPolicyActionCounters {
            post: c[k::POST as usize],
            signal: c[k::SIGNAL as usize],
            monitor_signal: c[k::MONITOR_SIGNAL as usize],
            r#override: c[k::OVERRIDE as usize],
            monitor_override: c[k::MONITOR_OVERRIDE as usize],
            notify_enforcer: c[k::NOTIFY_ENFORCER as usize],
            monitor_notify_enforcer: c[k::MONITOR_NOTIFY_ENFORCER as usize],
            set: c[k::SET as usize],
            monitor_set: c[k::MONITOR_SET as usize],
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use auspex_api::tetragon::{EventType, FieldFilterAction, Process, ProcessExec};

    fn exec(binary: &str, pid: u32) -> GetEventsResponse {
        GetEventsResponse {
            event: Some(tetragon::get_events_response::Event::ProcessExec(
                ProcessExec {
                    process: Some(Process {
                        binary: binary.into(),
                        pid: Some(pid),
                        exec_id: "id".into(),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            )),
            node_name: "n".into(),
            ..Default::default()
        }
    }

    #[test]
    fn protobuf_filters_keep_tetragon_semantics() {
        let req = GetEventsRequest {
            allow_list: vec![Filter {
                binary_regex: vec!["^/usr/bin/".into()],
                event_set: vec![EventType::ProcessExec as i32],
                ..Default::default()
            }],
            deny_list: vec![Filter {
                pid: vec![7],
                ..Default::default()
            }],
            ..Default::default()
        };
        let f = request_filter(&req).expect("converts");
        assert!(f.admits(&exec("/usr/bin/ls", 1)));
        assert!(!f.admits(&exec("/bin/ls", 1)));
        assert!(!f.admits(&exec("/usr/bin/ls", 7)));
    }

    #[test]
    fn bad_filters_are_invalid_arguments() {
        let req = GetEventsRequest {
            allow_list: vec![Filter {
                binary_regex: vec!["(".into()],
                ..Default::default()
            }],
            ..Default::default()
        };
        let e = request_filter(&req).expect_err("bad regex");
        assert_eq!(e.code(), tonic::Code::InvalidArgument);
        assert!(e.message().contains("allow_list[0]"), "{}", e.message());
        let req = GetEventsRequest {
            field_filters: vec![tetragon::FieldFilter::default()],
            ..Default::default()
        };
        let e = request_field_filters(&req).expect_err("no fields");
        assert_eq!(e.code(), tonic::Code::InvalidArgument);
    }

    /// A client task over a ring of `ring` events and a queue of `queue`, its stream, the
    /// broadcast sender, the shutdown sender and the stats.
    fn client(
        ring: usize,
        queue: usize,
    ) -> (
        ClientTask,
        ClientStream,
        broadcast::Sender<Arc<GetEventsResponse>>,
        watch::Sender<bool>,
        Arc<ServerStats>,
    ) {
        let (events, rx) = broadcast::channel(ring);
        let (shutdown, shutdown_rx) = watch::channel(false);
        let (tx, out) = mpsc::channel(queue);
        let verdict = Arc::new(OnceLock::new());
        let stats = Arc::new(ServerStats::default());
        stats.active_clients.fetch_add(1, Ordering::Relaxed);
        let task = ClientTask {
            id: 1,
            peer: "test".into(),
            filter: ExportFilter::default(),
            fields: FieldFilters::default(),
            rx,
            tx,
            verdict: verdict.clone(),
            shutdown: shutdown_rx,
            stats: stats.clone(),
            queue,
        };
        let stream = ClientStream {
            rx: out,
            verdict,
            done: false,
        };
        (task, stream, events, shutdown, stats)
    }

    async fn collect(mut stream: ClientStream) -> (usize, Option<Status>) {
        use tokio_stream::StreamExt as _;
        let mut n = 0;
        while let Some(item) = stream.next().await {
            match item {
                Ok(_) => n += 1,
                Err(status) => return (n, Some(status)),
            }
        }
        (n, None)
    }

    #[tokio::test]
    async fn a_client_that_does_not_read_is_dropped() {
        let (task, stream, events, _shutdown, stats) = client(64, 4);
        for i in 0..10 {
            events.send(Arc::new(exec("/bin/x", i))).expect("send");
        }
        forward(task).await;
        assert_eq!(stats.dropped_clients.load(Ordering::Relaxed), 1);
        assert_eq!(stats.active_clients.load(Ordering::Relaxed), 0);
        let (n, status) = collect(stream).await;
        assert_eq!(n, 4, "the queued events are still delivered");
        let status = status.expect("ends with the reason");
        assert_eq!(status.code(), tonic::Code::ResourceExhausted);
        assert!(
            status.message().contains("queue of 4 events is full"),
            "{}",
            status.message()
        );
    }

    #[tokio::test]
    async fn a_client_behind_the_ring_is_dropped() {
        let (task, stream, events, _shutdown, stats) = client(4, 64);
        for i in 0..10 {
            events.send(Arc::new(exec("/bin/x", i))).expect("send");
        }
        forward(task).await;
        assert_eq!(stats.dropped_clients.load(Ordering::Relaxed), 1);
        let (n, status) = collect(stream).await;
        assert_eq!(n, 0);
        let status = status.expect("ends with the reason");
        assert!(
            status.message().contains("fell 6 events behind"),
            "{}",
            status.message()
        );
    }

    #[tokio::test]
    async fn shutdown_ends_streams_with_unavailable() {
        let (task, stream, events, shutdown, stats) = client(64, 64);
        events.send(Arc::new(exec("/bin/x", 1))).expect("send");
        let handle = tokio::spawn(forward(task));
        let reader = tokio::spawn(collect(stream));
        tokio::time::sleep(Duration::from_millis(50)).await;
        shutdown.send_replace(true);
        handle.await.expect("task ends");
        let (n, status) = reader.await.expect("reader");
        assert_eq!(n, 1);
        assert_eq!(status.expect("status").code(), tonic::Code::Unavailable);
        assert_eq!(stats.dropped_clients.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn the_sink_never_blocks() {
        let (tx, mut rx) = broadcast::channel(2);
        let mut sink = GrpcEventSink { tx };
        for i in 0..100 {
            sink.emit(&exec("/bin/x", i)).expect("emit");
        }
        assert!(matches!(
            rx.try_recv(),
            Err(broadcast::error::TryRecvError::Lagged(98))
        ));
    }

    #[test]
    fn unix_sockets_are_private_and_stale_ones_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a/b/s.sock");
        let (l, owned) = bind_unix(&path).expect("bind");
        let mode = fs::metadata(&path).expect("exists").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let e = bind_unix(&path).expect_err("in use");
        assert_eq!(e.kind(), io::ErrorKind::AddrInUse);
        // A crashed agent: listener gone, file left behind. The next bind replaces it.
        drop(l);
        std::mem::forget(owned);
        let (_l2, owned2) = bind_unix(&path).expect("stale socket replaced");
        assert!(path.exists());
        drop(owned2);
        assert!(!path.exists());
        fs::write(&path, "x").expect("file");
        let e = bind_unix(&path).expect_err("not a socket");
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
    }

    #[test]
    fn field_masks_select_fields() {
        let req = GetEventsRequest {
            field_filters: vec![tetragon::FieldFilter {
                fields: Some(prost_types::FieldMask {
                    paths: vec!["process.exec_id".into()],
                }),
                action: FieldFilterAction::Exclude as i32,
                ..Default::default()
            }],
            ..Default::default()
        };
        let ff = request_field_filters(&req).expect("converts");
        let out = ff.apply_event(&exec("/bin/x", 3));
        let Some(tetragon::get_events_response::Event::ProcessExec(e)) = out.event else {
            panic!("exec expected");
        };
        let p = e.process.expect("process");
        assert!(p.exec_id.is_empty());
        assert_eq!(p.binary, "/bin/x");
    }
}

/// The standard `grpc.health.v1.Health` service on its own TCP address (Tetragon's
/// `--health-server-address`), reporting `liveness` (and the empty service) as serving while the
/// agent runs. Stops when dropped.
pub struct HealthServer {
    shutdown: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
    local: std::net::SocketAddr,
}

impl HealthServer {
    /// Binds `addr` (`:6789`, `127.0.0.1:6789`, `[::1]:6789`) and serves in its own thread.
    pub fn start(addr: &str) -> io::Result<Self> {
        let addr = if addr.starts_with(':') {
            format!("0.0.0.0{addr}")
        } else {
            addr.to_string()
        };
        let listener = std::net::TcpListener::bind(&addr)?;
        listener.set_nonblocking(true)?;
        let local = listener.local_addr()?;
        let (tx, rx) = watch::channel(false);
        let thread = std::thread::Builder::new()
            .name("auspex-health".into())
            .spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async move {
                    let (reporter, health) = tonic_health::server::health_reporter();
                    reporter
                        .set_service_status("liveness", tonic_health::ServingStatus::Serving)
                        .await;
                    reporter
                        .set_service_status("", tonic_health::ServingStatus::Serving)
                        .await;
                    let Ok(l) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    let serving = tonic::transport::Server::builder()
                        .add_service(health)
                        .serve_with_incoming_shutdown(
                            tokio_stream::wrappers::TcpListenerStream::new(l),
                            stopped(rx.clone()),
                        );
                    // Open client connections (probes keep them) must not hold the agent's exit.
                    let deadline = async {
                        stopped(rx).await;
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    };
                    tokio::select! {
                        _ = serving => {}
                        () = deadline => {}
                    }
                });
            })?;
        Ok(Self {
            shutdown: tx,
            thread: Some(thread),
            local,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.local
    }
}

impl Drop for HealthServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod health_tests {
    use super::HealthServer;

    #[test]
    fn health_server_answers_serving_for_liveness() {
        let server = HealthServer::start("127.0.0.1:0").expect("start");
        let addr = format!("http://{}", server.local_addr());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let status = rt.block_on(async {
            let channel = tonic::transport::Channel::from_shared(addr)
                .expect("uri")
                .connect()
                .await
                .expect("connect");
            let mut client = tonic_health::pb::health_client::HealthClient::new(channel);
            client
                .check(tonic_health::pb::HealthCheckRequest {
                    service: "liveness".into(),
                })
                .await
                .expect("check")
                .into_inner()
                .status
        });
        assert_eq!(
            status,
            tonic_health::pb::health_check_response::ServingStatus::Serving as i32
        );
        drop(server);
    }
}
