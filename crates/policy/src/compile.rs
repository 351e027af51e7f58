//! The selector compiler: a validated [`TracingPolicy`] → the contents of the BPF maps read by the
//! generic hook programs (`bpf/generic_tracepoint.bpf.c`). Pure: what it needs to know about the
//! running kernel (tracepoint record formats, which hook kinds attach) comes in through
//! [`KernelView`], so the output is a deterministic function of (policy, kernel view).
//!
//! The output mirrors the kernel ABI of `bpf/lib/abi.h` field for field (`auspex_hook_config`,
//! `auspex_selector`, the set-map keys); the agent copies it into the maps unchanged. A policy the
//! in-kernel engine cannot enforce faithfully is refused whole ([`CompileError`]), never loaded
//! weaker.
//!
//! [`reference`] holds a pure evaluator of the same semantics, used to check the kernel engine
//! differentially.

use crate::model::TracingPolicy;

/// Capacity constants shared with `bpf/lib/abi.h`.
pub mod limits {
    /// Arguments per hook.
    pub const MAX_HOOK_ARGS: usize = 5;
    /// Selectors per hook.
    pub const MAX_SELECTORS: usize = 5;
    /// matchArgs per selector.
    pub const MAX_MATCH_ARGS: usize = 5;
    /// Actions per selector.
    pub const MAX_ACTIONS: usize = 3;
    /// Inline values per matchArgs entry (4 ints, or 4 ranges as min,max pairs).
    pub const MAX_MATCH_VALUES: usize = 8;
    /// Values per matchPIDs.
    pub const MAX_PIDS: usize = 4;
    /// Bytes of a string argument captured and compared.
    pub const STRING_MAX: usize = 256;
}

/// Kernel operator ids (`AUSPEX_OP_*`, Tetragon's numbering).
pub mod op {
    /// `GT`.
    pub const GT: u8 = 1;
    /// `LT`.
    pub const LT: u8 = 2;
    /// `Equal`.
    pub const EQ: u8 = 3;
    /// `NotEqual`.
    pub const NEQ: u8 = 4;
    /// `In` (pids, binaries).
    pub const IN: u8 = 5;
    /// `NotIn`.
    pub const NOT_IN: u8 = 6;
    /// `Prefix`.
    pub const PREFIX: u8 = 8;
    /// `Postfix`.
    pub const POSTFIX: u8 = 9;
    /// `InMap`.
    pub const IN_MAP: u8 = 10;
    /// `NotInMap`.
    pub const NOT_IN_MAP: u8 = 11;
    /// `Mask`.
    pub const MASK: u8 = 12;
    /// `NotPrefix`.
    pub const NOT_PREFIX: u8 = 26;
    /// `NotPostfix`.
    pub const NOT_POSTFIX: u8 = 27;
    /// `InRange`.
    pub const IN_RANGE: u8 = 31;
    /// `NotInRange`.
    pub const NOT_IN_RANGE: u8 = 32;
}

/// Kernel action ids (`AUSPEX_ACTION_*`, Tetragon's numbering).
pub mod action {
    /// Emit the event.
    pub const POST: u32 = 0;
    /// SIGKILL the current process.
    pub const SIGKILL: u32 = 2;
    /// User space performs an HTTP GET.
    pub const GETURL: u32 = 6;
    /// User space performs a DNS lookup.
    pub const DNSLOOKUP: u32 = 7;
    /// Do not emit.
    pub const NOPOST: u32 = 8;
    /// Send `arg` as a signal.
    pub const SIGNAL: u32 = 9;
}

/// How the kernel reads an argument from the tracepoint record (`AUSPEX_ARG_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ArgRead {
    /// Signed integer of `size` bytes.
    Int = 1,
    /// Unsigned integer of `size` bytes.
    Uint = 2,
    /// Pointer to a user-space NUL-terminated string.
    UserString = 3,
    /// Pointer to a kernel string.
    KernelString = 4,
    /// `__data_loc char[]` (u32: length << 16 | offset within the record).
    DataLocString = 5,
    /// `char[size]` inline.
    CharArray = 6,
}

/// How user space renders a captured argument in the event (`KprobeArgument` variant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgRender {
    /// `int_arg` (int32).
    Int,
    /// `uint_arg` (uint32).
    Uint,
    /// `size_arg` (uint64).
    Size,
    /// `long_arg` (int64).
    Long,
    /// `string_arg`.
    String,
    /// `bytes_arg` (char_buf).
    Bytes,
}

/// One argument of a hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledArg {
    /// Byte offset in the tracepoint record.
    pub offset: u16,
    /// Size in bytes of the field in the record.
    pub size: u16,
    /// How the kernel reads it.
    pub read: ArgRead,
    /// How user space renders it.
    pub render: ArgRender,
    /// `label` from the policy.
    pub label: Option<String>,
}

/// Where a hook attaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachPoint {
    /// A tracefs tracepoint.
    Tracepoint {
        /// Subsystem, e.g. `syscalls`.
        subsystem: String,
        /// Event, e.g. `sys_enter_openat`.
        event: String,
    },
}

/// Which event message the hook produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookEvent {
    /// `process_tracepoint` with `subsys`/`event`.
    Tracepoint {
        /// Subsystem.
        subsystem: String,
        /// Event.
        event: String,
    },
    /// `process_kprobe` with `function_name` (a `syscall: true` kprobe served by the syscall
    /// tracepoint on a kernel without kprobes).
    Kprobe {
        /// Function name as Tetragon reports it (e.g. `__x64_sys_openat`).
        function_name: String,
    },
}

