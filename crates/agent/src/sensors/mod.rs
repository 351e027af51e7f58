//! Sensors: one module per BPF object under `bpf/` (`process.rs` ↔ `bpf/process.bpf.c`). A sensor
//! goes through typed phases — loaded, then attached — and dropping it detaches everything it
//! attached (links are owned by the value).
mod elf_address;
pub mod process;
pub mod tracepoint;

/// Routes libbpf's own diagnostics (verifier logs, CO-RE errors) to our logger: libbpf-rs errors
/// carry only an errno, the explanation is in this output.
pub fn install_libbpf_logger() {
    fn print(level: libbpf_rs::PrintLevel, msg: String) {
        let msg = msg.trim_end();
        match level {
            libbpf_rs::PrintLevel::Warn => tracing::warn!(target: "libbpf", "{msg}"),
            libbpf_rs::PrintLevel::Info => tracing::debug!(target: "libbpf", "{msg}"),
            libbpf_rs::PrintLevel::Debug => tracing::trace!(target: "libbpf", "{msg}"),
        }
    }
    libbpf_rs::set_print(Some((libbpf_rs::PrintLevel::Debug, print)));
}

/// Entries of a scratch heap indexed by CPU (`bpf_get_smp_processor_id()`): the possible CPUs.
/// Heaps larger than a per-CPU map value may be (32 KiB) are plain arrays of this size.
fn possible_cpus() -> u32 {
    libbpf_rs::num_possible_cpus().unwrap_or(256).max(1) as u32
}

/// A sensor failed to load or attach.
#[derive(Debug, thiserror::Error)]
pub enum SensorError {
    /// Opening the object (ELF/BTF parsing, map sizing).
    #[error("sensor {sensor}: open BPF object: {source}")]
    Open {
        /// Sensor name.
        sensor: &'static str,
        /// libbpf error.
        #[source]
        source: libbpf_rs::Error,
    },
    /// Loading (verifier, CO-RE relocation). Details were logged by libbpf.
    #[error("sensor {sensor}: load BPF programs (verifier/CO-RE log above): {source}")]
    Load {
        /// Sensor name.
        sensor: &'static str,
        /// libbpf error.
        #[source]
        source: libbpf_rs::Error,
    },
    /// Attaching one program.
    #[error("sensor {sensor}: attach {prog} to {hook}: {source}")]
    Attach {
        /// Sensor name.
        sensor: &'static str,
        /// Program name.
        prog: &'static str,
        /// Hook it was attached to.
        hook: &'static str,
        /// libbpf error.
        #[source]
        source: libbpf_rs::Error,
    },
    /// Attaching to a tracepoint.
    #[error("sensor {sensor}: attach to tracepoint {tracepoint}: {source}")]
    AttachTracepoint {
        /// Sensor name.
        sensor: &'static str,
        /// `subsystem/event`.
        tracepoint: String,
        /// libbpf error.
        #[source]
        source: libbpf_rs::Error,
    },
    /// Attaching a kprobe.
    #[error("sensor {sensor}: attach kprobe {function}: {hint}: {source}")]
    AttachKprobe {
        /// Sensor name.
        sensor: &'static str,
        /// Kernel function.
        function: String,
        /// What is missing, for people.
        hint: String,
        /// libbpf error.
        #[source]
        source: libbpf_rs::Error,
    },
    /// Attaching a uprobe.
    #[error("sensor {sensor}: attach uprobe {path}:{symbol}: {hint}: {source}")]
    AttachUprobe {
        /// Sensor name.
        sensor: &'static str,
        /// ELF file.
        path: String,
        /// Symbol.
        symbol: String,
        /// What went wrong, for people.
        hint: String,
        /// libbpf error.
        #[source]
        source: libbpf_rs::Error,
    },
    /// Attaching a USDT probe.
    #[error("sensor {sensor}: attach USDT {probe}: {hint}: {source}")]
    AttachUsdt {
        /// Sensor name.
        sensor: &'static str,
        /// `provider:name in path`.
        probe: String,
        /// What went wrong, for people.
        hint: String,
        /// libbpf error.
        #[source]
        source: libbpf_rs::Error,
    },
    /// Pointing a trampoline program (BPF-LSM, fentry, fmod_ret) at its function, or attaching it.
    #[error("sensor {sensor}: {kind} program on {target}: {hint}: {source}")]
    Trampoline {
        /// Sensor name.
        sensor: &'static str,
        /// `lsm`, `fentry` or `fmod_ret`.
        kind: &'static str,
        /// Hook or function.
        target: String,
        /// What went wrong, for people.
        hint: String,
        /// libbpf error.
        #[source]
        source: libbpf_rs::Error,
    },
    /// A uprobe's file does not have one of the listed digests.
    #[error(
        "{hook}.binaryDigests: {reason} (set ignore.digestVerificationFailure to skip the probe instead)"
    )]
    BinaryDigest {
        /// Path of the hook in the policy (`spec.uprobes[0]`).
        hook: String,
        /// What was found.
        reason: String,
    },
    /// A uprobe `addrs` entry that maps to no executable code of its file.
    #[error("{hook}.addrs: {reason}")]
    UprobeAddress {
        /// Path of the hook in the policy (`spec.uprobes[0]`).
        hook: String,
        /// What was found.
        reason: String,
    },
    /// A Set action names a USDT argument the probe does not keep in memory.
    #[error("{hook}: Set on argument {arg} of USDT {probe}: {reason}")]
    UsdtSet {
        /// Path of the hook in the policy (`spec.usdts[0]`).
        hook: String,
        /// Probe argument index.
        arg: u32,
        /// `provider:name in path`.
        probe: String,
        /// Why it cannot be written.
        reason: String,
    },
    /// A map operation.
    #[error("sensor {sensor}: map {map}: {source}")]
    Map {
        /// Sensor name.
        sensor: &'static str,
        /// Map name.
        map: &'static str,
        /// libbpf error.
        #[source]
        source: libbpf_rs::Error,
    },
}
