//! The selector compiler: a validated [`TracingPolicy`] → the contents of the BPF maps read by the
//! generic hook programs (`bpf/generic_tracepoint.bpf.c`). Pure: what it needs to know about the
//! running kernel (tracepoint record formats, which hook kinds attach, syscall numbers) comes in
//! through [`KernelView`], so the output is a deterministic function of (policy, kernel view).
//!
//! The output mirrors the kernel ABI of `bpf/lib/abi.h` field for field (`auspex_hook_config`,
//! `auspex_selector`, the set-map keys); the agent copies it into the maps unchanged. A policy the
//! in-kernel engine cannot enforce faithfully is refused whole ([`CompileError`]), never loaded
//! weaker: [`compile`] reports every problem of the policy at once, each with the field path.
//!
//! # What the engine supports
//!
//! * Hooks: `tracepoints[]` with `raw: false`; `kprobes[]` on kernel functions and syscalls
//!   (kprobe, or one kprobe.multi link per policy where the kernel has it), raw tracepoints
//!   (`raw: true`, the tracepoint's own arguments typed by the policy), and with `syscall:
//!   true` on a kernel where kprobes do not attach ([`KernelView::kprobes_attach`]) served by the
//!   syscall's `syscalls/sys_enter_<name>` tracepoint and reported as `process_kprobe` with
//!   function `__x64_sys_<name>`; `lsmhooks[]` (BPF-LSM, `process_lsm`); `fentries[]` (fentry);
//!   `uprobes[]` (a symbol or a file offset, `refCtrOffsets`, `binaryDigests`); `usdts[]`
//!   (`process_usdt`, argument locations from the probe's note); `loader: true`
//!   (`process_loader`, from `syscalls/sys_enter_mmap`). `call: "list:NAME"` gives one hook per list entry. Kprobe
//!   argument `index` *i* is the *i*-th function argument; tracepoint `index` counts format fields
//!   from 0, common fields included.
//! * Argument types: `string`/`filename` (a `char *` field, read from user memory in `syscalls/*`
//!   tracepoints and from kernel memory elsewhere; `__data_loc char[]`; `char[N]`), `data_loc`,
//!   the integer types and `syscall64`, `fd`/`file` (path by a dentry walk in the kernel),
//!   `sock`/`socket`, `char_buf` with `sizeArgIndex` or `returnCopy` (read at the return, the
//!   return value as length), `char_iovec` (an iovec array, its count by `sizeArgIndex`),
//!   `iov_iter` (the bytes it still has to move), `const_buf` (a tracepoint's inline array),
//!   `sockaddr`/`sockaddr_un` (kernel copies, or user memory for syscall arguments), and `auto`
//!   (derived from the field's C type; a non-char array is a `const_buf`). Buffers keep their
//!   first [`limits::STRING_MAX`] bytes and their full length; with `maxData` the kernel also
//!   sends the whole buffer (up to [`limits::DATA_MAX`] bytes) in chunks ahead of the event.
//!   Integers are read with the width of their type (`int` = 4 bytes even in the 8-byte slots
//!   of syscall records; the targets are little-endian), capped at the field size.
//!   `resolve:` paths on arguments with BTF types (kernel functions, LSM hooks, raw tracepoints;
//!   `btfType` names the pointee instead, and types tracefs pointer fields, as does a field
//!   declared `struct X *`) and `data` entries (`source: current_task`) become pointer-walk steps ([`resolve`]); the
//!   values of `data` entries follow the arguments and are matched by `matchData`. On uprobes
//!   and USDTs, `btfPath` (the binary's BTF file) types the paths, walked in user memory.
//! * Arguments the selectors filter on ([`CompiledPolicy::filter_args`]) are read before the
//!   selectors run, the others only for an event that is kept.
//! * Selectors: `matchPIDs` (at most [`limits::MAX_PID_FILTERS`] entries, ANDed), `matchBinaries` (In/NotIn/Prefix/NotPrefix/Postfix/
//!   NotPostfix, with `followChildren` looking at [`limits::FOLLOW_CHILDREN_DEPTH`] ancestors),
//!   `matchParentBinaries` (the same on the parent's binary, from the live-process map),
//!   `matchNamespaces` (In/NotIn; at most [`limits::MAX_NS_FILTERS`] entries of at most
//!   [`limits::MAX_NS_VALUES`] decimal inode numbers or `host_ns`, resolved through
//!   [`KernelView::host_namespace`]), `matchCapabilities` and `matchCapabilityChanges` (In/NotIn,
//!   at most [`limits::MAX_CAP_FILTERS`] together; `isNamespaceCapability` compares with the
//!   host user namespace),
//!   `matchNamespaceChanges` (one entry, In/NotIn), `matchArgs` (strings: Equal, NotEqual, Prefix,
//!   NotPrefix, Postfix, NotPostfix, SubString, SubStringIgnCase (at most
//!   [`limits::MAX_MATCH_VALUES`] needles of at most [`limits::SUBSTRING_MAX`] bytes); integers:
//!   Equal, NotEqual, GT, LT, Mask, InRange, NotInRange,
//!   InMap, NotInMap with `a:b` ranges and `list:` values; sockets: addresses, ports, protocol,
//!   family, state), `matchActions` Post (rate limit per thread, process or all; kernel and
//!   user stack traces on kprobes and fentries; the IMA hash of an LSM hook's file with
//!   `imaHash`), NoPost, Sigkill, Signal, GetUrl,
//!   DnsLookup, Override (LSM hooks; `security_*` kprobes through fmod_ret; syscall kprobes
//!   through `bpf_override_return` where the kernel has it), Set (USDT arguments in memory,
//!   bpf_probe_write_user); `matchReturnArgs` (up to [`limits::MAX_MATCH_RETURN`] entries,
//!   ANDed; integer or socket operators) on hooks with `return: true`, whose event is posted at the return
//!   (kretprobe, or the raw `sys_exit` tracepoint) with `returnArg` (integer types). Macros are
//!   expanded first; `return: true` on fentries adds an fexit program. Not supported:
//!   `matchWorkloads`.
//!   `matchReturnActions` (Post, NoPost, Sigkill, Signal, GetUrl, DnsLookup) run at the return.
//!
//! Everything else is refused with a [`CompileError`] saying it is not supported by the in-kernel
//! engine yet, or what the kernel lacks.
//!
//! # Ids
//!
//! The hook id (attach cookie) is the index in [`CompiledPolicy::hooks`], the selector id the
//! index in [`CompiledPolicy::selectors`]. Set ids are allocated per policy from 1, in order:
//! for each hook, each selector, its `matchBinaries` then each of its `matchArgs` that needs a set
//! (string operators, InMap/NotInMap). Nothing is deduplicated: every hook of a `list:` call has
//! its own selectors and sets. Set id 0 means "no set".
//!
//! [`reference`](mod@reference) holds a pure evaluator of the same semantics, used to check the
//! kernel engine differentially.

use crate::error::FieldPath;
use crate::model::{
    ActionSelector, ArgSelector, BinarySelector, CapabilitiesSelector, KProbeArg, KProbeSelector,
    KProbeSpec, NamespaceChangesSelector, NamespaceSelector, PidSelector, PolicyKind,
    TracepointSpec, TracingPolicy,
};
use crate::names::{
    ActionKind, ArgType, CapabilitySet, ListType, NamespaceKind, PolicyMode, RateLimitScope,
    SelectorOp,
};
use crate::values;

pub mod cel;
pub mod reference;
pub mod resolve;
pub mod syscalls_i386;
pub mod syscalls_x86_64;
#[cfg(test)]
mod tests;

/// Capacity constants shared with `bpf/lib/abi.h`.
pub mod limits {
    /// Arguments per hook.
    pub const MAX_HOOK_ARGS: usize = 5;
    /// Arguments of a USDT probe libbpf locates (BPF_USDT_MAX_ARG_CNT).
    pub const USDT_MAX_ARGS: u32 = 12;
    /// Selectors per hook.
    pub const MAX_SELECTORS: usize = 5;
    /// matchArgs per selector.
    pub const MAX_MATCH_ARGS: usize = 5;
    /// matchReturnArgs entries per selector.
    pub const MAX_MATCH_RETURN: usize = 5;
    /// Actions per selector.
    pub const MAX_ACTIONS: usize = 3;
    /// Inline values per matchArgs entry (4 ints, or 4 ranges as min,max pairs).
    pub const MAX_MATCH_VALUES: usize = 8;
    /// Values per matchPIDs.
    pub const MAX_PIDS: usize = 4;
    /// matchPIDs entries per selector.
    pub const MAX_PID_FILTERS: usize = 4;
    /// matchNamespaces entries per selector.
    pub const MAX_NS_FILTERS: usize = 10;
    /// Values per matchNamespaces entry.
    pub const MAX_NS_VALUES: usize = 4;
    /// matchCapabilities + matchCapabilityChanges entries per selector.
    pub const MAX_CAP_FILTERS: usize = 4;
    /// Ancestors a matchBinaries `followChildren` looks at.
    pub const FOLLOW_CHILDREN_DEPTH: usize = 8;
    /// maxData: bytes of one buffer argument sent at most (in chunks after the event's head).
    pub const DATA_MAX: usize = 327_360;
    /// Bytes of a string argument captured and compared (Tetragon: 4096 on kernels ≥ 5.11).
    pub const STRING_MAX: usize = 4096;
    /// Bytes of a SubString needle (Tetragon: under 100 characters).
    pub const SUBSTRING_MAX: usize = 99;
    /// Bytes of a Prefix/Postfix entry (`AUSPEX_LPM_STRING_MAX`: the LPM trie key holds 256
    /// bytes, the set id takes 4 of them).
    pub const LPM_STRING_MAX: usize = 248;
    /// Inline integer values of Equal/NotEqual/GT/LT/Mask (and ranges of InRange/NotInRange).
    pub const MAX_INT_VALUES: usize = MAX_MATCH_VALUES / 2;
    /// Record offset of the scratch slots (8 bytes per argument position) where the kernel puts
    /// resolved values; past every record a resolvable hook has (register hooks use 64 bytes).
    pub const RESOLVE_SCRATCH: usize = RECORD_MAX - 64;
    /// Record offset where a kprobe with `source: pt_regs` data entries finds a copy of its
    /// `struct pt_regs` (after the 64 bytes of syscall number and arguments).
    pub const REGS_SCRATCH: usize = 64;
    /// Bytes of that copy (`struct pt_regs` of x86_64).
    pub const REGS_SIZE: usize = 168;
    /// Bytes of a tracepoint record the programs copy (`AUSPEX_RECORD_MAX`,
    /// `bpf/lib/selectors.h`): every argument must lie inside.
    pub const RECORD_MAX: usize = 512;
    /// Key offset of an i386 syscall number in the syscall hook tables
    /// (`AUSPEX_COMPAT_SYSCALL_BASE`); i386 numbers are below it.
    pub const COMPAT_SYSCALL_BASE: u32 = 512;
    /// Values one InMap/NotInMap filter may expand to (ranges and lists are expanded element by
    /// element). Compiler-side bound, not an ABI constant.
    pub const MAX_INT_SET_VALUES: usize = 1024;
    /// Hooks of one trampoline kind (LSM, fentry, fmod_ret) per policy: program slots of the
    /// BPF object (`AUSPEX_TRAMPOLINE_SLOTS`).
    pub const TRAMPOLINE_SLOTS: usize = 6;
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
    /// `SubString` (values: indexes into [`CompiledPolicy::substrings`](super::CompiledPolicy)).
    pub const SUBSTRING: u8 = 33;
    /// `SubStringIgnCase` (ASCII case-insensitive; needles stored lowercased).
    pub const SUBSTRING_IGNCASE: u8 = 34;
    /// `FileType` (values: `S_IFMT` bits of the file's mode).
    pub const FILE_TYPE: u8 = 36;
    /// `NotFileType`.
    pub const NOT_FILE_TYPE: u8 = 37;
    /// `CelExpr`: set_id = the program's index in [`super::CompiledPolicy::cel_programs`].
    pub const CEL: u8 = 35;
    /// `SAddr` (CIDR set).
    pub const SADDR: u8 = 13;
    /// `DAddr`.
    pub const DADDR: u8 = 14;
    /// `SPort` (port ranges as min,max pairs).
    pub const SPORT: u8 = 15;
    /// `DPort`.
    pub const DPORT: u8 = 16;
    /// `Protocol`.
    pub const PROTOCOL: u8 = 17;
    /// `NotSPort`.
    pub const NOT_SPORT: u8 = 18;
    /// `NotDPort`.
    pub const NOT_DPORT: u8 = 19;
    /// `SPortPriv` (port < 1024).
    pub const SPORT_PRIV: u8 = 20;
    /// `NotSPortPriv`.
    pub const NOT_SPORT_PRIV: u8 = 21;
    /// `DPortPriv`.
    pub const DPORT_PRIV: u8 = 22;
    /// `NotDPortPriv`.
    pub const NOT_DPORT_PRIV: u8 = 23;
    /// `NotSAddr`.
    pub const NOT_SADDR: u8 = 24;
    /// `NotDAddr`.
    pub const NOT_DADDR: u8 = 25;
    /// `Family`.
    pub const FAMILY: u8 = 28;
    /// `CapabilitiesGained`: `arg` is the new set, `set_id` the position of the old one,
    /// `values[0]` the mask of the capabilities looked for.
    pub const CAPS_GAINED: u8 = 30;
    /// `State`.
    pub const STATE: u8 = 29;
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
    /// TrackSock (`arg`: record offset of the socket argument).
    pub const TRACKSOCK: u32 = 10;
    /// UntrackSock.
    pub const UNTRACKSOCK: u32 = 11;
    /// Return `arg` (argError) from the hooked function instead of running it (or as the LSM
    /// verdict).
    pub const OVERRIDE: u32 = 4;
    /// Hand the decision to the policy's enforcer programs (`spec.enforcers`): at the next
    /// enforced syscall of this thread, return `arg` (argError, 0: run it) and send
    /// `rate_limit_ns` (argSig, 0: none).
    pub const NOTIFY_ENFORCER: u32 = 12;
    /// Drop a pending NotifyEnforcer decision of this thread.
    pub const CLEANUP_ENFORCER: u32 = 13;
    /// Write `rate_limit_ns` (argValue) over USDT argument `arg` (its probe index) where the
    /// probe's note puts it in memory.
    pub const SET: u32 = 14;
}

/// Bit 31 of a `syscall64` value: the syscall was made through the 32-bit compat ABI.
pub const SYSCALL64_COMPAT: u32 = 0x8000_0000;

/// Post: `arg` bit asking for the kernel stack (`kernelStackTrace`); the low byte is the rate
/// limit scope.
pub const POST_KERNEL_STACK: i32 = 0x100;
/// Post: `arg` bit asking for the user stack (`userStackTrace`).
pub const POST_USER_STACK: i32 = 0x200;
/// Post: `arg` bit asking for the IMA hash of the LSM hook's file (`imaHash`): the event waits
/// for the hook's sleepable program.
pub const POST_IMA_HASH: i32 = 0x400;
/// [`CompiledHook::ima`]: the hashed file is the hook's first argument (a `struct file *`).
pub const IMA_FILE: u8 = 1;
/// [`CompiledHook::ima`]: the hashed file is the `file` of the hook's first argument (a
/// `struct linux_binprm *`).
pub const IMA_BPRM: u8 = 2;

/// How the kernel reads an argument from the tracepoint record (`AUSPEX_ARG_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ArgRead {
    /// `nop`: nothing is read (8 zero bytes in the record, nothing in the event).
    Nop = 0,
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
    /// An integer file descriptor of the current task, resolved in the kernel to the file's path
    /// (dentry walk) and mode.
    Fd = 7,
    /// A `struct file *`, resolved to its path and mode.
    FilePtr = 8,
    /// A `struct sock *`, read into family, type, protocol, state, ports and addresses.
    Sock = 9,
    /// `char_buf`: a pointer to user bytes whose length is another argument
    /// ([`CompiledArg::size_offset`]); the first [`limits::STRING_MAX`] bytes are captured.
    UserBuf = 10,
    /// A `struct path *`, resolved to its path and mode.
    PathPtr = 11,
    /// A `struct linux_binprm *`: its file's path and mode.
    Binprm = 12,
    /// `char_buf` in kernel memory (kernel functions), as [`ArgRead::UserBuf`].
    KernelBuf = 13,
    /// A `struct cred *`: ids, securebits, capability sets, user namespace.
    Cred = 14,
    /// A `struct sk_buff *`: addresses, ports, protocol from its headers (matched like a socket).
    Skb = 15,
    /// A `struct sockaddr *` in kernel memory: family, address (in `saddr`) and port (in
    /// `sport`) of a socket record (matched with Family/SAddr/SPort).
    Sockaddr = 16,
    /// A `struct net_device *`: its name, as a string.
    NetDevice = 17,
    /// A `union bpf_attr *` of BPF_PROG_LOAD: program type, instruction count, name.
    BpfAttr = 18,
    /// A `struct bpf_prog *`: program type, instruction count, name.
    BpfProg = 19,
    /// A `struct bpf_map *`: map type, key/value sizes, capacity, name.
    BpfMap = 20,
    /// A `struct perf_event *`: type, config, probe offset, function of a kprobe/uprobe PMU.
    PerfEvent = 21,
    /// A `struct user_namespace *`: level, owner, group, inode.
    UserNs = 22,
    /// A `struct dentry *`: its path within its filesystem (no mount to cross), and mode.
    Dentry = 23,
    /// A `struct kiocb *`: its file's path and mode (`ki_filp`).
    Kiocb = 24,
    /// A `struct module *`: name, signature verdict, taints.
    Module = 25,
    /// A `struct load_info *` (a module being loaded): name, signature verdict, taints.
    LoadInfo = 26,
    /// A syscall number (`syscall64`): bit 31 set ([`SYSCALL64_COMPAT`]) when the task is in a
    /// 32-bit compat syscall.
    Syscall64 = 27,
    /// `const_buf`: [`CompiledArg::size`] bytes inline in the record (a tracepoint array field),
    /// the first [`limits::STRING_MAX`] captured.
    ConstBuf = 28,
    /// `char_iovec`: a `struct iovec *` (the array in user or kernel memory, the buffers in user
    /// memory) whose count is another argument ([`CompiledArg::size_offset`]); the bytes of its
    /// first 8 segments, up to [`limits::STRING_MAX`].
    Iovec = 29,
    /// A `struct iov_iter *`: the bytes it still has to transfer (user buffer, iovecs or kvecs).
    IovIter = 30,
    /// A `struct sockaddr *` in user memory (syscall arguments), as [`ArgRead::Sockaddr`].
    UserSockaddr = 31,
    /// A `struct sockaddr *` in kernel memory read as `sockaddr_un`: the AF_UNIX path (an abstract
    /// name starts with `@`) and the family.
    SockaddrUn = 32,
    /// [`ArgRead::SockaddrUn`] in user memory.
    UserSockaddrUn = 33,
    /// Another `__data_loc` array (`u8[]`, `u64[]`, …): its bytes, then their full length.
    DataLocBytes = 34,
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
    /// `file_arg` (path and permission).
    File,
    /// `sock_arg`.
    Sock,
    /// `path_arg` (path and permission).
    Path,
    /// `linux_binprm_arg` (path and permission).
    Binprm,
    /// `process_credentials_arg`.
    Cred,
    /// `skb_arg`.
    Skb,
    /// `syscall_id` (`syscall64`: the number and its ABI).
    SyscallId,
    /// `capability_arg` (number and name).
    Capability,
    /// `bpf_cmd_arg` (the BpfCmd enum).
    BpfCmd,
    /// `sockaddr_arg` (family, address, port).
    Sockaddr,
    /// `string_arg` holding an integer's decimal text (a `resolve:` path of type `string` that
    /// ends at an integer member).
    DecimalString,
    /// `bpf_attr_arg`.
    BpfAttr,
    /// `bpf_prog_arg`.
    BpfProg,
    /// `bpf_map_arg`.
    BpfMap,
    /// `perf_event_arg`.
    PerfEvent,
    /// `user_ns_arg`.
    UserNs,
    /// `module_arg`.
    Module,
    /// `kernel_cap_t_arg` (16 hex digits).
    KernelCapT,
    /// `cap_inheritable_arg`.
    CapInheritable,
    /// `cap_permitted_arg`.
    CapPermitted,
    /// `cap_effective_arg`.
    CapEffective,
    /// `sockaddrun_arg` (family and path).
    SockaddrUn,
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
    /// [`ArgRead::UserBuf`]: offset in the record of the argument holding the length (0: none).
    pub size_offset: u16,
    /// [`ArgRead::UserBuf`]: width in bytes of that argument.
    pub size_width: u8,
    /// `resolve:` (and `data` entries): the value read is found by following these steps from
    /// the pointer in the record at [`ArgResolve::from`], or from the current task; the kernel
    /// leaves it in the record's scratch slot at `offset` ([`limits::RESOLVE_SCRATCH`]).
    pub resolve: Option<ArgResolve>,
    /// `maxData` (char_buf, char_iovec, iov_iter): the whole buffer, up to
    /// [`limits::DATA_MAX`] bytes, follows the event in data chunks.
    pub max_data: bool,
}

impl CompiledArg {
    /// An argument read from the record as it is (no label, length argument or resolve path).
    pub fn new(offset: u16, size: u16, read: ArgRead, render: ArgRender) -> Self {
        Self {
            offset,
            size,
            read,
            render,
            label: None,
            size_offset: 0,
            size_width: 0,
            resolve: None,
            max_data: false,
        }
    }
}

/// A `resolve:` path compiled to steps (see [`resolve`](mod@resolve)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgResolve {
    /// Start from the current task (`data` entries with `source: current_task`) instead of the
    /// pointer in the record.
    pub from_task: bool,
    /// Record offset of the pointer the path starts from (unless `from_task`).
    pub from: u16,
    /// The pointers are user-space ones (uprobes and USDTs with `btfPath`).
    pub user: bool,
    /// At most [`resolve::MAX_RESOLVE_STEPS`] steps; the last one leaves the value the read
    /// kind expects in place of the record field (an integer, or a pointer/address).
    pub steps: Vec<resolve::ResolveStep>,
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
    /// A kprobe at kernel function entry (arguments from the registers).
    Kprobe {
        /// Kernel function (`__x64_sys_openat` for a syscall).
        function: String,
        /// The function is a syscall wrapper: the arguments are in the `pt_regs` it receives.
        syscall: bool,
        /// A selector overrides the return value (`bpf_override_return`; error-injectable
        /// functions only, so never on a kprobe.multi link shared with other functions).
        override_return: bool,
    },
    /// A BPF-LSM program on `bpf_lsm_<hook>` (the return value is the LSM verdict).
    Lsm {
        /// Hook name without `security_`, e.g. `file_open`.
        hook: String,
    },
    /// An fentry (BPF trampoline) program at kernel function entry.
    Fentry {
        /// Kernel function.
        function: String,
        /// The function is a syscall wrapper: the arguments are in the `pt_regs` it receives.
        syscall: bool,
    },
    /// A raw tracepoint (`raw: true`): the tracepoint's own arguments, attached by event name.
    RawTracepoint {
        /// Event name, e.g. `sched_process_exec`.
        event: String,
    },
    /// An fmod_ret program: a kprobe hook with Override on a `security_*` function, where the
    /// kernel allows a trampoline to replace the return value.
    FmodRet {
        /// Kernel function (`security_*`).
        function: String,
    },
    /// A uprobe at function entry.
    Uprobe {
        /// Path of the ELF file.
        path: String,
        /// Function symbol; empty for an `offsets` entry.
        symbol: String,
        /// File offset (`offsets`), or 0 with a symbol or an address.
        offset: u64,
        /// Virtual address in the file's own address space (`addrs`, what `nm` prints), 0 for
        /// none: the agent maps it to a file offset through the ELF program headers.
        address: u64,
        /// File offset of the reference counter (semaphore) the kernel raises while the probe
        /// is attached (`refCtrOffsets`), 0 for none.
        ref_ctr_offset: u64,
        /// `binaryDigests`: SHA-256 digests (lowercase hex) one of which the file must have; empty
        /// for any file.
        digests: Vec<String>,
        /// `ignore.digestVerificationFailure`: skip the probe (instead of refusing the policy)
        /// when the file's digest is not listed.
        skip_on_digest_mismatch: bool,
        /// A selector overrides the return value: the probe's program writes its registers
        /// (return value, and a return to the caller instead of the function).
        override_return: bool,
    },
    /// A USDT probe (a uprobe at the probe's address; arguments located by libbpf).
    Usdt {
        /// Path of the ELF file.
        path: String,
        /// Provider.
        provider: String,
        /// Probe name.
        name: String,
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
    /// `process_uprobe` with `path` and `symbol`.
    Uprobe {
        /// ELF path.
        path: String,
        /// Symbol (empty for an `offsets` entry).
        symbol: String,
        /// `offsets` entry (0 with a symbol).
        offset: u64,
        /// `refCtrOffsets` entry (0: none).
        ref_ctr_offset: u64,
    },
    /// `process_kprobe` with `function_name` (a `syscall: true` kprobe served by the syscall
    /// tracepoint on a kernel without kprobes).
    Kprobe {
        /// Function name as Tetragon reports it (e.g. `__x64_sys_openat`).
        function_name: String,
    },
    /// `process_lsm` with `function_name` (the hook name, e.g. `file_open`).
    Lsm {
        /// LSM hook name.
        function_name: String,
    },
    /// `process_usdt` with `path`, `provider` and `name`.
    Usdt {
        /// ELF path.
        path: String,
        /// Provider.
        provider: String,
        /// Probe name.
        name: String,
    },
    /// `process_loader` (`loader: true`): the first argument is the mapped file (an `fd`).
    Loader,
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
    /// Arguments, in spec order, then the `data` entries.
    pub args: Vec<CompiledArg>,
    /// How many of `args` (the last ones) are `data` entries (reported in the event's `data`).
    pub data: usize,
    /// Ids (indexes into [`CompiledPolicy::selectors`]) of this hook's selectors, in order.
    pub selectors: Vec<u32>,
    /// `message`.
    pub message: Option<String>,
    /// `tags`.
    pub tags: Vec<String>,
    /// For a `syscalls/sys_enter_<name>` hook whose arguments are all syscall arguments: the
    /// syscall number, so the agent can serve it from the raw `sys_enter` tracepoint (much cheaper
    /// per call) with the record rebuilt from the registers.
    pub syscall_nr: Option<u32>,
    /// `syscall_nr` is a 32-bit (i386) syscall number: the hook is a `__ia32_sys_*` syscall
    /// kprobe, served by the raw syscall tracepoints for calls made through IA32 emulation.
    pub compat_syscall: bool,
    /// `return: true`: the event is posted when the call returns (kretprobe, or the raw
    /// `sys_exit` tracepoint for a syscall hook served by tracepoints).
    pub returns: bool,
    /// `returnArg`: how the return value is rendered (`None`: not reported).
    pub return_arg: Option<CompiledArg>,
    /// `returnArgAction` TrackSock/UntrackSock ([`action`] id) on the returned socket.
    pub return_arg_action: Option<u32>,
    /// Position in `args` of the `char_buf` argument with `returnCopy`: its buffer is read when
    /// the call returns (as many bytes as it returned) and sent after the return value; the hook
    /// then `returns`.
    pub return_copy: Option<u8>,
    /// A `data` entry reads a register: the kprobe copies its `struct pt_regs` to the record at
    /// [`limits::REGS_SCRATCH`].
    pub pt_regs: bool,
    /// imaHash on an LSM hook: where its file is ([`IMA_FILE`], [`IMA_BPRM`]); 0 for none.
    pub ima: u8,
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
    /// `followChildren`: a process also *hits* when one of its
    /// [`limits::FOLLOW_CHILDREN_DEPTH`] nearest ancestors' binaries does.
    pub follow_children: bool,
}

