//! Rust twins of the structs in `bpf/lib/abi.h`. Each struct is `#[repr(C)]` with the same explicit
//! padding as its C definition; `tests/abi_layout.rs` compares sizes and every field offset with the
//! BTF of the compiled object, so a change on one side without the other fails the tests.
//!
//! Decoding from ring-buffer bytes never trusts the length: see [`read_struct`].

/// Record op: process exec.
pub const MSG_EXEC: u8 = 5;
/// Record op: process (thread group) exit.
pub const MSG_EXIT: u8 = 7;
/// Record op: a new thread group was forked.
pub const MSG_CLONE: u8 = 23;

/// Capture limit for the exec filename and paths.
pub const PATH_MAX: usize = 4096;
/// Capture limit for argv.
pub const ARGS_MAX: usize = 32768;
/// Bytes of binary path kept in the live-process map.
pub const MAP_BINARY_MAX: usize = 256;

/// Slots of the `auspex_stats` per-CPU counter array.
pub mod stat {
    /// Exec record lost: ring buffer full.
    pub const RB_RESERVE_FAIL_EXEC: u32 = 0;
    /// Exit record lost: ring buffer full.
    pub const RB_RESERVE_FAIL_EXIT: u32 = 1;
    /// Clone record lost: ring buffer full.
    pub const RB_RESERVE_FAIL_CLONE: u32 = 2;
    /// Live-process map full: a process could not be recorded.
    pub const PROCESS_MAP_FULL: u32 = 3;
    /// Exit of a process the map did not know.
    pub const EXIT_UNKNOWN: u32 = 4;
    /// Policy (generic hook) record lost: ring buffer full.
    pub const RB_RESERVE_FAIL_GENERIC: u32 = 5;
    /// Chunk of a maxData buffer lost: ring buffer full.
    pub const RB_RESERVE_FAIL_DATA: u32 = 6;
    /// Event of a return probe (or imaHash) lost: the table of calls in flight was full.
    pub const PENDING_FULL: u32 = 7;
    /// Hook call skipped: its CPU's heap was in use by another call (preempted or interrupted).
    pub const HEAP_BUSY: u32 = 8;
    /// Number of slots.
    pub const MAX: u32 = 9;
}

/// C: `struct auspex_msg_header`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MsgHeader {
    /// One of the `MSG_*` ops.
    pub op: u8,
    /// Padding.
    pub pad0: u8,
    /// Padding.
    pub pad1: u16,
    /// Whole record size, header included.
    pub size: u32,
    /// Boot-time ns when the record was produced.
    pub ktime: u64,
}

/// C: `struct auspex_process_key`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ProcessKey {
    /// Host tgid.
    pub pid: u32,
    /// Padding.
    pub pad: u32,
    /// Boot-time ns of the exec (or clone) that started this image.
    pub ktime: u64,
}

/// C: `struct auspex_creds`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Creds {
    /// Real uid.
    pub uid: u32,
    /// Real gid.
    pub gid: u32,
    /// Effective uid.
    pub euid: u32,
    /// Effective gid.
    pub egid: u32,
    /// Saved uid.
    pub suid: u32,
    /// Saved gid.
    pub sgid: u32,
    /// Filesystem uid.
    pub fsuid: u32,
    /// Filesystem gid.
    pub fsgid: u32,
    /// `cred->securebits`.
    pub securebits: u32,
    /// Padding.
    pub pad: u32,
    /// Permitted capability set.
    pub cap_permitted: u64,
    /// Effective capability set.
    pub cap_effective: u64,
    /// Inheritable capability set.
    pub cap_inheritable: u64,
    /// Nesting level of the user namespace (0 = initial).
    pub userns_level: u32,
    /// Owner uid of the user namespace.
    pub userns_uid: u32,
    /// Owner gid of the user namespace.
    pub userns_gid: u32,
    /// Inode number of the user namespace.
    pub userns_inum: u32,
}

/// C: `struct auspex_namespaces` (inode numbers).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Namespaces {
    /// UTS.
    pub uts: u32,
    /// IPC.
    pub ipc: u32,
    /// Mount.
    pub mnt: u32,
    /// PID (the task's own).
    pub pid: u32,
    /// PID namespace for children.
    pub pid_for_children: u32,
    /// Network.
    pub net: u32,
    /// Time.
    pub time: u32,
    /// Time namespace for children.
    pub time_for_children: u32,
    /// Cgroup.
    pub cgroup: u32,
    /// User.
    pub user: u32,
}

