//! Command-line interface. Agent flag names follow Tetragon's (`tetragon --help`) so that its
//! users find the same switches; each flag documents its default.
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use auspex_agent::config::{AgentConfig, UsernameMetadata};
use auspex_agent::export::{EventSink, ExportOptions, FileRotation, JsonExporter};
use auspex_agent::grpc::{GrpcServer, ServerInfo};
use auspex_agent::{Agent, config::default_node_name};
use auspex_api::client::{Client, connect};
use auspex_api::tetragon::{
    self, AddTracingPolicyRequest, ConfigureTracingPolicyRequest, DeleteTracingPolicyRequest,
    EventType, FieldFilterAction, GetEventsRequest, GetVersionRequest, ListTracingPoliciesRequest,
    TracingPolicyMode, TracingPolicyState,
};
use auspex_api::{DEFAULT_SERVER_ADDRESS, ServerAddress};
use clap::{ArgAction, Parser, Subcommand, ValueEnum};

/// eBPF security observability and runtime enforcement for Linux.
#[derive(Debug, Parser)]
#[command(name = "auspex", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the agent (as root): trace process execs and exits, print them as JSON lines and serve
    /// the gRPC API (--server-address).
    Agent(Box<AgentArgs>),
    /// Stream events from the running agent (like `tetra getevents`), filtered by the agent.
    ///
    /// Example: auspex events -o compact --processes '^/usr/bin/curl$' --event-types PROCESS_EXEC
    Events(Box<EventsArgs>),
    /// Work with TracingPolicy files and with the policies loaded in the running agent.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Show what this kernel offers: BPF features, and per hook kind and action whether policies
    /// can use it (root needed for the program-type probes).
    Status,
    /// Print the version (and the running agent's, when it is reachable).
    Version {
        #[command(flatten)]
        server: ServerArg,
    },
}

/// Where the client subcommands find the agent.
#[derive(Debug, Clone, clap::Args)]
struct ServerArg {
    /// Address of the agent's API: unix:///PATH or HOST:PORT
    /// [default: unix:///var/run/auspex/auspex.sock].
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_SERVER_ADDRESS)]
    server_address: String,
}

/// Values of `auspex events -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EventsOutput {
    /// One protojson line per event (Tetragon's JSON export format).
    Json,
    /// One human-readable line per event (`tetra getevents -o compact`).
    Compact,
}

/// Values of `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorMode {
    Auto,
    Always,
    Never,
}

#[derive(Debug, clap::Args)]
struct EventsArgs {
    /// Output format [default: json].
    #[arg(short, long, value_name = "FORMAT", default_value = "json")]
    output: EventsOutput,

    /// Only these event types (PROCESS_EXEC, PROCESS_EXIT, PROCESS_KPROBE, PROCESS_TRACEPOINT,
    /// PROCESS_UPROBE, PROCESS_LSM, …; the PROCESS_ prefix and case are optional).
    #[arg(short = 'e', long, value_name = "TYPES", value_delimiter = ',', num_args = 1..)]
    event_types: Vec<String>,

    /// Only processes whose binary matches one of these regular expressions (RE2).
    #[arg(long, visible_alias = "process", value_name = "REGEX", num_args = 1..)]
    processes: Vec<String>,

    /// Only these process ids.
    #[arg(long, visible_alias = "pid", value_name = "PID", value_delimiter = ',', num_args = 1..)]
    pids: Vec<u32>,

    /// Only events of these tracing policies.
    #[arg(long, value_name = "NAME", value_delimiter = ',', num_args = 1..)]
    policy_names: Vec<String>,

    /// Only processes in these Kubernetes namespaces.
    #[arg(short = 'n', long, visible_alias = "namespace", value_name = "NS", num_args = 1..)]
    namespaces: Vec<String>,

    /// Only processes of pods whose name matches one of these regular expressions.
    #[arg(long, visible_alias = "pod", value_name = "REGEX", num_args = 1..)]
    pods: Vec<String>,

    /// Only events for which one of these CEL expressions is true (e.g.
    /// "process_exec.process.pid > 1000"; the event is bound to its type key).
    #[arg(long, value_name = "EXPR", num_args = 1..)]
    cel_expression: Vec<String>,

    /// Only these fields of each event (e.g. process.binary,parent.binary).
    #[arg(short = 'f', long, value_name = "FIELDS", value_delimiter = ',', num_args = 1..)]
    include_fields: Vec<String>,

    /// Leave out these fields of each event (e.g. parent,process.pod).
    #[arg(short = 'F', long, value_name = "FIELDS", value_delimiter = ',', num_args = 1..)]
    exclude_fields: Vec<String>,

    /// Colors in compact output [default: auto].
    #[arg(long, value_name = "WHEN", default_value = "auto")]
    color: ColorMode,

    /// Prefix compact lines with the event time.
    #[arg(long)]
    timestamps: bool,

    #[command(flatten)]
    server: ServerArg,
}

/// Values of `auspex policy list -o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ListOutput {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Check TracingPolicy files without loading them (no root or kernel needed).
    ///
    /// Prints every problem with its file, field path, bad value and what is allowed. Exits 0 only
    /// when every file is valid. Example: auspex policy validate policies/*.yaml
    Validate {
        /// Policy files (YAML; several documents per file allowed).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Load a policy file into the running agent (one TracingPolicy per file).
    Add {
        /// The policy file (YAML).
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        server: ServerArg,
    },
    /// Unload a policy from the running agent.
    Delete {
        /// Policy name (metadata.name).
        #[arg(value_name = "NAME")]
        name: String,
        /// Namespace of a TracingPolicyNamespaced.
        #[arg(short, long, value_name = "NS", default_value = "")]
        namespace: String,
        #[command(flatten)]
        server: ServerArg,
    },
    /// List the policies loaded in the running agent.
    List {
        /// Output format [default: text].
        #[arg(short, long, value_name = "FORMAT", default_value = "text")]
        output: ListOutput,
        #[command(flatten)]
        server: ServerArg,
    },
    /// Attach the hooks of a loaded policy again.
    Enable {
        /// Policy name.
        #[arg(value_name = "NAME")]
        name: String,
        /// Namespace of a TracingPolicyNamespaced.
        #[arg(short, long, value_name = "NS", default_value = "")]
        namespace: String,
        #[command(flatten)]
        server: ServerArg,
    },
    /// Detach the hooks of a loaded policy (it stays loaded).
    Disable {
        /// Policy name.
        #[arg(value_name = "NAME")]
        name: String,
        /// Namespace of a TracingPolicyNamespaced.
        #[arg(short, long, value_name = "NS", default_value = "")]
        namespace: String,
        #[command(flatten)]
        server: ServerArg,
    },
}