/// Namespace kinds in kernel order (`auspex_namespaces` field order; the index is the kind id).
pub const NAMESPACE_KINDS: [&str; 10] = [
    "Uts",
    "Ipc",
    "Mnt",
    "Pid",
    "PidForChildren",
    "Net",
    "Time",
    "TimeForChildren",
    "Cgroup",
    "User",
];

/// One matchNamespaces entry (`auspex_match_ns`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledNamespaces {
    /// Kind id: index in [`NAMESPACE_KINDS`].
    pub kind: u8,
    /// [`op::IN`] or [`op::NOT_IN`].
    pub op: u8,
    /// Inode numbers (`host_ns` resolved through [`KernelView::host_namespace`]).
    pub values: Vec<u32>,
}

/// Capability set ids of `auspex_match_caps.set`.
pub mod cap_set {
    /// Effective.
    pub const EFFECTIVE: u8 = 0;
    /// Inheritable.
    pub const INHERITABLE: u8 = 1;
    /// Permitted.
    pub const PERMITTED: u8 = 2;
}

/// One matchCapabilities or matchCapabilityChanges entry (`auspex_match_caps`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledCapabilities {
    /// [`cap_set`] id.
    pub set: u8,
    /// [`op::IN`] or [`op::NOT_IN`].
    pub op: u8,
    /// false: matchCapabilities (current set); true: matchCapabilityChanges (current set vs the
    /// set at exec).
    pub changes: bool,
    /// Bit mask of the listed capabilities (bit n = capability n).
    pub mask: u64,
    /// `isNamespaceCapability`: the host user namespace inode; the filter only matches tasks
    /// in another user namespace. 0: any namespace.
    pub host_user_ns: u32,
}

/// An action (`auspex_action`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledAction {
    /// Action id ([`action`]).
    pub kind: u32,
    /// Signal number for Signal (9 for Sigkill); Post: rate limit scope (low byte) and
    /// [`POST_KERNEL_STACK`] / [`POST_USER_STACK`]; 0 otherwise.
    pub arg: i32,
    /// Post rate limit in ns (0 = none).
    pub rate_limit_ns: u64,
    /// GetUrl URL / DnsLookup FQDN, performed by user space.
    pub user_arg: Option<String>,
}

/// One selector (`auspex_selector`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompiledSelector {
    /// matchPIDs entries (all must match).
    pub pids: Vec<CompiledPids>,
    /// matchBinaries, when present.
    pub binary: Option<CompiledBinary>,
    /// matchParentBinaries, when present: the same test on the parent's binary
    /// (`follow_children`: or on one of the parent's nearest ancestors').
    pub parent_binary: Option<CompiledBinary>,
    /// matchArgs.
    pub match_args: Vec<CompiledMatchArg>,
    /// matchNamespaces (all must match).
    pub namespaces: Vec<CompiledNamespaces>,
    /// matchCapabilities and matchCapabilityChanges (all must match).
    pub capabilities: Vec<CompiledCapabilities>,
    /// matchNamespaceChanges: ([`op::IN`] or [`op::NOT_IN`], bit mask of kind ids).
    pub namespace_changes: Option<(u8, u16)>,
    /// Actions; empty means Post.
    pub actions: Vec<CompiledAction>,
    /// matchReturnArgs entries (ANDed), on the return value (`arg` is 0) or the returned
    /// object, a socket or a string (`arg` is [`RETURN_OBJECT_ARG`]).
    pub match_return: Vec<CompiledMatchArg>,
    /// matchReturnActions, run when the call returns (after matchReturnArgs).
    pub return_actions: Vec<CompiledAction>,
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
    /// SubString needles, indexed by the values of their matchArgs entries.
    pub substrings: Vec<Vec<u8>>,
    /// CelExpr programs (`auspex_cel`, keyed by index), referenced by [`op::CEL`] filters.
    pub cel_programs: Vec<Vec<cel::CelInsn>>,
    /// SAddr/DAddr CIDR sets: (set id, prefix bits of the 16-byte address, address). IPv4
    /// networks are IPv4-mapped (`::ffff:a.b.c.d`, prefix + 96).
    pub addr_set: Vec<(u32, u8, [u8; 16])>,
    /// The policy enforces (has Sigkill/Signal actions) — informational.
    pub enforces: bool,
    /// `policy-mode: monitor`: start with enforcement off (Sigkill/Signal are reported, not sent).
    pub monitor: bool,
    /// `spec.enforcers`: the kernel functions (syscall entry points) where an fmod_ret program
    /// carries out NotifyEnforcer decisions (return the error, send the signal).
    pub enforcers: Vec<String>,
}

impl CompiledPolicy {
    /// The arguments of `hook` its selectors filter on, as a bit mask of positions in its `args`
    /// (`auspex_hook_config.filter_args`): the kernel reads these before it evaluates the
    /// selectors and the others only for an event it keeps, so that a call no selector matches
    /// does not pay for reading a socket or a path it would throw away.
    pub fn filter_args(&self, hook: &CompiledHook) -> u32 {
        let mut mask = 0u32;
        let mut set = |arg: u32| {
            if (arg as usize) < limits::MAX_HOOK_ARGS {
                mask |= 1 << arg;
            }
        };
        let selectors = hook
            .selectors
            .iter()
            .filter_map(|&id| self.selectors.get(id as usize));
        for ma in selectors.flat_map(|s| &s.match_args) {
            match ma.op {
                op::CEL => {
                    let program = self.cel_programs.get(ma.set_id as usize);
                    for insn in program.into_iter().flatten() {
                        if insn.op == cel::insn::ARG {
                            set(u32::from(insn.arg));
                        }
                    }
                }
                op::CAPS_GAINED => {
                    // Gained = this set minus the set in `set_id`.
                    set(u32::from(ma.arg));
                    set(ma.set_id);
                }
                _ => set(u32::from(ma.arg)),
            }
        }
        mask
    }
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
    /// Number of a system call named without prefix (`openat`), for `InMap` values taken from a
    /// `syscalls` list. The default knows none, so such filters fail to compile;
    /// [`syscalls_x86_64::number`] is an implementation for x86_64 kernels.
    fn syscall_number(&self, name: &str) -> Option<u32> {
        let _ = name;
        None
    }
    /// Number of a 32-bit compat system call (`dup` of `__ia32_sys_dup`), for `syscalls` lists
    /// naming compat entry points. The default knows none; [`syscalls_i386::number`] is an
    /// implementation for x86_64 kernels with IA32 emulation.
    fn compat_syscall_number(&self, name: &str) -> Option<u32> {
        let _ = name;
        None
    }
    /// True when BPF-LSM programs can run (`bpf` in the kernel's active LSM list).
    fn bpf_lsm(&self) -> bool {
        false
    }
    /// True when BPF trampoline programs (fentry, fmod_ret) load on this kernel.
    fn trampolines(&self) -> bool {
        false
    }
    /// True when fmod_ret programs attach to syscall entry points (`spec.enforcers`): BPF
    /// trampolines, and syscalls on the kernel's error-injection list.
    fn syscall_fmod_ret(&self) -> bool {
        false
    }
    /// True when an fmod_ret program may change `function` (it is on the kernel's
    /// error-injection list). Asked only where [`KernelView::syscall_fmod_ret`] holds; the
    /// default says yes (the load then decides).
    fn fmod_ret_target(&self, _function: &str) -> bool {
        true
    }
    /// Whether uprobe programs may write user memory (`bpf_probe_write_user`, the Set action);
    /// `Err` says why not. The default says yes (the load then decides).
    fn probe_write_user(&self) -> Result<(), String> {
        Ok(())
    }
    /// Whether uprobe programs may write the probe's registers (Override on uprobes; Linux
    /// 6.19+); `Err` says why not. The default says yes (the load then decides).
    fn uprobe_override(&self) -> Result<(), String> {
        Ok(())
    }
    /// Whether sleepable BPF-LSM programs may call `bpf_ima_file_hash` (imaHash); `Err` says
    /// what is missing. The default says yes (the load then decides).
    fn ima_hash(&self) -> Result<(), String> {
        Ok(())
    }
    /// True when kprobe programs may call `bpf_override_return` (CONFIG_BPF_KPROBE_OVERRIDE; the
    /// kernel then allows it on functions of its error-injection list, which includes syscalls).
    fn kprobe_override(&self) -> bool {
        false
    }
    /// Inode number of the host's namespace of kind `kind` (index in [`NAMESPACE_KINDS`]), for
    /// `host_ns` values. The default knows none, so `host_ns` fails to compile.
    fn host_namespace(&self, kind: u8) -> Option<u32> {
        let _ = kind;
        None
    }
    /// The kernel's types (BTF), for `resolve:` paths and `data` entries. The default has none,
    /// so those fail to compile. Called at most once per compilation.
    fn kernel_types(&self) -> Option<Box<dyn resolve::KernelTypes + '_>> {
        None
    }
    /// A user binary's types, from the BTF file at `path` (uprobes' and USDTs' `btfPath`: raw
    /// BTF, or an ELF file with a `.BTF` section). The default reads no files.
    fn user_types(&self, path: &str) -> Result<Box<dyn resolve::KernelTypes + '_>, String> {
        let _ = path;
        Err("BTF files are not read without the agent".into())
    }
    /// A loaded kernel module's types (`btfTypeModule`): its BTF with the kernel's under it.
    /// The default reads none.
    fn module_types(&self, module: &str) -> Result<Box<dyn resolve::KernelTypes + '_>, String> {
        let _ = module;
        Err("module BTF is not read without the agent".into())
    }
    /// The system calls this kernel has, named without prefix (`openat`), for
    /// `generated_syscalls` lists; `None` when unknown (such lists then fail to compile).
    fn syscalls(&self) -> Option<Vec<String>> {
        None
    }
    /// The functions kprobes can attach to (tracefs `available_filter_functions`, without module
    /// suffixes), for `generated_ftrace` lists; `None` when unknown.
    fn traceable_functions(&self) -> Option<Vec<String>> {
        None
    }
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

/// Compiles a validated policy (see the [module documentation](self) for what is supported).
/// Fails with every problem found, deduplicated, in document order.
pub fn compile(
    policy: &TracingPolicy,
    kernel: &dyn KernelView,
) -> Result<CompiledPolicy, Vec<CompileError>> {
    let mut c = Compiler {
        policy,
        kernel,
        out: CompiledPolicy::default(),
        errors: Vec::new(),
        next_set: 1,
        types: None,
        user_types: None,
        module_types: None,
        ima_source: Err(IMA_LSM_ONLY.into()),
    };
    c.run();
    let mut errors: Vec<CompileError> = Vec::with_capacity(c.errors.len());
    for e in c.errors {
        if !errors.contains(&e) {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        Ok(c.out)
    } else {
        Err(errors)
    }
}

/// Parses a tracefs `format` file (`/sys/kernel/tracing/events/<subsys>/<event>/format`) into
/// its fields, in file order, common fields included. An array suffix moves from the name to
/// the type (`unsigned long args[6]` → ctype `unsigned long[6]`, name `args`). `None` when the
/// text holds no field.
pub fn parse_tracepoint_format(text: &str) -> Option<Vec<TracepointField>> {
    let mut fields = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let Some(rest) = line.strip_prefix("field:") else {
            continue;
        };
        let mut decl = None;
        let mut offset = None;
        let mut size = None;
        let mut signed = false;
        for (k, part) in rest.split(';').enumerate() {
            let part = part.trim();
            if k == 0 {
                decl = Some(part);
            } else if let Some(v) = part.strip_prefix("offset:") {
                offset = v.trim().parse::<u16>().ok();
            } else if let Some(v) = part.strip_prefix("size:") {
                size = v.trim().parse::<u16>().ok();
            } else if let Some(v) = part.strip_prefix("signed:") {
                signed = v.trim() == "1";
            }
        }
        let (Some(decl), Some(offset), Some(size)) = (decl, offset, size) else {
            continue;
        };
        let (ctype, name) = split_declaration(decl);
        fields.push(TracepointField {
            ctype,
            name,
            offset,
            size,
            signed,
        });
    }
    (!fields.is_empty()).then_some(fields)
}

/// `const char * filename` → (`const char *`, `filename`); `char comm[16]` → (`char[16]`, `comm`).
fn split_declaration(decl: &str) -> (String, String) {
    let decl = decl.trim();
    let (body, suffix) = match (decl.ends_with(']'), decl.find('[')) {
        (true, Some(i)) => (&decl[..i], &decl[i..]),
        _ => (decl, ""),
    };
    let body = body.trim_end();
    let name_start = body
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(0, |i| i + 1);
    let name = &body[name_start..];
    let ctype = body[..name_start].trim();
    if name.is_empty() || ctype.is_empty() {
        return (format!("{body}{suffix}"), String::new());
    }
    (format!("{ctype}{suffix}"), name.to_owned())
}

/// The syscall of a 32-bit entry point (`dup` of `__ia32_sys_dup`).
pub fn ia32_syscall(call: &str) -> Option<&str> {
    call.strip_prefix("__ia32_sys_")
}

/// The syscall name inside a kprobe `call` or a `syscalls` list entry: without the arch wrapper
/// prefix (`__x64_sys_`, `__arm64_sys_`, `__se_sys_`) and without `sys_`. `Err` for 32-bit
/// (`__ia32_sys_`, `__ia32_compat_sys_`) entry points, whose numbers and registers differ
/// (`__ia32_sys_*` kprobes go through [`ia32_syscall`]).
pub fn syscall_name(call: &str) -> Result<&str, String> {
    if call.starts_with("__ia32_compat_") {
        return Err(format!(
            "{call} is a 32-bit compat syscall entry point (its arguments have compat types); hook the syscall by its __ia32_sys_ or 64-bit name"
        ));
    }
    if call.starts_with("__ia32_") {
        return Err(format!(
            "{call} is a 32-bit (ia32) syscall entry point; hook it from a kprobes entry with syscall: true (served by the raw syscall tracepoints, which tell 32-bit calls apart)"
        ));
    }
    let s = ["__x64_sys_", "__arm64_sys_", "__se_sys_"]
        .iter()
        .find_map(|p| call.strip_prefix(p))
        .unwrap_or(call);
    Ok(s.strip_prefix("sys_").unwrap_or(s))
}

const NOT_YET: &str = "not supported by the in-kernel engine yet";
const CHAR_BUF_SIZE: &str = "char_buf needs sizeArgIndex (the 1-based index of the argument holding the buffer's length) or returnCopy";
const CHAR_IOVEC_COUNT: &str = "char_iovec needs sizeArgIndex (the 1-based index of the argument holding the number of iovecs)";
const IMA_LSM_ONLY: &str =
    "imaHash hashes the file of an LSM hook (lsmhooks); other hooks' events have no ima_hash";

/// Shape of a tracepoint field, from its C type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldShape {
    /// `char *`, `const char *`.
    CharPtr,
    /// Any other pointer.
    Ptr,
    /// `__data_loc char[]`.
    DataLocChar,
    /// Other `__data_loc` arrays.
    DataLocOther,
    /// `char[N]`.
    CharArray,
    /// Other arrays.
    Array,
    /// Integer-like scalar: (bytes, signed).
    Scalar(u16, bool),
}

/// Width and signedness of the C scalar types seen in tracepoint formats.
fn known_scalar(base: &str) -> Option<(u16, bool)> {
    Some(match base {
        "char" | "signed char" | "s8" | "__s8" => (1, true),
        "unsigned char" | "u8" | "__u8" | "bool" | "_Bool" => (1, false),
        "short" | "short int" | "signed short" | "s16" | "__s16" => (2, true),
        "unsigned short" | "unsigned short int" | "u16" | "__u16" | "umode_t" => (2, false),
        "int" | "signed int" | "signed" | "s32" | "__s32" | "pid_t" | "key_serial_t" | "key_t"
        | "clockid_t" | "timer_t" | "mqd_t" | "qid_t" => (4, true),
        "unsigned int" | "unsigned" | "u32" | "__u32" | "uid_t" | "gid_t" | "dev_t" | "gfp_t"
        | "fmode_t" | "__le32" | "__be32" => (4, false),
        "long"
        | "long int"
        | "signed long"
        | "long long"
        | "long long int"
        | "s64"
        | "__s64"
        | "ssize_t"
        | "loff_t"
        | "off_t"
        | "time_t"
        | "__kernel_old_time_t" => (8, true),
        "unsigned long"
        | "unsigned long int"
        | "unsigned long long"
        | "unsigned long long int"
        | "u64"
        | "__u64"
        | "size_t"
        | "aio_context_t" => (8, false),
        _ => return None,
    })
}

fn field_shape(f: &TracepointField) -> FieldShape {
    let ct = f.ctype.trim();
    if let Some(rest) = ct.strip_prefix("__data_loc") {
        let inner = normalize_type(rest.trim().trim_end_matches("[]"));
        return if is_char(&inner) {
            FieldShape::DataLocChar
        } else {
            FieldShape::DataLocOther
        };
    }
    if let Some(i) = ct.find('[') {
        let base = normalize_type(&ct[..i]);
        return if is_char(&base) && !base.contains('*') {
            FieldShape::CharArray
        } else {
            FieldShape::Array
        };
    }
    let stars = ct.matches('*').count();
    if stars > 0 {
        let base = normalize_type(&ct.replace('*', " "));
        return if stars == 1 && is_char(&base) {
            FieldShape::CharPtr
        } else {
            FieldShape::Ptr
        };
    }
    let base = normalize_type(ct);
    match known_scalar(&base) {
        Some((w, s)) => FieldShape::Scalar(w.min(f.size), s),
        None if base.starts_with("unsigned ") => FieldShape::Scalar(f.size, false),
        None => FieldShape::Scalar(f.size, f.signed),
    }
}

const RESOLVE_SYSCALL: &str = "resolve follows kernel pointers; syscall arguments point to user memory (hook the kernel function that receives the kernel object, or use a data entry with source current_task)";