/// C: `struct auspex_exec_event`; followed in the record by filename, argv and cwd bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExecEvent {
    /// Header (`op` = [`MSG_EXEC`]).
    pub hdr: MsgHeader,
    /// The new image.
    pub process: ProcessKey,
    /// Its parent image.
    pub parent: ProcessKey,
    /// Thread id (== pid after exec).
    pub tid: u32,
    /// Process flag bits (Tetragon's words).
    pub flags: u32,
    /// Audit login uid.
    pub auid: u32,
    /// Pid in the task's own pid namespace.
    pub nspid: u32,
    /// Credentials after exec.
    pub creds: Creds,
    /// Namespaces.
    pub ns: Namespaces,
    /// Bytes of filename following the struct.
    pub filename_len: u32,
    /// Bytes of argv following the filename.
    pub args_len: u32,
    /// Bytes of cwd following argv.
    pub cwd_len: u32,
    /// Padding.
    pub pad: u32,
}

/// C: `struct auspex_clone_event`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CloneEvent {
    /// Header (`op` = [`MSG_CLONE`]).
    pub hdr: MsgHeader,
    /// The new process (tgid, clone time).
    pub process: ProcessKey,
    /// The image that forked it.
    pub parent: ProcessKey,
    /// Thread id.
    pub tid: u32,
    /// Process flag bits.
    pub flags: u32,
    /// Pid in the child's pid namespace.
    pub nspid: u32,
    /// Padding.
    pub pad: u32,
}

/// C: `struct auspex_exit_event`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExitEvent {
    /// Header (`op` = [`MSG_EXIT`]).
    pub hdr: MsgHeader,
    /// The image that exited.
    pub process: ProcessKey,
    /// Thread id reported (the tgid).
    pub tid: u32,
    /// Raw `task->exit_code`.
    pub exit_code: u32,
}

/// C: `struct auspex_process_entry`, value of the `auspex_processes` map (key: host tgid).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessEntry {
    /// This image.
    pub key: ProcessKey,
    /// Its parent image.
    pub parent: ProcessKey,
    /// Process flag bits.
    pub flags: u32,
    /// Pid in its own pid namespace.
    pub nspid: u32,
    /// Real uid.
    pub uid: u32,
    /// Effective uid.
    pub euid: u32,
    /// Audit login uid.
    pub auid: u32,
    /// Bytes used in `binary`.
    pub binary_len: u32,
    /// Permitted capabilities.
    pub cap_permitted: u64,
    /// Effective capabilities.
    pub cap_effective: u64,
    /// Inheritable capabilities.
    pub cap_inheritable: u64,
    /// Namespaces.
    pub ns: Namespaces,
    /// Binary path, NUL-terminated, first [`MAP_BINARY_MAX`]-1 bytes.
    pub binary: [u8; MAP_BINARY_MAX],
}

impl Default for ProcessEntry {
    fn default() -> Self {
        Self {
            key: ProcessKey::default(),
            parent: ProcessKey::default(),
            flags: 0,
            nspid: 0,
            uid: 0,
            euid: 0,
            auid: 0,
            binary_len: 0,
            cap_permitted: 0,
            cap_effective: 0,
            cap_inheritable: 0,
            ns: Namespaces::default(),
            binary: [0; MAP_BINARY_MAX],
        }
    }
}

/// Record op: a policy event of a kprobe hook (`process_kprobe`).
pub const MSG_GENERIC_KPROBE: u8 = 13;
/// Record op: a policy event of a tracepoint hook (`process_tracepoint`).
pub const MSG_GENERIC_TRACEPOINT: u8 = 14;
/// Record op: a policy event of a uprobe hook (`process_uprobe`).
pub const MSG_GENERIC_UPROBE: u8 = 15;
/// Record op: a policy event of an LSM hook (`process_lsm`).
pub const MSG_GENERIC_LSM: u8 = 16;
/// Record op: a chunk of a maxData buffer ([`DataMsg`]), ahead of its event.
pub const MSG_DATA: u8 = 24;
/// maxData: bytes of one buffer argument at most (`AUSPEX_DATA_MAX`).
pub const DATA_MAX: usize = 327_360;
/// maxData: bytes per chunk (`AUSPEX_DATA_CHUNK`).
pub const DATA_CHUNK: usize = 16_384;
/// Arguments per hook.
pub const MAX_HOOK_ARGS: usize = 5;
/// Selectors per hook.
pub const MAX_SELECTORS: usize = 5;
/// matchArgs per selector.
pub const MAX_MATCH_ARGS: usize = 5;
/// matchReturnArgs entries per selector.
pub const MAX_MATCH_RETURN: usize = 5;
/// Actions per selector.
pub const MAX_ACTIONS: usize = 3;
/// Inline values per matchArgs entry.
pub const MAX_MATCH_VALUES: usize = 8;
/// Values per matchPIDs.
pub const MAX_PIDS: usize = 4;
/// Captured/compared bytes of a string argument.
pub const STRING_MAX: usize = 4096;
/// Equal values up to this long are keys of `auspex_string_eq` ([`StringKey`]), longer ones of
/// `auspex_string_eq_long` ([`LongStringKey`]).
pub const STRING_SHORT_MAX: usize = 256;
/// The returnCopy slot after a return trailer (and a returned socket): a char_buf argument
/// (u32 length, bytes, u32 full length) padded to this size.
pub const RETURN_COPY_SLOT: usize = STRING_MAX + 8;
/// Bytes of an LPM-trie string key.
pub const LPM_STRING_MAX: usize = 248;
/// Generic event flag: the process was not in the live-process map.
pub const GENERIC_PROCESS_NOT_FOUND: u32 = 16;
/// Generic event flag: an enforcement action failed.
pub const GENERIC_ACTION_FAILED: u32 = 32;
/// Generic event flag: the arguments end with a [`ReturnTrailer`] (return probes).
pub const GENERIC_HAS_RETURN: u32 = 64;
/// Generic event flag: the arguments end with a kernel stack (see [`StackTrailer`]).
pub const GENERIC_KERNEL_STACK: u32 = 2;
/// Generic event flag: the arguments end with a user stack (see [`StackTrailer`]).
pub const GENERIC_USER_STACK: u32 = 4;
/// Generic event flag: the arguments end with an [`ImaTrailer`] (imaHash).
pub const GENERIC_IMA_HASH: u32 = 8;
/// Frames kept per stack.
pub const STACK_DEPTH: usize = 64;
/// String argument length flag: cut at [`STRING_MAX`].
pub const ARG_TRUNCATED: u32 = 0x8000_0000;

