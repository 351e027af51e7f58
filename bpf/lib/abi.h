/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kernel/user ABI of Auspex: every struct that crosses the ring buffer or lives in a map read by
 * user space. Rust twin: crates/bpf/src/abi.rs (layout checked against this object's BTF by
 * crates/bpf/tests/abi_layout.rs). Rules: fixed-width types only, explicit padding, no bool.
 */
#ifndef AUSPEX_ABI_H
#define AUSPEX_ABI_H

/* Message ops (first byte of every ring-buffer record). Same numbers as Tetragon's msg_types. */
#define AUSPEX_MSG_EXEC 5
#define AUSPEX_MSG_EXIT 7
#define AUSPEX_MSG_CLONE 23

/* Process flag bits, identical to the `flags` words of Tetragon's process events. */
#define AUSPEX_FLAG_EXECVE 0x01
#define AUSPEX_FLAG_PROCFS 0x04
#define AUSPEX_FLAG_TRUNC_ARGS 0x10
#define AUSPEX_FLAG_MISS 0x40
#define AUSPEX_FLAG_ERROR_FILENAME 0x100
#define AUSPEX_FLAG_ERROR_ARGS 0x200
#define AUSPEX_FLAG_ROOT_CWD 0x1000
#define AUSPEX_FLAG_ERROR_CWD 0x2000
#define AUSPEX_FLAG_CLONE 0x4000
#define AUSPEX_FLAG_ERROR_PATH_RESOLUTION_CWD 0x400000
#define AUSPEX_FLAG_IN_INIT_TREE 0x2000000
/* Filename longer than the capture buffer (no Tetragon word exists; reported as errorFilename). */
#define AUSPEX_FLAG_TRUNC_FILENAME AUSPEX_FLAG_ERROR_FILENAME

/* Capture limits. Paths are PATH_MAX; arguments beyond ARGS_MAX set truncArgs. */
#define AUSPEX_PATH_MAX 4096
#define AUSPEX_ARGS_MAX 32768
#define AUSPEX_MAP_BINARY_MAX 256

/* Counter slots of the `auspex_stats` per-CPU array. */
#define AUSPEX_STAT_RB_RESERVE_FAIL_EXEC 0
#define AUSPEX_STAT_RB_RESERVE_FAIL_EXIT 1
#define AUSPEX_STAT_RB_RESERVE_FAIL_CLONE 2
#define AUSPEX_STAT_PROCESS_MAP_FULL 3
#define AUSPEX_STAT_EXIT_UNKNOWN 4
#define AUSPEX_STAT_RB_RESERVE_FAIL_GENERIC 5
#define AUSPEX_STAT_RB_RESERVE_FAIL_DATA 6 /* chunks of maxData buffers */
#define AUSPEX_STAT_PENDING_FULL 7 /* events of return probes / imaHash lost: pending table full */
#define AUSPEX_STAT_HEAP_BUSY 8 /* hook calls skipped: their CPU's heap was another call's */
#define AUSPEX_STAT_MAX 9

struct auspex_msg_header {
	__u8 op;
	__u8 pad0;
	__u16 pad1;
	__u32 size; /* whole record, header included */
	__u64 ktime; /* bpf_ktime_get_boot_ns() when the event was produced */
};

/* Identity of one process image: host tgid + boot-time ns of its exec (or clone). */
struct auspex_process_key {
	__u32 pid;
	__u32 pad; /* in auspex_processes: AUSPEX_PROCESS_EXITED once the exit was reported */
	__u64 ktime;
};

#define AUSPEX_PROCESS_EXITED 1

struct auspex_creds {
	__u32 uid;
	__u32 gid;
	__u32 euid;
	__u32 egid;
	__u32 suid;
	__u32 sgid;
	__u32 fsuid;
	__u32 fsgid;
	__u32 securebits;
	__u32 pad;
	__u64 cap_permitted;
	__u64 cap_effective;
	__u64 cap_inheritable;
	__u32 userns_level;
	__u32 userns_uid;
	__u32 userns_gid;
	__u32 userns_inum;
};

struct auspex_namespaces {
	__u32 uts;
	__u32 ipc;
	__u32 mnt;
	__u32 pid;
	__u32 pid_for_children;
	__u32 net;
	__u32 time;
	__u32 time_for_children;
	__u32 cgroup;
	__u32 user;
};