/// Values of --enable-ancestors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AncestorKind {
    Base,
    Kprobe,
    Tracepoint,
    Uprobe,
    Lsm,
    Usdt,
    Loader,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum UsernameArg {
    Disabled,
    Unix,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, clap::Args)]
// Settings from config files come first on the command line; a later flag overrides them.
#[command(args_override_self = true)]
struct AgentArgs {
    /// Write events as JSON lines to FILE instead of stdout.
    ///
    /// The file is created with mode 0600 (parent directories too) and appended to.
    /// Example: --export-filename /var/log/auspex/events.log
    #[arg(long, value_name = "FILE")]
    export_filename: Option<PathBuf>,

    /// Rotate the export file when it would exceed this size in MiB (0: never by size)
    /// [default: 10].
    #[arg(long, value_name = "MIB", default_value_t = 10)]
    export_file_max_size_mb: u64,

    /// Rotated export files to keep; older ones are deleted [default: 5].
    #[arg(long, value_name = "NUM", default_value_t = 5)]
    export_file_max_backups: usize,

    /// gzip rotated export files [default: false].
    #[arg(long, num_args = 0..=1, default_missing_value = "true", action = ArgAction::Set, default_value_t = false, value_name = "BOOL")]
    export_file_compress: bool,

    /// Also rotate the export file after this long, e.g. 30m, 1h, 24h (0: size only) [default: 0].
    #[arg(long, value_name = "DURATION", default_value = "0")]
    export_file_rotation_interval: String,

    /// Mode (octal) of the export file and its backups [default: 600].
    #[arg(long, value_name = "OCTAL", default_value = "600")]
    export_file_perm: String,

    /// Export only events matching one of these filters: JSON objects, one per line
    /// (keys: event_set, binary_regex, pid, namespace, pod_regex, labels, policy_names, …).
    /// Example: '{"event_set":["PROCESS_EXEC"],"binary_regex":["^/usr/bin/vim$"]}'
    #[arg(long, value_name = "FILTERS")]
    export_allowlist: Option<String>,

    /// Do not export events matching any of these filters (same syntax as --export-allowlist).
    #[arg(long, value_name = "FILTERS")]
    export_denylist: Option<String>,

    /// Keep or drop fields of exported events: JSON objects, one per line, e.g.
    /// '{"fields":"process.exec_id,process.parent_exec_id","action":"INCLUDE"}'.
    #[arg(long, value_name = "FILTERS")]
    field_filters: Option<String>,

    /// Replace capture groups in process arguments with *****: JSON objects, one per line, e.g.
    /// '{"binary_regex":["(?:^|/)foo$"],"redact":["-p(?:\\s+|=)(\\S*)"]}'.
    #[arg(long, value_name = "FILTERS")]
    redaction_filters: Option<String>,

    /// Export at most this many events per minute (-1: no limit, 0: export nothing); drops are
    /// reported by a rate_limit_info event every minute [default: -1].
    #[arg(long, value_name = "NUM", default_value_t = -1, allow_negative_numbers = true)]
    export_rate_limit: i64,

    /// Maximum number of process images kept in the process cache [default: 65536].
    ///
    /// Exited processes stay while their children refer to them; past this size the oldest
    /// exited ones are evicted.
    #[arg(long, value_name = "NUM", default_value_t = 65536)]
    process_cache_size: usize,

    /// Add the ancestor chain to events of these kinds (comma-separated; `base` is required).
    ///
    /// Values: base (process exec/exit), kprobe, tracepoint, uprobe, lsm, usdt, loader.
    /// Example: --enable-ancestors base
    #[arg(long, value_name = "KINDS", value_delimiter = ',')]
    enable_ancestors: Vec<AncestorKind>,

    /// Same as --enable-ancestors base.
    #[arg(long, num_args = 0..=1, default_missing_value = "true", action = ArgAction::Set, default_value_t = false, value_name = "BOOL")]
    enable_process_ancestors: bool,

    /// Add process_credentials and cap (capability sets) to processes [default: false].
    #[arg(long, num_args = 0..=1, default_missing_value = "true", action = ArgAction::Set, default_value_t = false, value_name = "BOOL")]
    enable_process_cred: bool,

    /// Add ns (namespace inodes, is_host) to processes [default: false].
    #[arg(long, num_args = 0..=1, default_missing_value = "true", action = ArgAction::Set, default_value_t = false, value_name = "BOOL")]
    enable_process_ns: bool,

    /// Report the raw instruction addresses of stack trace frames (kernel addresses reveal the
    /// KASLR offset) [default: false].
    #[arg(long, num_args = 0..=1, default_missing_value = "true", action = ArgAction::Set, default_value_t = false, value_name = "BOOL")]
    expose_stack_addresses: bool,

    /// Resolve user names: `unix` fills user.name from the host's user database (host mount
    /// namespace only) [default: disabled].
    #[arg(long, value_name = "MODE", default_value = "disabled")]
    username_metadata: UsernameArg,