/// C: `struct auspex_arg_spec`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ArgSpec {
    /// Offset in the record.
    pub offset: u16,
    /// Field size.
    pub size: u16,
    /// `AUSPEX_ARG_*` read kind.
    pub kind: u8,
    /// `char_buf`: bytes of the length argument (1, 2, 4, 8).
    pub size_width: u8,
    /// `char_buf`: offset in the record of the argument holding the buffer's length.
    pub size_offset: u16,
    /// `resolve:` steps used (0: a plain read of the record).
    pub nsteps: u8,
    /// The path starts from the current task (`data` entries).
    pub from_task: u8,
    /// Record offset of the pointer the path starts from.
    pub resolve_from: u16,
    /// Buffers: send up to [`DATA_MAX`] bytes in [`MSG_DATA`] chunks (`maxData`).
    pub max_data: u8,
    /// The `resolve:` steps follow user-space pointers (uprobes/USDTs with `btfPath`).
    pub resolve_user: u8,
    /// Padding.
    pub pad: [u8; 2],
    /// The path.
    pub steps: [ResolveStep; MAX_RESOLVE_STEPS],
}

/// Steps of a `resolve:` path (`AUSPEX_MAX_RESOLVE_STEPS`).
pub const MAX_RESOLVE_STEPS: usize = 10;

/// C: `struct auspex_resolve_step`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResolveStep {
    /// Bytes added to the current value.
    pub offset: u32,
    /// Bytes loaded from there (0: the address is the value).
    pub load: u8,
    /// Padding.
    pub pad: [u8; 3],
}

/// C: `struct auspex_hook_config`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HookConfig {
    /// Arguments used.
    pub nargs: u32,
    /// Selectors used.
    pub nselectors: u32,
    /// Record bytes to copy.
    pub record_size: u32,
    /// Record op of the events.
    pub msg_op: u32,
    /// Arguments.
    pub args: [ArgSpec; MAX_HOOK_ARGS],
    /// Selector ids.
    pub selectors: [u32; MAX_SELECTORS],
    /// `HOOK_*` flags.
    pub flags: u32,
    /// 1 + position of the `returnCopy` char_buf argument; 0: none.
    pub return_copy: u32,
    /// Bit i: a selector filters on argument i, which is read before the selectors; the others
    /// are read only for an event that is kept.
    pub filter_args: u32,
    /// A returned object ([`HOOK_RETURN_SOCK`], [`HOOK_RETURN_STR`], [`HOOK_RETURN_CRED`]): how
    /// the return value is read (at offset 0).
    pub ret: ArgSpec,
}