/*
 * process_exec record. Followed by `filename_len` bytes of the exec filename, `args_len` bytes of
 * argv (NUL-separated, argv[0] included) and `cwd_len` bytes of the working directory.
 */
struct auspex_exec_event {
	struct auspex_msg_header hdr;
	struct auspex_process_key process;
	struct auspex_process_key parent;
	__u32 tid;
	__u32 flags;
	__u32 auid;
	__u32 nspid;
	struct auspex_creds creds;
	struct auspex_namespaces ns;
	__u32 filename_len;
	__u32 args_len;
	__u32 cwd_len;
	__u32 pad;
};

/* A new thread group (fork/clone without CLONE_THREAD). */
struct auspex_clone_event {
	struct auspex_msg_header hdr;
	struct auspex_process_key process;
	struct auspex_process_key parent;
	__u32 tid;
	__u32 flags;
	__u32 nspid;
	__u32 pad;
};

/* The last thread of a thread group exited. */
struct auspex_exit_event {
	struct auspex_msg_header hdr;
	struct auspex_process_key process;
	__u32 tid;
	__u32 exit_code; /* task->exit_code: status << 8 | signal (| 0x80 core dump) */
};

/*
 * Value of the live-process map `auspex_processes` (key: host tgid). Written by the process sensor
 * and by user space for processes found in /proc at start-up; read by every later hook program.
 */
struct auspex_process_entry {
	struct auspex_process_key key;
	struct auspex_process_key parent;
	__u32 flags;
	__u32 nspid;
	__u32 uid;
	__u32 euid;
	__u32 auid;
	__u32 binary_len;
	__u64 cap_permitted;
	__u64 cap_effective;
	__u64 cap_inheritable;
	struct auspex_namespaces ns;
	char binary[AUSPEX_MAP_BINARY_MAX];
};


/* ---- Policy engine (generic hook programs) ---------------------------------------------------- */

#define AUSPEX_MSG_GENERIC_KPROBE 13
#define AUSPEX_MSG_GENERIC_TRACEPOINT 14
#define AUSPEX_MSG_GENERIC_UPROBE 15
#define AUSPEX_MSG_GENERIC_LSM 16
#define AUSPEX_MSG_DATA 24 /* a chunk of a maxData buffer, sent before its event */

/* maxData: at most this many bytes of one buffer argument, sent in chunks of AUSPEX_DATA_CHUNK. */
#define AUSPEX_DATA_MAX 327360
#define AUSPEX_DATA_CHUNK 16384

/*
 * One chunk of a maxData argument. It precedes its event in the ring buffer; (tid, hdr.ktime)
 * are the event's, `arg` the argument's position, `offset` where the bytes go in the buffer.
 * Followed by `len` bytes.
 */
struct auspex_data_msg {
	struct auspex_msg_header hdr;
	__u32 tid;
	__u32 arg;
	__u32 offset;
	__u32 len;
};

#define AUSPEX_MAX_HOOK_ARGS 5
#define AUSPEX_MAX_SELECTORS 5
#define AUSPEX_MAX_MATCH_ARGS 5
#define AUSPEX_MAX_MATCH_RETURN 5 /* matchReturnArgs entries per selector */
#define AUSPEX_MAX_ACTIONS 3
#define AUSPEX_MAX_MATCH_VALUES 8 /* ints: 4 values, or 4 (min, max) ranges */
#define AUSPEX_MAX_PIDS 4
#define AUSPEX_STRING_MAX 4096 /* captured and compared bytes of a string argument */
/* Equal keys of strings up to this long live in auspex_string_eq, longer ones in
 * auspex_string_eq_long: the short key keeps the hash of a common lookup cheap. */
#define AUSPEX_STRING_SHORT_MAX 256
#define AUSPEX_LPM_STRING_MAX 248 /* LPM trie data is at most 256 bytes, 4 of them the set id */