    /// Location of procfs, scanned at start-up for running processes [default: /proc].
    #[arg(long, value_name = "DIR", default_value = "/proc")]
    procfs: PathBuf,

    /// Kernel BTF file for CO-RE relocation [default: /sys/kernel/btf/vmlinux].
    #[arg(long, value_name = "FILE")]
    btf: Option<PathBuf>,

    /// Log level of the agent's own messages on stderr [default: info].
    #[arg(long, value_name = "LEVEL", default_value = "info")]
    log_level: LogLevel,

    /// Log format on stderr [default: text].
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    log_format: LogFormat,

    /// Records queued between the ring-buffer reader and the pipeline; overflow is counted and
    /// logged [default: 65535].
    #[arg(long, value_name = "NUM", default_value_t = 65535)]
    rb_queue_size: usize,

    /// Total BPF ring-buffer size in MiB (power of two) [default: 8].
    #[arg(long, value_name = "MIB", default_value_t = 8)]
    rb_size_total_mb: u32,

    /// Load this TracingPolicy file at start (repeatable). The agent refuses to start when a policy
    /// is invalid or cannot be enforced on this kernel.
    #[arg(long, value_name = "FILE")]
    tracing_policy: Vec<PathBuf>,

    /// Load every *.yaml / *.yml policy of this directory at start (skipped when it does not
    /// exist) [default: /etc/auspex/tetragon.tp.d].
    #[arg(long, value_name = "DIR", default_value = "/etc/auspex/tetragon.tp.d")]
    tracing_policy_dir: PathBuf,

    /// Also read flags from this drop-in directory (one file per flag, file name = flag name),
    /// after /etc/auspex/auspex.yaml and /etc/auspex/auspex.conf.d/ and before AUSPEX_* variables
    /// and the command line.
    #[arg(long, value_name = "DIR")]
    config_dir: Option<PathBuf>,

    /// Entries of the kernel's live-process map [default: 32768].
    #[arg(long, value_name = "NUM", default_value_t = 32768)]
    execve_map_entries: u32,

    /// Serve the gRPC API (Tetragon's tetragon.FineGuidanceSensors, used by `auspex events`,
    /// `auspex policy add|delete|list|enable|disable` and Tetragon clients) on this address:
    /// unix:///PATH (socket created with mode 0600), HOST:PORT for plaintext TCP (e.g.
    /// localhost:54321), or "" to disable it [default: unix:///var/run/auspex/auspex.sock].
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_SERVER_ADDRESS)]
    server_address: String,

    /// Serve the standard grpc.health.v1 service (`liveness`) on this TCP address, e.g. :6789
    /// ("" = off) [default: :6789].
    #[arg(long, value_name = "ADDR", default_value = ":6789")]
    health_server_address: String,

    /// Serve Prometheus metrics at http://ADDR/metrics, e.g. :2112 or 127.0.0.1:2112 ("" = off)
    /// [default: off].
    #[arg(long, value_name = "ADDR", default_value = "")]
    metrics_server: String,

    /// Labels kept on per-event metrics, comma-separated among namespace,workload,pod,binary
    /// [default: namespace,workload,pod,binary].
    #[arg(
        long,
        value_name = "LABELS",
        default_value = "namespace,workload,pod,binary"
    )]
    metrics_label_filter: String,
}

