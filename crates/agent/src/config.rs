//! Agent settings, independent of how they were given (flags today, config files later).
use std::path::PathBuf;
use std::time::Duration;

/// How `process.user.name` is filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UsernameMetadata {
    /// Never resolve user names.
    #[default]
    Disabled,
    /// Resolve the uid through the host's user database (host-mount-namespace processes only).
    Unix,
}

/// Everything the agent needs to run.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// JSON export file; `None` prints events to stdout.
    pub export_filename: Option<PathBuf>,
    /// Upper bound of process-cache entries.
    pub process_cache_size: usize,
    /// Add `ancestors` to process events.
    pub enable_ancestors: bool,
    /// Add `process_credentials` and `cap`.
    pub enable_process_cred: bool,
    /// Add `ns`.
    pub enable_process_ns: bool,
    /// Report raw instruction addresses in stack traces (`--expose-stack-addresses`).
    pub expose_stack_addresses: bool,
    /// User-name resolution.
    pub username_metadata: UsernameMetadata,
    /// procfs mount point.
    pub procfs: PathBuf,
    /// Kernel BTF file (`None`: /sys/kernel/btf/vmlinux).
    pub btf: Option<PathBuf>,
    /// `node_name` of events and first part of exec ids.
    pub node_name: String,
    /// User-space queue between the ring-buffer reader and the pipeline (records).
    pub rb_queue_size: usize,
    /// Ring-buffer size in bytes (power of two, multiple of the page size).
    pub rb_size_bytes: u32,
    /// Capacity of the kernel's live-process map.
    pub process_map_entries: u32,
    /// How often lost-event counters are checked and logged when non-zero.
    pub stats_interval: Duration,
    /// How often the process cache is checked for processes whose exit was lost.
    pub process_cache_gc_interval: Duration,
    /// TracingPolicy files loaded at start.
    pub tracing_policies: Vec<PathBuf>,
    /// Directory whose `*.yaml`/`*.yml` policies are loaded at start.
    pub tracing_policy_dir: Option<PathBuf>,
    /// `--redaction-filters`: applied to process arguments when events are built (all outputs).
    pub redactor: auspex_events::Redactor,
    /// Prometheus metrics to keep up to date (served by the caller's `MetricsServer`).
    pub metrics: Option<crate::metrics::Metrics>,
}

impl Default for AgentConfig {
    fn default() -> Self {
        Self {
            export_filename: None,
            process_cache_size: 65536,
            enable_ancestors: false,
            enable_process_cred: false,
            enable_process_ns: false,
            expose_stack_addresses: false,
            username_metadata: UsernameMetadata::Disabled,
            procfs: PathBuf::from("/proc"),
            btf: None,
            node_name: default_node_name(),
            rb_queue_size: 65535,
            rb_size_bytes: 8 * 1024 * 1024,
            process_map_entries: 32768,
            stats_interval: Duration::from_secs(10),
            process_cache_gc_interval: Duration::from_secs(30),
            tracing_policies: Vec::new(),
            tracing_policy_dir: None,
            redactor: auspex_events::Redactor::default(),
            metrics: None,
        }
    }
}

/// Node name like Tetragon's: `HUBBLE_NODE_NAME`, else `NODE_NAME`, else the host name.
pub fn default_node_name() -> String {
    for var in ["HUBBLE_NODE_NAME", "NODE_NAME"] {
        if let Ok(v) = std::env::var(var)
            && !v.is_empty()
        {
            return v;
        }
    }
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "localhost".to_string())
}