/* How a hook argument is read from the tracepoint record. */
#define AUSPEX_ARG_NONE 0
#define AUSPEX_ARG_INT 1 /* signed integer, `size` bytes at `offset` */
#define AUSPEX_ARG_UINT 2 /* unsigned integer */
#define AUSPEX_ARG_USER_STR 3 /* pointer at `offset` to a NUL-terminated user string */
#define AUSPEX_ARG_KERNEL_STR 4 /* pointer at `offset` to a kernel string */
#define AUSPEX_ARG_DATA_LOC_STR 5 /* __data_loc char[]: u32 (len << 16 | offset in record) */
#define AUSPEX_ARG_CHAR_ARRAY 6 /* char[size] inline at `offset` */
#define AUSPEX_ARG_FD 7 /* integer fd of the current task: its file's path (dentry walk) and mode */
#define AUSPEX_ARG_FILE_PTR 8 /* struct file *: its path and mode */
#define AUSPEX_ARG_SOCK 9 /* struct sock *: struct auspex_sock_info */
#define AUSPEX_ARG_USER_BUF 10 /* char_buf: pointer to user bytes, length in the arg at `size_offset` */
#define AUSPEX_ARG_PATH_PTR 11 /* struct path *: its path and mode */
#define AUSPEX_ARG_BINPRM 12 /* struct linux_binprm *: its file's path and mode */
#define AUSPEX_ARG_KERNEL_BUF 13 /* char_buf in kernel memory (as USER_BUF) */
#define AUSPEX_ARG_CRED 14 /* struct cred *: struct auspex_creds */
#define AUSPEX_ARG_SKB 15 /* struct sk_buff *: struct auspex_sock_info from its IP/L4 headers */
#define AUSPEX_ARG_SOCKADDR 16 /* struct sockaddr * (kernel): family, saddr, sport of a sock_info */
#define AUSPEX_ARG_NET_DEVICE 17 /* struct net_device *: its name */
#define AUSPEX_ARG_BPF_ATTR 18 /* union bpf_attr * (BPF_PROG_LOAD): struct auspex_bpf_prog_info */
#define AUSPEX_ARG_BPF_PROG 19 /* struct bpf_prog *: struct auspex_bpf_prog_info */
#define AUSPEX_ARG_BPF_MAP 20 /* struct bpf_map *: struct auspex_bpf_map_info */
#define AUSPEX_ARG_PERF_EVENT 21 /* struct perf_event *: struct auspex_perf_event_info */
#define AUSPEX_ARG_USER_NS 22 /* struct user_namespace *: struct auspex_user_ns_info */
#define AUSPEX_ARG_DENTRY 23 /* struct dentry *: its path within its filesystem, and mode */
#define AUSPEX_ARG_KIOCB 24 /* struct kiocb *: its file's path and mode */
#define AUSPEX_ARG_MODULE 25 /* struct module *: struct auspex_module_info */
#define AUSPEX_ARG_LOAD_INFO 26 /* struct load_info * (module being loaded): struct auspex_module_info */
#define AUSPEX_ARG_SYSCALL64 27 /* syscall number (8 bytes); bit 31 set for a 32-bit compat syscall */
#define AUSPEX_ARG_CONST_BUF 28 /* const_buf: `size` bytes inline in the record (a tracepoint array field) */
#define AUSPEX_ARG_IOVEC 29 /* char_iovec: struct iovec * (user or kernel array), count in the arg at `size_offset` */
#define AUSPEX_ARG_IOV_ITER 30 /* struct iov_iter *: the bytes it iterates over (ubuf, iovec or kvec) */
#define AUSPEX_ARG_USER_SOCKADDR 31 /* struct sockaddr * in user memory (syscall argument), as SOCKADDR */
#define AUSPEX_ARG_SOCKADDR_UN 32 /* struct sockaddr * (kernel): AF_UNIX path (abstract: '@' first) + family */
#define AUSPEX_ARG_USER_SOCKADDR_UN 33 /* the same in user memory */
#define AUSPEX_ARG_DATA_LOC_BYTES 34 /* other __data_loc arrays (u8[], u64[], …): their bytes */