/// What a `resolve:` path starts from.
#[derive(Clone, Copy)]
enum ResolveRoot<'s> {
    /// A kernel function's (or LSM hook's `bpf_lsm_*`) parameter.
    Function(&'s str),
    /// A raw tracepoint's argument.
    RawTracepoint(&'s str),
    /// The current task (`data` entries).
    CurrentTask,
    /// The hook's arguments have no kernel types of their own: `btfType` gives the one to follow.
    BtfTypeOnly,
    /// The hook's arguments have no kernel types to follow (the reason).
    Unavailable(&'static str),
    /// A uprobe's or USDT's argument, typed by the binary's BTF (`btfPath`), in user memory:
    /// `btfType`, or else the parameter of `function` (the probed symbol, when there is one).
    User {
        btf_path: &'s str,
        function: Option<&'s str>,
    },
}

/// Position in the hook's `args` an action's argument number (argSock, argIndex) names: the entry
/// with that `index`, else the entry at that position.
fn action_arg_position(spec_args: &[KProbeArg], idx: u32) -> Option<usize> {
    (spec_args.iter().position(|x| x.index == idx))
        .or_else(|| ((idx as usize) < spec_args.len()).then_some(idx as usize))
}

/// The struct or union `btfType` names (`sk_buff` or `struct sk_buff`).
fn btf_type_root(
    types: &dyn resolve::KernelTypes,
    source: &str,
    a: &KProbeArg,
) -> Result<resolve::TypeId, String> {
    let name = a.btf_type.as_deref().unwrap_or_default();
    let bare = name
        .strip_prefix("struct ")
        .or_else(|| name.strip_prefix("union "))
        .unwrap_or(name)
        .trim();
    types
        .struct_named(bare)
        .ok_or_else(|| format!("btfType {name:?}: {source} has no struct or union of that name"))
}

/// `X` of a tracefs field declared `struct X *` (or `const struct X *`).
fn struct_pointer_field(field: &TracepointField) -> Option<&str> {
    let t = field.ctype.trim();
    let t = t.strip_prefix("const ").unwrap_or(t);
    let inner = t.strip_prefix("struct ")?.strip_suffix('*')?.trim();
    (!inner.is_empty() && !inner.contains(' ') && !inner.contains('*')).then_some(inner)
}

/// The last step of a resolved path and how the value is read, from the declared `type` and the
/// member the path ends at: (steps, read, render, size).
fn resolved_read(
    types: &dyn resolve::KernelTypes,
    ty: ArgType,
    end: resolve::PathEnd,
    path: &str,
) -> Result<(Vec<resolve::ResolveStep>, ArgRead, ArgRender, u16), String> {
    use resolve::TypeShape;
    let leaf = types.shape(end.ty);
    let leaf_name = resolve::type_name(types, end.ty);
    let is_char = |id| matches!(types.shape(id), TypeShape::Int { size: 1, .. });
    let int_leaf = match leaf {
        TypeShape::Int { size, signed, .. } if matches!(size, 1 | 2 | 4 | 8) => {
            Some((size, signed))
        }
        TypeShape::Enum { size } if matches!(size, 1 | 2 | 4 | 8) => Some((size, false)),
        _ => None,
    };
    let mismatch = |want: &str| format!("type {ty} needs {want}; {path} is {leaf_name}");
    // A capability set (`kernel_cap_t`: 64 bits, as `u64 val` or, before 6.3, `u32 cap[2]`),
    // member or pointer: its 64 bits.
    if let Some(render) = cap_set_render(ty) {
        // `struct kernel_cap_struct { u32 cap[2]; }` before 6.3, an anonymous `{ u64 val; }` since.
        let is_cap = |id| match types.shape(id) {
            TypeShape::Composite { name, members, .. } => {
                name == "kernel_cap_struct"
                    || (name.is_empty()
                        && members.len() == 1
                        && members[0].name == "val"
                        && types.size_of(id) == Some(8))
            }
            _ => false,
        };
        let mut steps = end.steps;
        let at_member = resolve::ResolveStep {
            offset: end.offset,
            load: 8,
        };
        match leaf {
            TypeShape::Composite { .. } if is_cap(end.ty) => steps.push(at_member),
            TypeShape::Ptr { to } if is_cap(to) => {
                steps.push(at_member);
                steps.push(resolve::ResolveStep { offset: 0, load: 8 });
            }
            _ => return Err(mismatch("a kernel_cap_t member or a pointer to one")),
        }
        return Ok((steps, ArgRead::Uint, render, 8));
    }
    let (load, read, render, size) = match ty {
        ArgType::String | ArgType::Filename => match (&leaf, int_leaf) {
            (TypeShape::Array { elem, .. }, _) if is_char(*elem) => {
                (0, ArgRead::KernelString, ArgRender::String, 8)
            }
            (TypeShape::Ptr { to }, _) if is_char(*to) => {
                (8, ArgRead::KernelString, ArgRender::String, 8)
            }
            // An integer member asked for as a string (the field notes' `resolve: "pid"`):
            // compared as an integer, reported as its decimal text.
            (_, Some((size, signed))) => (
                size as u8,
                if signed { ArgRead::Int } else { ArgRead::Uint },
                ArgRender::DecimalString,
                size as u16,
            ),
            _ => return Err(mismatch("a char array, a char pointer or an integer")),
        },
        ArgType::Fd => match int_leaf {
            Some((size, _)) => (size as u8, ArgRead::Fd, ArgRender::File, size as u16),
            None => return Err(mismatch("an integer")),
        },
        ArgType::Auto => match (&leaf, int_leaf) {
            (TypeShape::Array { elem, .. }, _) if is_char(*elem) => {
                (0, ArgRead::KernelString, ArgRender::String, 8)
            }
            (TypeShape::Ptr { .. }, _) => (8, ArgRead::Uint, ArgRender::Size, 8),
            (_, Some((size, signed))) => {
                let render = match (signed, size > 4) {
                    (true, false) => ArgRender::Int,
                    (true, true) => ArgRender::Long,
                    (false, false) => ArgRender::Uint,
                    (false, true) => ArgRender::Size,
                };
                let read = if signed { ArgRead::Int } else { ArgRead::Uint };
                (size as u8, read, render, size as u16)
            }
            _ => return Err(format!("type auto cannot read {leaf_name}; name a type")),
        },
        // A buffer: a pointer member (to its bytes), or an array member (the bytes in place).
        ArgType::CharBuf => match leaf {
            TypeShape::Ptr { .. } => (8, ArgRead::KernelBuf, ArgRender::Bytes, 8),
            TypeShape::Array { .. } => (0, ArgRead::KernelBuf, ArgRender::Bytes, 8),
            _ => return Err(mismatch("a pointer or an array member")),
        },
        ArgType::CharIovec => match leaf {
            TypeShape::Ptr { to } if named_struct(types, to, "iovec") => {
                (8, ArgRead::Iovec, ArgRender::Bytes, 8)
            }
            TypeShape::Array { elem, .. } if named_struct(types, elem, "iovec") => {
                (0, ArgRead::Iovec, ArgRender::Bytes, 8)
            }
            _ => return Err(mismatch("a struct iovec pointer or array")),
        },
        ArgType::IovIter => match leaf {
            TypeShape::Ptr { to } if named_struct(types, to, "iov_iter") => {
                (8, ArgRead::IovIter, ArgRender::Bytes, 8)
            }
            _ if named_struct(types, end.ty, "iov_iter") => {
                (0, ArgRead::IovIter, ArgRender::Bytes, 8)
            }
            _ => return Err(mismatch("a struct iov_iter or a pointer to one")),
        },
        // A kernel object (the types of kernel_object_read): a struct member or a pointer to one.
        _ if let Some((want, read, render)) = kernel_object_read(ty) => {
            let named = |id| named_struct(types, id, want);
            let load = match leaf {
                TypeShape::Ptr { to } if named(to) => 8,
                TypeShape::Composite { .. } if named(end.ty) => 0,
                _ => return Err(mismatch(&format!("a struct {want} or a pointer to one"))),
            };
            (load, read, render, 8)
        }
        _ => match int_layout(ty) {
            Some((signed, width, render)) => match (&leaf, int_leaf) {
                (_, Some((size, _))) => (
                    size as u8,
                    if signed { ArgRead::Int } else { ArgRead::Uint },
                    render,
                    width.min(size as u16),
                ),
                (TypeShape::Ptr { .. }, _) => (
                    8,
                    if signed { ArgRead::Int } else { ArgRead::Uint },
                    render,
                    width,
                ),
                _ => return Err(mismatch("an integer or pointer member")),
            },
            // The remaining types name no value at the end of a path.
            None => {
                return Err(format!(
                    "type {ty} cannot end a resolve path ({}); name the member's type (an integer, string, char_buf, file, sock, …)",
                    match ty {
                        ArgType::Nop => "nop reads nothing",
                        ArgType::DataLoc => "data_loc is a tracepoint field's encoding",
                        ArgType::ConstBuf => "const_buf is an array inside a tracepoint record",
                        _ => "not a value type",
                    }
                ));
            }
        },
    };
    let mut steps = end.steps;
    steps.push(resolve::ResolveStep {
        offset: end.offset,
        load,
    });
    Ok((steps, read, render, size))
}

/// `id` is the struct or union `name`.
fn named_struct(types: &dyn resolve::KernelTypes, id: u32, name: &str) -> bool {
    matches!(types.shape(id), resolve::TypeShape::Composite { name: n, .. } if n == name)
}

/// (struct name, read, render) of the types naming a kernel object read through a pointer.
fn kernel_object_read(ty: ArgType) -> Option<(&'static str, ArgRead, ArgRender)> {
    Some(match ty {
        ArgType::SockaddrUn => ("sockaddr", ArgRead::SockaddrUn, ArgRender::SockaddrUn),
        ArgType::BpfAttr => ("bpf_attr", ArgRead::BpfAttr, ArgRender::BpfAttr),
        ArgType::BpfProg => ("bpf_prog", ArgRead::BpfProg, ArgRender::BpfProg),
        ArgType::BpfMap => ("bpf_map", ArgRead::BpfMap, ArgRender::BpfMap),
        ArgType::PerfEvent => ("perf_event", ArgRead::PerfEvent, ArgRender::PerfEvent),
        ArgType::UserNamespace => ("user_namespace", ArgRead::UserNs, ArgRender::UserNs),
        ArgType::Module => ("module", ArgRead::Module, ArgRender::Module),
        ArgType::LoadInfo => ("load_info", ArgRead::LoadInfo, ArgRender::Module),
        ArgType::File => ("file", ArgRead::FilePtr, ArgRender::File),
        ArgType::Path => ("path", ArgRead::PathPtr, ArgRender::Path),
        ArgType::Dentry => ("dentry", ArgRead::Dentry, ArgRender::Path),
        ArgType::Cred => ("cred", ArgRead::Cred, ArgRender::Cred),
        ArgType::LinuxBinprm => ("linux_binprm", ArgRead::Binprm, ArgRender::Binprm),
        ArgType::Kiocb => ("kiocb", ArgRead::Kiocb, ArgRender::File),
        ArgType::Skb => ("sk_buff", ArgRead::Skb, ArgRender::Skb),
        ArgType::Sockaddr => ("sockaddr", ArgRead::Sockaddr, ArgRender::Sockaddr),
        ArgType::NetDevice => ("net_device", ArgRead::NetDevice, ArgRender::String),
        ArgType::Sock | ArgType::Socket => ("sock", ArgRead::Sock, ArgRender::Sock),
        _ => return None,
    })
}

/// How a capability-set type (`kernel_cap_t`, `cap_effective`, …) is reported; `None` for the
/// other types.
fn cap_set_render(ty: ArgType) -> Option<ArgRender> {
    Some(match ty {
        ArgType::KernelCap => ArgRender::KernelCapT,
        ArgType::CapInheritable => ArgRender::CapInheritable,
        ArgType::CapPermitted => ArgRender::CapPermitted,
        ArgType::CapEffective => ArgRender::CapEffective,
        _ => return None,
    })
}

/// Drops qualifiers and collapses blanks: `const  char` → `char`.
fn normalize_type(s: &str) -> String {
    s.split_whitespace()
        .filter(|w| !matches!(*w, "const" | "volatile" | "__user" | "struct_group"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_char(base: &str) -> bool {
    matches!(base, "char" | "unsigned char" | "signed char")
}

/// Arguments read as strings (compared with the string operators); the rest are integers.
pub(crate) fn is_string_read(r: ArgRead) -> bool {
    matches!(
        r,
        ArgRead::UserString
            | ArgRead::KernelString
            | ArgRead::DataLocString
            | ArgRead::CharArray
            | ArgRead::Fd
            | ArgRead::FilePtr
            | ArgRead::UserBuf
            | ArgRead::PathPtr
            | ArgRead::Dentry
            | ArgRead::Binprm
            | ArgRead::Kiocb
            | ArgRead::KernelBuf
            | ArgRead::NetDevice
            | ArgRead::ConstBuf
            | ArgRead::Iovec
            | ArgRead::IovIter
            | ArgRead::SockaddrUn
            | ArgRead::UserSockaddrUn
            | ArgRead::DataLocBytes
    )
}

impl ArgRead {
    /// The kernel captures bytes (a string, a path, a buffer) rather than a number or a record.
    pub fn is_string(self) -> bool {
        is_string_read(self)
    }

    /// How a pointer of this read, returned by a function (`returnArg`), follows the return
    /// trailer of the event; `None` for a plain value.
    pub fn returned_object(self) -> Option<ReturnedObject> {
        match self {
            ArgRead::Sock | ArgRead::Skb | ArgRead::Sockaddr => Some(ReturnedObject::Sock),
            ArgRead::Cred => Some(ReturnedObject::Cred),
            ArgRead::BpfAttr
            | ArgRead::BpfProg
            | ArgRead::BpfMap
            | ArgRead::PerfEvent
            | ArgRead::UserNs
            | ArgRead::Module
            | ArgRead::LoadInfo => Some(ReturnedObject::Slot),
            r if r.is_string() => Some(ReturnedObject::Slot),
            _ => None,
        }
    }

    /// The kernel follows the captured bytes with a u32: a file's mode, a buffer's full length,
    /// a sockaddr_un's family.
    pub fn has_trailer(self) -> bool {
        has_mode(self)
            || matches!(
                self,
                ArgRead::UserBuf
                    | ArgRead::KernelBuf
                    | ArgRead::ConstBuf
                    | ArgRead::Iovec
                    | ArgRead::IovIter
                    | ArgRead::SockaddrUn
                    | ArgRead::UserSockaddrUn
                    | ArgRead::DataLocBytes
            )
    }
}

/// How a returned object follows a return probe's trailer (`AUSPEX_HOOK_RETURN_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnedObject {
    /// A socket record (`AUSPEX_HOOK_RETURN_SOCK`).
    Sock,
    /// A credentials record (`AUSPEX_HOOK_RETURN_CRED`).
    Cred,
    /// An argument of the string slot's shape (`AUSPEX_HOOK_RETURN_STR`): a string, a path, a
    /// BPF object's or module's record.
    Slot,
}

/// `arg` of a matchReturnArgs entry on a returned object: a socket or a string (file, path, …)
/// read at the return into heap slot 0 (`AUSPEX_RETURN_OBJECT_ARG`).
pub const RETURN_OBJECT_ARG: u8 = 0xff;

/// Where a CelExpr is: what its names stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CelSite {
    /// matchArgs: `argN`, `dataN`; an `args:` list renames `argN`.
    Args,
    /// matchData: `argN`, `dataN`.
    Data,
    /// matchReturnArgs: `arg0` is the return value.
    Return,
}

/// Reads that capture a file's mode with its path (the trailer), for FileType.
fn has_mode(r: ArgRead) -> bool {
    matches!(
        r,
        ArgRead::Fd
            | ArgRead::FilePtr
            | ArgRead::PathPtr
            | ArgRead::Dentry
            | ArgRead::Binprm
            | ArgRead::Kiocb
    )
}

/// (signed, width, render) of the integer argument types.
fn int_layout(ty: ArgType) -> Option<(bool, u16, ArgRender)> {
    Some(match ty {
        ArgType::Int | ArgType::S32 => (true, 4, ArgRender::Int),
        ArgType::S16 => (true, 2, ArgRender::Int),
        ArgType::S8 => (true, 1, ArgRender::Int),
        ArgType::U32 => (false, 4, ArgRender::Uint),
        ArgType::U16 => (false, 2, ArgRender::Uint),
        ArgType::U8 => (false, 1, ArgRender::Uint),
        ArgType::SizeT | ArgType::U64 => (false, 8, ArgRender::Size),
        ArgType::Syscall64 => (false, 8, ArgRender::SyscallId),
        ArgType::Capability => (true, 4, ArgRender::Capability),
        ArgType::BpfCmd => (true, 4, ArgRender::BpfCmd),
        ArgType::S64 => (true, 8, ArgRender::Long),
        _ => return None,
    })
}

fn int_arg(signed: bool, width: u16, render: ArgRender, f: &TracepointField) -> CompiledArg {
    let read = match (render, signed) {
        (ArgRender::SyscallId, _) => ArgRead::Syscall64,
        (_, true) => ArgRead::Int,
        (_, false) => ArgRead::Uint,
    };
    CompiledArg::new(f.offset, width, read, render)
}

/// A tracepoint array field read inline as bytes (`const_buf`, or `auto` on a non-char array).
fn const_buf(f: &TracepointField) -> CompiledArg {
    CompiledArg::new(f.offset, f.size, ArgRead::ConstBuf, ArgRender::Bytes)
}

fn truncate_chars(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// How a hook is served, for messages and for the rules that depend on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Served {
    /// A `tracepoints[]` entry.
    Tracepoint,
    /// A `syscall: true` kprobe served by the syscall's tracepoint.
    SyscallKprobe,
    /// A `uprobes[]` entry (arguments from the registers at function entry).
    Uprobe,
    /// A `usdts[]` entry (arguments located by the probe's note).
    Usdt,
    /// A `kprobes[]` entry on a kprobe (arguments from the registers at function entry).
    Kprobe,
    /// A `kprobes[]` entry with Override: a kprobe allowed to call `bpf_override_return`, or an
    /// fmod_ret program.
    KprobeOverride,
    /// An `lsmhooks[]` entry (BPF-LSM: the return value is the verdict).
    Lsm,
    /// An `fentries[]` entry.
    Fentry,
}

impl Served {
    /// The events this hook produces, for messages.
    fn event_kind(self) -> &'static str {
        match self {
            Served::Tracepoint => "tracepoints (process_tracepoint)",
            Served::Uprobe => "uprobes (process_uprobe)",
            Served::Usdt => "USDTs (process_usdt)",
            Served::Lsm => "LSM hooks (process_lsm)",
            Served::SyscallKprobe | Served::Kprobe | Served::KprobeOverride | Served::Fentry => {
                "kprobes (process_kprobe)"
            }
        }
    }
}

/// What the selector compiler needs to know about the hook it compiles for.
#[derive(Clone, Copy)]
struct HookCtx<'h> {
    served: Served,
    /// `args` of the spec entry.
    spec_args: &'h [KProbeArg],
    /// The compiled arguments, by position (`None` where the argument failed to compile).
    args: &'h [Option<CompiledArg>],
    /// Path of the spec entry.
    path: &'h FieldPath,
    /// Why an Override action cannot be served on this hook (for [`Served::Kprobe`]).
    override_refusal: Option<&'h str>,
    /// A return probe: the return value as an argument (`returnArg`, index 0) for
    /// matchReturnArgs; `None` for entry-only hooks.
    ret: Option<ReturnCtx<'h>>,
}

/// The return value of a return probe, shaped like one hook argument.
#[derive(Clone, Copy)]
struct ReturnCtx<'h> {
    spec: &'h [KProbeArg],
    args: &'h [Option<CompiledArg>],
    /// `returnArgAction` TrackSock/UntrackSock ([`action`] id).
    action: Option<u32>,
}

/// The calls a kprobe or fentry entry hooks.
struct Calls {
    /// Its `call`, or the members of its `list:`.
    calls: Vec<String>,
    /// From a generated list, which names what this kernel has: an entry it cannot hook is
    /// skipped, as with ignore.callNotFound.
    generated: bool,
    /// Kernel functions whatever `syscall` says (generated_ftrace).
    functions_only: bool,
}

/// A `btfPath` file's or a kernel module's types, or why they cannot be read.
type UserTypes<'a> = Result<Box<dyn resolve::KernelTypes + 'a>, String>;

/// The types `load` gives for `key`, kept in `cache` until another key is asked for.
fn cached_types<'c, 'a>(
    cache: &'c mut Option<(String, UserTypes<'a>)>,
    key: &str,
    load: impl FnOnce() -> UserTypes<'a>,
) -> Result<&'c (dyn resolve::KernelTypes + 'a), String> {
    if cache.as_ref().is_none_or(|(k, _)| k != key) {
        *cache = Some((key.to_owned(), load()));
    }
    match cache.as_ref().map(|(_, t)| t) {
        Some(Ok(t)) => Ok(t.as_ref()),
        Some(Err(why)) => Err(why.clone()),
        None => Err("no BTF".into()),
    }
}