/// Hook flag: kprobe on a syscall wrapper (arguments in the pt_regs it receives).
pub const HOOK_SYSCALL_WRAPPER: u32 = 1;
/// libbpf's `struct __bpf_usdt_spec` (usdt.bpf.h of the libbpf the programs are built with):
/// the agent reads the specs libbpf wrote at attach time to check that a Set action's argument
/// is in memory. Offsets proved against the object's BTF by `tests/abi_layout.rs`.
pub mod usdt_spec {
    /// Argument specs per probe (BPF_USDT_MAX_ARG_CNT).
    pub const ARGS: usize = 12;
    /// Size of one `struct __bpf_usdt_arg_spec`.
    pub const ARG_SPEC_SIZE: usize = 24;
    /// Byte of an argument spec holding `arg_type` (an 8-bit bitfield).
    pub const ARG_TYPE_AT: usize = 8;
    /// Offset of `usdt_cookie` (u64).
    pub const COOKIE_AT: usize = 288;
    /// Offset of `arg_cnt` (i16).
    pub const ARG_CNT_AT: usize = 296;
    /// Size of the struct (the map's value size).
    pub const SIZE: usize = 304;
    /// `BPF_USDT_ARG_CONST`: the argument is a constant.
    pub const ARG_CONST: u8 = 0;
    /// `BPF_USDT_ARG_REG_DEREF`: the argument is in memory at register + offset.
    pub const ARG_REG_DEREF: u8 = 2;
}

/// Per-policy action counters (`auspex_policy_stats` keys), Tetragon's TracingPolicyActionCounters.
pub mod policy_stat {
    /// Events posted.
    pub const POST: u32 = 0;
    /// Signals sent (Sigkill, Signal).
    pub const SIGNAL: u32 = 1;
    /// Signals not sent: monitor mode.
    pub const MONITOR_SIGNAL: u32 = 2;
    /// Return values overridden.
    pub const OVERRIDE: u32 = 3;
    /// Overrides not done: monitor mode.
    pub const MONITOR_OVERRIDE: u32 = 4;
    /// NotifyEnforcer decisions handed to the enforcers.
    pub const NOTIFY_ENFORCER: u32 = 5;
    /// NotifyEnforcer decisions not handed over: monitor mode.
    pub const MONITOR_NOTIFY_ENFORCER: u32 = 6;
    /// USDT arguments written (Set).
    pub const SET: u32 = 7;
    /// Set actions not done: monitor mode.
    pub const MONITOR_SET: u32 = 8;
    /// Number of counters.
    pub const MAX: usize = 9;
}

/// Hook flag: a `data` entry reads a register: the kprobe copies its `struct pt_regs` into the
/// record at `limits::REGS_SCRATCH`.
pub const HOOK_PT_REGS: u32 = 128;
/// Hook flag: the return value is read with [`HookConfig::ret`] (a pointer to a string, file,
/// path, dentry, BPF object or module, …) and sent after the trailer as a string-slot argument
/// in a [`RETURN_COPY_SLOT`]-sized slot.
pub const HOOK_RETURN_STR: u32 = 256;
/// Hook flag: the return value is a `struct cred *`, read with [`HookConfig::ret`] and sent
/// after the [`ReturnTrailer`] as [`Creds`].
pub const HOOK_RETURN_CRED: u32 = 512;
/// Key offset of a 32-bit (i386) syscall number in the syscall hook maps
/// (`AUSPEX_COMPAT_SYSCALL_BASE`); 64-bit numbers are below it.
pub const COMPAT_SYSCALL_BASE: u32 = 512;
/// Hook flag: a return probe (the entry keeps the event, the return posts it).
pub const HOOK_RETURN: u32 = 2;
/// Hook flag: the return value is 32 bits wide (sign-extended before matchReturnArgs).
pub const HOOK_RETURN_INT32: u32 = 4;
/// Hook flag: the return value is a `struct sock *` (or `sk_buff`, `sockaddr`), read with
/// [`HookConfig::ret`] at the return and sent after the [`ReturnTrailer`] as a [`SockInfo`].
pub const HOOK_RETURN_SOCK: u32 = 8;
/// Hook flag: `returnArgAction: TrackSock` on the returned socket.
pub const HOOK_RETURN_TRACKSOCK: u32 = 16;
/// Hook flag: `returnArgAction: UntrackSock` on the returned socket.
pub const HOOK_RETURN_UNTRACKSOCK: u32 = 32;
/// Hook flag: an argument has maxData (`AUSPEX_HOOK_MAX_DATA`).
pub const HOOK_MAX_DATA: u32 = 64;

/// C: `struct auspex_match_arg`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MatchArg {
    /// Argument position.
    pub arg: u8,
    /// Operator.
    pub op: u8,
    /// Inline values used.
    pub nvalues: u8,
    /// Padding.
    pub pad0: u8,
    /// Set id.
    pub set_id: u32,
    /// Inline values.
    pub values: [i64; MAX_MATCH_VALUES],
}

/// C: `struct auspex_match_pids`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MatchPids {
    /// Operator (0 = none).
    pub op: u8,
    /// `AUSPEX_PIDS_*` flags.
    pub flags: u8,
    /// Values used.
    pub nvalues: u8,
    /// Padding.
    pub pad0: u8,
    /// Pids.
    pub values: [u32; MAX_PIDS],
}