/* Operators, Tetragon's kernel numbering. */
#define AUSPEX_OP_GT 1
#define AUSPEX_OP_LT 2
#define AUSPEX_OP_EQ 3
#define AUSPEX_OP_NEQ 4
#define AUSPEX_OP_IN 5
#define AUSPEX_OP_NOT_IN 6
#define AUSPEX_OP_PREFIX 8
#define AUSPEX_OP_POSTFIX 9
#define AUSPEX_OP_IN_MAP 10
#define AUSPEX_OP_NOT_IN_MAP 11
#define AUSPEX_OP_MASK 12
#define AUSPEX_OP_NOT_PREFIX 26
#define AUSPEX_OP_NOT_POSTFIX 27
#define AUSPEX_OP_SADDR 13
#define AUSPEX_OP_DADDR 14
#define AUSPEX_OP_SPORT 15
#define AUSPEX_OP_DPORT 16
#define AUSPEX_OP_PROTOCOL 17
#define AUSPEX_OP_NOT_SPORT 18
#define AUSPEX_OP_NOT_DPORT 19
#define AUSPEX_OP_SPORT_PRIV 20
#define AUSPEX_OP_NOT_SPORT_PRIV 21
#define AUSPEX_OP_DPORT_PRIV 22
#define AUSPEX_OP_NOT_DPORT_PRIV 23
#define AUSPEX_OP_NOT_SADDR 24
#define AUSPEX_OP_NOT_DADDR 25
#define AUSPEX_OP_FAMILY 28
#define AUSPEX_OP_STATE 29
#define AUSPEX_RETURN_OBJECT_ARG 0xff /* match_return.arg: the returned object (a socket or a string: heap slot 0) */
#define AUSPEX_OP_CAPS_GAINED 30 /* arg: the new set, set_id: the old set's position, values[0]: mask */
#define AUSPEX_OP_IN_RANGE 31
#define AUSPEX_OP_NOT_IN_RANGE 32
#define AUSPEX_OP_SUBSTRING 33 /* values: indexes into auspex_substrings */
#define AUSPEX_OP_SUBSTRING_IGNCASE 34 /* the same, ASCII case-insensitive (needles lowercased) */
#define AUSPEX_OP_FILE_TYPE 36 /* values: S_IFMT bits; compared with the mode read with the path */
#define AUSPEX_OP_NOT_FILE_TYPE 37
#define AUSPEX_OP_CEL 35 /* set_id: the program in auspex_cel */

/* Actions, Tetragon's kernel numbering. */
#define AUSPEX_ACTION_POST 0
#define AUSPEX_ACTION_SIGKILL 2
#define AUSPEX_ACTION_OVERRIDE 4
#define AUSPEX_ACTION_GETURL 6
#define AUSPEX_ACTION_DNSLOOKUP 7
#define AUSPEX_ACTION_NOPOST 8
#define AUSPEX_ACTION_SIGNAL 9
#define AUSPEX_ACTION_TRACKSOCK 10 /* arg: record offset of the socket pointer */
#define AUSPEX_ACTION_UNTRACKSOCK 11
#define AUSPEX_ACTION_NOTIFY_ENFORCER 12 /* arg: argError; rate_limit_ns: argSig */
#define AUSPEX_ACTION_CLEANUP_ENFORCER 13
#define AUSPEX_ACTION_SET 14 /* arg: USDT argument index; rate_limit_ns: the value to write */

/* Per-policy action counters (`auspex_policy_stats` keys; TracingPolicyActionCounters). */
#define AUSPEX_POLICY_STAT_POST 0
#define AUSPEX_POLICY_STAT_SIGNAL 1
#define AUSPEX_POLICY_STAT_MONITOR_SIGNAL 2
#define AUSPEX_POLICY_STAT_OVERRIDE 3
#define AUSPEX_POLICY_STAT_MONITOR_OVERRIDE 4
#define AUSPEX_POLICY_STAT_NOTIFY_ENFORCER 5
#define AUSPEX_POLICY_STAT_MONITOR_NOTIFY_ENFORCER 6
#define AUSPEX_POLICY_STAT_SET 7
#define AUSPEX_POLICY_STAT_MONITOR_SET 8
#define AUSPEX_POLICY_STAT_MAX 9

/* rateLimitScope of Post (in auspex_action.arg). */
#define AUSPEX_RATE_SCOPE_THREAD 0
#define AUSPEX_RATE_SCOPE_PROCESS 1
#define AUSPEX_RATE_SCOPE_GLOBAL 2