struct Compiler<'a> {
    policy: &'a TracingPolicy,
    kernel: &'a dyn KernelView,
    out: CompiledPolicy,
    errors: Vec<CompileError>,
    next_set: u32,
    /// [`KernelView::kernel_types`], fetched on first use.
    types: Option<Option<Box<dyn resolve::KernelTypes + 'a>>>,
    /// [`KernelView::user_types`] of the last `btfPath` used (its path, the types or why not).
    user_types: Option<(String, UserTypes<'a>)>,
    /// [`KernelView::module_types`] of the last `btfTypeModule` used.
    module_types: Option<(String, UserTypes<'a>)>,
    /// While an LSM hook's selectors compile: where imaHash finds its file, or why it cannot.
    ima_source: Result<u8, String>,
}

impl Compiler<'_> {
    fn err(&mut self, path: &FieldPath, reason: impl Into<String>) {
        self.errors.push(CompileError {
            path: path.to_string(),
            reason: reason.into(),
        });
    }

    fn not_yet(&mut self, path: &FieldPath, what: &str) {
        self.err(path, format!("{what} is {NOT_YET}"));
    }

    fn limit(&mut self, path: &FieldPath, what: &str, limit: usize, actual: usize) {
        if actual > limit {
            self.err(
                path,
                format!("{actual} {what}; the in-kernel engine supports at most {limit}"),
            );
        }
    }

    fn new_set(&mut self) -> u32 {
        let id = self.next_set;
        self.next_set += 1;
        id
    }

    fn run(&mut self) {
        let policy = self.policy;
        let spec = &policy.spec;
        let root = FieldPath::from_fields("spec");
        self.check_scope();
        for (i, l) in spec.lsm_hooks.iter().enumerate() {
            self.lsm_hook(l, &root.field("lsmhooks").index(i));
        }
        for (i, u) in spec.uprobes.iter().enumerate() {
            self.uprobe(u, &root.field("uprobes").index(i));
        }
        for (i, u) in spec.usdts.iter().enumerate() {
            self.usdt(u, &root.field("usdts").index(i));
        }
        for (i, f) in spec.fentries.iter().enumerate() {
            self.fentry(f, &root.field("fentries").index(i));
        }
        for (i, k) in spec.kprobes.iter().enumerate() {
            self.kprobe(k, &root.field("kprobes").index(i));
        }
        for (i, t) in spec.tracepoints.iter().enumerate() {
            self.tracepoint(t, &root.field("tracepoints").index(i));
        }
        if spec.loader {
            self.loader(&root.field("loader"));
        }
        for (field, what, is) in [
            (
                "lsmhooks",
                "LSM hooks",
                (|a| matches!(a, AttachPoint::Lsm { .. })) as fn(&AttachPoint) -> bool,
            ),
            ("fentries", "fentry hooks", |a| {
                matches!(a, AttachPoint::Fentry { .. })
            }),
            (
                "kprobes",
                "Override kprobes on security_* functions (fmod_ret)",
                |a| matches!(a, AttachPoint::FmodRet { .. }),
            ),
            ("tracepoints", "raw tracepoints", |a| {
                matches!(a, AttachPoint::RawTracepoint { .. })
            }),
        ] {
            let n = self.out.hooks.iter().filter(|h| is(&h.attach)).count();
            self.limit(&root.field(field), what, limits::TRAMPOLINE_SLOTS, n);
        }
        // Returns of syscall hooks served by tracepoints are found by syscall number, and so
        // are the entries of 32-bit syscalls (their own tracepoints cannot tell them apart).
        let mut seen = Vec::new();
        let mut problems = Vec::new();
        let mut compat_seen = Vec::new();
        for h in self.out.hooks.iter().filter(|h| h.compat_syscall) {
            match h.syscall_nr {
                Some(nr) if compat_seen.iter().filter(|n| **n == nr).count() >= 2 => problems.push((
                    h.path.clone(),
                    "a third hook on the same 32-bit syscall in one policy is not supported by the in-kernel engine (two are); use fewer hooks",
                )),
                Some(nr) if nr >= limits::COMPAT_SYSCALL_BASE => problems.push((
                    h.path.clone(),
                    "this i386 syscall number is past the in-kernel engine's table",
                )),
                Some(nr) => compat_seen.push(nr),
                None => {} // refused where it was compiled
            }
        }
        for h in &self.out.hooks {
            if !h.returns || !matches!(h.attach, AttachPoint::Tracepoint { .. }) {
                continue;
            }
            match h.syscall_nr.map(|nr| (nr, h.compat_syscall)) {
                Some(key) if seen.iter().filter(|k| **k == key).count() < 2 => seen.push(key),
                Some(_) => problems.push((
                    h.path.clone(),
                    "a third return probe on the same syscall in one policy is not supported by the in-kernel engine (two are); use fewer hooks",
                )),
                None => problems.push((
                    h.path.clone(),
                    "a return probe on a syscall hook needs the syscall's number, which this kernel view does not know",
                )),
            }
        }
        for (path, reason) in problems {
            self.errors.push(CompileError {
                path,
                reason: reason.into(),
            });
        }
        self.out.enforces = self.out.selectors.iter().any(|s| {
            s.actions.iter().any(|a| {
                matches!(
                    a.kind,
                    action::SIGKILL | action::SIGNAL | action::OVERRIDE | action::NOTIFY_ENFORCER
                )
            })
        });
    }

    /// `spec.enforcers`: the syscall entry points NotifyEnforcer decisions are carried out at, by
    /// fmod_ret programs (the kernel must load BPF trampolines).
    fn enforcers(&mut self, root: &FieldPath) {
        let spec = &self.policy.spec;
        if spec.enforcers.is_empty() {
            return;
        }
        let mut functions = Vec::new();
        let mut paths = Vec::new();
        for (i, e) in spec.enforcers.iter().enumerate() {
            let ep = root.field("enforcers").index(i).field("calls");
            for (j, call) in e.calls.iter().enumerate() {
                let names: Vec<String> = match call.strip_prefix("list:") {
                    None => vec![call.clone()],
                    Some(name) => match spec.list(name) {
                        Some(l) if matches!(l.list_type(), Some(ListType::Syscalls)) => {
                            l.values.clone()
                        }
                        Some(_) => {
                            self.err(&ep.index(j), format!("list {name} is not a syscalls list"));
                            continue;
                        }
                        None => {
                            self.err(&ep.index(j), format!("list {name} is not defined"));
                            continue;
                        }
                    },
                };
                for n in names {
                    // Entry points named in full (`__ia32_sys_dup`) are kernel functions.
                    let f = if n.starts_with("__") {
                        n
                    } else {
                        let base = n.strip_prefix("sys_").unwrap_or(&n);
                        format!("__x64_sys_{base}")
                    };
                    if !functions.contains(&f) {
                        functions.push(f.clone());
                        paths.push(ep.index(j));
                    }
                }
            }
        }
        if self.kernel.syscall_fmod_ret() {
            for (f, path) in functions.iter().zip(&paths) {
                if !self.kernel.fmod_ret_target(f) {
                    self.err(
                        path,
                        format!(
                            "{f} cannot be enforced on this kernel: fmod_ret programs may not change it (it is not on the kernel's error-injection list; 32-bit entry points often are not); remove it from the enforced calls, or use Sigkill or Signal in the selector"
                        ),
                    );
                }
            }
        } else {
            self.err(
                &root.field("enforcers"),
                if self.kernel.trampolines() {
                    "enforcers are not supported on this kernel: they need fmod_ret programs on syscalls, which it refuses (syscalls are not on its error-injection list: CONFIG_FUNCTION_ERROR_INJECTION); alternatives: Sigkill or Signal in the selector"
                } else {
                    "enforcers are not supported on this kernel: they need fmod_ret programs (BPF trampolines), which it does not load; alternatives: Sigkill or Signal in the selector"
                },
            );
        }
        self.limit(
            &root.field("enforcers"),
            "enforced syscalls",
            limits::TRAMPOLINE_SLOTS,
            functions.len(),
        );
        self.out.enforcers = functions;
    }

    /// Policy-wide features: scoping, loader, enforcers, options.
    fn check_scope(&mut self) {
        let policy = self.policy;
        let spec = &policy.spec;
        let root = FieldPath::from_fields("spec");
        if policy.kind == PolicyKind::TracingPolicyNamespaced {
            self.err(
                &FieldPath::from_fields("kind"),
                format!(
                    "TracingPolicyNamespaced (scoping to the pods of a Kubernetes namespace) is {NOT_YET}; use a TracingPolicy"
                ),
            );
        }
        for (field, present) in [
            ("podSelector", spec.pod_selector.is_some()),
            ("containerSelector", spec.container_selector.is_some()),
            ("hostSelector", spec.host_selector.is_some()),
        ] {
            if present {
                self.not_yet(&root.field(field), &format!("workload scoping ({field})"));
            }
        }
        self.enforcers(&root);
        // policy-mode monitor: loaded with enforcement off (switchable at runtime).
        self.out.monitor = policy.policy_mode() == PolicyMode::Monitor;
    }

    /// The calls of a kprobe or fentry entry: its `call`, or the members of the `list:` it names.
    fn calls(&mut self, k: &KProbeSpec, p: &FieldPath) -> Option<Calls> {
        let spec = &self.policy.spec;
        let mut generated = false;
        let mut functions_only = false;
        let calls: Vec<String> = match k.call_list() {
            None => vec![k.call.clone()],
            Some(name) => match spec.list(name) {
                None => {
                    self.err(&p.field("call"), format!("list {name} is not defined"));
                    return None;
                }
                Some(l) => match l.list_type() {
                    Some(ListType::Plain | ListType::Syscalls) => l.values.clone(),
                    Some(ListType::GeneratedSyscalls) => {
                        generated = true;
                        match self.kernel.syscalls() {
                            Some(names) => names.iter().map(|n| format!("sys_{n}")).collect(),
                            None => {
                                self.err(
                                    &p.field("call"),
                                    format!("list {name} (generated_syscalls): this kernel's system calls are unknown (no BTF)"),
                                );
                                return None;
                            }
                        }
                    }
                    Some(ListType::GeneratedFtrace) => {
                        generated = true;
                        // Kernel functions, whatever `syscall` says.
                        functions_only = true;
                        self.generated_ftrace(name, l.pattern.as_deref().unwrap_or(""), p)?
                    }
                    None => {
                        self.err(
                            &p.field("call"),
                            format!("list {name} has an unknown type {}", l.type_),
                        );
                        return None;
                    }
                },
            },
        };
        Some(Calls {
            calls,
            generated,
            functions_only,
        })
    }

    fn kprobe(&mut self, k: &KProbeSpec, p: &FieldPath) {
        let (ret_spec, ret_args) = self.return_value(k.return_, k.return_arg.as_ref(), false, p);
        let ret = k.return_.then_some(ReturnCtx {
            spec: &ret_spec,
            args: &ret_args,
            action: self.return_arg_action(k, &ret_args, p),
        });
        self.limit(
            &p.field("args"),
            "arguments on one hook",
            limits::MAX_HOOK_ARGS,
            k.args.len(),
        );
        let Some(Calls {
            calls,
            generated,
            functions_only,
        }) = self.calls(k, p)
        else {
            return;
        };
        let owned;
        let k = if functions_only && k.syscall {
            owned = KProbeSpec {
                syscall: false,
                ..k.clone()
            };
            &owned
        } else {
            k
        };
        let call_not_found = generated || k.ignore.as_ref().is_some_and(|i| i.call_not_found);
        // Kernel functions, and syscalls on a kernel with kprobes, use kprobe programs (arguments
        // from the registers). On a kernel without kprobes they still compile and load (the
        // verifier checks them); attaching then fails with the reason.
        // 32-bit syscalls are told apart by the raw syscall tracepoints only (the kprobe path
        // reads the 64-bit wrappers' registers): they are served there on every kernel.
        let (compat, calls): (Vec<String>, Vec<String>) = calls
            .into_iter()
            .partition(|c| k.syscall && ia32_syscall(c).is_some());
        if !k.syscall || self.kernel.kprobes_attach() {
            for call in &calls {
                // ignore.callNotFound: a kernel function this kernel lacks (BTF) is skipped.
                if !k.syscall
                    && call_not_found
                    && self.kernel_types().is_some_and(|t| !t.has_function(call))
                {
                    continue;
                }
                self.kprobe_hook(k, call, p, ret);
            }
        }
        let served = if k.syscall && !self.kernel.kprobes_attach() {
            [calls, compat].concat()
        } else {
            compat
        };
        for call in &served {
            let name = match ia32_syscall(call).map_or_else(|| syscall_name(call), Ok) {
                Ok(n) => n.to_owned(),
                Err(reason) => {
                    self.err(&p.field("call"), reason);
                    continue;
                }
            };
            let event = format!("sys_enter_{name}");
            let Some(fields) = self.kernel.tracepoint_fields("syscalls", &event) else {
                if !call_not_found {
                    self.err(
                        &p.field("call"),
                        format!(
                            "syscall {call}: tracepoint syscalls/{event} does not exist on this kernel (set ignore.callNotFound to skip missing syscalls)"
                        ),
                    );
                }
                continue;
            };
            let nr = fields.iter().position(|f| f.name == "__syscall_nr");
            let nargs = nr.map_or(0, |n| fields.len() - n - 1);
            let mut args = Vec::with_capacity(k.args.len());
            for (j, a) in k.args.iter().enumerate() {
                let ap = p.field("args").index(j);
                let field = nr.and_then(|n| fields.get(n + 1 + a.index as usize));
                match field {
                    Some(f) => {
                        let size_at =
                            |i: u32| nr.and_then(|n| fields.get(n + 1 + i as usize)).cloned();
                        args.push(self.arg(a, f, &ap, true, &size_at))
                    }
                    None => {
                        self.err(
                            &ap.field("index"),
                            format!(
                                "syscall {name} has {nargs} arguments (tracepoint syscalls/{event}); index {} is out of range",
                                a.index
                            ),
                        );
                        args.push(None);
                    }
                }
            }
            if ia32_syscall(call).is_some() {
                // 32-bit registers: a signed 64-bit argument is their low half, sign-extended.
                for a in args.iter_mut().flatten() {
                    if a.read == ArgRead::Int && a.size == 8 {
                        a.size = 4;
                    }
                }
            }
            args.extend(self.data_args(
                &k.data,
                p,
                Err("pt_regs data needs a kprobe; this kernel serves syscall: true kprobes from the syscall tracepoints (no probe registers)"),
            ));
            let event_kind = HookEvent::Kprobe {
                function_name: if ia32_syscall(call).is_some() {
                    call.clone()
                } else {
                    format!("__x64_sys_{name}")
                },
            };
            let attach = AttachPoint::Tracepoint {
                subsystem: "syscalls".into(),
                event,
            };
            let ctx = HookCtx {
                served: Served::SyscallKprobe,
                spec_args: &k.args,
                args: &args,
                path: p,
                override_refusal: None,
                ret,
            };
            self.push_hook(
                attach,
                event_kind,
                &ctx,
                &k.selectors,
                k.message.as_deref(),
                &k.tags,
            );
        }
    }

    /// The return value of a `return: true` kprobe as a one-argument list (index 0) for
    /// matchReturnArgs: its `returnArg` compiled (integer types, a descriptor, a socket or
    /// another kernel object, a string — `user`: a uprobe's, in user memory), or empty without
    /// `returnArg`.
    fn return_value(
        &mut self,
        returns: bool,
        return_arg: Option<&KProbeArg>,
        user: bool,
        p: &FieldPath,
    ) -> (Vec<KProbeArg>, Vec<Option<CompiledArg>>) {
        let (true, Some(a)) = (returns, return_arg) else {
            return (Vec::new(), Vec::new());
        };
        // A returned pointer read at the return like an argument of that type.
        let pointer = match a.arg_type() {
            Some(ArgType::String) if user => Some((ArgRead::UserString, ArgRender::String)),
            Some(ArgType::String) => Some((ArgRead::KernelString, ArgRender::String)),
            // A returned descriptor (open, socket, …): the file it was installed for, by the
            // task's fd table at the return.
            Some(ArgType::Fd) if !user => Some((ArgRead::Fd, ArgRender::File)),
            // A kernel object (file, socket, cred, BPF map, …): read into the heap's slot 0.
            Some(t) if !user => kernel_object_read(t).map(|(_, read, render)| (read, render)),
            _ => None,
        };
        let compiled = match a.arg_type().and_then(int_layout) {
            None if pointer.is_some() => pointer.map(|(read, render)| CompiledArg {
                label: a.label.clone(),
                ..CompiledArg::new(0, 8, read, render)
            }),
            None if user && a.arg_type().and_then(kernel_object_read).is_some() => {
                self.err(
                    &p.field("returnArg").field("type"),
                    format!(
                        "a uprobe returns a user-space value; {} reads a kernel object",
                        a.type_
                    ),
                );
                None
            }
            Some((signed, width, render)) => Some(CompiledArg {
                offset: 0,
                size: width,
                read: if signed { ArgRead::Int } else { ArgRead::Uint },
                render,
                label: a.label.clone(),
                size_offset: 0,
                size_width: 0,
                resolve: None,
                max_data: false,
            }),
            None => {
                self.not_yet(
                    &p.field("returnArg").field("type"),
                    &format!("returnArg of type {}", a.type_),
                );
                None
            }
        };
        let mut spec = a.clone();
        spec.index = 0;
        (vec![spec], vec![compiled])
    }

    /// `returnArgAction`: TrackSock/UntrackSock on a returned socket; `Post` adds nothing (the
    /// event is posted at the return anyway).
    fn return_arg_action(
        &mut self,
        k: &KProbeSpec,
        ret_args: &[Option<CompiledArg>],
        p: &FieldPath,
    ) -> Option<u32> {
        let name = k.return_arg_action.as_deref()?;
        let kind = ActionKind::parse(name)?;
        if !matches!(kind, ActionKind::TrackSock | ActionKind::UntrackSock) {
            return None;
        }
        match ret_args.first() {
            Some(Some(a)) if a.read == ArgRead::Sock => Some(kind.kernel_id()),
            // A returnArg that failed to compile was reported already.
            Some(None) => None,
            _ => {
                self.err(
                    &p.field("returnArgAction"),
                    format!("{name} needs returnArg of type sock (the socket the call returns)"),
                );
                None
            }
        }
    }

    /// One kprobe on `call`. Syscall arguments take their C types from the syscall's tracepoint
    /// format when it exists; kernel-function arguments are typed by the policy alone.
    fn kprobe_hook(
        &mut self,
        k: &KProbeSpec,
        call: &str,
        p: &FieldPath,
        ret: Option<ReturnCtx<'_>>,
    ) {
        let (function, fields) = if k.syscall {
            let name = match syscall_name(call) {
                Ok(n) => n.to_owned(),
                Err(reason) => {
                    self.err(&p.field("call"), reason);
                    return;
                }
            };
            let fields = self
                .kernel
                .tracepoint_fields("syscalls", &format!("sys_enter_{name}"))
                .map(|f| {
                    let nr = f
                        .iter()
                        .position(|x| x.name == "__syscall_nr")
                        .map_or(f.len(), |n| n + 1);
                    f[nr.min(f.len())..].to_vec()
                });
            (format!("__x64_sys_{name}"), fields)
        } else {
            (call.to_string(), None)
        };
        // Syscall arguments point to user memory; kernel-function ones to kernel memory.
        let root = if k.syscall {
            ResolveRoot::Unavailable(RESOLVE_SYSCALL)
        } else {
            ResolveRoot::Function(call)
        };
        let mut args = self.register_args(&k.args, fields.as_deref(), p, k.syscall, root);
        let overrides = self.overrides(&k.selectors);
        let (attach, served, refusal) = if !overrides {
            (
                AttachPoint::Kprobe {
                    function: function.clone(),
                    syscall: k.syscall,
                    override_return: false,
                },
                Served::Kprobe,
                None,
            )
        } else {
            self.override_route(&function, k.syscall)
        };
        // An Override served by an fmod_ret program has no probe registers; a kprobe has.
        let regs = if matches!(attach, AttachPoint::FmodRet { .. }) {
            Err(
                "pt_regs data needs a kprobe; an Override on a security_* function runs as an fmod_ret program, which sees the function's arguments, not probe registers",
            )
        } else {
            Ok(())
        };
        args.extend(self.data_args(&k.data, p, regs));
        let ctx = HookCtx {
            served,
            spec_args: &k.args,
            args: &args,
            path: p,
            override_refusal: refusal.as_deref(),
            ret,
        };
        let before = self.out.hooks.len();
        self.push_hook(
            attach,
            HookEvent::Kprobe {
                function_name: function,
            },
            &ctx,
            &k.selectors,
            k.message.as_deref(),
            &k.tags,
        );
        self.mark_pt_regs(&k.data, before);
    }

    /// The hook pushed after `before` hooks copies its registers when a `data` entry reads one.
    fn mark_pt_regs(&mut self, data: &[KProbeArg], before: usize) {
        if data.iter().any(|d| d.source == "pt_regs")
            && self.out.hooks.len() > before
            && let Some(h) = self.out.hooks.last_mut()
        {
            h.pt_regs = true;
        }
    }

    /// True when a selector of the hook (macros expanded) has an Override action.
    fn overrides(&self, selectors: &[KProbeSelector]) -> bool {
        selectors.iter().any(|sel| {
            self.policy
                .spec
                .expand_selector(sel)
                .match_actions
                .iter()
                .any(|a| a.kind() == Some(ActionKind::Override))
        })
    }

    /// How a kprobe hook with Override is served (as Tetragon does): syscalls by a kprobe calling
    /// `bpf_override_return`, `security_*` functions by an fmod_ret program; nothing else. When
    /// the kernel lacks the way, the reason is returned for the action's error.
    fn override_route(
        &self,
        function: &str,
        syscall: bool,
    ) -> (AttachPoint, Served, Option<String>) {
        let kprobe = |override_return| AttachPoint::Kprobe {
            function: function.to_string(),
            syscall,
            override_return,
        };
        let alternatives =
            "alternatives: Sigkill or Signal on this hook, or an lsmhooks entry with Override";
        if syscall {
            if self.kernel.kprobe_override() {
                return (kprobe(true), Served::KprobeOverride, None);
            }
            return (
                kprobe(false),
                Served::Kprobe,
                Some(format!(
                    "Override of syscall {function} needs bpf_override_return (a kernel built with CONFIG_BPF_KPROBE_OVERRIDE and CONFIG_FUNCTION_ERROR_INJECTION), which this kernel lacks; {alternatives}"
                )),
            );
        }
        if function.starts_with("security_") {
            if self.kernel.trampolines() {
                return (
                    AttachPoint::FmodRet {
                        function: function.to_string(),
                    },
                    Served::KprobeOverride,
                    None,
                );
            }
            return (
                kprobe(false),
                Served::Kprobe,
                Some(format!(
                    "Override of {function} needs an fmod_ret (BPF trampoline) program, which this kernel does not load; {alternatives}"
                )),
            );
        }
        (
            kprobe(false),
            Served::Kprobe,
            Some(format!(
                "Override works on syscalls (bpf_override_return) and security_* functions (fmod_ret); {function} is neither; {alternatives}"
            )),
        )
    }

    /// Arguments of a hook read from registers (kprobes, fentries, LSM hooks, uprobes): argument
    /// `index` n is at byte 16 + 8n of the rebuilt record. `typed` holds the C types of a
    /// syscall's arguments when known; otherwise the policy's `type` decides.
    fn register_args(
        &mut self,
        spec_args: &[KProbeArg],
        typed: Option<&[TracepointField]>,
        p: &FieldPath,
        user: bool,
        root: ResolveRoot<'_>,
    ) -> Vec<Option<CompiledArg>> {
        let field_at = |index: u32, ty: Option<ArgType>| -> TracepointField {
            let known = typed.and_then(|f| f.get(index as usize));
            let ctype = match (known, ty) {
                (Some(f), _) => f.ctype.clone(),
                (None, Some(ArgType::String | ArgType::Filename)) => "const char *".into(),
                (None, Some(ArgType::File)) => "struct file *".into(),
                (None, Some(ArgType::Sock | ArgType::Socket)) => "struct sock *".into(),
                (None, Some(ArgType::CharBuf)) => "char *".into(),
                (None, Some(ArgType::Path)) => "struct path *".into(),
                (None, Some(ArgType::Cred)) => "struct cred *".into(),
                (None, Some(ArgType::Skb)) => "struct sk_buff *".into(),
                (None, Some(ArgType::Sockaddr | ArgType::SockaddrUn)) => "struct sockaddr *".into(),
                (None, Some(ArgType::CharIovec)) => "struct iovec *".into(),
                (None, Some(ArgType::IovIter)) => "struct iov_iter *".into(),
                (None, Some(ArgType::NetDevice)) => "struct net_device *".into(),
                (None, Some(ArgType::LinuxBinprm)) => "struct linux_binprm *".into(),
                (None, Some(ArgType::Kiocb)) => "struct kiocb *".into(),
                (None, Some(ArgType::Dentry)) => "struct dentry *".into(),
                _ => "long".into(),
            };
            TracepointField {
                signed: known.is_none_or(|f| f.signed),
                ctype,
                name: format!("arg{index}"),
                offset: 16 + 8 * index as u16,
                size: 8,
            }
        };
        let size_at = |index: u32| -> Option<TracepointField> {
            (index <= 5).then(|| {
                let ty = spec_args
                    .iter()
                    .find(|a| a.index == index)
                    .and_then(|a| a.arg_type());
                field_at(index, ty)
            })
        };
        self.limit(
            &p.field("args"),
            "arguments on one hook",
            limits::MAX_HOOK_ARGS,
            spec_args.len(),
        );
        let mut args = Vec::with_capacity(spec_args.len());
        for (j, a) in spec_args.iter().enumerate() {
            let ap = p.field("args").index(j);
            if a.index > 5 {
                self.err(
                    &ap.field("index"),
                    format!("index {} is past the 6 register arguments (0..5)", a.index),
                );
                args.push(None);
                continue;
            }
            let field = field_at(a.index, a.arg_type());
            if !a.resolve.is_empty() {
                args.push(self.resolved_arg(a, root, a.index, field.offset, &ap, Some(&size_at)));
                continue;
            }
            args.push(self.arg(a, &field, &ap, user, &size_at));
        }
        args
    }

    /// An `lsmhooks[]` entry: a BPF-LSM program on `bpf_lsm_<hook>`, arguments typed by the
    /// policy (kernel memory), events `process_lsm`.
    fn lsm_hook(&mut self, l: &crate::model::LsmHookSpec, p: &FieldPath) {
        if !self.kernel.bpf_lsm() {
            self.err(
                p,
                format!(
                    "LSM hook {} needs BPF-LSM, which this kernel does not offer (BPF-LSM programs do not load: `bpf` missing from the active LSMs, or refused); alternative: a `syscall: true` kprobe or a syscall tracepoint with Sigkill (kills after the syscall ran)",
                    l.hook
                ),
            );
            return;
        }
        let lsm_fn = format!("bpf_lsm_{}", l.hook);
        let args = self.register_args(&l.args, None, p, false, ResolveRoot::Function(&lsm_fn));
        self.ima_source = self.lsm_ima_source(&lsm_fn, &l.hook);
        let before = self.out.hooks.len();
        let ctx = HookCtx {
            served: Served::Lsm,
            spec_args: &l.args,
            args: &args,
            path: p,
            override_refusal: None,
            ret: None,
        };
        self.push_hook(
            AttachPoint::Lsm {
                hook: l.hook.clone(),
            },
            HookEvent::Lsm {
                function_name: l.hook.clone(),
            },
            &ctx,
            &l.selectors,
            l.message.as_deref(),
            &l.tags,
        );
        let source = std::mem::replace(&mut self.ima_source, Err(IMA_LSM_ONLY.into()));
        if self.out.hooks.len() > before
            && let Ok(kind) = source
            && let Some(h) = self.out.hooks.last_mut()
        {
            let selectors = &self.out.selectors;
            let hashes = h.selectors.iter().any(|&id| {
                selectors.get(id as usize).is_some_and(|s| {
                    (s.actions.iter()).any(|a| a.kind == action::POST && a.arg & POST_IMA_HASH != 0)
                })
            });
            if hashes {
                h.ima = kind;
            }
        }
    }

    /// Where imaHash finds the file of LSM hook `hook` (its BPF-LSM function `lsm_fn`): its
    /// first argument, a `struct file *` or a `struct linux_binprm *`.
    fn lsm_ima_source(&mut self, lsm_fn: &str, hook: &str) -> Result<u8, String> {
        let types = self
            .kernel_types()
            .ok_or("imaHash needs the kernel's BTF (the hook's argument types)")?;
        let param = types.function_param(lsm_fn, 0)?;
        let name = match types.shape(param) {
            resolve::TypeShape::Ptr { to } => match types.shape(to) {
                resolve::TypeShape::Composite { name, .. } => name,
                _ => String::new(),
            },
            _ => String::new(),
        };
        match name.as_str() {
            "file" => Ok(IMA_FILE),
            "linux_binprm" => Ok(IMA_BPRM),
            _ => Err(format!(
                "imaHash hashes the file of an LSM hook whose first argument is a struct file or a struct linux_binprm; {hook}'s is {}",
                resolve::type_name(types, param)
            )),
        }
    }

    /// An `fentries[]` entry: an fentry program at function entry, events `process_kprobe`.
    fn fentry(&mut self, f: &KProbeSpec, p: &FieldPath) {
        if !self.kernel.trampolines() {
            self.err(
                p,
                format!(
                    "fentry hook on {} needs fentry (BPF trampoline) programs, which this kernel does not load; alternative: a kprobes entry",
                    f.call
                ),
            );
            return;
        }
        let (ret_spec, ret_args) = self.return_value(f.return_, f.return_arg.as_ref(), false, p);
        let ret = f.return_.then_some(ReturnCtx {
            spec: &ret_spec,
            args: &ret_args,
            action: self.return_arg_action(f, &ret_args, p),
        });
        let Some(list) = self.calls(f, p) else {
            return;
        };
        let syscall = f.syscall && !list.functions_only;
        let call_not_found = list.generated || f.ignore.as_ref().is_some_and(|i| i.call_not_found);
        for call in &list.calls {
            // ignore.callNotFound: a kernel function this kernel lacks (BTF) is skipped.
            if !syscall
                && call_not_found
                && self.kernel_types().is_some_and(|t| !t.has_function(call))
            {
                continue;
            }
            self.fentry_hook(f, call, syscall, p, ret);
        }
    }

    /// One fentry hook of an `fentries[]` entry, on `call`.
    fn fentry_hook(
        &mut self,
        f: &KProbeSpec,
        call: &str,
        syscall: bool,
        p: &FieldPath,
        ret: Option<ReturnCtx<'_>>,
    ) {
        let function = if syscall {
            match syscall_name(call) {
                Ok(n) => format!("__x64_sys_{n}"),
                Err(reason) => {
                    self.err(&p.field("call"), reason);
                    return;
                }
            }
        } else {
            call.to_owned()
        };
        let root = if syscall {
            ResolveRoot::Unavailable(RESOLVE_SYSCALL)
        } else {
            ResolveRoot::Function(&function)
        };
        let mut args = self.register_args(&f.args, None, p, syscall, root);
        args.extend(self.data_args(
            &f.data,
            p,
            Err("pt_regs data needs a kprobe; fentry programs see the function's arguments, not probe registers (use a kprobes entry)"),
        ));
        let ctx = HookCtx {
            served: Served::Fentry,
            spec_args: &f.args,
            args: &args,
            path: p,
            override_refusal: None,
            ret,
        };
        self.push_hook(
            AttachPoint::Fentry {
                function: function.clone(),
                syscall,
            },
            HookEvent::Kprobe {
                function_name: function,
            },
            &ctx,
            &f.selectors,
            f.message.as_deref(),
            &f.tags,
        );
    }

    fn tracepoint(&mut self, t: &TracepointSpec, p: &FieldPath) {
        if t.raw {
            self.raw_tracepoint(t, p);
            return;
        }
        self.limit(
            &p.field("args"),
            "arguments on one hook",
            limits::MAX_HOOK_ARGS,
            t.args.len(),
        );
        let Some(fields) = self.kernel.tracepoint_fields(&t.subsystem, &t.event) else {
            self.err(
                p,
                format!(
                    "tracepoint {}/{} does not exist on this kernel",
                    t.subsystem, t.event
                ),
            );
            return;
        };
        let user = t.subsystem == "syscalls";
        let mut args = Vec::with_capacity(t.args.len());
        for (j, a) in t.args.iter().enumerate() {
            let ap = p.field("args").index(j);
            match fields.get(a.index as usize) {
                Some(f) => {
                    let size_at = |i: u32| fields.get(i as usize).cloned();
                    args.push(self.arg(a, f, &ap, user, &size_at))
                }
                None => {
                    self.err(
                        &ap.field("index"),
                        format!(
                            "tracepoint {}/{} has {} fields (index 0..{}, common fields included); index {} is out of range",
                            t.subsystem,
                            t.event,
                            fields.len(),
                            fields.len().saturating_sub(1),
                            a.index
                        ),
                    );
                    args.push(None);
                }
            }
        }
        let attach = AttachPoint::Tracepoint {
            subsystem: t.subsystem.clone(),
            event: t.event.clone(),
        };
        let event = HookEvent::Tracepoint {
            subsystem: t.subsystem.clone(),
            event: t.event.clone(),
        };
        let ctx = HookCtx {
            served: Served::Tracepoint,
            spec_args: &t.args,
            args: &args,
            path: p,
            override_refusal: None,
            ret: None,
        };
        self.push_hook(
            attach,
            event,
            &ctx,
            &t.selectors,
            t.message.as_deref(),
            &t.tags,
        );
    }

    /// A `tracepoints[]` entry with `raw: true`: argument `index` n is the tracepoint's n-th
    /// argument (its TP_PROTO, kernel memory), typed by the policy.
    fn raw_tracepoint(&mut self, t: &TracepointSpec, p: &FieldPath) {
        let args = self.register_args(
            &t.args,
            None,
            p,
            false,
            ResolveRoot::RawTracepoint(&t.event),
        );
        let ctx = HookCtx {
            served: Served::Tracepoint,
            spec_args: &t.args,
            args: &args,
            path: p,
            override_refusal: None,
            ret: None,
        };
        self.push_hook(
            AttachPoint::RawTracepoint {
                event: t.event.clone(),
            },
            HookEvent::Tracepoint {
                subsystem: t.subsystem.clone(),
                event: t.event.clone(),
            },
            &ctx,
            &t.selectors,
            t.message.as_deref(),
            &t.tags,
        );
    }

    /// `loader: true`: a `process_loader` event for each file a process maps executable (shared
    /// libraries, the dynamic loader's work). Served by `syscalls/sys_enter_mmap` with
    /// `prot & PROT_EXEC` and a file (its path read from the fd in the kernel); user space adds
    /// the file's build id. (Tetragon hooks perf's mmap output, which kprobes-less kernels lack.)
    fn loader(&mut self, p: &FieldPath) {
        let Some(fields) = self.kernel.tracepoint_fields("syscalls", "sys_enter_mmap") else {
            self.err(
                p,
                "the loader sensor needs the syscalls/sys_enter_mmap tracepoint, which this kernel lacks (CONFIG_FTRACE_SYSCALLS)",
            );
            return;
        };
        let index = |name: &str| fields.iter().position(|f| f.name == name);
        let (Some(prot), Some(fd)) = (index("prot"), index("fd")) else {
            self.err(
                p,
                "syscalls/sys_enter_mmap has no prot or fd field on this kernel",
            );
            return;
        };
        // PROT_EXEC = 4; a file-backed mapping has a path (anonymous ones have fd -1, no path).
        let yaml = format!(
            "subsystem: syscalls\nevent: sys_enter_mmap\nargs:\n- index: {fd}\n  type: fd\n- index: {prot}\n  type: int\nselectors:\n- matchArgs:\n  - index: {prot}\n    operator: Mask\n    values: [\"4\"]\n  - index: {fd}\n    operator: Prefix\n    values: [\"/\"]\n"
        );
        let spec: TracepointSpec = match serde_norway::from_str(&yaml) {
            Ok(s) => s,
            Err(e) => {
                self.err(p, format!("internal: the loader hook does not parse: {e}"));
                return;
            }
        };
        let before = self.out.hooks.len();
        self.tracepoint(&spec, p);
        if self.out.hooks.len() > before
            && let Some(h) = self.out.hooks.last_mut()
        {
            h.event = HookEvent::Loader;
        }
    }

    /// A `uprobes[]` entry: one hook per symbol (or file offset). Argument `index` n is the n-th
    /// integer/pointer function argument (registers); the record layout is the syscall one
    /// (argument n at byte 16 + 8n), which the uprobe entry program rebuilds from the registers.
    /// `data` entries read the current task or the probe's (user) registers.
    fn uprobe(&mut self, u: &crate::model::UProbeSpec, p: &FieldPath) {
        let mut ok = self.btf_path_readable(u.btf_path.as_deref(), p);
        let (ret_spec, ret_args) = self.return_value(u.return_, u.return_arg.as_ref(), true, p);
        if let Some(Some(a)) = ret_args.first()
            && a.read == ArgRead::Sock
        {
            self.err(
                &p.field("returnArg").field("type"),
                "a uprobe returns a user-space value; sock/socket read kernel sockets",
            );
            ok = false;
        }
        let ret = u.return_.then_some(ReturnCtx {
            spec: &ret_spec,
            args: &ret_args,
            action: None,
        });
        // One probe per symbol, file offset or address (validation allows only one of the
        // lists): (symbol, offset, address).
        let entries: Vec<(String, u64, u64)> = if !u.offsets.is_empty() {
            u.offsets.iter().map(|&o| (String::new(), o, 0)).collect()
        } else if !u.addrs.is_empty() {
            u.addrs.iter().map(|&a| (String::new(), 0, a)).collect()
        } else {
            u.symbols.iter().map(|s| (s.clone(), 0, 0)).collect()
        };
        if ok && entries.is_empty() {
            self.err(
                &p.field("symbols"),
                "a uprobe needs at least one symbol (or offset)",
            );
            ok = false;
        }
        if !u.ref_ctr_offsets.is_empty() && u.ref_ctr_offsets.len() != entries.len() {
            self.err(
                &p.field("refCtrOffsets"),
                format!(
                    "{} refCtrOffsets for {} probes; give one per symbol (or offset), 0 for none",
                    u.ref_ctr_offsets.len(),
                    entries.len()
                ),
            );
            ok = false;
        }
        if !u.path.starts_with('/') {
            self.err(
                &p.field("path"),
                format!("{:?} is not an absolute path", u.path),
            );
            ok = false;
        }
        // The digest is checked by the agent when it attaches (the file is read there).
        let mut digests = Vec::with_capacity(u.binary_digests.len());
        for (i, d) in u.binary_digests.iter().enumerate() {
            let hex = d.strip_prefix("sha256:").unwrap_or(d).to_ascii_lowercase();
            if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                digests.push(hex);
            } else {
                self.err(
                    &p.field("binaryDigests").index(i),
                    format!(
                        "{d:?} is not a SHA-256 digest (64 hex digits, optionally after `sha256:`)"
                    ),
                );
                ok = false;
            }
        }
        let override_return = self.overrides(&u.selectors);
        if override_return && (u.return_ || u.args.iter().any(|a| a.return_copy)) {
            // The return address the Override returns to is the one a uretprobe replaces.
            self.err(
                &p.field("return"),
                "Override returns to the caller from the function's entry; a return probe (return: true or returnCopy) on the same uprobe cannot be combined with it",
            );
            ok = false;
        }
        if !ok {
            return;
        }
        let skip_on_digest_mismatch = u
            .ignore
            .as_ref()
            .is_some_and(|i| i.digest_verification_failure);
        // btfPath: `resolve` follows the binary's types (`btfType`, or the parameter of the one
        // probed symbol).
        let root = match u.btf_path.as_deref() {
            Some(btf_path) => ResolveRoot::User {
                btf_path,
                function: match u.symbols.as_slice() {
                    [one] if u.offsets.is_empty() && u.addrs.is_empty() => Some(one.as_str()),
                    _ => None,
                },
            },
            None => ResolveRoot::Unavailable(
                "resolve on a uprobe follows the binary's types: set btfPath (its BTF)",
            ),
        };
        let mut args = self.register_args(&u.args, None, p, true, root);
        args.extend(self.data_args(&u.data, p, Ok(())));
        for (k, (symbol, offset, address)) in entries.into_iter().enumerate() {
            let ref_ctr_offset = u.ref_ctr_offsets.get(k).copied().unwrap_or(0);
            let ctx = HookCtx {
                served: Served::Uprobe,
                spec_args: &u.args,
                args: &args,
                path: p,
                override_refusal: None,
                ret,
            };
            let before = self.out.hooks.len();
            self.push_hook(
                AttachPoint::Uprobe {
                    path: u.path.clone(),
                    symbol: symbol.clone(),
                    offset,
                    address,
                    ref_ctr_offset,
                    digests: digests.clone(),
                    skip_on_digest_mismatch,
                    override_return,
                },
                HookEvent::Uprobe {
                    path: u.path.clone(),
                    symbol,
                    // An `addrs` probe is reported by the address the policy gives.
                    offset: offset.max(address),
                    ref_ctr_offset,
                },
                &ctx,
                &u.selectors,
                u.message.as_deref(),
                &u.tags,
            );
            self.mark_pt_regs(&u.data, before);
        }
    }

    /// A `usdts[]` entry: a USDT probe of an ELF file. Argument `index` n is the probe's n-th
    /// argument (its location — register, stack, constant — comes from the probe's note, which
    /// libbpf decodes at attach time); the record layout is the uprobe one.
    fn usdt(&mut self, u: &crate::model::UsdtSpec, p: &FieldPath) {
        if !self.btf_path_readable(u.btf_path.as_deref(), p) {
            return;
        }
        if !u.path.starts_with('/') {
            self.err(
                &p.field("path"),
                format!("{:?} is not an absolute path", u.path),
            );
            return;
        }
        let root = match u.btf_path.as_deref() {
            Some(btf_path) => ResolveRoot::User {
                btf_path,
                function: None,
            },
            None => ResolveRoot::Unavailable(
                "resolve on a USDT argument follows the binary's types: set btfPath (its BTF) and btfType",
            ),
        };
        let args = self.register_args(&u.args, None, p, true, root);
        let ctx = HookCtx {
            served: Served::Usdt,
            spec_args: &u.args,
            args: &args,
            path: p,
            override_refusal: None,
            ret: None,
        };
        self.push_hook(
            AttachPoint::Usdt {
                path: u.path.clone(),
                provider: u.provider.clone(),
                name: u.name.clone(),
            },
            HookEvent::Usdt {
                path: u.path.clone(),
                provider: u.provider.clone(),
                name: u.name.clone(),
            },
            &ctx,
            &u.selectors,
            u.message.as_deref(),
            &u.tags,
        );
    }

    fn push_hook(
        &mut self,
        attach: AttachPoint,
        event: HookEvent,
        ctx: &HookCtx<'_>,
        selectors: &[KProbeSelector],
        message: Option<&str>,
        tags: &[String],
    ) {
        // returnCopy: one char_buf read at the return probe of a kprobe or fentry.
        let copies: Vec<usize> = (ctx.spec_args.iter().enumerate())
            .filter(|(_, a)| a.return_copy)
            .map(|(i, _)| i)
            .collect();
        let return_copy = copies.first().map(|&i| i as u8);
        if let Some(&second) = copies.get(1) {
            self.err(
                &ctx.path.field("args").index(second).field("returnCopy"),
                "one returnCopy argument per hook is supported",
            );
        }
        // Uprobes return through a uretprobe; USDT probes sit inside functions.
        if let Some(&i) = copies.first()
            && !matches!(
                ctx.served,
                Served::Kprobe
                    | Served::KprobeOverride
                    | Served::SyscallKprobe
                    | Served::Fentry
                    | Served::Uprobe
            )
        {
            self.err(
                &ctx.path.field("args").index(i).field("returnCopy"),
                format!(
                    "returnCopy needs a return probe, which kprobes, fentries and uprobes have and {} do not",
                    ctx.served.event_kind()
                ),
            );
        }
        // The buffer's length is what the call returned: a returned object is no length.
        if let (Some(&i), Some(ret)) = (copies.first(), &ctx.ret)
            && let Some(Some(r)) = ret.args.first()
            && r.read.returned_object().is_some()
        {
            self.err(
                &ctx.path.field("args").index(i).field("returnCopy"),
                "returnCopy reads as many bytes as the call returned; a returnArg that is a pointer (file, path, string, sock, cred, …) is not a length",
            );
        }
        let mut args: Vec<CompiledArg> = ctx.args.iter().flatten().cloned().collect();
        // A resolved value lands in its own scratch slot (two args may resolve from one pointer).
        for (pos, a) in args.iter_mut().enumerate() {
            if a.resolve.is_some() {
                a.offset = (limits::RESOLVE_SCRATCH + 8 * pos) as u16;
                a.size = a.size.min(8);
            }
        }
        // The record bytes an argument reads: its field, or the pointer a path starts from
        // (`data` entries start from the current task).
        let span = |a: &CompiledArg| match &a.resolve {
            None => Some((usize::from(a.offset), usize::from(a.size))),
            Some(r) if r.from_task => None,
            Some(r) => Some((usize::from(r.from), 8)),
        };
        // A buffer's length field (sizeArgIndex) is read from the record too.
        let size_spans = args
            .iter()
            .filter(|a| a.size_width > 0)
            .map(|a| (usize::from(a.size_offset), usize::from(a.size_width)));
        let record_size = args
            .iter()
            .filter_map(span)
            .chain(size_spans)
            .map(|(offset, size)| offset + size)
            .max()
            .unwrap_or(0)
            .max(8);
        if record_size > limits::RECORD_MAX {
            self.err(
                &ctx.path.field("args"),
                format!(
                    "the arguments end at byte {record_size} of the tracepoint record; the in-kernel engine reads the first {} bytes",
                    limits::RECORD_MAX
                ),
            );
        }
        let selector_ids = self.selectors(selectors, ctx);
        // The raw path rebuilds bytes 8..64 of the record (syscall number, six arguments).
        let compat_syscall = matches!(
            (&attach, &event),
            (AttachPoint::Tracepoint { .. }, HookEvent::Kprobe { function_name })
                if ia32_syscall(function_name).is_some()
        );
        let syscall_nr = match &attach {
            AttachPoint::Tracepoint { subsystem, event }
                if subsystem == "syscalls"
                    && args
                        .iter()
                        .filter_map(span)
                        .all(|(offset, size)| offset >= 8 && offset + size <= 64) =>
            {
                event.strip_prefix("sys_enter_").and_then(|name| {
                    if compat_syscall {
                        self.kernel.compat_syscall_number(name)
                    } else {
                        self.kernel.syscall_number(name)
                    }
                })
            }
            _ => None,
        };
        if compat_syscall && syscall_nr.is_none() {
            // Only the raw path tells 32-bit calls apart.
            self.err(
                &ctx.path.field("call"),
                "a 32-bit (__ia32_sys_*) syscall hook needs the syscall's i386 number, which this kernel does not have (no IA32 emulation, or no such i386 syscall)",
            );
        }
        // With a return probe, the returnCopy buffer goes out at the return, ahead of the event;
        // other maxData buffers at entry, keyed by the entry time the event carries.
        let returns = ctx.ret.is_some() || return_copy.is_some();
        self.out.hooks.push(CompiledHook {
            path: ctx.path.to_string(),
            attach,
            event,
            record_size: u16::try_from(record_size).unwrap_or(u16::MAX),
            data: ctx.args.len().saturating_sub(ctx.spec_args.len()),
            args,
            selectors: selector_ids,
            message: message.map(|m| truncate_chars(m, 256)),
            tags: tags.iter().map(|t| truncate_chars(t, 128)).collect(),
            syscall_nr,
            compat_syscall,
            returns,
            return_arg: ctx.ret.and_then(|r| r.args.first().cloned().flatten()),
            return_arg_action: ctx.ret.and_then(|r| r.action),
            return_copy,
            pt_regs: false,
            ima: 0,
        });
    }

    /// One argument read from `field`; `user` when pointers point to user memory. `size_at(i)` is
    /// the field of argument index `i` (for `sizeArgIndex`).
    fn arg(
        &mut self,
        a: &KProbeArg,
        field: &TracepointField,
        ap: &FieldPath,
        user: bool,
        size_at: &dyn Fn(u32) -> Option<TracepointField>,
    ) -> Option<CompiledArg> {
        let mut ok = true;
        if !self.btf_type_usable(a, ap) {
            return None;
        }
        if !a.resolve.is_empty() && user {
            self.err(&ap.field("resolve"), RESOLVE_SYSCALL);
            ok = false;
        } else if !a.resolve.is_empty() {
            // A tracefs field is a bare value: its type comes from btfType, or from the field's
            // declaration when it is a `struct X *`.
            return match (&a.btf_type, struct_pointer_field(field)) {
                _ if field.size != 8 => {
                    self.err(
                        &ap.field("resolve"),
                        format!(
                            "field {} is `{}` ({} bytes); resolve starts from a pointer (8 bytes)",
                            field.name, field.ctype, field.size
                        ),
                    );
                    None
                }
                (Some(_), _) => self.resolved_arg(
                    a,
                    ResolveRoot::BtfTypeOnly,
                    0,
                    field.offset,
                    ap,
                    Some(size_at),
                ),
                (None, Some(name)) => {
                    let named = KProbeArg {
                        btf_type: Some(name.to_string()),
                        ..a.clone()
                    };
                    self.resolved_arg(
                        &named,
                        ResolveRoot::BtfTypeOnly,
                        0,
                        field.offset,
                        ap,
                        Some(size_at),
                    )
                }
                (None, None) => {
                    self.err(
                        &ap.field("resolve"),
                        format!(
                            "field {} is `{}`, which names no kernel type; set btfType to the struct it points to",
                            field.name, field.ctype
                        ),
                    );
                    None
                }
            };
        }
        ok &= self.buffer_options_apply(a, ap);
        let Some(ty) = a.arg_type() else {
            self.err(
                &ap.field("type"),
                format!("unknown argument type {}", a.type_),
            );
            return None;
        };
        let shape = field_shape(field);
        let describe = || format!("field {} is `{}`", field.name, field.ctype);
        let string = |read: ArgRead, size: u16| {
            CompiledArg::new(field.offset, size, read, ArgRender::String)
        };
        let ptr_read = if user {
            ArgRead::UserString
        } else {
            ArgRead::KernelString
        };
        let char_array_size = field.size.min(limits::STRING_MAX as u16);
        let compiled = match ty {
            ArgType::String | ArgType::Filename => match shape {
                FieldShape::CharPtr => Some(string(ptr_read, field.size)),
                FieldShape::DataLocChar => Some(string(ArgRead::DataLocString, field.size)),
                FieldShape::CharArray => Some(string(ArgRead::CharArray, char_array_size)),
                _ => {
                    self.err(
                        &ap.field("type"),
                        format!(
                            "type {ty} needs a char pointer, __data_loc char[] or char[N] field; {}",
                            describe()
                        ),
                    );
                    None
                }
            },
            ArgType::Fd => match shape {
                FieldShape::Scalar(..) => Some(CompiledArg::new(
                    field.offset,
                    field.size,
                    ArgRead::Fd,
                    ArgRender::File,
                )),
                _ => {
                    self.err(
                        &ap.field("type"),
                        format!("type fd needs an integer field; {}", describe()),
                    );
                    None
                }
            },
            ArgType::File => match shape {
                FieldShape::Ptr if field.ctype.contains("struct file") => Some(CompiledArg::new(
                    field.offset,
                    field.size,
                    ArgRead::FilePtr,
                    ArgRender::File,
                )),
                _ => {
                    self.err(
                        &ap.field("type"),
                        format!("type file needs a `struct file *` field; {}", describe()),
                    );
                    None
                }
            },
            ArgType::CharBuf => self.char_buf(a, field, ap, user, size_at),
            ArgType::CharIovec => self.char_iovec(a, field, ap, size_at),
            ArgType::ConstBuf => match shape {
                FieldShape::Array | FieldShape::CharArray => Some(const_buf(field)),
                _ => {
                    self.err(
                        &ap.field("type"),
                        format!(
                            "type const_buf reads an array of fixed size inline in the record (a tracepoint array field); {}",
                            describe()
                        ),
                    );
                    None
                }
            },
            ArgType::IovIter => match shape {
                FieldShape::Ptr if !user => Some(CompiledArg::new(
                    field.offset,
                    8,
                    ArgRead::IovIter,
                    ArgRender::Bytes,
                )),
                _ => {
                    self.err(
                        &ap.field("type"),
                        format!(
                            "type iov_iter needs a `struct iov_iter *` argument of a kernel function (e.g. tty_write, vfs_iter_write); {}",
                            describe()
                        ),
                    );
                    None
                }
            },
            ArgType::SockaddrUn => match shape {
                FieldShape::Ptr => Some(CompiledArg::new(
                    field.offset,
                    8,
                    if user {
                        ArgRead::UserSockaddrUn
                    } else {
                        ArgRead::SockaddrUn
                    },
                    ArgRender::SockaddrUn,
                )),
                _ => {
                    self.err(
                        &ap.field("type"),
                        format!(
                            "type sockaddr_un needs a `struct sockaddr *` pointer field; {}",
                            describe()
                        ),
                    );
                    None
                }
            },
            // BPF objects and perf events (kernel functions of bpf(2) and perf_event_open(2)):
            // read in the kernel into fixed records, reported, not matched.
            ArgType::BpfAttr
            | ArgType::BpfProg
            | ArgType::BpfMap
            | ArgType::PerfEvent
            | ArgType::UserNamespace
            | ArgType::Module
            | ArgType::LoadInfo => match shape {
                FieldShape::Ptr | FieldShape::Scalar(8, _) if !user => {
                    let (read, render) = match ty {
                        ArgType::BpfAttr => (ArgRead::BpfAttr, ArgRender::BpfAttr),
                        ArgType::BpfProg => (ArgRead::BpfProg, ArgRender::BpfProg),
                        ArgType::BpfMap => (ArgRead::BpfMap, ArgRender::BpfMap),
                        ArgType::UserNamespace => (ArgRead::UserNs, ArgRender::UserNs),
                        ArgType::Module => (ArgRead::Module, ArgRender::Module),
                        ArgType::LoadInfo => (ArgRead::LoadInfo, ArgRender::Module),
                        _ => (ArgRead::PerfEvent, ArgRender::PerfEvent),
                    };
                    Some(CompiledArg::new(field.offset, 8, read, render))
                }
                _ => {
                    self.err(
                            &ap.field("type"),
                            format!(
                                "type {ty} needs a pointer to the kernel's object (a kernel function's argument, e.g. bpf_check, security_bpf_map_create, security_perf_event_alloc); {}",
                                describe()
                            ),
                        );
                    None
                }
            },
            // A `kernel_cap_t *`: the 64-bit set it points to (one resolve step), compared as an
            // integer, reported in hex.
            ArgType::KernelCap
            | ArgType::CapInheritable
            | ArgType::CapPermitted
            | ArgType::CapEffective => match shape {
                FieldShape::Ptr | FieldShape::Scalar(8, _) if !user => Some(CompiledArg {
                    offset: field.offset,
                    size: 8,
                    read: ArgRead::Uint,
                    render: match ty {
                        ArgType::KernelCap => ArgRender::KernelCapT,
                        ArgType::CapInheritable => ArgRender::CapInheritable,
                        ArgType::CapPermitted => ArgRender::CapPermitted,
                        _ => ArgRender::CapEffective,
                    },
                    label: None,
                    size_offset: 0,
                    size_width: 0,
                    resolve: Some(ArgResolve {
                        from_task: false,
                        from: field.offset,
                        user: false,
                        steps: vec![resolve::ResolveStep { offset: 0, load: 8 }],
                    }),
                    max_data: false,
                }),
                _ => {
                    self.err(
                        &ap.field("type"),
                        format!(
                            "type {ty} needs a kernel_cap_t pointer in kernel memory (a kernel function's argument); {}",
                            describe()
                        ),
                    );
                    None
                }
            },
            // A placeholder: nothing read, nothing reported (Tetragon's `nop`).
            ArgType::Nop => Some(CompiledArg::new(
                field.offset,
                8,
                ArgRead::Nop,
                ArgRender::Size,
            )),
            // Pointers to kernel objects, read in the kernel into their own record shape.
            ArgType::Sock
            | ArgType::Socket
            | ArgType::Skb
            | ArgType::Sockaddr
            | ArgType::NetDevice
            | ArgType::Cred
            | ArgType::Path
            | ArgType::Dentry
            | ArgType::LinuxBinprm
            | ArgType::Kiocb => {
                let (read, render) = match ty {
                    ArgType::Dentry => (ArgRead::Dentry, ArgRender::Path),
                    ArgType::Skb => (ArgRead::Skb, ArgRender::Skb),
                    ArgType::Sockaddr => (ArgRead::Sockaddr, ArgRender::Sockaddr),
                    ArgType::NetDevice => (ArgRead::NetDevice, ArgRender::String),
                    ArgType::Cred => (ArgRead::Cred, ArgRender::Cred),
                    ArgType::Path => (ArgRead::PathPtr, ArgRender::Path),
                    ArgType::LinuxBinprm => (ArgRead::Binprm, ArgRender::Binprm),
                    ArgType::Kiocb => (ArgRead::Kiocb, ArgRender::File),
                    _ => (ArgRead::Sock, ArgRender::Sock),
                };
                match shape {
                    FieldShape::Ptr if ty == ArgType::Sockaddr && user => Some(CompiledArg::new(
                        field.offset,
                        field.size,
                        ArgRead::UserSockaddr,
                        render,
                    )),
                    FieldShape::Ptr => {
                        Some(CompiledArg::new(field.offset, field.size, read, render))
                    }
                    _ => {
                        self.err(
                            &ap.field("type"),
                            format!("type {ty} needs a pointer field; {}", describe()),
                        );
                        None
                    }
                }
            }
            ArgType::DataLoc => match shape {
                FieldShape::DataLocChar => Some(string(ArgRead::DataLocString, field.size)),
                _ => {
                    self.err(
                        &ap.field("type"),
                        format!(
                            "type data_loc needs a __data_loc char[] field; {}",
                            describe()
                        ),
                    );
                    None
                }
            },
            ArgType::Auto => match shape {
                FieldShape::CharPtr => Some(string(ptr_read, field.size)),
                FieldShape::DataLocChar => Some(string(ArgRead::DataLocString, field.size)),
                FieldShape::CharArray => Some(string(ArgRead::CharArray, char_array_size)),
                FieldShape::Ptr => Some(int_arg(false, field.size.min(8), ArgRender::Size, field)),
                FieldShape::Scalar(w, signed) => {
                    let render = match (signed, w > 4) {
                        (true, false) => ArgRender::Int,
                        (true, true) => ArgRender::Long,
                        (false, false) => ArgRender::Uint,
                        (false, true) => ArgRender::Size,
                    };
                    Some(int_arg(signed, w, render, field))
                }
                FieldShape::Array => Some(const_buf(field)),
                // Its bytes (Tetragon has no reader for these arrays).
                FieldShape::DataLocOther => Some(CompiledArg::new(
                    field.offset,
                    field.size,
                    ArgRead::DataLocBytes,
                    ArgRender::Bytes,
                )),
            },
            _ => match int_layout(ty) {
                Some((signed, width, render)) => match shape {
                    FieldShape::Scalar(..) | FieldShape::CharPtr | FieldShape::Ptr => {
                        Some(int_arg(signed, width.min(field.size), render, field))
                    }
                    _ => {
                        self.err(
                            &ap.field("type"),
                            format!(
                                "type {ty} needs an integer or pointer field; {}",
                                describe()
                            ),
                        );
                        None
                    }
                },
                None => {
                    self.not_yet(&ap.field("type"), &format!("argument type {ty}"));
                    None
                }
            },
        };
        let mut compiled = compiled?;
        if !is_string_read(compiled.read) && !matches!(compiled.size, 1 | 2 | 4 | 8) {
            self.err(
                &ap.field("index"),
                format!(
                    "{} is {} bytes wide; integers of 1, 2, 4 or 8 bytes can be read",
                    describe(),
                    compiled.size
                ),
            );
            return None;
        }
        compiled.label.clone_from(&a.label);
        compiled.max_data = a.max_data;
        ok.then_some(compiled)
    }

    /// A `char_buf` argument: a pointer to bytes (user memory for syscalls and uprobes, kernel
    /// memory for kernel functions) whose length is the argument at
    /// `sizeArgIndex` (1-based, as Tetragon counts it).
    fn char_buf(
        &mut self,
        a: &KProbeArg,
        field: &TracepointField,
        ap: &FieldPath,
        user: bool,
        size_at: &dyn Fn(u32) -> Option<TracepointField>,
    ) -> Option<CompiledArg> {
        if !matches!(field_shape(field), FieldShape::CharPtr | FieldShape::Ptr) {
            self.err(
                &ap.field("type"),
                format!(
                    "type char_buf needs a pointer field; field {} is `{}`",
                    field.name, field.ctype
                ),
            );
            return None;
        }
        let read = if user {
            ArgRead::UserBuf
        } else {
            ArgRead::KernelBuf
        };
        // With returnCopy alone: read at the return, as many bytes as the call returns.
        let (size_offset, size_width) = if a.size_arg_index == 0 && a.return_copy {
            (0, 0)
        } else {
            self.size_arg(a, ap, size_at, CHAR_BUF_SIZE)?
        };
        Some(CompiledArg {
            size_offset,
            size_width,
            ..CompiledArg::new(field.offset, 8, read, ArgRender::Bytes)
        })
    }

    /// `returnCopy` and `maxData` are set only on the buffer types they apply to.
    fn buffer_options_apply(&mut self, a: &KProbeArg, ap: &FieldPath) -> bool {
        use ArgType::{CharBuf, CharIovec, IovIter};
        let options: [(&str, bool, &[ArgType], &str); 2] = [
            (
                "returnCopy",
                a.return_copy,
                &[CharBuf],
                "returnCopy reads a buffer when the call returns; it applies to char_buf arguments",
            ),
            (
                "maxData",
                a.max_data,
                &[CharBuf, CharIovec, IovIter],
                "maxData reads a whole buffer; it applies to char_buf, char_iovec and iov_iter arguments",
            ),
        ];
        let mut ok = true;
        for (field, set, types, what) in options {
            if set && !a.arg_type().is_some_and(|t| types.contains(&t)) {
                self.err(&ap.field(field), format!("{what}, not {}", a.type_));
                ok = false;
            }
        }
        ok
    }

    /// The record offset and width of the integer argument a `sizeArgIndex` (1-based) names:
    /// the length of a char_buf, the number of iovecs of a char_iovec (`what` says which).
    fn size_arg(
        &mut self,
        a: &KProbeArg,
        ap: &FieldPath,
        size_at: &dyn Fn(u32) -> Option<TracepointField>,
        what: &str,
    ) -> Option<(u16, u8)> {
        if a.size_arg_index == 0 {
            self.err(&ap.field("sizeArgIndex"), what);
            return None;
        }
        let size = size_at(a.size_arg_index - 1);
        match size.as_ref().map(|f| (f.offset, field_shape(f))) {
            Some((offset, FieldShape::Scalar(w, _))) if matches!(w, 1 | 2 | 4 | 8) => {
                Some((offset, w as u8))
            }
            Some(_) => {
                self.err(
                    &ap.field("sizeArgIndex"),
                    format!(
                        "sizeArgIndex {} names a non-integer argument",
                        a.size_arg_index
                    ),
                );
                None
            }
            None => {
                self.err(
                    &ap.field("sizeArgIndex"),
                    format!(
                        "sizeArgIndex {} is out of range (1-based argument index)",
                        a.size_arg_index
                    ),
                );
                None
            }
        }
    }

    /// A `char_iovec` argument: a `struct iovec *` and the 1-based index of its count.
    fn char_iovec(
        &mut self,
        a: &KProbeArg,
        field: &TracepointField,
        ap: &FieldPath,
        size_at: &dyn Fn(u32) -> Option<TracepointField>,
    ) -> Option<CompiledArg> {
        if !matches!(field_shape(field), FieldShape::Ptr) {
            self.err(
                &ap.field("type"),
                format!(
                    "type char_iovec needs a `struct iovec *` field; field {} is `{}`",
                    field.name, field.ctype
                ),
            );
            return None;
        }
        let (size_offset, size_width) = self.size_arg(a, ap, size_at, CHAR_IOVEC_COUNT)?;
        Some(CompiledArg {
            size_offset,
            size_width,
            ..CompiledArg::new(field.offset, 8, ArgRead::Iovec, ArgRender::Bytes)
        })
    }

    /// `btfPath` of a uprobe or USDT (if set) names a BTF file the agent can read.
    fn btf_path_readable(&mut self, btf_path: Option<&str>, p: &FieldPath) -> bool {
        let Some(path) = btf_path else {
            return true;
        };
        match self.user_types(path) {
            Ok(_) => true,
            Err(why) => {
                self.err(&p.field("btfPath"), format!("{path:?}: {why}"));
                false
            }
        }
    }

    /// The types of the BTF file at `path` (`btfPath`), read once per path in a row.
    fn user_types(&mut self, path: &str) -> Result<&dyn resolve::KernelTypes, String> {
        let kernel = self.kernel;
        cached_types(&mut self.user_types, path, || kernel.user_types(path))
    }

    /// A kernel module's types (`btfTypeModule`), read once per module in a row.
    fn module_types(&mut self, module: &str) -> Result<&dyn resolve::KernelTypes, String> {
        let kernel = self.kernel;
        cached_types(&mut self.module_types, module, || {
            kernel.module_types(module)
        })
    }

    /// The kernel's types, fetched once.
    fn kernel_types(&mut self) -> Option<&dyn resolve::KernelTypes> {
        if self.types.is_none() {
            self.types = Some(self.kernel.kernel_types());
        }
        self.types.as_ref().and_then(|t| t.as_deref())
    }

    /// An argument with `resolve:` on a hook whose arguments have BTF types (`root`), read from
    /// the register slot at `offset`; or a `data` entry (`root` = None: the current task).
    fn resolved_arg(
        &mut self,
        a: &KProbeArg,
        root: ResolveRoot<'_>,
        index: u32,
        offset: u16,
        ap: &FieldPath,
        size_at: Option<&dyn Fn(u32) -> Option<TracepointField>>,
    ) -> Option<CompiledArg> {
        if !self.buffer_options_apply(a, ap) {
            return None;
        }
        let Some(ty) = a.arg_type() else {
            self.err(
                &ap.field("type"),
                format!("unknown argument type {}", a.type_),
            );
            return None;
        };
        if let ResolveRoot::Unavailable(why) = root {
            self.err(&ap.field("resolve"), why);
            return None;
        }
        if !self.btf_type_usable(a, ap) {
            return None;
        }
        let module = a
            .btf_type_module
            .as_deref()
            .filter(|m| !m.is_empty() && *m != "vmlinux");
        let module_source;
        let (types, source) = match root {
            ResolveRoot::User { .. } if module.is_some() => {
                self.err(
                    &ap.field("btfTypeModule"),
                    "btfTypeModule names a kernel module; a uprobe's types come from its btfPath",
                );
                return None;
            }
            // An unreadable btfPath is reported on the hook's btfPath.
            ResolveRoot::User { btf_path, .. } => match self.user_types(btf_path) {
                Ok(t) => (t, "the BTF of btfPath"),
                Err(_) => return None,
            },
            // The module's types with the kernel's under them: the whole path walks in them.
            _ if let Some(m) = module => match self.module_types(m) {
                Ok(t) => {
                    module_source = format!("the BTF of module {m}");
                    (t, module_source.as_str())
                }
                Err(why) => {
                    self.err(&ap.field("btfTypeModule"), format!("{m:?}: {why}"));
                    return None;
                }
            },
            _ => match self.kernel_types() {
                Some(t) => (t, "the kernel's BTF"),
                None => {
                    self.err(
                        &ap.field("resolve"),
                        "resolve needs the kernel's BTF (/sys/kernel/btf/vmlinux, CONFIG_DEBUG_INFO_BTF), which is not available",
                    );
                    return None;
                }
            },
        };
        let start = match root {
            // btfType: the argument points to this type, whatever the hook declares.
            _ if a.btf_type.is_some() => match btf_type_root(types, source, a) {
                Ok(id) => Ok(id),
                Err(reason) => {
                    self.err(&ap.field("btfType"), reason);
                    return None;
                }
            },
            ResolveRoot::Function(f) => types
                .function_param(f, index)
                .and_then(|t| resolve::pointee_composite(types, t)),
            ResolveRoot::RawTracepoint(e) => types
                .raw_tracepoint_param(e, index)
                .and_then(|t| resolve::pointee_composite(types, t)),
            ResolveRoot::CurrentTask => types
                .struct_named("task_struct")
                .ok_or_else(|| "the kernel's BTF has no struct task_struct".to_owned()),
            ResolveRoot::User {
                function: Some(f), ..
            } => types
                .function_param(f, index)
                .and_then(|t| resolve::pointee_composite(types, t)),
            ResolveRoot::User { function: None, .. } | ResolveRoot::BtfTypeOnly => {
                Err("btfType is needed to resolve this argument".into())
            }
            ResolveRoot::Unavailable(why) => Err(why.to_owned()),
        };
        let user = matches!(root, ResolveRoot::User { .. });
        let result = start
            .and_then(|st| resolve::walk(types, st, &a.resolve))
            .and_then(|end| resolved_read(types, ty, end, &a.resolve))
            .and_then(|(steps, read, render, size)| {
                // User memory: the strings are user strings; kernel objects are not there.
                let read = match read {
                    ArgRead::KernelString if user => ArgRead::UserString,
                    ArgRead::KernelBuf if user => ArgRead::UserBuf,
                    ArgRead::Sockaddr if user => ArgRead::UserSockaddr,
                    ArgRead::SockaddrUn if user => ArgRead::UserSockaddrUn,
                    ArgRead::Int | ArgRead::Uint | ArgRead::Fd => read,
                    _ if user => {
                        return Err(format!(
                            "type {ty} reads a kernel object; in a binary's memory (btfPath) integers and strings are read"
                        ));
                    }
                    _ => read,
                };
                Ok((steps, read, render, size))
            });
        match result {
            Ok((steps, read, render, size)) => {
                if steps.len() > resolve::MAX_RESOLVE_STEPS {
                    self.err(
                        &ap.field("resolve"),
                        format!(
                            "{:?} follows {} pointers; the in-kernel engine follows at most {}",
                            a.resolve,
                            steps.len(),
                            resolve::MAX_RESOLVE_STEPS
                        ),
                    );
                    return None;
                }
                // A buffer's length (char_buf) or iovec count (char_iovec) is another argument,
                // unless returnCopy reads as many bytes as the call returns.
                let (size_offset, size_width) = match read {
                    ArgRead::KernelBuf | ArgRead::UserBuf if a.return_copy => (0, 0),
                    ArgRead::KernelBuf | ArgRead::UserBuf | ArgRead::Iovec => {
                        let what = if read == ArgRead::Iovec {
                            CHAR_IOVEC_COUNT
                        } else {
                            CHAR_BUF_SIZE
                        };
                        match size_at {
                            Some(size_at) => self.size_arg(a, ap, size_at, what)?,
                            None => {
                                self.err(
                                    &ap.field("type"),
                                    format!(
                                        "type {ty} needs the argument holding its length (sizeArgIndex); a data entry has none"
                                    ),
                                );
                                return None;
                            }
                        }
                    }
                    _ => (0, 0),
                };
                Some(CompiledArg {
                    offset,
                    size,
                    read,
                    render,
                    label: a.label.clone(),
                    size_offset,
                    size_width,
                    resolve: Some(ArgResolve {
                        from_task: matches!(root, ResolveRoot::CurrentTask),
                        from: offset,
                        user,
                        steps,
                    }),
                    max_data: a.max_data,
                })
            }
            Err(reason) => {
                self.err(&ap.field("resolve"), format!("{:?}: {reason}", a.resolve));
                None
            }
        }
    }

    /// `btfType` / `btfTypeModule` checks shared by every hook kind: the type names what the
    /// argument points to for `resolve`, so it needs one; btfTypeModule names the module whose
    /// BTF defines btfType (read when the path is walked).
    fn btf_type_usable(&mut self, a: &KProbeArg, ap: &FieldPath) -> bool {
        if a.btf_type.is_none() && a.btf_type_module.is_none() {
            return true;
        }
        if a.btf_type.is_none()
            && a.btf_type_module
                .as_deref()
                .is_some_and(|m| !m.is_empty() && m != "vmlinux")
        {
            self.err(
                &ap.field("btfTypeModule"),
                "btfTypeModule names the kernel module whose BTF defines btfType; set btfType",
            );
            return false;
        }
        if a.btf_type.is_some() && a.resolve.is_empty() {
            self.err(
                &ap.field("btfType"),
                "btfType names the type the argument points to, for resolve; set resolve (the member path to read)",
            );
            return false;
        }
        true
    }

    /// `data` entries of a kprobe/fentry: values from the current task (`source: current_task`
    /// with `resolve:`), reported in the event's `data`.
    ///
    /// `source: pt_regs` reads a register of the probe (`resolve`: its name) where `regs` allows
    /// it (kprobe programs), else is refused with that reason.
    fn data_args(
        &mut self,
        data: &[KProbeArg],
        p: &FieldPath,
        regs: Result<(), &str>,
    ) -> Vec<Option<CompiledArg>> {
        let mut out = Vec::with_capacity(data.len());
        for (j, a) in data.iter().enumerate() {
            let ap = p.field("data").index(j);
            if a.source.is_empty() {
                self.err(
                    &ap.field("source"),
                    "a data entry needs source: current_task (the task_struct its resolve path starts from)",
                );
                out.push(None);
                continue;
            }
            if a.source == "pt_regs" {
                match regs {
                    Ok(()) => out.push(self.register_data(a, &ap)),
                    Err(why) => {
                        self.err(&ap.field("source"), why);
                        out.push(None);
                    }
                }
                continue;
            }
            if a.source != "current_task" {
                self.err(
                    &ap.field("source"),
                    format!(
                        "unknown data source {:?}; expected current_task or pt_regs",
                        a.source
                    ),
                );
                out.push(None);
                continue;
            }
            out.push(self.resolved_arg(a, ResolveRoot::CurrentTask, 0, 0, &ap, None));
        }
        out
    }

    /// A `source: pt_regs` data entry: register `resolve` (`di`, `rdi`, `r8`, … as struct
    /// pt_regs names them, or the x86-64 `r`/`e` spellings) from the probe's register copy, read
    /// as its declared type (an integer, or a pointer to what the type reads).
    fn register_data(&mut self, a: &KProbeArg, ap: &FieldPath) -> Option<CompiledArg> {
        let name = a.resolve.trim();
        let member = match name.as_bytes() {
            // rax → ax, eip → ip; r8..r15 keep their names.
            [b'r' | b'e', rest @ ..] if rest.len() == 2 && !rest[0].is_ascii_digit() => &name[1..],
            _ => name,
        };
        let Some(types) = self.kernel_types() else {
            self.err(
                &ap.field("resolve"),
                "pt_regs data needs the kernel's BTF (the layout of struct pt_regs)",
            );
            return None;
        };
        let end = types
            .struct_named("pt_regs")
            .ok_or_else(|| "the kernel's BTF has no struct pt_regs".to_string())
            .and_then(|regs| resolve::walk(types, regs, member));
        let off = match end {
            Ok(end) if end.steps.is_empty() && types.size_of(end.ty) == Some(8) => end.offset,
            Ok(_) => {
                self.err(
                    &ap.field("resolve"),
                    format!("{name:?} is not a register of struct pt_regs"),
                );
                return None;
            }
            Err(e) => {
                self.err(
                    &ap.field("resolve"),
                    format!("{name:?} is not a register of struct pt_regs: {e}"),
                );
                return None;
            }
        };
        if off as usize + 8 > limits::REGS_SIZE {
            self.err(
                &ap.field("resolve"),
                format!(
                    "register {name:?} lies past the {} bytes of struct pt_regs the probe copies",
                    limits::REGS_SIZE
                ),
            );
            return None;
        }
        let field = TracepointField {
            ctype: "unsigned long".into(),
            name: member.to_string(),
            offset: (limits::REGS_SCRATCH as u32 + off) as u16,
            size: 8,
            signed: false,
        };
        let plain = KProbeArg {
            resolve: String::new(),
            source: String::new(),
            ..a.clone()
        };
        self.arg(&plain, &field, ap, false, &|_| None)
    }

    /// Compiles the selectors of one hook; returns their ids.
    fn selectors(&mut self, sels: &[KProbeSelector], ctx: &HookCtx<'_>) -> Vec<u32> {
        let sp = ctx.path.field("selectors");
        self.limit(
            &sp,
            "selectors on one hook",
            limits::MAX_SELECTORS,
            sels.len(),
        );
        let mut ids = Vec::with_capacity(sels.len());
        for (i, sel) in sels.iter().enumerate() {
            let compiled = self.selector(sel, &sp.index(i), ctx);
            ids.push(self.out.selectors.len() as u32);
            self.out.selectors.push(compiled);
        }
        ids
    }

    /// Path of entry `k` of a filter list of the macro-expanded selector: inside the selector when
    /// it comes from there, else inside the macro that contributed it.
    /// The one matchBinaries / matchParentBinaries entry of a selector (macros expanded); `len`
    /// counts the selector's own entries, for the path of one that came from a macro.
    fn one_binary(
        &mut self,
        orig: &KProbeSelector,
        sp: &FieldPath,
        field: &str,
        entries: &[BinarySelector],
        len: fn(&KProbeSelector) -> usize,
    ) -> Option<CompiledBinary> {
        let (b, rest) = entries.split_first()?;
        if !rest.is_empty() {
            let path = self.origin(orig, sp, field, len, 1);
            self.err(
                &path,
                format!("only one {field} entry per selector is allowed"),
            );
        }
        let path = self.origin(orig, sp, field, len, 0);
        self.binary(b, &path)
    }

    fn origin(
        &self,
        sel: &KProbeSelector,
        sp: &FieldPath,
        field: &str,
        len: fn(&KProbeSelector) -> usize,
        k: usize,
    ) -> FieldPath {
        let own = len(sel);
        if k < own {
            return sp.field(field).index(k);
        }
        let mut k = k - own;
        for name in &sel.macros {
            if let Some(m) = self.policy.spec.selectors_macro(name) {
                let n = len(m);
                if k < n {
                    return FieldPath::from_fields("spec.selectorsMacros")
                        .key(name)
                        .field(field)
                        .index(k);
                }
                k -= n;
            }
        }
        sp.field(field).index(k)
    }

    /// Path of a whole filter list: the selector's, or the first macro's that has entries.
    fn origin_list(
        &self,
        sel: &KProbeSelector,
        sp: &FieldPath,
        field: &str,
        len: fn(&KProbeSelector) -> usize,
    ) -> FieldPath {
        if len(sel) == 0
            && let Some(name) = sel.macros.iter().find(|n| {
                self.policy
                    .spec
                    .selectors_macro(n)
                    .is_some_and(|m| len(m) > 0)
            })
        {
            return FieldPath::from_fields("spec.selectorsMacros")
                .key(name)
                .field(field);
        }
        sp.field(field)
    }

    fn selector(
        &mut self,
        orig: &KProbeSelector,
        sp: &FieldPath,
        ctx: &HookCtx<'_>,
    ) -> CompiledSelector {
        let s = self.policy.spec.expand_selector(orig);
        type Len = fn(&KProbeSelector) -> usize;
        let unsupported: [(&str, Len); 1] = [("matchWorkloads", |s| s.match_workloads.len())];
        for (field, len) in unsupported {
            if len(&s) > 0 {
                let path = self.origin_list(orig, sp, field, len);
                self.not_yet(&path, field);
            }
        }

        // Entries are ANDed, each evaluated on its own in the kernel.
        let pids_len: Len = |s| s.match_pids.len();
        self.limit(
            &self.origin_list(orig, sp, "matchPIDs", pids_len),
            "matchPIDs entries in one selector",
            limits::MAX_PID_FILTERS,
            s.match_pids.len(),
        );
        let mut pids = Vec::with_capacity(s.match_pids.len());
        for (k, p) in s.match_pids.iter().enumerate() {
            let path = self.origin(orig, sp, "matchPIDs", pids_len, k);
            pids.extend(self.pids(p, &path));
        }

        let binary = self.one_binary(orig, sp, "matchBinaries", &s.match_binaries, |s| {
            s.match_binaries.len()
        });
        let parent_binary = self.one_binary(
            orig,
            sp,
            "matchParentBinaries",
            &s.match_parent_binaries,
            |s| s.match_parent_binaries.len(),
        );

        let ns_len: Len = |s| s.match_namespaces.len();
        let path = self.origin_list(orig, sp, "matchNamespaces", ns_len);
        self.limit(
            &path,
            "matchNamespaces entries in one selector",
            limits::MAX_NS_FILTERS,
            s.match_namespaces.len(),
        );
        let mut namespaces = Vec::with_capacity(s.match_namespaces.len());
        for (k, n) in s.match_namespaces.iter().enumerate() {
            let path = self.origin(orig, sp, "matchNamespaces", ns_len, k);
            if let Some(n) = self.namespaces(n, &path) {
                namespaces.push(n);
            }
        }

        let caps_len: Len = |s| s.match_capabilities.len();
        let cap_changes_len: Len = |s| s.match_capability_changes.len();
        let ncaps = s.match_capabilities.len() + s.match_capability_changes.len();
        if ncaps > limits::MAX_CAP_FILTERS {
            // The list holding the first entry past the limit.
            let (field, len) = if s.match_capabilities.len() > limits::MAX_CAP_FILTERS {
                ("matchCapabilities", caps_len)
            } else {
                ("matchCapabilityChanges", cap_changes_len)
            };
            let path = self.origin_list(orig, sp, field, len);
            self.err(
                &path,
                format!(
                    "{ncaps} matchCapabilities and matchCapabilityChanges entries in one selector; the in-kernel engine supports at most {} together",
                    limits::MAX_CAP_FILTERS
                ),
            );
        }
        let mut capabilities = Vec::with_capacity(ncaps);
        for (field, len, list, changes) in [
            ("matchCapabilities", caps_len, &s.match_capabilities, false),
            (
                "matchCapabilityChanges",
                cap_changes_len,
                &s.match_capability_changes,
                true,
            ),
        ] {
            for (k, c) in list.iter().enumerate() {
                let path = self.origin(orig, sp, field, len, k);
                if let Some(c) = self.capabilities(c, changes, &path) {
                    capabilities.push(c);
                }
            }
        }

        let nsc_len: Len = |s| s.match_namespace_changes.len();
        let namespace_changes = match s.match_namespace_changes.as_slice() {
            [] => None,
            [n, rest @ ..] => {
                if !rest.is_empty() {
                    let path = self.origin(orig, sp, "matchNamespaceChanges", nsc_len, 1);
                    self.err(
                        &path,
                        "only one matchNamespaceChanges entry per selector is allowed",
                    );
                }
                let path = self.origin(orig, sp, "matchNamespaceChanges", nsc_len, 0);
                self.namespace_changes(n, &path)
            }
        };

        let args_len: Len = |s| s.match_args.len();
        self.limit(
            &sp.field("matchArgs"),
            "matchArgs entries in one selector",
            limits::MAX_MATCH_ARGS,
            s.match_args.len(),
        );
        let mut match_args = Vec::with_capacity(s.match_args.len() + s.match_data.len());
        for (k, f) in s.match_args.iter().enumerate() {
            let path = self.origin(orig, sp, "matchArgs", args_len, k);
            if let Some(m) = self.match_arg(f, &path, ctx) {
                match_args.push(m);
            }
        }
        let data_len: Len = |s| s.match_data.len();
        for (k, f) in s.match_data.iter().enumerate() {
            let path = self.origin(orig, sp, "matchData", data_len, k);
            if let Some(m) = self.match_data(f, &path, ctx) {
                match_args.push(m);
            }
        }

        let return_len: Len = |s| s.match_return_args.len();
        let mut match_return = Vec::with_capacity(s.match_return_args.len());
        match ctx.ret {
            _ if s.match_return_args.is_empty() => {}
            None => {
                let path = self.origin_list(orig, sp, "matchReturnArgs", return_len);
                self.err(&path, "matchReturnArgs needs a return probe (return: true)");
            }
            Some(ret) if ret.args.is_empty() => {
                let path = self.origin_list(orig, sp, "matchReturnArgs", return_len);
                self.err(
                    &path,
                    "matchReturnArgs needs returnArg (the type of the return value)",
                );
            }
            Some(ret) => {
                self.limit(
                    &sp.field("matchReturnArgs"),
                    "matchReturnArgs entries in one selector",
                    limits::MAX_MATCH_RETURN,
                    s.match_return_args.len(),
                );
                let ret_ctx = HookCtx {
                    spec_args: ret.spec,
                    args: ret.args,
                    ..*ctx
                };
                let sock = matches!(ret.args.first(), Some(Some(a)) if a.read.returned_object() == Some(ReturnedObject::Sock));
                let object = matches!(ret.args.first(), Some(Some(a)) if a.read.is_string());
                for (k, f) in s.match_return_args.iter().enumerate() {
                    let path = self.origin(orig, sp, "matchReturnArgs", return_len, k);
                    let m = if f.op() == Some(SelectorOp::CelExpr) {
                        // arg0 is the return value (an integer returnArg).
                        self.cel_expr(f, &path, &ret_ctx, CelSite::Return)
                    } else if sock {
                        // The returned socket, read at the return into the heap's socket slot 0.
                        match (self.arg_position(f, &path, &ret_ctx), f.op()) {
                            (Some(_), Some(sop)) => self.sock_match(
                                sop,
                                f,
                                RETURN_OBJECT_ARG,
                                &path.field("operator"),
                                &path.field("values"),
                            ),
                            (Some(_), None) => {
                                self.err(
                                    &path.field("operator"),
                                    format!("unknown operator {}", f.operator),
                                );
                                None
                            }
                            (None, _) => None,
                        }
                    } else if object {
                        // A returned string object, read at the return into the heap's slot 0.
                        self.match_arg(f, &path, &ret_ctx)
                            .map(|m| CompiledMatchArg {
                                arg: RETURN_OBJECT_ARG,
                                ..m
                            })
                    } else {
                        self.match_arg(f, &path, &ret_ctx)
                    };
                    match_return.extend(m);
                }
            }
        }

        let ret_actions_len: Len = |s| s.match_return_actions.len();
        let mut return_actions = Vec::with_capacity(s.match_return_actions.len());
        if !s.match_return_actions.is_empty() && ctx.ret.is_none() {
            let path = self.origin_list(orig, sp, "matchReturnActions", ret_actions_len);
            self.err(
                &path,
                "matchReturnActions needs a return probe (return: true)",
            );
        } else {
            self.limit(
                &sp.field("matchReturnActions"),
                "return actions in one selector",
                limits::MAX_ACTIONS,
                s.match_return_actions.len(),
            );
            for (k, a) in s.match_return_actions.iter().enumerate() {
                let path = self.origin(orig, sp, "matchReturnActions", ret_actions_len, k);
                // At the return only what does not change the call applies.
                match a.kind() {
                    Some(
                        ActionKind::Post
                        | ActionKind::NoPost
                        | ActionKind::Sigkill
                        | ActionKind::Signal
                        | ActionKind::GetUrl
                        | ActionKind::DnsLookup,
                    ) => {
                        if let Some(c) = self.action(a, &path, ctx) {
                            return_actions.push(c);
                        }
                    }
                    Some(other) => self.err(
                        &path.field("action"),
                        format!(
                            "action {} cannot run when the call has returned; use Post, NoPost, Sigkill, Signal, GetUrl or DnsLookup",
                            other.name()
                        ),
                    ),
                    None => self.err(
                        &path.field("action"),
                        format!("unknown action {}", a.action),
                    ),
                }
            }
        }

        let actions_len: Len = |s| s.match_actions.len();
        self.limit(
            &sp.field("matchActions"),
            "actions in one selector",
            limits::MAX_ACTIONS,
            s.match_actions.len(),
        );
        let mut actions = Vec::with_capacity(s.match_actions.len());
        for (k, a) in s.match_actions.iter().enumerate() {
            let path = self.origin(orig, sp, "matchActions", actions_len, k);
            if let Some(a) = self.action(a, &path, ctx) {
                actions.push(a);
            }
        }

        CompiledSelector {
            pids,
            binary,
            parent_binary,
            match_args,
            namespaces,
            capabilities,
            namespace_changes,
            actions,
            match_return,
            return_actions,
        }
    }

    fn pids(&mut self, p: &PidSelector, path: &FieldPath) -> Option<CompiledPids> {
        let op = match p.op() {
            Some(SelectorOp::In) => op::IN,
            Some(SelectorOp::NotIn) => op::NOT_IN,
            _ => {
                self.err(
                    &path.field("operator"),
                    format!("matchPIDs operator {} (In or NotIn expected)", p.operator),
                );
                return None;
            }
        };
        self.limit(
            &path.field("values"),
            "values in one matchPIDs entry",
            limits::MAX_PIDS,
            p.values.len(),
        );
        Some(CompiledPids {
            op,
            follow_forks: p.follow_forks,
            namespace_pid: p.is_namespace_pid,
            values: p.values.clone(),
        })
    }

    fn binary(&mut self, b: &BinarySelector, path: &FieldPath) -> Option<CompiledBinary> {
        let (op, kind) = match b.op() {
            Some(SelectorOp::In) => (op::IN, SetKind::Eq),
            Some(SelectorOp::NotIn) => (op::NOT_IN, SetKind::Eq),
            Some(SelectorOp::Prefix) => (op::PREFIX, SetKind::Prefix),
            Some(SelectorOp::NotPrefix) => (op::NOT_PREFIX, SetKind::Prefix),
            Some(SelectorOp::Postfix) => (op::POSTFIX, SetKind::Postfix),
            Some(SelectorOp::NotPostfix) => (op::NOT_POSTFIX, SetKind::Postfix),
            _ => {
                self.err(
                    &path.field("operator"),
                    format!(
                        "matchBinaries operator {} (In, NotIn, Prefix, NotPrefix, Postfix or NotPostfix expected)",
                        b.operator
                    ),
                );
                return None;
            }
        };
        let set_id = self.new_set();
        self.string_set(set_id, kind, &b.values, &path.field("values"));
        Some(CompiledBinary {
            op,
            set_id,
            follow_children: b.follow_children,
        })
    }

    /// In/NotIn of a matchNamespaces, matchNamespaceChanges, matchCapabilities or
    /// matchCapabilityChanges entry.
    fn set_op(&mut self, operator: &str, selector: &str, path: &FieldPath) -> Option<u8> {
        match SelectorOp::parse(operator) {
            Some(SelectorOp::In) => Some(op::IN),
            Some(SelectorOp::NotIn) => Some(op::NOT_IN),
            _ => {
                self.err(
                    &path.field("operator"),
                    format!("{selector} operator {operator} (In or NotIn expected)"),
                );
                None
            }
        }
    }

    fn namespaces(
        &mut self,
        n: &NamespaceSelector,
        path: &FieldPath,
    ) -> Option<CompiledNamespaces> {
        let kind = namespace_kind_id(&n.namespace);
        if kind.is_none() {
            self.err(
                &path.field("namespace"),
                format!(
                    "unknown namespace {} (expected one of {})",
                    n.namespace,
                    NAMESPACE_KINDS.join(", ")
                ),
            );
        }
        let op = self.set_op(&n.operator, "matchNamespaces", path);
        let vp = path.field("values");
        self.limit(
            &vp,
            "values in one matchNamespaces entry",
            limits::MAX_NS_VALUES,
            n.values.len(),
        );
        let mut values = Vec::with_capacity(n.values.len());
        for (j, v) in n.values.iter().enumerate() {
            if v == "host_ns" {
                // An unknown kind was reported above.
                let Some(kind) = kind else { continue };
                match self.kernel.host_namespace(kind) {
                    Some(inode) => values.push(inode),
                    None => self.err(
                        &vp.index(j),
                        format!(
                            "host_ns: the host namespace of kind {} is unknown on this kernel (its inode number could not be read)",
                            NAMESPACE_KINDS[usize::from(kind)]
                        ),
                    ),
                }
            } else {
                // Decimal, as Tetragon parses it (`strconv.ParseUint(v, 10, 32)`).
                match v.parse::<u32>() {
                    Ok(inode) => values.push(inode),
                    Err(_) => self.err(
                        &vp.index(j),
                        format!(
                            "{v} is not a namespace inode number (a decimal 32-bit unsigned integer) or host_ns"
                        ),
                    ),
                }
            }
        }
        Some(CompiledNamespaces {
            kind: kind?,
            op: op?,
            values,
        })
    }

    fn capabilities(
        &mut self,
        c: &CapabilitiesSelector,
        changes: bool,
        path: &FieldPath,
    ) -> Option<CompiledCapabilities> {
        let selector = if changes {
            "matchCapabilityChanges"
        } else {
            "matchCapabilities"
        };
        let host_user_ns = if c.is_namespace_capability {
            let user = NAMESPACE_KINDS
                .iter()
                .position(|k| *k == "User")
                .unwrap_or(9) as u8;
            match self.kernel.host_namespace(user) {
                Some(ino) => ino,
                None => {
                    self.err(
                        &path.field("isNamespaceCapability"),
                        format!(
                            "{selector} isNamespaceCapability needs the host user namespace (/proc/1/ns/user), which is not known"
                        ),
                    );
                    0
                }
            }
        } else {
            0
        };
        let set = match c.capability_set() {
            Some(CapabilitySet::Effective) => Some(cap_set::EFFECTIVE),
            Some(CapabilitySet::Inheritable) => Some(cap_set::INHERITABLE),
            Some(CapabilitySet::Permitted) => Some(cap_set::PERMITTED),
            None => {
                self.err(
                    &path.field("type"),
                    format!(
                        "capability set {} (Effective, Inheritable or Permitted expected)",
                        c.type_
                    ),
                );
                None
            }
        };
        let op = self.set_op(&c.operator, selector, path);
        let vp = path.field("values");
        let mut mask = 0u64;
        for (j, v) in c.values.iter().enumerate() {
            match values::capability_number(v) {
                Some(n) if n < 64 => mask |= 1 << n,
                _ => match values::parse_int(v).and_then(|x| u64::try_from(x).ok()) {
                    // A number is a mask of capabilities.
                    Some(m) => mask |= m,
                    None => self.err(
                        &vp.index(j),
                        format!("{v} is not a capability name (CAP_*) or a capability mask"),
                    ),
                },
            }
        }
        Some(CompiledCapabilities {
            set: set?,
            op: op?,
            changes,
            mask,
            host_user_ns,
        })
    }

    fn namespace_changes(
        &mut self,
        n: &NamespaceChangesSelector,
        path: &FieldPath,
    ) -> Option<(u8, u16)> {
        let op = self.set_op(&n.operator, "matchNamespaceChanges", path);
        let vp = path.field("values");
        let mut mask = 0u16;
        for (j, v) in n.values.iter().enumerate() {
            match namespace_kind_id(v) {
                Some(kind) => mask |= 1 << kind,
                None => self.err(
                    &vp.index(j),
                    format!(
                        "unknown namespace {v} (expected one of {})",
                        NAMESPACE_KINDS.join(", ")
                    ),
                ),
            }
        }
        Some((op?, mask))
    }

    /// Adds `values` to string set `set_id` of `kind`, checking their length.
    /// SubString / SubStringIgnCase: needles into [`CompiledPolicy::substrings`], their indexes
    /// inline in the entry.
    fn substring(
        &mut self,
        f: &ArgSelector,
        sop: SelectorOp,
        arg: u8,
        vp: &FieldPath,
    ) -> Option<CompiledMatchArg> {
        let ign_case = sop == SelectorOp::SubStringIgnCase;
        self.limit(
            vp,
            &format!("values for operator {sop}"),
            limits::MAX_MATCH_VALUES,
            f.values.len(),
        );
        let mut values = Vec::with_capacity(f.values.len());
        for (j, v) in f.values.iter().enumerate() {
            if v.is_empty() || v.len() > limits::SUBSTRING_MAX {
                self.err(
                    &vp.index(j),
                    format!(
                        "substring of {} bytes; {sop} takes 1 to {} bytes",
                        v.len(),
                        limits::SUBSTRING_MAX
                    ),
                );
                continue;
            }
            let needle = if ign_case {
                v.to_ascii_lowercase().into_bytes()
            } else {
                v.clone().into_bytes()
            };
            values.push(self.out.substrings.len() as i64);
            self.out.substrings.push(needle);
        }
        Some(CompiledMatchArg {
            arg,
            op: if ign_case {
                op::SUBSTRING_IGNCASE
            } else {
                op::SUBSTRING
            },
            values,
            set_id: 0,
        })
    }

    fn string_set(&mut self, set_id: u32, kind: SetKind, values: &[String], vp: &FieldPath) {
        let max = match kind {
            // A string of STRING_MAX bytes may have been cut: it equals no value.
            SetKind::Eq => limits::STRING_MAX - 1,
            SetKind::Prefix | SetKind::Postfix => limits::LPM_STRING_MAX,
        };
        for (j, v) in values.iter().enumerate() {
            let bytes = v.as_bytes();
            if bytes.len() > max {
                self.err(
                    &vp.index(j),
                    format!(
                        "value is {} bytes; the in-kernel engine compares at most {max} bytes for this operator",
                        bytes.len()
                    ),
                );
                continue;
            }
            match kind {
                SetKind::Eq => self.out.string_eq.push((set_id, bytes.to_vec())),
                SetKind::Prefix => self.out.string_prefix.push((set_id, bytes.to_vec())),
                SetKind::Postfix => self
                    .out
                    .string_postfix
                    .push((set_id, bytes.iter().rev().copied().collect())),
            }
        }
    }

    /// Position in the hook's args of the argument a matchArgs entry filters.
    fn arg_position(
        &mut self,
        f: &ArgSelector,
        path: &FieldPath,
        ctx: &HookCtx<'_>,
    ) -> Option<usize> {
        let n = ctx.spec_args.len();
        match f.args.as_slice() {
            [] => {
                let by_index = ctx.spec_args.iter().position(|a| a.index == f.index);
                // Tracepoint filters may also use the position in `args` (as Tetragon does).
                let by_position = (ctx.served == Served::Tracepoint && (f.index as usize) < n)
                    .then_some(f.index as usize);
                let pos = by_index.or(by_position);
                if pos.is_none() {
                    let declared: Vec<String> =
                        ctx.spec_args.iter().map(|a| a.index.to_string()).collect();
                    self.err(
                        &path.field("index"),
                        format!(
                            "index {} names no argument of the hook (declared indexes: {})",
                            f.index,
                            if declared.is_empty() {
                                "none".to_owned()
                            } else {
                                declared.join(", ")
                            }
                        ),
                    );
                }
                pos
            }
            [p] => {
                let p = *p as usize;
                if p >= n {
                    self.err(
                        &path.field("args").index(0),
                        format!(
                            "argument position {p} is out of range (the hook has {n} arguments)"
                        ),
                    );
                    return None;
                }
                Some(p)
            }
            _ => {
                self.err(
                    &path.field("args"),
                    format!(
                        "operator {} filters one argument; only CapabilitiesGained and CelExpr take several (use one matchArgs entry per argument: entries are ANDed)",
                        f.operator
                    ),
                );
                None
            }
        }
    }

    fn match_arg(
        &mut self,
        f: &ArgSelector,
        path: &FieldPath,
        ctx: &HookCtx<'_>,
    ) -> Option<CompiledMatchArg> {
        if f.op() == Some(SelectorOp::CapabilitiesGained) {
            return self.caps_gained(f, path, ctx);
        }
        if f.op() == Some(SelectorOp::CelExpr) {
            return self.cel_expr(f, path, ctx, CelSite::Args);
        }
        let pos = self.arg_position(f, path, ctx)?;
        self.match_arg_at(f, path, ctx, pos)
    }

    /// CelExpr: one CEL expression over the hook's integer arguments (`argN` = position N in
    /// `args`) and data entries (`dataN`), compiled to a program of the in-kernel stack machine
    /// ([`cel`]). In matchArgs, an `args:` list (older Tetragon policies) renames: `argN` is
    /// then the argument at the list's N-th position.
    fn cel_expr(
        &mut self,
        f: &ArgSelector,
        path: &FieldPath,
        ctx: &HookCtx<'_>,
        site: CelSite,
    ) -> Option<CompiledMatchArg> {
        let Some(source) = f.values.first() else {
            self.err(
                &path.field("values"),
                "CelExpr needs one expression, e.g. \"arg0 > int32(1024)\"",
            );
            return None;
        };
        if ctx.args.iter().any(Option::is_none) {
            // An argument failed to compile (reported); its type is unknown.
            return None;
        }
        let types: Vec<Option<cel::CelType>> = ctx
            .args
            .iter()
            .map(|a| {
                let a = a.as_ref()?;
                match (a.read, a.size) {
                    (ArgRead::Int, 1..=4) => Some(cel::CelType::Int32),
                    (ArgRead::Uint, 1..=4) => Some(cel::CelType::Uint32),
                    (ArgRead::Int, _) => Some(cel::CelType::Int64),
                    (ArgRead::Uint, _) => Some(cel::CelType::Uint64),
                    _ => None,
                }
            })
            .collect();
        let nargs = ctx.spec_args.len().min(types.len());
        let mut scope = cel::CelScope::new(&types[..nargs], &types[nargs..]);
        if site == CelSite::Return {
            // The return value is arg0; the kernel passes it to the program.
            for var in &mut scope.args {
                var.pos = cel::insn::ARG_RETURN;
            }
        }
        if !f.args.is_empty() {
            if site != CelSite::Args {
                self.err(
                    &path.field("args"),
                    "a CelExpr names its values in the expression (argN, dataN); only matchArgs takes an args list with it",
                );
                return None;
            }
            let mut renamed = Vec::new();
            for (k, &p) in f.args.iter().enumerate() {
                let Some(var) = scope.args.get(p as usize) else {
                    self.err(
                        &path.field("args").index(k),
                        format!(
                            "argument position {p} is out of range (the hook has {nargs} arguments)"
                        ),
                    );
                    return None;
                };
                renamed.push(*var);
            }
            scope.args = renamed;
        }
        match cel::compile(source, &scope) {
            Ok(program) => {
                let id = self.out.cel_programs.len() as u32;
                self.out.cel_programs.push(program);
                Some(CompiledMatchArg {
                    arg: 0,
                    op: op::CEL,
                    values: Vec::new(),
                    set_id: id,
                })
            }
            Err(reason) => {
                self.err(
                    &path.field("values").index(0),
                    format!("CelExpr {source:?} {reason}"),
                );
                None
            }
        }
    }

    /// CapabilitiesGained: `args: [new, old]`, two capability-set arguments (positions in the
    /// hook's `args`); matches when a listed capability (any, without values) is in the new set
    /// and not in the old one.
    fn caps_gained(
        &mut self,
        f: &ArgSelector,
        path: &FieldPath,
        ctx: &HookCtx<'_>,
    ) -> Option<CompiledMatchArg> {
        let &[new, old] = f.args.as_slice() else {
            self.err(
                &path.field("args"),
                format!(
                    "CapabilitiesGained compares two capability-set arguments: args: [new, old] (positions in the hook's args); got {} positions",
                    f.args.len()
                ),
            );
            return None;
        };
        let n = ctx.spec_args.len();
        let mut ok = true;
        for (k, p) in [new, old].into_iter().enumerate() {
            let p = p as usize;
            let is_cap_set = ctx.args.get(p).and_then(|a| a.as_ref()).is_some_and(|a| {
                matches!(
                    a.render,
                    ArgRender::KernelCapT
                        | ArgRender::CapEffective
                        | ArgRender::CapInheritable
                        | ArgRender::CapPermitted
                )
            });
            if p >= n {
                self.err(
                    &path.field("args").index(k),
                    format!("argument position {p} is out of range (the hook has {n} arguments)"),
                );
                ok = false;
            } else if !is_cap_set && ctx.args.get(p).is_some_and(|a| a.is_some()) {
                self.err(
                    &path.field("args").index(k),
                    format!(
                        "CapabilitiesGained compares capability sets; argument {p} is not one (kernel_cap_t, cap_effective, cap_inheritable or cap_permitted)"
                    ),
                );
                ok = false;
            } else if !is_cap_set {
                ok = false;
            }
        }
        let mut mask = 0u64;
        for v in &f.values {
            // Validated: a capability name or number.
            if let Some(c) = values::capability_number(v)
                .map(u64::from)
                .or_else(|| values::parse_int(v).and_then(|i| u64::try_from(i).ok()))
                && c < 64
            {
                mask |= 1 << c;
            }
        }
        if f.values.is_empty() {
            mask = u64::MAX;
        }
        ok.then(|| CompiledMatchArg {
            arg: new as u8,
            op: op::CAPS_GAINED,
            values: vec![mask as i64],
            set_id: old,
        })
    }

    /// A matchData entry: `index` (or `args: [i]`) is the position in the hook's `data`, whose
    /// entries follow the arguments.
    fn match_data(
        &mut self,
        f: &ArgSelector,
        path: &FieldPath,
        ctx: &HookCtx<'_>,
    ) -> Option<CompiledMatchArg> {
        if f.op() == Some(SelectorOp::CelExpr) {
            return self.cel_expr(f, path, ctx, CelSite::Data);
        }
        let nargs = ctx.spec_args.len();
        let ndata = ctx.args.len().saturating_sub(nargs);
        let (pos, field) = match f.args.as_slice() {
            [] => (f.index as usize, path.field("index")),
            [p] => (*p as usize, path.field("args").index(0)),
            _ => {
                self.err(
                    &path.field("args"),
                    format!(
                        "operator {} filters one data entry; only CelExpr names several (as data0, data1, … in its expression); use one matchData entry per data entry (entries are ANDed)",
                        f.operator
                    ),
                );
                return None;
            }
        };
        if pos >= ndata {
            self.err(
                &field,
                format!("data entry {pos} does not exist (the hook has {ndata} data entries)"),
            );
            return None;
        }
        self.match_arg_at(f, path, ctx, nargs + pos)
    }

    fn match_arg_at(
        &mut self,
        f: &ArgSelector,
        path: &FieldPath,
        ctx: &HookCtx<'_>,
        pos: usize,
    ) -> Option<CompiledMatchArg> {
        // An argument that failed to compile was reported already.
        let arg = ctx.args.get(pos)?.clone()?;
        if matches!(
            arg.read,
            ArgRead::Cred
                | ArgRead::BpfAttr
                | ArgRead::BpfProg
                | ArgRead::BpfMap
                | ArgRead::PerfEvent
                | ArgRead::UserNs
                | ArgRead::Module
                | ArgRead::LoadInfo
        ) {
            // Tetragon filters none of these as a whole either; a field of them is reachable.
            self.err(
                &path.field("index"),
                format!(
                    "matchArgs cannot filter a whole {} argument; declare the field to filter as an argument of its own with resolve (e.g. type uint32 with resolve: \"uid.val\" on a cred, type string with resolve: \"name\" on a module)",
                    match arg.read {
                        ArgRead::Cred => "cred",
                        ArgRead::BpfAttr => "bpf_attr",
                        ArgRead::BpfProg => "bpf_prog",
                        ArgRead::BpfMap => "bpf_map",
                        ArgRead::PerfEvent => "perf_event",
                        ArgRead::UserNs => "user_namespace",
                        ArgRead::Module => "module",
                        _ => "load_info",
                    }
                ),
            );
            return None;
        }
        let Some(sop) = f.op() else {
            self.err(
                &path.field("operator"),
                format!("unknown operator {}", f.operator),
            );
            return None;
        };
        let op_path = path.field("operator");
        let vp = path.field("values");
        let arg_pos = u8::try_from(pos).unwrap_or(u8::MAX);
        if matches!(
            arg.read,
            ArgRead::Sock | ArgRead::Skb | ArgRead::Sockaddr | ArgRead::UserSockaddr
        ) {
            return self.sock_match(sop, f, arg_pos, &op_path, &vp);
        }
        // sockaddr_un: a path (string operators) plus its family (the kernel compares the
        // trailer, which holds it).
        if matches!(arg.read, ArgRead::SockaddrUn | ArgRead::UserSockaddrUn)
            && sop == SelectorOp::Family
        {
            return self.sock_match(sop, f, arg_pos, &op_path, &vp);
        }
        // The file type is in the mode the kernel read with the path.
        if matches!(sop, SelectorOp::FileType | SelectorOp::NotFileType) {
            if !has_mode(arg.read) {
                self.err(
                    &op_path,
                    format!(
                        "operator {sop} applies to file and path arguments (file, fd, path, dentry, linux_binprm, kiocb); argument {pos} is a {:?} read",
                        arg.read
                    ),
                );
                return None;
            }
            // Validated: every value names a type.
            let values = f
                .values
                .iter()
                .filter_map(|v| values::parse_file_type(v))
                .map(i64::from)
                .collect();
            return Some(CompiledMatchArg {
                arg: arg_pos,
                op: if sop == SelectorOp::FileType {
                    op::FILE_TYPE
                } else {
                    op::NOT_FILE_TYPE
                },
                values,
                set_id: 0,
            });
        }
        if is_string_read(arg.read) {
            let (kop, kind) = match sop {
                SelectorOp::Equal => (op::EQ, SetKind::Eq),
                SelectorOp::NotEqual => (op::NEQ, SetKind::Eq),
                SelectorOp::Prefix => (op::PREFIX, SetKind::Prefix),
                SelectorOp::NotPrefix => (op::NOT_PREFIX, SetKind::Prefix),
                SelectorOp::Postfix => (op::POSTFIX, SetKind::Postfix),
                SelectorOp::NotPostfix => (op::NOT_POSTFIX, SetKind::Postfix),
                SelectorOp::SubString | SelectorOp::SubStringIgnCase => {
                    return self.substring(f, sop, arg_pos, &vp);
                }
                _ => {
                    self.err(
                        &op_path,
                        format!(
                            "operator {sop} does not apply to string argument {pos}; use Equal, NotEqual, Prefix, NotPrefix, Postfix or NotPostfix"
                        ),
                    );
                    return None;
                }
            };
            let set_id = self.new_set();
            self.string_set(set_id, kind, &f.values, &vp);
            return Some(CompiledMatchArg {
                arg: arg_pos,
                op: kop,
                values: Vec::new(),
                set_id,
            });
        }
        let signed = arg.read == ArgRead::Int;
        match sop {
            SelectorOp::Equal
            | SelectorOp::NotEqual
            | SelectorOp::Gt
            | SelectorOp::Lt
            | SelectorOp::Mask => {
                self.limit(
                    &vp,
                    &format!("values for operator {sop} on an integer argument"),
                    limits::MAX_INT_VALUES,
                    f.values.len(),
                );
                let mut values = Vec::with_capacity(f.values.len());
                for (j, v) in f.values.iter().enumerate() {
                    let Some(x) = self.int_value(v, signed, &vp.index(j)) else {
                        continue;
                    };
                    if !signed && x < 0 && matches!(sop, SelectorOp::Gt | SelectorOp::Lt) {
                        self.err(
                            &vp.index(j),
                            format!(
                                "{v} is 2^63 or more; {sop} compares signed 64-bit integers in the in-kernel engine"
                            ),
                        );
                        continue;
                    }
                    values.push(x);
                }
                let kop = match sop {
                    SelectorOp::Equal => op::EQ,
                    SelectorOp::NotEqual => op::NEQ,
                    SelectorOp::Gt => op::GT,
                    SelectorOp::Lt => op::LT,
                    _ => op::MASK,
                };
                Some(CompiledMatchArg {
                    arg: arg_pos,
                    op: kop,
                    values,
                    set_id: 0,
                })
            }
            SelectorOp::InRange | SelectorOp::NotInRange => {
                self.limit(
                    &vp,
                    &format!("ranges for operator {sop}"),
                    limits::MAX_INT_VALUES,
                    f.values.len(),
                );
                let mut values = Vec::with_capacity(2 * f.values.len());
                for (j, v) in f.values.iter().enumerate() {
                    if let Some((lo, hi)) = self.int_range(v, signed, &vp.index(j)) {
                        values.push(lo);
                        values.push(hi);
                    }
                }
                Some(CompiledMatchArg {
                    arg: arg_pos,
                    op: if sop == SelectorOp::InRange {
                        op::IN_RANGE
                    } else {
                        op::NOT_IN_RANGE
                    },
                    values,
                    set_id: 0,
                })
            }
            SelectorOp::InMap | SelectorOp::NotInMap => {
                let set_id = self.new_set();
                let members = self.int_set_values(&f.values, signed, &vp);
                if members.len() > limits::MAX_INT_SET_VALUES {
                    self.err(
                        &vp,
                        format!(
                            "the values expand to {} integers; the in-kernel engine supports at most {} per {sop} filter",
                            members.len(),
                            limits::MAX_INT_SET_VALUES
                        ),
                    );
                }
                self.out
                    .int_set
                    .extend(members.into_iter().map(|v| (set_id, v)));
                Some(CompiledMatchArg {
                    arg: arg_pos,
                    op: if sop == SelectorOp::InMap {
                        op::IN_MAP
                    } else {
                        op::NOT_IN_MAP
                    },
                    values: Vec::new(),
                    set_id,
                })
            }
            SelectorOp::Prefix
            | SelectorOp::NotPrefix
            | SelectorOp::Postfix
            | SelectorOp::NotPostfix
            | SelectorOp::SubString
            | SelectorOp::SubStringIgnCase => {
                self.err(
                    &op_path,
                    format!(
                        "operator {sop} applies to strings; argument {pos} is an integer ({:?} read)",
                        arg.render
                    ),
                );
                None
            }
            SelectorOp::In | SelectorOp::NotIn => {
                self.err(
                    &op_path,
                    format!(
                        "operator {sop} filters matchPIDs, matchNamespaces, matchCapabilities and matchBinaries; on an argument use Equal/NotEqual or InMap/NotInMap"
                    ),
                );
                None
            }
            _ => {
                self.err(
                    &op_path,
                    format!(
                        "operator {sop} applies to socket arguments (sock, skb, sockaddr, socket); argument {pos} is an integer"
                    ),
                );
                None
            }
        }
    }

    /// A matchArgs entry on a socket argument.
    fn sock_match(
        &mut self,
        sop: SelectorOp,
        f: &ArgSelector,
        arg: u8,
        op_path: &FieldPath,
        vp: &FieldPath,
    ) -> Option<CompiledMatchArg> {
        let mut out = CompiledMatchArg {
            arg,
            op: 0,
            values: Vec::new(),
            set_id: 0,
        };
        match sop {
            SelectorOp::SAddr | SelectorOp::NotSAddr | SelectorOp::DAddr | SelectorOp::NotDAddr => {
                out.op = match sop {
                    SelectorOp::SAddr => op::SADDR,
                    SelectorOp::NotSAddr => op::NOT_SADDR,
                    SelectorOp::DAddr => op::DADDR,
                    _ => op::NOT_DADDR,
                };
                out.set_id = self.new_set();
                for (j, v) in f.values.iter().enumerate() {
                    match values::parse_cidr(v) {
                        Some((std::net::IpAddr::V4(a), bits)) => {
                            self.out.addr_set.push((
                                out.set_id,
                                bits + 96,
                                a.to_ipv6_mapped().octets(),
                            ));
                        }
                        Some((std::net::IpAddr::V6(a), bits)) => {
                            self.out.addr_set.push((out.set_id, bits, a.octets()));
                        }
                        None => self.err(
                            &vp.index(j),
                            format!(
                                "{v:?} is not an IP address or CIDR (e.g. 10.0.0.0/8, ::1/128)"
                            ),
                        ),
                    }
                }
            }
            SelectorOp::SPort | SelectorOp::NotSPort | SelectorOp::DPort | SelectorOp::NotDPort => {
                out.op = match sop {
                    SelectorOp::SPort => op::SPORT,
                    SelectorOp::NotSPort => op::NOT_SPORT,
                    SelectorOp::DPort => op::DPORT,
                    _ => op::NOT_DPORT,
                };
                self.limit(
                    vp,
                    &format!("ports or ranges for {sop}"),
                    limits::MAX_INT_VALUES,
                    f.values.len(),
                );
                for (j, v) in f.values.iter().enumerate() {
                    match values::parse_port_or_range(v) {
                        Some((lo, hi)) => {
                            out.values.push(i64::from(lo));
                            out.values.push(i64::from(hi));
                        }
                        None => self.err(
                            &vp.index(j),
                            format!("{v:?} is not a port or a port range a:b"),
                        ),
                    }
                }
            }
            SelectorOp::SPortPriv => out.op = op::SPORT_PRIV,
            SelectorOp::NotSPortPriv => out.op = op::NOT_SPORT_PRIV,
            SelectorOp::DPortPriv => out.op = op::DPORT_PRIV,
            SelectorOp::NotDPortPriv => out.op = op::NOT_DPORT_PRIV,
            SelectorOp::Protocol | SelectorOp::Family | SelectorOp::State => {
                out.op = match sop {
                    SelectorOp::Protocol => op::PROTOCOL,
                    SelectorOp::Family => op::FAMILY,
                    _ => op::STATE,
                };
                self.limit(
                    vp,
                    &format!("values for {sop}"),
                    limits::MAX_MATCH_VALUES,
                    f.values.len(),
                );
                for (j, v) in f.values.iter().enumerate() {
                    let parsed = match sop {
                        SelectorOp::Protocol => values::parse_protocol(v),
                        SelectorOp::Family => values::parse_family(v),
                        _ => values::parse_tcp_state(v),
                    };
                    match parsed {
                        Some(x) => out.values.push(x as i64),
                        None => self.err(&vp.index(j), format!("{v:?} is not a valid {sop} value")),
                    }
                }
            }
            _ => {
                self.err(
                    op_path,
                    format!(
                        "operator {sop} does not apply to a socket argument; use SAddr, DAddr, SPort, DPort (and their Not forms), SPortPriv, DPortPriv, Protocol, Family or State"
                    ),
                );
                return None;
            }
        }
        Some(out)
    }

    /// An integer value for an argument read signed (`i64` range) or unsigned (`u64` range,
    /// stored as its bit pattern).
    fn int_value(&mut self, v: &str, signed: bool, path: &FieldPath) -> Option<i64> {
        match values::parse_int_for(v, signed) {
            Some(x) => Some(x as i64),
            None => {
                self.err(
                    path,
                    format!(
                        "{v} is not a {} 64-bit integer",
                        if signed { "signed" } else { "unsigned" }
                    ),
                );
                None
            }
        }
    }

    fn int_range(&mut self, v: &str, signed: bool, path: &FieldPath) -> Option<(i64, i64)> {
        let fits = |x: i128| {
            if signed {
                i64::try_from(x).is_ok()
            } else {
                u64::try_from(x).is_ok()
            }
        };
        match values::parse_range(v) {
            Some((lo, hi)) if fits(lo) && fits(hi) => {
                if !signed && lo <= i64::MAX as i128 && hi > i64::MAX as i128 {
                    self.err(
                        path,
                        format!(
                            "range {v} crosses 2^63; ranges compare as signed 64-bit integers in the in-kernel engine"
                        ),
                    );
                    return None;
                }
                Some((lo as i64, hi as i64))
            }
            _ => {
                self.err(
                    path,
                    format!(
                        "{v} is not a range min:max of {} 64-bit integers with min <= max",
                        if signed { "signed" } else { "unsigned" }
                    ),
                );
                None
            }
        }
    }

    /// Expands InMap/NotInMap values: integers, `a:b` ranges, `list:NAME`.
    fn int_set_values(&mut self, vals: &[String], signed: bool, vp: &FieldPath) -> Vec<i64> {
        let mut out = Vec::new();
        for (j, v) in vals.iter().enumerate() {
            let path = vp.index(j);
            if let Some(name) = values::list_reference(v) {
                self.list_values(name, &path, &mut out);
            } else {
                self.int_or_range(v, signed, &path, &mut out);
            }
        }
        out
    }

    fn int_or_range(&mut self, v: &str, signed: bool, path: &FieldPath, out: &mut Vec<i64>) {
        if v.contains(':') {
            if let Some((lo, hi)) = self.int_range(v, signed, path) {
                let count = (hi as i128) - (lo as i128) + 1;
                if count > limits::MAX_INT_SET_VALUES as i128 {
                    self.err(
                        path,
                        format!(
                            "range {v} holds {count} values; the in-kernel engine expands at most {} per filter",
                            limits::MAX_INT_SET_VALUES
                        ),
                    );
                    return;
                }
                let mut x = lo;
                loop {
                    out.push(x);
                    if x == hi {
                        break;
                    }
                    x += 1;
                }
            }
        } else if let Some(x) = self.int_value(v, signed, path) {
            out.push(x);
        }
    }

    fn list_values(&mut self, name: &str, path: &FieldPath, out: &mut Vec<i64>) {
        let Some(list) = self.policy.spec.list(name) else {
            self.err(path, format!("list {name} is not defined"));
            return;
        };
        match list.list_type() {
            Some(ListType::Syscalls) => {
                for call in &list.values {
                    // A 32-bit entry point: its compat number with bit 31, as `syscall64`
                    // values of compat syscalls carry it.
                    if let Some(base) = call.strip_prefix("__ia32_sys_") {
                        match self.kernel.compat_syscall_number(base) {
                            Some(nr) => out.push(i64::from(nr | SYSCALL64_COMPAT)),
                            None => self.err(
                                path,
                                format!(
                                    "list {name}: {call} has no known 32-bit syscall number on this kernel"
                                ),
                            ),
                        }
                        continue;
                    }
                    let nr = match syscall_name(call) {
                        Ok(base) => self.kernel.syscall_number(base),
                        Err(reason) => {
                            self.err(path, format!("list {name}: {reason}"));
                            continue;
                        }
                    };
                    match nr {
                        Some(nr) => out.push(i64::from(nr)),
                        None => self.err(
                            path,
                            format!(
                                "list {name}: syscall {call} has no known number on this kernel"
                            ),
                        ),
                    }
                }
            }
            Some(ListType::GeneratedSyscalls) => match self.kernel.syscalls() {
                Some(names) => out.extend(
                    names
                        .iter()
                        .filter_map(|n| self.kernel.syscall_number(n))
                        .map(i64::from),
                ),
                None => self.err(
                    path,
                    format!(
                        "list {name} (generated_syscalls): this kernel's system calls are unknown (no BTF)"
                    ),
                ),
            },
            Some(ListType::Plain) => self.err(
                path,
                format!("list {name} is not a syscalls list; InMap/NotInMap take syscalls lists"),
            ),
            _ => self.err(
                path,
                format!("list {name} (type {}) holds kernel functions, not syscalls; InMap/NotInMap take syscalls lists", list.type_),
            ),
        }
    }

    /// Entries of a `generated_ftrace` list: the traceable functions `pattern` matches.
    fn generated_ftrace(
        &mut self,
        name: &str,
        pattern: &str,
        p: &FieldPath,
    ) -> Option<Vec<String>> {
        let re = match regex::Regex::new(pattern) {
            Ok(re) => re,
            Err(e) => {
                self.err(
                    &p.field("call"),
                    format!(
                        "list {name}: pattern {pattern:?} is not a valid regular expression: {e}"
                    ),
                );
                return None;
            }
        };
        let Some(functions) = self.kernel.traceable_functions() else {
            self.err(
                &p.field("call"),
                format!("list {name} (generated_ftrace): this kernel's traceable functions are unknown (no tracefs available_filter_functions)"),
            );
            return None;
        };
        let calls: Vec<String> = functions.into_iter().filter(|f| re.is_match(f)).collect();
        if calls.is_empty() {
            self.err(
                &p.field("call"),
                format!(
                    "list {name}: pattern {pattern:?} matches no traceable function of this kernel"
                ),
            );
            return None;
        }
        Some(calls)
    }

    fn action(
        &mut self,
        a: &ActionSelector,
        path: &FieldPath,
        ctx: &HookCtx<'_>,
    ) -> Option<CompiledAction> {
        let Some(kind) = a.kind() else {
            self.err(
                &path.field("action"),
                format!("unknown action {}", a.action),
            );
            return None;
        };
        let mut out = CompiledAction {
            kind: kind.kernel_id(),
            arg: 0,
            rate_limit_ns: 0,
            user_arg: None,
        };
        match kind {
            ActionKind::Post => {
                if let Some(rl) = &a.rate_limit {
                    match a.rate_limit_ms() {
                        Some(ms) => out.rate_limit_ns = ms.saturating_mul(1_000_000),
                        None => {
                            self.err(&path.field("rateLimit"), format!("invalid rateLimit {rl}"))
                        }
                    }
                    // Which events share a limit: one thread's, one process's, or all.
                    out.arg = match a.rate_limit_scope() {
                        RateLimitScope::Thread => 0,
                        RateLimitScope::Process => 1,
                        RateLimitScope::Global => 2,
                    };
                }
                // Stack traces are fields of process_kprobe only (kprobes, fentries).
                let carries_stacks = matches!(
                    ctx.served,
                    Served::Kprobe
                        | Served::KprobeOverride
                        | Served::SyscallKprobe
                        | Served::Fentry
                );
                for (field, set, bit) in [
                    ("kernelStackTrace", a.kernel_stack_trace, POST_KERNEL_STACK),
                    ("userStackTrace", a.user_stack_trace, POST_USER_STACK),
                ] {
                    if !set {
                        continue;
                    }
                    if carries_stacks {
                        out.arg |= bit;
                    } else {
                        self.err(
                            &path.field(field),
                            format!(
                                "{field} is only available on kprobes and fentries \
                                 (process_kprobe events carry stack traces; {} do not)",
                                ctx.served.event_kind()
                            ),
                        );
                    }
                }
                if a.ima_hash {
                    match (&self.ima_source, self.kernel.ima_hash()) {
                        (Err(why), _) => {
                            let why = why.clone();
                            self.err(&path.field("imaHash"), why);
                        }
                        (Ok(_), Err(why)) => {
                            self.err(&path.field("imaHash"), format!("imaHash needs {why}"))
                        }
                        (Ok(_), Ok(())) => out.arg |= POST_IMA_HASH,
                    }
                }
            }
            ActionKind::NoPost => {}
            ActionKind::Sigkill => out.arg = 9,
            ActionKind::Signal => match a.arg_sig.map(i32::try_from) {
                Some(Ok(sig)) if sig > 0 => out.arg = sig,
                _ => {
                    self.err(
                        &path.field("argSig"),
                        "Signal needs argSig, a signal number",
                    );
                    return None;
                }
            },
            ActionKind::GetUrl => match &a.arg_url {
                Some(u) => out.user_arg = Some(u.clone()),
                None => {
                    self.err(&path.field("argUrl"), "GetUrl needs argUrl");
                    return None;
                }
            },
            ActionKind::DnsLookup => match &a.arg_fqdn {
                Some(f) => out.user_arg = Some(f.clone()),
                None => {
                    self.err(&path.field("argFqdn"), "DnsLookup needs argFqdn");
                    return None;
                }
            },
            ActionKind::Override => {
                let reason: Option<String> = match ctx.served {
                    Served::KprobeOverride | Served::Lsm => None,
                    Served::Kprobe => Some(
                        ctx.override_refusal
                            .unwrap_or("Override is not possible on this hook; use Sigkill")
                            .into(),
                    ),
                    Served::SyscallKprobe => Some(
                        "Override needs kprobe override or fmod_ret, which this kernel lacks; use Sigkill".into(),
                    ),
                    Served::Tracepoint => Some(
                        "Override cannot change a return value from a tracepoint; use Sigkill".into(),
                    ),
                    Served::Uprobe => self.kernel.uprobe_override().err().map(|why| {
                        format!(
                            "Override on a uprobe needs a kernel whose uprobe programs may write the probe's registers (Linux 6.19+): {why}; use Sigkill"
                        )
                    }),
                    Served::Usdt => Some(
                        "Override returns from a function at its entry; a USDT probe sits inside one: use a uprobes entry on the function, or Sigkill".into(),
                    ),
                    Served::Fentry => Some(
                        "an fentry program cannot change the return value; use a kprobes entry (fmod_ret on security_* functions) or an lsmhooks entry".into(),
                    ),
                };
                if let Some(reason) = reason {
                    self.err(&path.field("action"), reason);
                    return None;
                }
                let Some(err) = a.arg_error else {
                    self.err(
                        &path.field("argError"),
                        "Override needs argError, the value to return (e.g. -1 for EPERM)",
                    );
                    return None;
                };
                if ctx.served == Served::Lsm && !(-4095..=0).contains(&err) {
                    self.err(
                        &path.field("argError"),
                        format!(
                            "argError {err}: an LSM hook returns 0 (allow) or a negative errno (-4095..-1)"
                        ),
                    );
                    return None;
                }
                out.arg = err;
            }
            ActionKind::NotifyEnforcer | ActionKind::CleanupEnforcerNotification
                if self.policy.spec.enforcers.is_empty() =>
            {
                self.err(
                    &path.field("action"),
                    format!(
                        "{} needs spec.enforcers (the syscalls where decisions are carried out)",
                        kind.name()
                    ),
                );
                return None;
            }
            ActionKind::NotifyEnforcer => {
                out.arg = a.arg_error.unwrap_or(0);
                if !(-4095..=0).contains(&out.arg) {
                    self.err(
                        &path.field("argError"),
                        format!(
                            "argError {} is not an error a syscall returns (-4095..=-1)",
                            out.arg
                        ),
                    );
                    return None;
                }
                out.rate_limit_ns = u64::from(a.arg_sig.unwrap_or(0));
            }
            ActionKind::CleanupEnforcerNotification => {}
            ActionKind::TrackSock | ActionKind::UntrackSock => {
                let idx = a.arg_sock.unwrap_or(0);
                let pos = action_arg_position(ctx.spec_args, idx);
                match pos.and_then(|p| ctx.args.get(p)) {
                    Some(Some(arg)) if arg.read == ArgRead::Sock && arg.resolve.is_none() => {
                        out.arg = i32::from(arg.offset);
                    }
                    // An argument that failed to compile was reported already.
                    Some(None) => return None,
                    _ => {
                        self.err(
                            &path.field("argSock"),
                            format!(
                                "{} needs argSock to name an argument of type sock (struct sock *); argument {idx} is not one",
                                kind.name()
                            ),
                        );
                        return None;
                    }
                }
            }
            ActionKind::Set => {
                let (Some(idx), Some(value)) = (a.arg_index, a.arg_value) else {
                    // Validation reported the missing field.
                    return None;
                };
                if let Err(why) = self.kernel.probe_write_user() {
                    self.err(
                        &path.field("action"),
                        format!(
                            "Set writes the probe argument with bpf_probe_write_user, and {why}; alternatives: Sigkill or Signal at the probe"
                        ),
                    );
                    return None;
                }
                let pos = action_arg_position(ctx.spec_args, idx);
                let Some(probe_arg) = pos.map(|p| ctx.spec_args[p].index) else {
                    self.err(
                        &path.field("argIndex"),
                        format!("argIndex {idx} names no argument of this probe's args"),
                    );
                    return None;
                };
                if probe_arg >= limits::USDT_MAX_ARGS {
                    self.err(
                        &path.field("argIndex"),
                        format!(
                            "argument {probe_arg}: a USDT probe has at most {} arguments",
                            limits::USDT_MAX_ARGS
                        ),
                    );
                    return None;
                }
                out.arg = probe_arg as i32;
                out.rate_limit_ns = u64::from(value);
            }
        }
        Some(out)
    }
}

/// Kind id (index in [`NAMESPACE_KINDS`]) of a namespace name, ASCII case-insensitive as
/// validation accepts it.
fn namespace_kind_id(name: &str) -> Option<u8> {
    let kind = NamespaceKind::parse(name)?;
    NAMESPACE_KINDS
        .iter()
        .position(|k| *k == kind.name())
        .and_then(|i| u8::try_from(i).ok())
}

/// The string set kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetKind {
    Eq,
    Prefix,
    Postfix,
}
