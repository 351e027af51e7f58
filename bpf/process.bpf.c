// SPDX-License-Identifier: GPL-2.0
/*
 * Process sensor: one record per exec, per new thread group (clone) and per thread-group exit, and
 * the live-process map `auspex_processes` that later hook programs read. User space twin:
 * crates/agent/src/sensors/process.rs.
 */
#include "lib/common.h"
#include "lib/process.h"
#include "lib/path.h"

char LICENSE[] SEC("license") = "GPL";

#define PF_KTHREAD 0x00200000

/*
 * Exec records are assembled here and copied out with their real size. Too big for the stack and
 * for a per-CPU value (32 KiB limit), so it is an array with one slot per possible CPU (user space
 * sets max_entries); the tracepoints run with migration disabled, so the slot is ours.
 */
struct exec_heap {
	struct auspex_exec_event ev;
	char data[AUSPEX_PATH_MAX + AUSPEX_ARGS_MAX + AUSPEX_PATH_MAX];
	struct auspex_process_entry entry;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct exec_heap);
} auspex_exec_heap SEC(".maps");

static __always_inline struct exec_heap *exec_heap(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&auspex_exec_heap, &cpu);
}

/*
 * The binary selectors match (matchBinaries, followChildren): the new image's executable file
 * (mm->exe_file, the interpreter of a script) as a path from the task's root, as
 * /proc/<pid>/exe shows it for processes found at start. Not the filename given to execve: a
 * relative name or a symlink would dodge an absolute path in the policy. Falls back to the
 * filename (h->data, fl bytes) when the file's path cannot be built. Uses the path scratch.
 */
static __always_inline void entry_binary(struct auspex_process_entry *e, struct exec_heap *h,
					 struct task_struct *task, __u32 fl)
{
	struct file *exe = BPF_CORE_READ(task, mm, exe_file);
	struct fs_struct *fs = BPF_CORE_READ(task, fs);
	struct auspex_path_scratch *ps;
	__u32 zero = 0, cut = 0, len;
	__s32 pos = -1;

	if (exe && fs)
		pos = resolve_path(__builtin_preserve_access_index(&exe->f_path),
				   __builtin_preserve_access_index(&fs->root), &cut);
	ps = bpf_map_lookup_elem(&auspex_path_heap, &zero);
	if (ps && pos >= 0 && pos < AUSPEX_PATH_MAX && !cut) {
		len = AUSPEX_PATH_MAX - pos;
		if (len > AUSPEX_MAP_BINARY_MAX - 1)
			len = AUSPEX_MAP_BINARY_MAX - 1;
		barrier_var(len);
		e->binary_len = len;
		bpf_probe_read_kernel(e->binary, len & (AUSPEX_MAP_BINARY_MAX - 1),
				      &ps->buf[pos & (AUSPEX_PATH_MAX - 1)]);
		e->binary[len & (AUSPEX_MAP_BINARY_MAX - 1)] = 0;
		return;
	}
	if (fl > AUSPEX_MAP_BINARY_MAX - 1)
		fl = AUSPEX_MAP_BINARY_MAX - 1;
	barrier_var(fl);
	e->binary_len = fl;
	bpf_probe_read_kernel(e->binary, fl & (AUSPEX_MAP_BINARY_MAX - 1), h->data);
	e->binary[fl & (AUSPEX_MAP_BINARY_MAX - 1)] = 0;
}