#define AUSPEX_MAX_NS_FILTERS 10
#define AUSPEX_MAX_PID_FILTERS 4 /* matchPIDs entries per selector (ANDed) */
#define AUSPEX_MAX_NS_VALUES 4
#define AUSPEX_MAX_CAP_FILTERS 4
#define AUSPEX_FOLLOW_CHILDREN_DEPTH 8

/* Hook flags. */
#define AUSPEX_HOOK_SYSCALL_WRAPPER 1 /* kprobe on __x64_sys_*: arguments in the pt_regs passed */
#define AUSPEX_HOOK_RETURN 2 /* return probe: the entry keeps the event, the return posts it */
#define AUSPEX_HOOK_RETURN_INT32 4 /* the return value is 32 bits wide: sign-extend it */
#define AUSPEX_HOOK_RETURN_SOCK 8 /* the return value is a struct sock * (sk_buff, sockaddr): read with the `ret` spec, sent after the trailer */
#define AUSPEX_HOOK_RETURN_TRACKSOCK 16 /* returnArgAction TrackSock on the returned socket */
#define AUSPEX_HOOK_RETURN_UNTRACKSOCK 32 /* returnArgAction UntrackSock */
#define AUSPEX_HOOK_MAX_DATA 64 /* an argument has maxData: its bytes follow in AUSPEX_MSG_DATA chunks */
#define AUSPEX_HOOK_PT_REGS 128 /* a data entry reads a register: the kprobe's pt_regs go to the record */
#define AUSPEX_REGS_SCRATCH 64 /* record offset of that copy */
/* The return value is read with the hook's `ret` spec (a pointer to a string, file, path,
 * dentry, BPF object or module, …) into heap slot 0 and sent after the trailer as a string-slot
 * argument in an AUSPEX_STR_BUF slot. */
#define AUSPEX_HOOK_RETURN_STR 256
/* The return value is a struct cred *, read with the `ret` spec into heap slot 0 and sent after
 * the trailer as a struct auspex_creds. */
#define AUSPEX_HOOK_RETURN_CRED 512

/* auspex_syscall_hooks / auspex_syscall_exit_hooks: an i386 syscall number n (a call through
 * IA32 emulation) is at key n + this; 64-bit numbers are below it. */
#define AUSPEX_COMPAT_SYSCALL_BASE 512

/* matchBinaries flags. */
#define AUSPEX_BINARY_FOLLOW_CHILDREN 1

/* matchPIDs flags. */
#define AUSPEX_PIDS_FOLLOW_FORKS 1
#define AUSPEX_PIDS_NAMESPACE 2

/* Generic event flags. */
#define AUSPEX_GENERIC_PROCESS_NOT_FOUND 16
#define AUSPEX_GENERIC_ACTION_FAILED 32
#define AUSPEX_GENERIC_HAS_RETURN 64 /* the arguments end with a struct auspex_return_trailer */
/* The arguments end with stacks and a struct auspex_stack_trailer (before any return trailer);
 * the bits are Tetragon's. */
#define AUSPEX_GENERIC_KERNEL_STACK 2
#define AUSPEX_GENERIC_USER_STACK 4

/* Post action arg bits (the low byte is the rate limit scope). */
#define AUSPEX_POST_KERNEL_STACK 0x100
#define AUSPEX_POST_USER_STACK 0x200
#define AUSPEX_POST_IMA_HASH 0x400 /* LSM hooks: the event waits for the sleepable program's hash */

/* The arguments end with a struct auspex_ima_trailer (Tetragon's IMA_HASH bit). */
#define AUSPEX_GENERIC_IMA_HASH 8

/* The IMA hash of the hook's file (imaHash), after the arguments of a process_lsm event. */
struct auspex_ima_trailer {
	__s32 algo; /* enum hash_algo of the digest, or a negative errno */
	__u32 pad;
	__u8 hash[64]; /* the digest, as long as the algorithm's */
};

/* Frames kept per stack (kernel and user each). */
#define AUSPEX_STACK_DEPTH 64

/* Post-argument marker: a string argument was cut at AUSPEX_STRING_MAX. */
#define AUSPEX_ARG_TRUNCATED 0x80000000u

#define AUSPEX_MAX_RESOLVE_STEPS 10