/// Ancestors a followChildren matchBinaries looks at.
pub const FOLLOW_CHILDREN_DEPTH: usize = 8;
/// matchBinaries flag: followChildren.
pub const BINARY_FOLLOW_CHILDREN: u8 = 1;
/// matchNamespaces entries per selector.
pub const MAX_NS_FILTERS: usize = 10;
/// matchPIDs entries per selector (`AUSPEX_MAX_PID_FILTERS`).
pub const MAX_PID_FILTERS: usize = 4;
/// Values per matchNamespaces entry.
pub const MAX_NS_VALUES: usize = 4;
/// matchCapabilities(+Changes) entries per selector.
pub const MAX_CAP_FILTERS: usize = 4;

/// C: `struct auspex_match_binary`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MatchBinary {
    /// Operator (0 = none).
    pub op: u8,
    /// `BINARY_*` flags.
    pub flags: u8,
    /// Padding.
    pub pad1: u16,
    /// Set id.
    pub set_id: u32,
}

/// C: `struct auspex_match_ns`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MatchNs {
    /// Namespace kind (field index of `Namespaces`).
    pub kind: u8,
    /// Operator.
    pub op: u8,
    /// Values used.
    pub nvalues: u8,
    /// Padding.
    pub pad0: u8,
    /// Inode numbers.
    pub values: [u32; MAX_NS_VALUES],
}

/// C: `struct auspex_match_caps`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MatchCaps {
    /// 0 effective, 1 inheritable, 2 permitted.
    pub set: u8,
    /// Operator.
    pub op: u8,
    /// 1: compare with the set at exec.
    pub changes: u8,
    /// Padding.
    pub pad0: u8,
    /// isNamespaceCapability: the host user namespace inode (0: any namespace).
    pub user_ns: u32,
    /// Capability bits.
    pub mask: u64,
}

/// C: `struct auspex_action`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Action {
    /// Action id.
    pub kind: u32,
    /// Signal number.
    pub arg: i32,
    /// Post rate limit.
    pub rate_limit_ns: u64,
}

/// C: `struct auspex_selector`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Selector {
    /// matchArgs used.
    pub nmatch_args: u32,
    /// Actions used.
    pub nactions: u32,
    /// matchPIDs entries used.
    pub npids: u32,
    /// Padding.
    pub pad_pids: u32,
    /// matchPIDs (ANDed).
    pub pids: [MatchPids; MAX_PID_FILTERS],
    /// matchBinaries.
    pub binary: MatchBinary,
    /// matchParentBinaries.
    pub parent_binary: MatchBinary,
    /// matchNamespaces used.
    pub nns: u32,
    /// matchCapabilities(+Changes) used.
    pub ncaps: u32,
    /// matchNamespaceChanges operator (0 = none).
    pub ns_changes_op: u8,
    /// Padding.
    pub pad0: u8,
    /// matchNamespaceChanges kinds (bit per kind).
    pub ns_changes_mask: u16,
    /// matchArgs.
    pub match_args: [MatchArg; MAX_MATCH_ARGS],
    /// matchNamespaces.
    pub ns: [MatchNs; MAX_NS_FILTERS],
    /// matchCapabilities(+Changes).
    pub caps: [MatchCaps; MAX_CAP_FILTERS],
    /// Actions.
    pub actions: [Action; MAX_ACTIONS],
    /// matchReturnArgs entries used (ANDed).
    pub nmatch_return: u32,
    /// matchReturnActions used.
    pub nreturn_actions: u32,
    /// matchReturnArgs on the return value.
    pub match_return: [MatchArg; MAX_MATCH_RETURN],
    /// matchReturnActions.
    pub return_actions: [Action; MAX_ACTIONS],
}

/// Bytes of a SubString needle buffer (`AUSPEX_SUBSTRING_BUF`).
pub const SUBSTRING_BUF: usize = 128;

/// C: `struct auspex_substring`: a SubString needle, compared word by word under its mask.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Substring {
    /// Bytes used.
    pub len: u32,
    /// Padding.
    pub pad: u32,
    /// The needle, zero-padded, in native-endian words.
    pub s: [u64; SUBSTRING_BUF / 8],
    /// 0xff for each byte of the needle, 0 after.
    pub mask: [u64; SUBSTRING_BUF / 8],
}

impl Substring {
    /// The entry of `needle` (cut at [`SUBSTRING_BUF`]).
    pub fn new(needle: &[u8]) -> Self {
        let n = needle.len().min(SUBSTRING_BUF);
        let mut bytes = [0u8; SUBSTRING_BUF];
        let mut mask = [0u8; SUBSTRING_BUF];
        bytes[..n].copy_from_slice(&needle[..n]);
        mask[..n].fill(0xff);
        let words = |b: &[u8; SUBSTRING_BUF]| {
            let mut w = [0u64; SUBSTRING_BUF / 8];
            for (dst, chunk) in w.iter_mut().zip(b.chunks_exact(8)) {
                *dst = u64::from_ne_bytes(chunk.try_into().unwrap_or_default());
            }
            w
        };
        Self {
            len: n as u32,
            pad: 0,
            s: words(&bytes),
            mask: words(&mask),
        }
    }
}