static __always_inline void fill_entry_from_exec(struct auspex_process_entry *e, struct exec_heap *h)
{
	e->key = h->ev.process;
	e->parent = h->ev.parent;
	e->flags = h->ev.flags;
	e->nspid = h->ev.nspid;
	e->uid = h->ev.creds.uid;
	e->euid = h->ev.creds.euid;
	e->auid = h->ev.auid;
	e->cap_permitted = h->ev.creds.cap_permitted;
	e->cap_effective = h->ev.creds.cap_effective;
	e->cap_inheritable = h->ev.creds.cap_inheritable;
	e->ns = h->ev.ns;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(auspex_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 zero = 0, tgid, level = 0, fl = 0, al = 0, cl = 0, cut = 0, size;
	struct auspex_process_entry *curr, *pentry;
	struct exec_heap *h;
	struct auspex_path_scratch *ps;
	struct mm_struct *mm;
	struct fs_struct *fs;
	__u64 arg_start, arg_end, off;
	long n;
	__s32 pos;

	h = exec_heap();
	if (!h)
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	__builtin_memset(&h->ev, 0, sizeof(h->ev));
	h->ev.hdr.op = AUSPEX_MSG_EXEC;
	h->ev.hdr.ktime = bpf_ktime_get_boot_ns();
	h->ev.process.pid = tgid;
	h->ev.process.ktime = h->ev.hdr.ktime;
	h->ev.tid = BPF_CORE_READ(task, pid);
	h->ev.auid = task_auid(task);
	h->ev.nspid = task_nspid(task, &level);
	read_creds(task, &h->ev.creds);
	read_namespaces(task, &h->ev.ns);

	/* Parent: the previous image of this pid if it already ran one, else the process that forked it. */
	curr = bpf_map_lookup_elem(&auspex_processes, &tgid);
	if (curr && (curr->flags & (AUSPEX_FLAG_EXECVE | AUSPEX_FLAG_PROCFS))) {
		h->ev.parent = curr->key;
		h->ev.flags = AUSPEX_FLAG_EXECVE;
	} else if (curr) {
		h->ev.parent = curr->parent;
		h->ev.flags = AUSPEX_FLAG_EXECVE | AUSPEX_FLAG_CLONE;
	} else {
		__u32 ppid = BPF_CORE_READ(task, real_parent, tgid);

		pentry = bpf_map_lookup_elem(&auspex_processes, &ppid);
		if (pentry)
			h->ev.parent = pentry->key;
		else
			h->ev.parent.pid = ppid;
		h->ev.flags = AUSPEX_FLAG_EXECVE | AUSPEX_FLAG_CLONE | AUSPEX_FLAG_MISS;
	}
	if (level > 0) {
		if (h->ev.nspid == 1)
			h->ev.flags |= AUSPEX_FLAG_IN_INIT_TREE;
		else if (curr && (curr->flags & AUSPEX_FLAG_IN_INIT_TREE))
			h->ev.flags |= AUSPEX_FLAG_IN_INIT_TREE;
	}

	/* Filename as passed to execve (a relative one is joined with cwd in user space). */
	n = bpf_probe_read_kernel_str(h->data, AUSPEX_PATH_MAX, BPF_CORE_READ(bprm, filename));
	if (n > 0) {
		fl = n - 1;
		if (n == AUSPEX_PATH_MAX)
			h->ev.flags |= AUSPEX_FLAG_TRUNC_FILENAME;
	} else {
		h->ev.flags |= AUSPEX_FLAG_ERROR_FILENAME;
	}
	if (fl > AUSPEX_PATH_MAX - 1)
		fl = AUSPEX_PATH_MAX - 1;

	/* argv, NUL-separated, read from the new image's stack. */
	mm = BPF_CORE_READ(task, mm);
	arg_start = BPF_CORE_READ(mm, arg_start);
	arg_end = BPF_CORE_READ(mm, arg_end);
	if (arg_end > arg_start) {
		off = arg_end - arg_start;
		if (off > AUSPEX_ARGS_MAX) {
			off = AUSPEX_ARGS_MAX;
			h->ev.flags |= AUSPEX_FLAG_TRUNC_ARGS;
		}
		al = off;
		if (bpf_probe_read_user(&h->data[fl], al, (void *)arg_start) < 0) {
			al = 0;
			h->ev.flags |= AUSPEX_FLAG_ERROR_ARGS;
		}
	}
	if (al > AUSPEX_ARGS_MAX)
		al = AUSPEX_ARGS_MAX;

	/* The executable's path for the binary selectors, before the cwd takes the path scratch. */
	entry_binary(&h->entry, h, task, fl);

	/* Working directory from the task's fs, relative to its root. */
	fs = BPF_CORE_READ(task, fs);
	pos = resolve_path(__builtin_preserve_access_index(&fs->pwd),
			   __builtin_preserve_access_index(&fs->root), &cut);
	ps = bpf_map_lookup_elem(&auspex_path_heap, &zero);
	off = fl + al;
	if (off > AUSPEX_PATH_MAX + AUSPEX_ARGS_MAX)
		off = AUSPEX_PATH_MAX + AUSPEX_ARGS_MAX;
	if (cut)
		h->ev.flags |= AUSPEX_FLAG_ERROR_PATH_RESOLUTION_CWD;
	if (!ps || pos < 0) {
		h->ev.flags |= AUSPEX_FLAG_ERROR_CWD;
		cl = 0;
	} else if (pos >= AUSPEX_PATH_MAX) {
		h->ev.flags |= AUSPEX_FLAG_ROOT_CWD;
		h->data[off] = '/';
		cl = 1;
	} else {
		__u64 start = pos & (AUSPEX_PATH_MAX - 1);
		__u64 len;

		barrier_var(start);
		start &= AUSPEX_PATH_MAX - 1;
		len = AUSPEX_PATH_MAX - start; /* 1..4096, provably to the verifier */

		bpf_probe_read_kernel(&h->data[off], len, &ps->buf[start]);
		cl = len;
	}

	h->ev.filename_len = fl;
	h->ev.args_len = al;
	h->ev.cwd_len = cl;
	size = sizeof(h->ev) + fl + al + cl;
	if (size > sizeof(h->ev) + sizeof(h->data))
		size = sizeof(h->ev) + sizeof(h->data);
	h->ev.hdr.size = size;

	/* Record the new image before anything else can look this process up. */
	fill_entry_from_exec(&h->entry, h);
	if (curr) {
		__u32 keep = curr->flags & AUSPEX_FLAG_IN_INIT_TREE;

		*curr = h->entry;
		curr->flags |= keep;
	} else if (bpf_map_update_elem(&auspex_processes, &tgid, &h->entry, BPF_ANY)) {
		stat_inc(AUSPEX_STAT_PROCESS_MAP_FULL);
	}

	if (bpf_ringbuf_output(&auspex_events, h, size, rb_submit_flags()))
		stat_inc(AUSPEX_STAT_RB_RESERVE_FAIL_EXEC);
	return 0;
}

/*
 * Small records are built on the stack and copied out. Non-inlined so that the record types are in
 * the object's BTF, which the user-space ABI layout test reads.
 */
static __noinline int emit_clone(struct auspex_clone_event *ev)
{
	if (bpf_ringbuf_output(&auspex_events, ev, sizeof(*ev), rb_submit_flags()))
		stat_inc(AUSPEX_STAT_RB_RESERVE_FAIL_CLONE);
	return 0;
}

static __noinline int emit_exit(struct auspex_exit_event *ev)
{
	if (bpf_ringbuf_output(&auspex_events, ev, sizeof(*ev), rb_submit_flags()))
		stat_inc(AUSPEX_STAT_RB_RESERVE_FAIL_EXIT);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(auspex_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 zero = 0, tgid, ptgid, level = 0;
	struct auspex_process_entry *pentry;
	struct auspex_clone_event ev = {};
	struct exec_heap *h;

	tgid = BPF_CORE_READ(child, tgid);
	if (BPF_CORE_READ(child, pid) != tgid)
		return 0; /* a thread: not a new process */
	if (BPF_CORE_READ(child, flags) & PF_KTHREAD)
		return 0;
	h = exec_heap();
	if (!h)
		return 0;
	ptgid = BPF_CORE_READ(parent, tgid);
	pentry = bpf_map_lookup_elem(&auspex_processes, &ptgid);
	if (pentry) {
		h->entry = *pentry;
		h->entry.parent = pentry->key;
	} else {
		__builtin_memset(&h->entry, 0, sizeof(h->entry));
		h->entry.parent.pid = ptgid;
	}
	h->entry.key.pid = tgid;
	h->entry.key.ktime = bpf_ktime_get_boot_ns();
	h->entry.nspid = task_nspid(child, &level);
	h->entry.flags = AUSPEX_FLAG_CLONE | (h->entry.flags & AUSPEX_FLAG_IN_INIT_TREE);
	if (level > 0 && h->entry.nspid == 1)
		h->entry.flags |= AUSPEX_FLAG_IN_INIT_TREE;
	if (bpf_map_update_elem(&auspex_processes, &tgid, &h->entry, BPF_ANY))
		stat_inc(AUSPEX_STAT_PROCESS_MAP_FULL);

	ev.hdr.op = AUSPEX_MSG_CLONE;
	ev.hdr.size = sizeof(ev);
	ev.hdr.ktime = h->entry.key.ktime;
	ev.process = h->entry.key;
	ev.parent = h->entry.parent;
	ev.tid = tgid;
	ev.flags = h->entry.flags;
	ev.nspid = h->entry.nspid;
	emit_clone(&ev);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(auspex_exit, struct task_struct *task)
{
	struct auspex_process_entry *e;
	struct auspex_exit_event ev = {};
	struct auspex_process_key key = {};
	__u32 tgid;

	/* Only the last thread of the group reports; signal->live is already decremented here. */
	if (BPF_CORE_READ(task, signal, live.counter) != 0)
		return 0;
	if (BPF_CORE_READ(task, flags) & PF_KTHREAD)
		return 0;
	tgid = BPF_CORE_READ(task, tgid);
	e = bpf_map_lookup_elem(&auspex_processes, &tgid);
	if (e) {
		key = e->key;
		key.pad = 0;
		/*
		 * Two threads can both see live == 0; only the one that marks the entry reports. The
		 * entry stays until the task is freed (auspex_free): hooks on the rest of the exit path
		 * (files and sockets closed by exit_files) still find the process.
		 */
		if (__sync_fetch_and_or(&e->key.pad, AUSPEX_PROCESS_EXITED) & AUSPEX_PROCESS_EXITED)
			return 0;
	} else {
		key.pid = tgid;
		stat_inc(AUSPEX_STAT_EXIT_UNKNOWN);
	}

	ev.hdr.op = AUSPEX_MSG_EXIT;
	ev.hdr.size = sizeof(ev);
	ev.hdr.ktime = bpf_ktime_get_boot_ns();
	ev.process = key;
	ev.tid = tgid; /* reported per process, like the exec record */
	ev.exit_code = BPF_CORE_READ(task, exit_code);
	emit_exit(&ev);
	return 0;
}

/*
 * The thread-group leader is freed once the whole group is dead and reaped: its entry goes. A
 * process that reused the tgid in between has a fresh entry (no exited mark) and keeps it.
 */
SEC("tp_btf/sched_process_free")
int BPF_PROG(auspex_free, struct task_struct *task)
{
	struct auspex_process_entry *e;
	__u32 tgid = BPF_CORE_READ(task, tgid);

	if (BPF_CORE_READ(task, pid) != tgid)
		return 0;
	e = bpf_map_lookup_elem(&auspex_processes, &tgid);
	if (e && (e->key.pad & AUSPEX_PROCESS_EXITED))
		bpf_map_delete_elem(&auspex_processes, &tgid);
	return 0;
}