/* One step of a `resolve:` path: addr = value + offset; value = load ? *(uN *)addr : addr. */
struct auspex_resolve_step {
	__u32 offset;
	__u8 load; /* bytes to load: 0, 1, 2, 4 or 8 */
	__u8 pad[3];
};

struct auspex_arg_spec {
	__u16 offset;
	__u16 size;
	__u8 kind;
	__u8 size_width; /* AUSPEX_ARG_USER_BUF: bytes of the length argument (1, 2, 4, 8) */
	__u16 size_offset; /* AUSPEX_ARG_USER_BUF: record offset of the length argument */
	/* resolve: follow `steps` from the pointer at record offset resolve_from (or from the
	 * current task) and store the value at record offset `offset`, where `kind` reads it. */
	__u8 nsteps;
	__u8 from_task;
	__u16 resolve_from;
	__u8 max_data; /* buffers: send up to AUSPEX_DATA_MAX bytes in AUSPEX_MSG_DATA chunks */
	__u8 resolve_user; /* the resolve steps follow user-space pointers (btfPath) */
	__u8 pad[2];
	struct auspex_resolve_step steps[AUSPEX_MAX_RESOLVE_STEPS];
};

/* Value of `auspex_hooks` (key: hook id = the attach cookie). */
struct auspex_hook_config {
	__u32 nargs;
	__u32 nselectors;
	__u32 record_size; /* bytes of the tracepoint record that hold the arguments */
	__u32 msg_op; /* AUSPEX_MSG_GENERIC_TRACEPOINT, or _KPROBE for a syscall kprobe on a tracepoint */
	struct auspex_arg_spec args[AUSPEX_MAX_HOOK_ARGS];
	__u32 selectors[AUSPEX_MAX_SELECTORS]; /* ids in `auspex_selectors` */
	__u32 flags; /* AUSPEX_HOOK_* */
	__u32 return_copy; /* 1 + position of the returnCopy char_buf argument; 0: none */
	__u32 filter_args; /* bit i: a selector filters on argument i (read before the selectors) */
	struct auspex_arg_spec ret; /* a returned object (AUSPEX_HOOK_RETURN_SOCK/_STR/_CRED): how it is read (offset 0) */
};

struct auspex_match_arg {
	__u8 arg; /* position in the hook's args */
	__u8 op;
	__u8 nvalues;
	__u8 pad0;
	__u32 set_id; /* string and InMap operators: the set in the set maps */
	__s64 values[AUSPEX_MAX_MATCH_VALUES];
};

struct auspex_match_pids {
	__u8 op; /* 0 = no filter, IN, NOT_IN */
	__u8 flags;
	__u8 nvalues;
	__u8 pad0;
	__u32 values[AUSPEX_MAX_PIDS];
};

struct auspex_match_binary {
	__u8 op; /* 0 = no filter, IN, NOT_IN, PREFIX, NOT_PREFIX, POSTFIX, NOT_POSTFIX */
	__u8 flags; /* AUSPEX_BINARY_* */
	__u16 pad1;
	__u32 set_id;
};

/* matchNamespaces entry: kind = index in struct auspex_namespaces. */
struct auspex_match_ns {
	__u8 kind;
	__u8 op;
	__u8 nvalues;
	__u8 pad0;
	__u32 values[AUSPEX_MAX_NS_VALUES];
};

/* matchCapabilities (changes = 0) / matchCapabilityChanges (changes = 1) entry. */
struct auspex_match_caps {
	__u8 set; /* 0 effective, 1 inheritable, 2 permitted */
	__u8 op;
	__u8 changes;
	__u8 pad0;
	__u32 user_ns; /* isNamespaceCapability: the host user namespace, where the filter fails */
	__u64 mask;
};

struct auspex_action {
	__u32 kind;
	__s32 arg; /* Signal: signal number; Override: argError; Post: AUSPEX_RATE_SCOPE_* */
	__u64 rate_limit_ns; /* Post: at most one event per this period and scope; 0 = none */
};