/// Instructions of a CelExpr program at most (`AUSPEX_CEL_MAX_INSNS`).
pub const CEL_MAX_INSNS: usize = 32;

/// C: `struct auspex_cel_insn`: one instruction of a CelExpr program.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CelInsn {
    /// Instruction code (`AUSPEX_CEL_*`).
    pub op: u8,
    /// Argument position (push argument).
    pub arg: u8,
    /// Padding.
    pub pad0: u16,
    /// Padding.
    pub pad1: u32,
    /// Value (push value).
    pub imm: i64,
}

/// C: `struct auspex_cel_prog`: a CelExpr program (value of `auspex_cel`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CelProg {
    /// Instructions used.
    pub n: u32,
    /// Padding.
    pub pad: u32,
    /// The instructions.
    pub insns: [CelInsn; CEL_MAX_INSNS],
}

/// C: `struct auspex_ima_trailer`: ends the arguments of an LSM event with imaHash.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImaTrailer {
    /// `enum hash_algo` of the digest, or a negative errno.
    pub algo: i32,
    /// Padding.
    pub pad: u32,
    /// The digest (as long as the algorithm's).
    pub hash: [u8; 64],
}

impl Default for ImaTrailer {
    fn default() -> Self {
        Self {
            algo: 0,
            pad: 0,
            hash: [0; 64],
        }
    }
}

impl ImaTrailer {
    /// Tetragon's `ima_hash`: `sha256:<hex>`; `None` when the kernel gave no digest.
    pub fn render(&self) -> Option<String> {
        // enum hash_algo (include/uapi/linux/hash_info.h): name and digest size.
        const ALGOS: [(&str, usize); 23] = [
            ("md4", 16),
            ("md5", 16),
            ("sha1", 20),
            ("rmd160", 20),
            ("sha256", 32),
            ("sha384", 48),
            ("sha512", 64),
            ("sha224", 28),
            ("rmd128", 16),
            ("rmd256", 32),
            ("rmd320", 40),
            ("wp256", 32),
            ("wp384", 48),
            ("wp512", 64),
            ("tgr128", 16),
            ("tgr160", 20),
            ("tgr192", 24),
            ("sm3", 32),
            ("streebog256", 32),
            ("streebog512", 64),
            ("sha3-256", 32),
            ("sha3-384", 48),
            ("sha3-512", 64),
        ];
        let (name, size) = ALGOS.get(usize::try_from(self.algo).ok()?)?;
        let hex: String = self.hash[..*size]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Some(format!("{name}:{hex}"))
    }
}

/// C: `struct auspex_return_trailer`: ends the arguments of a return probe's event.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReturnTrailer {
    /// The value returned.
    pub ret: i64,
    /// Action id of the matchReturnActions taken, or Post.
    pub action: u32,
    /// Padding.
    pub pad: u32,
    /// The event's time at entry: the maxData chunks of its entry arguments carry it.
    pub entry_ktime: u64,
}

/// C: `struct auspex_stack_trailer`: ends the arguments (before a [`ReturnTrailer`]) when the
/// event has [`GENERIC_KERNEL_STACK`] or [`GENERIC_USER_STACK`]; preceded by `kernel_bytes` of
/// kernel frames then `user_bytes` of user frames (u64 addresses, innermost first).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StackTrailer {
    /// Bytes of kernel frames.
    pub kernel_bytes: u32,
    /// Bytes of user frames.
    pub user_bytes: u32,
}

/// C: `struct auspex_string_key` (values of at most [`STRING_SHORT_MAX`] bytes).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StringKey {
    /// Set id.
    pub set_id: u32,
    /// Bytes used.
    pub len: u32,
    /// Bytes, zero-padded.
    pub s: [u8; STRING_SHORT_MAX],
}

impl Default for StringKey {
    fn default() -> Self {
        Self {
            set_id: 0,
            len: 0,
            s: [0; STRING_SHORT_MAX],
        }
    }
}

/// C: `struct auspex_long_string_key` (values longer than [`STRING_SHORT_MAX`]).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LongStringKey {
    /// Set id.
    pub set_id: u32,
    /// Bytes used.
    pub len: u32,
    /// Bytes, zero-padded.
    pub s: [u8; STRING_MAX],
}

impl Default for LongStringKey {
    fn default() -> Self {
        Self {
            set_id: 0,
            len: 0,
            s: [0; STRING_MAX],
        }
    }
}