/// Parses the command line (exits 2 with a message on a usage error).
pub fn parse() -> Cli {
    let mut argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // `auspex agent …`: settings from drop-in dirs, the YAML file and AUSPEX_* variables go in
    // front of the real flags, which therefore win.
    if argv.get(1).is_some_and(|a| a == "agent") {
        let known: Vec<String> = <Cli as clap::CommandFactory>::command()
            .find_subcommand("agent")
            .map(|c| {
                c.get_arguments()
                    .filter_map(|a| a.get_long().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let config_dir = argv
            .iter()
            .position(|a| a == "--config-dir")
            .and_then(|i| argv.get(i + 1))
            .map(std::path::PathBuf::from)
            .or_else(|| {
                argv.iter()
                    .filter_map(|a| a.to_str()?.strip_prefix("--config-dir="))
                    .map(std::path::PathBuf::from)
                    .next_back()
            });
        let sources = crate::config_sources::Sources {
            config_dir,
            ..Default::default()
        };
        match crate::config_sources::collect(&sources, std::env::vars(), &known) {
            Ok(extra) => {
                argv.splice(2..2, extra);
            }
            Err(e) => {
                eprintln!("auspex: error: configuration: {e}");
                std::process::exit(2);
            }
        }
    }
    Cli::parse_from(argv)
}

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Version { server } => {
            println!("auspex {}", env!("CARGO_PKG_VERSION"));
            server_version(&server);
            Ok(ExitCode::SUCCESS)
        }
        Command::Agent(args) => run_agent(*args),
        Command::Events(args) => run_events(*args),
        Command::Policy(PolicyCommand::Validate { files }) => Ok(validate_policies(&files)),
        Command::Policy(cmd) => run_policy(cmd),
        Command::Status => {
            let f = auspex_agent::features::KernelFeatures::probe();
            println!("kernel {}", f.release);
            for (name, _, p) in f.probes() {
                println!("  {name:<18} {p}");
            }
            println!("policy engine on this kernel:");
            for (hook, support) in f.policy_support() {
                println!("  {hook:<36} {support}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn set_enabled(
    name: &str,
    namespace: String,
    server: &ServerArg,
    enable: bool,
) -> anyhow::Result<ExitCode> {
    let address = parse_server(server)?;
    let mut client = connect_to(&address).await?;
    let verb = if enable { "enable" } else { "disable" };
    client
        .configure_tracing_policy(ConfigureTracingPolicyRequest {
            name: name.to_string(),
            namespace,
            enable: Some(enable),
            mode: None,
        })
        .await
        .map_err(|s| rpc_error(&format!("cannot {verb} policy {name:?}"), &address, &s))?;
    println!("tracing policy {name:?} {verb}d");
    Ok(ExitCode::SUCCESS)
}

/// `"name"` of the policy in `yaml` when it parses locally, else the file name.
fn policy_label(yaml: &str, file: &Path) -> String {
    match auspex_policy::parse_str(yaml, &file.display().to_string()) {
        Ok(p) if p.len() == 1 => format!("{:?}", p[0].name()),
        _ => format!("from {}", file.display()),
    }
}

/// The agent refused a policy: its message, prefixed with the file.
fn policy_rejected(file: &Path, address: &ServerAddress, status: &tonic::Status) -> anyhow::Error {
    match status.code() {
        tonic::Code::InvalidArgument
        | tonic::Code::FailedPrecondition
        | tonic::Code::AlreadyExists
        | tonic::Code::NotFound
        | tonic::Code::Unknown => anyhow::anyhow!(
            "the agent rejected {}: {}",
            file.display(),
            status.message()
        ),
        _ => rpc_error(&format!("cannot add {}", file.display()), address, status),
    }
}

fn state_name(state: i32) -> String {
    TracingPolicyState::try_from(state)
        .map(|s| {
            s.as_str_name()
                .trim_start_matches("TP_STATE_")
                .to_ascii_lowercase()
        })
        .unwrap_or_else(|_| state.to_string())
}

fn mode_name(mode: i32) -> String {
    TracingPolicyMode::try_from(mode)
        .map(|m| {
            m.as_str_name()
                .trim_start_matches("TP_MODE_")
                .to_ascii_lowercase()
        })
        .unwrap_or_else(|_| mode.to_string())
}

fn print_policies(policies: &[tetragon::TracingPolicyStatus], output: ListOutput) {
    match output {
        ListOutput::Json => {
            // protojson field names; 64-bit integers as strings, enums by name.
            let list: Vec<serde_json::Value> = policies
                .iter()
                .map(|p| {
                    let mut o = serde_json::Map::new();
                    o.insert("id".into(), p.id.to_string().into());
                    o.insert("name".into(), p.name.clone().into());
                    if !p.namespace.is_empty() {
                        o.insert("namespace".into(), p.namespace.clone().into());
                    }
                    if !p.info.is_empty() {
                        o.insert("info".into(), p.info.clone().into());
                    }
                    if !p.sensors.is_empty() {
                        o.insert("sensors".into(), p.sensors.clone().into());
                    }
                    #[allow(deprecated)]
                    if p.enabled {
                        o.insert("enabled".into(), true.into());
                    }
                    if !p.error.is_empty() {
                        o.insert("error".into(), p.error.clone().into());
                    }
                    if let Ok(state) = TracingPolicyState::try_from(p.state) {
                        o.insert("state".into(), state.as_str_name().into());
                    }
                    o.insert(
                        "kernel_memory_bytes".into(),
                        p.kernel_memory_bytes.to_string().into(),
                    );
                    if let Ok(mode) = TracingPolicyMode::try_from(p.mode) {
                        o.insert("mode".into(), mode.as_str_name().into());
                    }
                    if let Some(c) = p.stats.as_ref().and_then(|s| s.action_counters.as_ref()) {
                        let counters: serde_json::Map<String, serde_json::Value> = [
                            ("post", c.post),
                            ("signal", c.signal),
                            ("monitor_signal", c.monitor_signal),
                            ("override", c.r#override),
                            ("monitor_override", c.monitor_override),
                            ("notify_enforcer", c.notify_enforcer),
                            ("monitor_notify_enforcer", c.monitor_notify_enforcer),
                            ("set", c.set),
                            ("monitor_set", c.monitor_set),
                        ]
                        .into_iter()
                        .filter(|(_, v)| *v != 0)
                        .map(|(k, v)| (k.to_string(), v.to_string().into()))
                        .collect();
                        o.insert(
                            "stats".into(),
                            serde_json::json!({ "action_counters": counters }),
                        );
                    }
                    serde_json::Value::Object(o)
                })
                .collect();
            println!("{}", serde_json::json!({ "policies": list }));
        }
        ListOutput::Text => {
            let rows: Vec<[String; 11]> = policies
                .iter()
                .map(|p| {
                    let c = p
                        .stats
                        .as_ref()
                        .and_then(|s| s.action_counters)
                        .unwrap_or_default();
                    [
                        p.id.to_string(),
                        p.name.clone(),
                        state_name(p.state),
                        p.filter_id.to_string(),
                        if p.namespace.is_empty() {
                            "(global)".to_string()
                        } else {
                            p.namespace.clone()
                        },
                        p.sensors.join(","),
                        format!("{} B", p.kernel_memory_bytes),
                        mode_name(p.mode),
                        c.post.to_string(),
                        (c.signal + c.r#override + c.notify_enforcer + c.set).to_string(),
                        (c.monitor_signal
                            + c.monitor_override
                            + c.monitor_notify_enforcer
                            + c.monitor_set)
                            .to_string(),
                    ]
                })
                .collect();
            let header = [
                "ID",
                "NAME",
                "STATE",
                "FILTERID",
                "NAMESPACE",
                "SENSORS",
                "KERNELMEMORY",
                "MODE",
                "NPOST",
                "NENFORCE",
                "NMONITOR",
            ];
            let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
            for row in &rows {
                for (w, cell) in widths.iter_mut().zip(row) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            let line = |cells: Vec<&str>| {
                let mut s = String::new();
                for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
                    if i + 1 == cells.len() {
                        s.push_str(cell);
                    } else {
                        s.push_str(&format!("{cell:<w$}   "));
                    }
                }
                println!("{}", s.trim_end());
            };
            line(header.to_vec());
            for row in &rows {
                line(row.iter().map(String::as_str).collect());
            }
        }
    }
}

fn validate_policies(files: &[PathBuf]) -> ExitCode {
    let mut ok = true;
    for file in files {
        match auspex_policy::load_documents(file) {
            Ok(parsed) => {
                let names: Vec<&str> = parsed.policies.iter().map(|p| p.name()).collect();
                if names.is_empty() {
                    ok = false;
                    eprintln!(
                        "{}: no TracingPolicy or TracingPolicyNamespaced document",
                        file.display()
                    );
                } else {
                    println!("{}: ok ({})", file.display(), names.join(", "));
                }
            }
            Err(errors) => {
                ok = false;
                for e in errors.iter() {
                    eprintln!("{e}");
                }
            }
        }
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn init_logging(level: LogLevel, format: LogFormat) {
    let level = match level {
        LogLevel::Trace => "trace",
        LogLevel::Debug => "debug",
        LogLevel::Info => "info",
        LogLevel::Warn => "warn",
        LogLevel::Error => "error",
    };
    let filter = tracing_subscriber::EnvFilter::new(format!("{level},libbpf={level}"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// `0` → none; `90s`, `30m`, `1h`, `2d`; a bare number is seconds.
fn parse_duration(s: &str) -> anyhow::Result<Option<std::time::Duration>> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| anyhow::anyhow!("expected a number with a unit (s, m, h, d)"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        other => anyhow::bail!("unknown unit {other:?} (s, m, h, d)"),
    };
    Ok((secs > 0).then(|| std::time::Duration::from_secs(secs)))
}

fn run_agent(args: AgentArgs) -> anyhow::Result<ExitCode> {
    init_logging(args.log_level, args.log_format);
    let label_filter = auspex_agent::metrics::MetricsLabelFilter::parse(&args.metrics_label_filter)
        .map_err(|e| {
            anyhow::anyhow!(
                "--metrics-label-filter {:?}: {e}",
                args.metrics_label_filter
            )
        })?;
    let metrics = (!args.metrics_server.is_empty())
        .then(|| auspex_agent::metrics::Metrics::new(label_filter));
    // Health endpoint: a busy port is worth a warning, not a refusal to run.
    let _health_server = if args.health_server_address.is_empty() {
        None
    } else {
        match auspex_agent::grpc::HealthServer::start(&args.health_server_address) {
            Ok(h) => {
                tracing::info!(address = %h.local_addr(), "grpc.health.v1 served");
                Some(h)
            }
            Err(e) => {
                tracing::warn!(
                    "--health-server-address {}: {e}; health endpoint off",
                    args.health_server_address
                );
                None
            }
        }
    };
    // Kept alive for the whole run; dropping it stops the endpoint.
    let _metrics_server = match &metrics {
        Some(m) => {
            let server =
                auspex_agent::metrics::MetricsServer::start(&args.metrics_server, m.clone())
                    .with_context(|| format!("--metrics-server {}", args.metrics_server))?;
            tracing::info!(address = %server.local_addr(), "metrics served at /metrics");
            Some(server)
        }
        None => None,
    };
    if !args.enable_ancestors.is_empty() && !args.enable_ancestors.contains(&AncestorKind::Base) {
        anyhow::bail!(
            "--enable-ancestors {:?}: `base` must be included when ancestors are enabled for other event kinds",
            args.enable_ancestors
        );
    }
    if !args.rb_size_total_mb.is_power_of_two() {
        anyhow::bail!(
            "--rb-size-total-mb {}: must be a power of two (1, 2, 4, 8, …)",
            args.rb_size_total_mb
        );
    }
    let redactor = match &args.redaction_filters {
        Some(text) => auspex_events::Redactor::parse(text).context("--redaction-filters")?,
        None => auspex_events::Redactor::default(),
    };
    let export_opts = ExportOptions {
        filter: auspex_events::ExportFilter::parse(
            args.export_allowlist.as_deref().unwrap_or(""),
            args.export_denylist.as_deref().unwrap_or(""),
        )
        .context("--export-allowlist/--export-denylist")?,
        fields: match &args.field_filters {
            Some(text) => auspex_events::FieldFilters::parse(text).context("--field-filters")?,
            None => auspex_events::FieldFilters::default(),
        },
        rate_limit: args.export_rate_limit,
        node_name: default_node_name(),
    };
    let rotation = FileRotation {
        max_size_bytes: args.export_file_max_size_mb.saturating_mul(1024 * 1024),
        max_backups: args.export_file_max_backups,
        compress: args.export_file_compress,
        interval: parse_duration(&args.export_file_rotation_interval).with_context(|| {
            format!(
                "--export-file-rotation-interval {:?}",
                args.export_file_rotation_interval
            )
        })?,
        mode: u32::from_str_radix(&args.export_file_perm, 8)
            .ok()
            .filter(|m| *m <= 0o777)
            .with_context(|| {
                format!(
                    "--export-file-perm {:?}: an octal mode such as 600 or 640",
                    args.export_file_perm
                )
            })?,
    };
    let config = AgentConfig {
        export_filename: args.export_filename.clone(),
        process_cache_size: args.process_cache_size,
        enable_ancestors: args.enable_process_ancestors
            || args.enable_ancestors.contains(&AncestorKind::Base),
        enable_process_cred: args.enable_process_cred,
        enable_process_ns: args.enable_process_ns,
        expose_stack_addresses: args.expose_stack_addresses,
        username_metadata: match args.username_metadata {
            UsernameArg::Disabled => UsernameMetadata::Disabled,
            UsernameArg::Unix => UsernameMetadata::Unix,
        },
        procfs: args.procfs,
        btf: args.btf,
        node_name: default_node_name(),
        rb_queue_size: args.rb_queue_size,
        rb_size_bytes: args.rb_size_total_mb.saturating_mul(1024 * 1024),
        process_map_entries: args.execve_map_entries,
        tracing_policies: args.tracing_policy,
        tracing_policy_dir: Some(args.tracing_policy_dir),
        redactor,
        metrics: metrics.clone(),
        ..AgentConfig::default()
    };
    let server_address = ServerAddress::parse(&args.server_address)
        .map_err(|e| anyhow::anyhow!("--server-address {e}"))?;
    let sink: Box<dyn EventSink> = match &config.export_filename {
        Some(path) => Box::new(
            JsonExporter::file(path, rotation, export_opts)
                .with_context(|| format!("--export-filename {}", path.display()))?,
        ),
        None => Box::new(JsonExporter::stdout(export_opts)),
    };
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone()).context("install signal handler")?;
    }
    let info = ServerInfo {
        version: env!("CARGO_PKG_VERSION").to_string(),
        name: "auspex".to_string(),
        conf: vec![
            ("server-address".into(), args.server_address.clone()),
            (
                "export-filename".into(),
                config
                    .export_filename
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            ),
            (
                "process-cache-size".into(),
                config.process_cache_size.to_string(),
            ),
            ("node-name".into(), config.node_name.clone()),
        ],
    };
    let agent = Agent::new(config);
    let mut sinks = vec![sink];
    // The API is served once the agent is ready (sensors attached, /proc scanned): a start-up
    // error is reported as such, not as a socket problem. Its sink is in place from the start.
    let api_sink = LateSink::default();
    let api = Arc::new(Mutex::new(ApiState::default()));
    if server_address.is_some() {
        sinks.push(Box::new(api_sink.clone()));
    }
    let on_ready = {
        let control = agent.control();
        let api = api.clone();
        let stop = stop.clone();
        move || {
            let Some(address) = server_address else {
                tracing::info!("gRPC API disabled (--server-address \"\")");
                return;
            };
            let mut state = api.lock().unwrap_or_else(|e| e.into_inner());
            match GrpcServer::start(&address, control, info) {
                Ok((server, sink)) => {
                    api_sink.set(sink);
                    state.server = Some(server);
                }
                Err(e) => {
                    state.error = Some(format!("--server-address {address}: {e}"));
                    stop.store(true, Ordering::SeqCst);
                }
            }
        }
    };
    let result = agent.run(sinks, stop, on_ready);
    let mut state = api.lock().unwrap_or_else(|e| e.into_inner());
    // Ends the GetEvents streams and removes the socket.
    drop(state.server.take());
    let summary = result?;
    if let Some(error) = state.error.take() {
        anyhow::bail!(error);
    }
    tracing::info!(events = summary.events_emitted, "auspex agent stopped");
    Ok(ExitCode::SUCCESS)
}

/// The API server of a running agent, or why it could not start.
#[derive(Default)]
struct ApiState {
    server: Option<GrpcServer>,
    error: Option<String>,
}

/// An event sink whose target is set later (the API's, once the agent is ready). Until then
/// events go nowhere; the lock is never contended for long (set once).
#[derive(Clone, Default)]
struct LateSink(Arc<Mutex<Option<Box<dyn EventSink>>>>);

impl LateSink {
    fn set(&self, sink: Box<dyn EventSink>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(sink);
    }
}

impl EventSink for LateSink {
    fn emit(&mut self, event: &auspex_events::GetEventsResponse) -> std::io::Result<()> {
        match self.0.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            Some(sink) => sink.emit(event),
            None => Ok(()),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.0.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            Some(sink) => sink.flush(),
            None => Ok(()),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Client subcommands (talk to a running agent over its gRPC API)
// ---------------------------------------------------------------------------------------------

/// How long a client waits for the connection to the agent.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

fn client_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("start the client runtime")
}

fn parse_server(server: &ServerArg) -> anyhow::Result<ServerAddress> {
    ServerAddress::parse(&server.server_address)
        .map_err(|e| anyhow::anyhow!("--server-address {e}"))?
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--server-address is empty: give the agent's address (unix:///PATH or HOST:PORT)"
            )
        })
}

async fn connect_to(address: &ServerAddress) -> anyhow::Result<Client> {
    connect(address, CONNECT_TIMEOUT)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// One line for a failed RPC, saying what to do where we can.
fn rpc_error(what: &str, address: &ServerAddress, status: &tonic::Status) -> anyhow::Error {
    let msg = status.message();
    match status.code() {
        tonic::Code::Unavailable => anyhow::anyhow!(
            "{what}: the agent at {address} is not available ({msg}); is it still running? \
             (start it with `sudo auspex agent`)"
        ),
        tonic::Code::Unimplemented => {
            anyhow::anyhow!("{what}: the agent at {address} does not support this: {msg}")
        }
        tonic::Code::PermissionDenied | tonic::Code::Unauthenticated => {
            anyhow::anyhow!("{what}: {msg} (run as root)")
        }
        _ => anyhow::anyhow!("{what}: {msg}"),
    }
}

/// `auspex version`: the server's version when it answers (silent when no agent runs).
fn server_version(server: &ServerArg) {
    let explicit = server.server_address != DEFAULT_SERVER_ADDRESS;
    let Ok(Some(address)) = ServerAddress::parse(&server.server_address) else {
        return;
    };
    let Ok(rt) = client_runtime() else {
        return;
    };
    let answer = rt.block_on(async {
        let mut client = connect(&address, Duration::from_secs(2))
            .await
            .map_err(|e| e.to_string())?;
        client
            .get_version(GetVersionRequest {})
            .await
            .map(|r| r.into_inner().version)
            .map_err(|s| s.message().to_string())
    });
    match answer {
        Ok(version) => println!("server: auspex {version} ({address})"),
        Err(e) if explicit => eprintln!("server: not reachable: {e}"),
        Err(_) => {}
    }
}

/// An EventType from its name (`PROCESS_EXEC`, `process_exec`, `exec`).
fn event_type(name: &str) -> anyhow::Result<EventType> {
    let upper = name.trim().to_ascii_uppercase();
    EventType::from_str_name(&upper)
        .or_else(|| EventType::from_str_name(&format!("PROCESS_{upper}")))
        .filter(|t| *t != EventType::Undef)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "--event-types {name:?}: unknown event type (PROCESS_EXEC, PROCESS_EXIT, \
                 PROCESS_KPROBE, PROCESS_TRACEPOINT, PROCESS_UPROBE, PROCESS_LSM, PROCESS_USDT, \
                 PROCESS_LOADER, PROCESS_THROTTLE)"
            )
        })
}

/// The GetEvents request for `auspex events` flags (one allow filter, like tetra getevents).
fn events_request(args: &EventsArgs) -> anyhow::Result<GetEventsRequest> {
    let filter = tetragon::Filter {
        binary_regex: args.processes.clone(),
        namespace: args.namespaces.clone(),
        pid: args.pids.clone(),
        event_set: args
            .event_types
            .iter()
            .map(|t| event_type(t).map(|t| t as i32))
            .collect::<anyhow::Result<_>>()?,
        pod_regex: args.pods.clone(),
        policy_names: args.policy_names.clone(),
        cel_expression: args.cel_expression.clone(),
        ..Default::default()
    };
    let mut req = GetEventsRequest::default();
    if filter != tetragon::Filter::default() {
        req.allow_list.push(filter);
    }
    for (fields, action) in [
        (&args.include_fields, FieldFilterAction::Include),
        (&args.exclude_fields, FieldFilterAction::Exclude),
    ] {
        let paths: Vec<String> = fields
            .iter()
            .map(|f| f.trim().to_string())
            .filter(|f| !f.is_empty())
            .collect();
        if !paths.is_empty() {
            req.field_filters.push(tetragon::FieldFilter {
                fields: Some(prost_types::FieldMask { paths }),
                action: action as i32,
                ..Default::default()
            });
        }
    }
    Ok(req)
}

fn run_events(args: EventsArgs) -> anyhow::Result<ExitCode> {
    let address = parse_server(&args.server)?;
    let request = events_request(&args)?;
    let compact = auspex_events::compact::CompactOptions {
        color: match args.color {
            ColorMode::Always => true,
            ColorMode::Never => false,
            ColorMode::Auto => std::io::IsTerminal::is_terminal(&std::io::stdout()),
        },
        timestamps: args.timestamps,
    };
    let rt = client_runtime()?;
    rt.block_on(async {
        let mut client = connect_to(&address).await?;
        let mut stream = client
            .get_events(request)
            .await
            .map_err(|s| rpc_error("GetEvents", &address, &s))?
            .into_inner();
        let stdout = std::io::stdout();
        let mut out = std::io::LineWriter::new(stdout.lock());
        loop {
            let ev = match stream.message().await {
                Ok(Some(ev)) => ev,
                Ok(None) => return Ok(ExitCode::SUCCESS),
                Err(status) => match status.code() {
                    tonic::Code::ResourceExhausted => {
                        anyhow::bail!("the agent dropped this stream: {}", status.message())
                    }
                    tonic::Code::Unavailable => anyhow::bail!(
                        "the agent at {address} stopped streaming ({})",
                        status.message()
                    ),
                    _ => return Err(rpc_error("GetEvents", &address, &status)),
                },
            };
            let text = match args.output {
                EventsOutput::Json => Some(format!("{}\n", auspex_events::json::to_json_line(&ev))),
                EventsOutput::Compact => {
                    auspex_events::compact::compact_line(&ev, &compact).map(|line| {
                        format!(
                            "{line}\n{}",
                            auspex_events::compact::compact_extra_lines(&ev, &compact)
                        )
                    })
                }
            };
            if let Some(text) = text
                && let Err(e) = out.write_all(text.as_bytes())
            {
                if e.kind() == std::io::ErrorKind::BrokenPipe {
                    return Ok(ExitCode::SUCCESS);
                }
                return Err(anyhow::Error::new(e).context("write to stdout"));
            }
        }
    })
}

fn run_policy(cmd: PolicyCommand) -> anyhow::Result<ExitCode> {
    let rt = client_runtime()?;
    rt.block_on(async {
        match cmd {
            PolicyCommand::Validate { files } => Ok(validate_policies(&files)),
            PolicyCommand::Add { file, server } => {
                let address = parse_server(&server)?;
                let yaml = std::fs::read_to_string(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?;
                let mut client = connect_to(&address).await?;
                client
                    .add_tracing_policy(AddTracingPolicyRequest { yaml: yaml.clone() })
                    .await
                    .map_err(|s| policy_rejected(&file, &address, &s))?;
                println!("tracing policy {} added", policy_label(&yaml, &file));
                Ok(ExitCode::SUCCESS)
            }
            PolicyCommand::Delete {
                name,
                namespace,
                server,
            } => {
                let address = parse_server(&server)?;
                let mut client = connect_to(&address).await?;
                client
                    .delete_tracing_policy(DeleteTracingPolicyRequest {
                        name: name.clone(),
                        namespace,
                    })
                    .await
                    .map_err(|s| {
                        rpc_error(&format!("cannot delete policy {name:?}"), &address, &s)
                    })?;
                println!("tracing policy {name:?} deleted");
                Ok(ExitCode::SUCCESS)
            }
            PolicyCommand::Enable {
                name,
                namespace,
                server,
            } => set_enabled(&name, namespace, &server, true).await,
            PolicyCommand::Disable {
                name,
                namespace,
                server,
            } => set_enabled(&name, namespace, &server, false).await,
            PolicyCommand::List { output, server } => {
                let address = parse_server(&server)?;
                let mut client = connect_to(&address).await?;
                let list = client
                    .list_tracing_policies(ListTracingPoliciesRequest {})
                    .await
                    .map_err(|s| rpc_error("cannot list policies", &address, &s))?
                    .into_inner();
                print_policies(&list.policies, output);
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(args: &[&str]) -> AgentArgs {
        let mut v = vec!["auspex", "agent"];
        v.extend_from_slice(args);
        match Cli::try_parse_from(v).expect("parses").command {
            Command::Agent(a) => *a,
            other => panic!("not agent: {other:?}"),
        }
    }

    #[test]
    fn tetragon_style_flags_parse() {
        let a = agent(&[
            "--export-filename",
            "/tmp/x.log",
            "--process-cache-size",
            "100",
            "--enable-ancestors",
            "base,kprobe",
            "--enable-process-cred",
            "--enable-process-ns=false",
            "--username-metadata",
            "unix",
            "--procfs",
            "/host/proc",
            "--btf",
            "/tmp/vmlinux",
            "--log-level",
            "debug",
        ]);
        assert_eq!(a.export_filename, Some(PathBuf::from("/tmp/x.log")));
        assert_eq!(a.process_cache_size, 100);
        assert_eq!(
            a.enable_ancestors,
            vec![AncestorKind::Base, AncestorKind::Kprobe]
        );
        assert!(a.enable_process_cred);
        assert!(!a.enable_process_ns);
        assert_eq!(a.username_metadata, UsernameArg::Unix);
        assert_eq!(a.procfs, PathBuf::from("/host/proc"));
        assert_eq!(a.log_level, LogLevel::Debug);
    }

    #[test]
    fn later_flags_override_earlier_ones_and_lists_accumulate() {
        let a = agent(&[
            "--export-filename=/a.log",
            "--process-cache-size=1",
            "--tracing-policy=/p1.yaml",
            "--export-filename",
            "/b.log",
            "--tracing-policy",
            "/p2.yaml",
            "--process-cache-size=2",
        ]);
        assert_eq!(a.export_filename, Some(PathBuf::from("/b.log")));
        assert_eq!(a.process_cache_size, 2);
        assert_eq!(
            a.tracing_policy,
            vec![PathBuf::from("/p1.yaml"), PathBuf::from("/p2.yaml")]
        );
    }

    #[test]
    fn seed_alias_for_ancestors() {
        assert!(agent(&["--enable-process-ancestors"]).enable_process_ancestors);
        assert!(agent(&["--enable-process-ancestors=true"]).enable_process_ancestors);
    }

    #[test]
    fn bad_values_are_usage_errors() {
        for bad in [
            vec!["auspex", "agent", "--username-metadata", "ldap"],
            vec!["auspex", "agent", "--enable-ancestors", "everything"],
            vec!["auspex", "agent", "--process-cache-size", "lots"],
            vec!["auspex", "agent", "--no-such-flag"],
        ] {
            let err = Cli::try_parse_from(bad.clone()).expect_err("rejected");
            assert_eq!(err.exit_code(), 2, "{bad:?}");
        }
    }

    fn events(args: &[&str]) -> EventsArgs {
        let mut v = vec!["auspex", "events"];
        v.extend_from_slice(args);
        match Cli::try_parse_from(v).expect("parses").command {
            Command::Events(a) => *a,
            other => panic!("not events: {other:?}"),
        }
    }

    #[test]
    fn server_address_flag() {
        assert_eq!(agent(&[]).server_address, DEFAULT_SERVER_ADDRESS);
        assert_eq!(agent(&["--server-address", ""]).server_address, "");
        assert_eq!(
            agent(&["--server-address", "localhost:54321"]).server_address,
            "localhost:54321"
        );
        assert_eq!(events(&[]).server.server_address, DEFAULT_SERVER_ADDRESS);
    }

    #[test]
    fn events_flags_build_one_server_side_filter() {
        let a = events(&[
            "-o",
            "compact",
            "--event-types",
            "PROCESS_EXEC,exit",
            "--processes",
            "^/usr/bin/curl$",
            "wget",
            "--pids",
            "1,2",
            "--policy-names",
            "p1",
            "-n",
            "default",
            "--pods",
            "web-",
            "--cel-expression",
            "process_exec.process.uid == 0u",
            "-F",
            "parent,process.pod",
            "--timestamps",
            "--server-address",
            "127.0.0.1:1234",
        ]);
        assert_eq!(a.output, EventsOutput::Compact);
        assert!(a.timestamps);
        let req = events_request(&a).expect("request");
        assert_eq!(req.allow_list.len(), 1);
        let f = &req.allow_list[0];
        assert_eq!(
            f.event_set,
            vec![EventType::ProcessExec as i32, EventType::ProcessExit as i32]
        );
        assert_eq!(f.binary_regex, ["^/usr/bin/curl$", "wget"]);
        assert_eq!(f.pid, [1, 2]);
        assert_eq!(f.policy_names, ["p1"]);
        assert_eq!(f.namespace, ["default"]);
        assert_eq!(f.pod_regex, ["web-"]);
        assert_eq!(f.cel_expression, ["process_exec.process.uid == 0u"]);
        assert_eq!(req.field_filters.len(), 1);
        assert_eq!(
            req.field_filters[0]
                .fields
                .as_ref()
                .map(|m| m.paths.clone()),
            Some(vec!["parent".to_string(), "process.pod".to_string()])
        );
        assert_eq!(
            req.field_filters[0].action,
            FieldFilterAction::Exclude as i32
        );
        // No flag: everything, no filter at all.
        let req = events_request(&events(&[])).expect("request");
        assert!(req.allow_list.is_empty() && req.field_filters.is_empty());
        assert!(event_type("nope").is_err());
    }

    #[test]
    fn defaults_match_tetragon() {
        let a = agent(&[]);
        assert_eq!(a.process_cache_size, 65536);
        assert_eq!(a.procfs, PathBuf::from("/proc"));
        assert!(!a.enable_process_cred && !a.enable_process_ns && a.enable_ancestors.is_empty());
        assert_eq!(a.username_metadata, UsernameArg::Disabled);
    }
}