/* Value of `auspex_selectors` (key: selector id). */
struct auspex_selector {
	__u32 nmatch_args;
	__u32 nactions;
	__u32 npids;
	__u32 pad_pids;
	struct auspex_match_pids pids[AUSPEX_MAX_PID_FILTERS];
	struct auspex_match_binary binary;
	struct auspex_match_binary parent_binary; /* matchParentBinaries */
	__u32 nns;
	__u32 ncaps;
	__u8 ns_changes_op; /* 0 = no filter, IN, NOT_IN */
	__u8 pad0;
	__u16 ns_changes_mask; /* bit i = namespace kind i */
	struct auspex_match_arg match_args[AUSPEX_MAX_MATCH_ARGS];
	struct auspex_match_ns ns[AUSPEX_MAX_NS_FILTERS];
	struct auspex_match_caps caps[AUSPEX_MAX_CAP_FILTERS];
	struct auspex_action actions[AUSPEX_MAX_ACTIONS];
	__u32 nmatch_return; /* matchReturnArgs entries (ANDed) on the return value */
	__u32 nreturn_actions; /* matchReturnActions, run at the return */
	struct auspex_match_arg match_return[AUSPEX_MAX_MATCH_RETURN];
	struct auspex_action return_actions[AUSPEX_MAX_ACTIONS];
};

/* A NotifyEnforcer decision waiting for the thread's next enforced syscall (auspex_enforcer). */
struct auspex_enforcer_info {
	__s32 error; /* returned instead of running the syscall; 0: let it run */
	__u32 sig; /* sent to the thread; 0: none */
};

/* After the arguments of a return probe's event: the value returned and the return action. */
struct auspex_return_trailer {
	__s64 ret;
	__u32 action; /* AUSPEX_ACTION_* of matchReturnActions taken, or POST */
	__u32 pad;
	__u64 entry_ktime; /* the event's time at entry: the key of its entry maxData chunks */
};

/*
 * After the arguments (and before a return trailer) when the event flags have
 * AUSPEX_GENERIC_KERNEL_STACK or AUSPEX_GENERIC_USER_STACK: kernel_bytes of kernel frames, then
 * user_bytes of user frames (__u64 instruction addresses, innermost first), then this.
 */
struct auspex_stack_trailer {
	__u32 kernel_bytes;
	__u32 user_bytes;
};
#define AUSPEX_STACK_BYTES (2 * AUSPEX_STACK_DEPTH * 8 + sizeof(struct auspex_stack_trailer))

/* The BPF-object and perf-event arguments, sent as the bytes of a string argument. */
struct auspex_bpf_prog_info {
	__u32 prog_type;
	__u32 insn_cnt;
	char name[16];
};

struct auspex_bpf_map_info {
	__u32 map_type;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
	char name[16];
};

struct auspex_perf_event_info {
	__u32 event_type; /* perf_event_attr.type */
	__u32 pad;
	__u64 config;
	__u64 probe_offset;
	char kprobe_func[64]; /* perf_kprobe/perf_uprobe PMUs: the function asked for */
};

struct auspex_user_ns_info {
	__s32 level; /* 0: the initial (host) user namespace */
	__u32 uid; /* owner */
	__u32 gid; /* group */
	__u32 inum;
};

/* A kernel module (`module`, `load_info` arguments). */
#define AUSPEX_MODULE_NAME 56
struct auspex_module_info {
	char name[AUSPEX_MODULE_NAME];
	__u32 sig_ok; /* 0: not verified, 1: verified, 2: unknown (kernel without module signatures) */
	__u32 pad;
	__u64 taints; /* the module's taint bits (1 << TAINT_*) */
};

/* Key of `auspex_string_eq` (Equal/NotEqual/In/NotIn on strings). Unused bytes are zero. */
struct auspex_string_key {
	__u32 set_id;
	__u32 len;
	char s[AUSPEX_STRING_SHORT_MAX];
};

/* Key of `auspex_string_eq_long`: the same for strings longer than AUSPEX_STRING_SHORT_MAX. */
struct auspex_long_string_key {
	__u32 set_id;
	__u32 len;
	char s[AUSPEX_STRING_MAX];
};

/*
 * Key of the prefix and (reversed-string) postfix LPM tries: prefixlen = 32 + 8 * bytes. Only the
 * first AUSPEX_LPM_STRING_MAX bytes (last, for postfix) of a value take part.
 */
struct auspex_lpm_key {
	__u32 prefixlen;
	__u32 set_id;
	char s[AUSPEX_LPM_STRING_MAX];
};