/// C: `struct auspex_lpm_key`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LpmKey {
    /// Prefix length in bits (32 + 8 × bytes).
    pub prefixlen: u32,
    /// Set id.
    pub set_id: u32,
    /// Bytes, zero-padded.
    pub s: [u8; LPM_STRING_MAX],
}

impl Default for LpmKey {
    fn default() -> Self {
        Self {
            prefixlen: 0,
            set_id: 0,
            s: [0; LPM_STRING_MAX],
        }
    }
}

/// C: `struct auspex_bpf_prog_info` (`bpf_attr` and `bpf_prog` arguments).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BpfProgInfo {
    /// `enum bpf_prog_type`.
    pub prog_type: u32,
    /// Instructions.
    pub insn_cnt: u32,
    /// Program name (NUL-padded).
    pub name: [u8; 16],
}

/// C: `struct auspex_bpf_map_info` (`bpf_map` arguments).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BpfMapInfo {
    /// `enum bpf_map_type`.
    pub map_type: u32,
    /// Key size.
    pub key_size: u32,
    /// Value size.
    pub value_size: u32,
    /// Capacity.
    pub max_entries: u32,
    /// Map name (NUL-padded).
    pub name: [u8; 16],
}

/// C: `struct auspex_user_ns_info` (`user_namespace` arguments).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserNsInfo {
    /// Nesting level (0: the initial namespace).
    pub level: i32,
    /// Owner uid.
    pub uid: u32,
    /// Owner gid.
    pub gid: u32,
    /// Inode number.
    pub inum: u32,
}

/// C: `struct auspex_module_info` (`module`, `load_info` arguments).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleInfo {
    /// Module name (NUL-terminated).
    pub name: [u8; 56],
    /// 0: signature not verified, 1: verified, 2: unknown (no module signatures).
    pub sig_ok: u32,
    /// Padding.
    pub pad: u32,
    /// Taint bits (`1 << TAINT_*`).
    pub taints: u64,
}

impl Default for ModuleInfo {
    fn default() -> Self {
        Self {
            name: [0; 56],
            sig_ok: 2,
            pad: 0,
            taints: 0,
        }
    }
}

/// C: `struct auspex_perf_event_info` (`perf_event` arguments).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerfEventInfo {
    /// `perf_event_attr.type`.
    pub event_type: u32,
    /// Padding.
    pub pad: u32,
    /// `perf_event_attr.config`.
    pub config: u64,
    /// `perf_event_attr.probe_offset`.
    pub probe_offset: u64,
    /// Function of a perf_kprobe/perf_uprobe event (NUL-padded).
    pub kprobe_func: [u8; 64],
}

impl Default for PerfEventInfo {
    fn default() -> Self {
        Self {
            event_type: 0,
            pad: 0,
            config: 0,
            probe_offset: 0,
            kprobe_func: [0; 64],
        }
    }
}

/// C: `struct auspex_sock_info` (addresses IPv4-mapped for AF_INET, ports in host order).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SockInfo {
    /// Address family.
    pub family: u16,
    /// Socket type.
    pub sock_type: u16,
    /// Protocol.
    pub protocol: u16,
    /// TCP state (`skc_state`).
    pub state: u16,
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
    /// `sk_mark`.
    pub mark: u32,
    /// `sk_priority`.
    pub priority: u32,
    /// Packet length (skb; 0 for a socket).
    pub len: u32,
    /// Socket cookie (sock), or packet hash (skb).
    pub cookie: u64,
    /// Source address.
    pub saddr: [u8; 16],
    /// Destination address.
    pub daddr: [u8; 16],
}

/// C: `struct auspex_addr_key`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddrKey {
    /// 32 + prefix bits.
    pub prefixlen: u32,
    /// Set id.
    pub set_id: u32,
    /// Address (IPv4-mapped for IPv4).
    pub addr: [u8; 16],
}

/// C: `struct auspex_int_key`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IntKey {
    /// Set id.
    pub set_id: u32,
    /// Padding.
    pub pad: u32,
    /// Value.
    pub value: i64,
}

/// C: `struct auspex_generic_event`; followed by the serialised arguments.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GenericEvent {
    /// Header.
    pub hdr: MsgHeader,
    /// Process image.
    pub process: ProcessKey,
    /// Thread id.
    pub tid: u32,
    /// Cookie: policy id << 16 | hook index.
    pub hook_id: u32,
    /// 1-based matching selector (0: hook without selectors).
    pub selector: u32,
    /// Action id taken.
    pub action: u32,
    /// `GENERIC_*` flags.
    pub flags: u32,
    /// Argument bytes following.
    pub args_len: u32,
}

