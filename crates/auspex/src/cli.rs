//! Command-line interface. Agent flag names follow Tetragon's (`tetragon --help`) so that its
//! users find the same switches; each flag documents its default.
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use auspex_agent::config::{AgentConfig, UsernameMetadata};
use auspex_agent::export::{EventSink, ExportOptions, FileRotation, JsonExporter};
use auspex_agent::{Agent, config::default_node_name};
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
    /// Run the agent (as root): trace process execs and exits and print them as JSON lines.
    Agent(Box<AgentArgs>),
    /// Work with TracingPolicy files.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Show what this kernel offers: BPF features, and per hook kind and action whether policies
    /// can use it (root needed for the program-type probes).
    Status,
    /// Print the version.
    Version,
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

    /// Entries of the kernel's live-process map [default: 32768].
    #[arg(long, value_name = "NUM", default_value_t = 32768)]
    execve_map_entries: u32,
}

/// Parses the command line (exits 2 with a message on a usage error).
pub fn parse() -> Cli {
    Cli::parse()
}

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Version => {
            println!("auspex {}", env!("CARGO_PKG_VERSION"));
            Ok(ExitCode::SUCCESS)
        }
        Command::Agent(args) => run_agent(*args),
        Command::Policy(PolicyCommand::Validate { files }) => Ok(validate_policies(&files)),
        Command::Status => {
            let f = auspex_agent::features::KernelFeatures::probe();
            println!("kernel {}", f.release);
            for (name, p) in [
                ("ring buffer", &f.ring_buffer),
                ("tracepoints", &f.tracepoints),
                ("raw tracepoints", &f.raw_tracepoints),
                ("kprobe attach", &f.kprobe_attach),
                ("uprobe attach", &f.uprobe_attach),
                ("BPF LSM", &f.bpf_lsm),
            ] {
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
        ..AgentConfig::default()
    };
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
    let summary = Agent::new(config).run(vec![sink], stop, || {})?;
    tracing::info!(events = summary.events_emitted, "auspex agent stopped");
    Ok(ExitCode::SUCCESS)
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

    #[test]
    fn defaults_match_tetragon() {
        let a = agent(&[]);
        assert_eq!(a.process_cache_size, 65536);
        assert_eq!(a.procfs, PathBuf::from("/proc"));
        assert!(!a.enable_process_cred && !a.enable_process_ns && a.enable_ancestors.is_empty());
        assert_eq!(a.username_metadata, UsernameArg::Disabled);
    }
}