/// One hook instance (a `kprobes[]`/`tracepoints[]` entry, or one entry of its `list:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledHook {
    /// Path of the spec entry, e.g. `spec.tracepoints[0]` (for messages).
    pub path: String,
    /// Attach point.
    pub attach: AttachPoint,
    /// Event kind and names.
    pub event: HookEvent,
    /// Record bytes to copy before reading arguments (covers every argument).
    pub record_size: u16,
    /// Arguments, in spec order.
    pub args: Vec<CompiledArg>,
    /// Ids (indexes into [`CompiledPolicy::selectors`]) of this hook's selectors, in order.
    pub selectors: Vec<u32>,
    /// `message`.
    pub message: Option<String>,
    /// `tags`.
    pub tags: Vec<String>,
}

/// matchArgs entry (`auspex_match_arg`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledMatchArg {
    /// Position of the argument in the hook's `args`.
    pub arg: u8,
    /// Operator id ([`op`]).
    pub op: u8,
    /// Inline integer values (Equal/NotEqual/GT/LT/Mask: values; InRange: min,max pairs).
    pub values: Vec<i64>,
    /// Set id for string operators and InMap/NotInMap.
    pub set_id: u32,
}

/// matchPIDs (`auspex_match_pids`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledPids {
    /// [`op::IN`] or [`op::NOT_IN`].
    pub op: u8,
    /// Follow forks.
    pub follow_forks: bool,
    /// Values are pids in the process's own pid namespace.
    pub namespace_pid: bool,
    /// Pids.
    pub values: Vec<u32>,
}

/// matchBinaries (`auspex_match_binary`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledBinary {
    /// IN, NOT_IN, PREFIX, NOT_PREFIX, POSTFIX, NOT_POSTFIX.
    pub op: u8,
    /// Set holding the paths (equal, prefix or postfix set depending on `op`).
    pub set_id: u32,
}

/// An action (`auspex_action`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledAction {
    /// Action id ([`action`]).
    pub kind: u32,
    /// Signal number for Signal (9 for Sigkill), 0 otherwise.
    pub arg: i32,
    /// Post rate limit in ns (0 = none).
    pub rate_limit_ns: u64,
    /// GetUrl URL / DnsLookup FQDN, performed by user space.
    pub user_arg: Option<String>,
}

/// One selector (`auspex_selector`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledSelector {
    /// matchPIDs, when present.
    pub pids: Option<CompiledPids>,
    /// matchBinaries, when present.
    pub binary: Option<CompiledBinary>,
    /// matchArgs.
    pub match_args: Vec<CompiledMatchArg>,
    /// Actions; empty means Post.
    pub actions: Vec<CompiledAction>,
}

/// Everything the kernel needs for one policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompiledPolicy {
    /// Hooks; the hook id (attach cookie) is the index.
    pub hooks: Vec<CompiledHook>,
    /// Selectors of all hooks; the selector id is the index.
    pub selectors: Vec<CompiledSelector>,
    /// Equal/In string sets: (set id, bytes ≤ STRING_MAX).
    pub string_eq: Vec<(u32, Vec<u8>)>,
    /// Prefix sets: (set id, prefix bytes).
    pub string_prefix: Vec<(u32, Vec<u8>)>,
    /// Postfix sets: (set id, suffix bytes **reversed**).
    pub string_postfix: Vec<(u32, Vec<u8>)>,
    /// InMap integer sets: (set id, value).
    pub int_set: Vec<(u32, i64)>,
    /// The policy enforces (has Sigkill/Signal actions) — informational.
    pub enforces: bool,
}

/// One field of a tracepoint record, as tracefs `format` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TracepointField {
    /// C declaration type, e.g. `const char *`, `int`, `__data_loc char[]`, `unsigned long`.
    pub ctype: String,
    /// Field name.
    pub name: String,
    /// Byte offset.
    pub offset: u16,
    /// Byte size.
    pub size: u16,
    /// Signed.
    pub signed: bool,
}

/// What the compiler needs to know about the running kernel.
pub trait KernelView {
    /// Fields of a tracepoint's record in format-file order (common fields included, which is how
    /// Tetragon counts `index`), or `None` when the tracepoint does not exist.
    fn tracepoint_fields(&self, subsystem: &str, event: &str) -> Option<Vec<TracepointField>>;
    /// True when kprobes can attach (otherwise `syscall: true` kprobes use syscall tracepoints).
    fn kprobes_attach(&self) -> bool;
}

/// Why a policy cannot be loaded by the in-kernel engine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {reason}")]
pub struct CompileError {
    /// Field path in the policy (e.g. `spec.kprobes[0].selectors[1].matchNamespaces`).
    pub path: String,
    /// What is not possible and, when there is one, the alternative.
    pub reason: String,
}

/// Compiles a validated policy.
pub fn compile(
    policy: &TracingPolicy,
    kernel: &dyn KernelView,
) -> Result<CompiledPolicy, Vec<CompileError>> {
    let _ = (policy, kernel);
    Err(vec![CompileError {
        path: "spec".into(),
        reason: "not implemented yet".into(),
    }])
}
