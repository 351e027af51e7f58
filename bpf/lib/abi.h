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
#define AUSPEX_STAT_MAX 8

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
	__u32 pad;
	__u64 ktime;
};

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

#endif