/*
 * A socket as read from its struct sock, or a packet from its struct sk_buff (the same selector
 * operators apply to both). Addresses are 16 bytes; IPv4 ones are stored IPv4-mapped
 * (::ffff:a.b.c.d) so that one LPM trie serves both families. Ports in host order.
 */
struct auspex_sock_info {
	__u16 family;
	__u16 sock_type;
	__u16 protocol;
	__u16 state;
	__u16 sport;
	__u16 dport;
	__u32 mark;
	__u32 priority;
	__u32 len; /* skb: packet length */
	__u64 cookie; /* sock: socket cookie; skb: packet hash */
	__u8 saddr[16];
	__u8 daddr[16];
};

/* Key of `auspex_addr_lpm` (SAddr/DAddr CIDRs): prefixlen = 32 + bits of the (mapped) address. */
struct auspex_addr_key {
	__u32 prefixlen;
	__u32 set_id;
	__u8 addr[16];
};

/* Value of `auspex_substrings` (key: the needle's index): a SubString needle. */
#define AUSPEX_SUBSTRING_BUF 128
struct auspex_substring {
	__u32 len;
	__u32 pad;
	__u64 s[AUSPEX_SUBSTRING_BUF / 8]; /* the needle, zero-padded */
	__u64 mask[AUSPEX_SUBSTRING_BUF / 8]; /* 0xff for each byte of the needle, 0 after */
};

/*
 * Value of `auspex_cel` (key: the program's index): a CelExpr compiled to a stack program
 * (crates/policy/src/compile/cel.rs). Values are 64-bit words; the expression matches when the
 * program leaves one non-zero word.
 */
#define AUSPEX_CEL_MAX_INSNS 32
#define AUSPEX_CEL_STACK 8
#define AUSPEX_CEL_ARG 1 /* push the argument `arg` (h->ints) */
#define AUSPEX_CEL_IMM 2 /* push imm */
#define AUSPEX_CEL_ADD 3 /* pop b, a; push a + b */
#define AUSPEX_CEL_SUB 4
#define AUSPEX_CEL_EQ 5
#define AUSPEX_CEL_NE 6
#define AUSPEX_CEL_LT 7 /* signed */
#define AUSPEX_CEL_LE 8
#define AUSPEX_CEL_LTU 9 /* unsigned */
#define AUSPEX_CEL_LEU 10
#define AUSPEX_CEL_AND 11
#define AUSPEX_CEL_OR 12
#define AUSPEX_CEL_NOT 13 /* top = !top */
#define AUSPEX_CEL_S32 14 /* top = low 32 bits, sign-extended */
#define AUSPEX_CEL_U32 15 /* top = low 32 bits, zero-extended */
#define AUSPEX_CEL_ARG_RETURN 0xff /* AUSPEX_CEL_ARG's `arg` for the return value (matchReturnArgs) */
struct auspex_cel_insn {
	__u8 op;
	__u8 arg;
	__u16 pad0;
	__u32 pad1;
	__s64 imm;
};

struct auspex_cel_prog {
	__u32 n;
	__u32 pad;
	struct auspex_cel_insn insns[AUSPEX_CEL_MAX_INSNS];
};

/* Key of `auspex_int_set` (InMap/NotInMap). */
struct auspex_int_key {
	__u32 set_id;
	__u32 pad;
	__s64 value;
};

/*
 * process_kprobe / process_tracepoint record. Followed by `args_len` bytes: for each hook argument
 * in order, integers as 8 bytes (__s64), strings as a __u32 length (AUSPEX_ARG_TRUNCATED set
 * when cut) plus the bytes, files (FD, FILE_PTR, PATH_PTR, BINPRM) as a string followed by the __u32 i_mode, buffers
 * (USER_BUF) as a string followed by the __u32 length the call was given, credentials as a
 * struct auspex_creds, and
 * sockets as a struct auspex_sock_info.
 */
struct auspex_generic_event {
	struct auspex_msg_header hdr;
	struct auspex_process_key process;
	__u32 tid;
	__u32 hook_id;
	__u32 selector; /* 1-based index of the matching selector, 0 when the hook has none */
	__u32 action; /* AUSPEX_ACTION_* of the first enforcement action taken, or POST */
	__u32 flags;
	__u32 args_len;
};

#endif