/// C: `struct auspex_data_msg`; followed by `len` bytes.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DataMsg {
    /// Header; `ktime` is the event's.
    pub hdr: MsgHeader,
    /// The event's thread id.
    pub tid: u32,
    /// Position of the argument in the hook.
    pub arg: u32,
    /// Where the bytes go in the buffer.
    pub offset: u32,
    /// Bytes following.
    pub len: u32,
}

/// Plain-old-data ABI structs: every bit pattern is a valid value and there is no implicit padding.
///
/// # Safety
/// Implement only for `#[repr(C)]` structs made of integers and arrays of integers, with all padding
/// explicit (checked by the layout test).
pub unsafe trait Pod: Copy + Default {}

// SAFETY: all fields are integers; padding is explicit (see tests/abi_layout.rs).
unsafe impl Pod for MsgHeader {}
// SAFETY: as above.
unsafe impl Pod for DataMsg {}
// SAFETY: as above.
unsafe impl Pod for ProcessKey {}
// SAFETY: as above.
unsafe impl Pod for Creds {}
// SAFETY: as above.
unsafe impl Pod for Namespaces {}
// SAFETY: as above.
unsafe impl Pod for ExecEvent {}
// SAFETY: as above.
unsafe impl Pod for CloneEvent {}
// SAFETY: as above.
unsafe impl Pod for ExitEvent {}
// SAFETY: as above.
unsafe impl Pod for ProcessEntry {}
// SAFETY: as above.
unsafe impl Pod for ArgSpec {}
// SAFETY: as above.
unsafe impl Pod for ResolveStep {}
// SAFETY: as above.
unsafe impl Pod for HookConfig {}
// SAFETY: as above.
unsafe impl Pod for MatchArg {}
// SAFETY: as above.
unsafe impl Pod for MatchPids {}
// SAFETY: as above.
unsafe impl Pod for MatchBinary {}
// SAFETY: as above.
unsafe impl Pod for Action {}
// SAFETY: as above.
unsafe impl Pod for MatchNs {}
// SAFETY: as above.
unsafe impl Pod for SockInfo {}
// SAFETY: as above.
unsafe impl Pod for BpfProgInfo {}
// SAFETY: as above.
unsafe impl Pod for BpfMapInfo {}
// SAFETY: as above.
unsafe impl Pod for UserNsInfo {}
// SAFETY: as above.
unsafe impl Pod for ModuleInfo {}
// SAFETY: as above.
unsafe impl Pod for PerfEventInfo {}
// SAFETY: as above.
unsafe impl Pod for AddrKey {}
// SAFETY: as above.
unsafe impl Pod for MatchCaps {}
// SAFETY: as above.
unsafe impl Pod for Selector {}
// SAFETY: as above.
unsafe impl Pod for ReturnTrailer {}
// SAFETY: as above.
unsafe impl Pod for ImaTrailer {}
// SAFETY: two u32, no padding.
unsafe impl Pod for StackTrailer {}
// SAFETY: as above.
unsafe impl Pod for Substring {}
// SAFETY: repr(C), integers only, explicit padding.
unsafe impl Pod for CelInsn {}
// SAFETY: repr(C), integers only, explicit padding.
unsafe impl Pod for CelProg {}
// SAFETY: as above.
unsafe impl Pod for StringKey {}
unsafe impl Pod for LongStringKey {}
// SAFETY: as above.
unsafe impl Pod for LpmKey {}
// SAFETY: as above.
unsafe impl Pod for IntKey {}
// SAFETY: as above.
unsafe impl Pod for GenericEvent {}

/// Reads a `T` from the start of `bytes`, or `None` when there are fewer than `size_of::<T>()` bytes.
pub fn read_struct<T: Pod>(bytes: &[u8]) -> Option<T> {
    if bytes.len() < std::mem::size_of::<T>() {
        return None;
    }
    // SAFETY: length checked above; T is Pod so any bytes are a valid T; read_unaligned copes with
    // the ring buffer's 8-byte alignment being unknown to the compiler.
    Some(unsafe { std::ptr::read_unaligned(bytes.as_ptr().cast::<T>()) })
}

/// The bytes of a `T`, e.g. to write a map value.
pub fn as_bytes<T: Pod>(value: &T) -> &[u8] {
    // SAFETY: T is Pod (no uninitialised padding), so all size_of::<T>() bytes are initialised.
    unsafe {
        std::slice::from_raw_parts((value as *const T).cast::<u8>(), std::mem::size_of::<T>())
    }
}

// Compile-time guard for the sizes; the test checks every offset against BTF.
const _: () = {
    assert!(std::mem::size_of::<MsgHeader>() == 16);
    assert!(std::mem::size_of::<ProcessKey>() == 16);
    assert!(std::mem::size_of::<ExitEvent>() == 40);
};
