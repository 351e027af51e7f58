/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The live-process map and readers of task state (credentials, capabilities, namespaces). Shared by
 * the process sensor, which writes the map, and by the hook programs, which read it.
 */
#ifndef AUSPEX_PROCESS_H
#define AUSPEX_PROCESS_H

#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, __u32);
	__type(value, struct auspex_process_entry);
} auspex_processes SEC(".maps");

struct task_struct___no_loginuid {
	/* Kernels without CONFIG_AUDIT have no loginuid. */
	int tgid;
} __attribute__((preserve_access_index));

static __always_inline __u32 task_auid(struct task_struct *task)
{
	if (bpf_core_field_exists(task->loginuid))
		return BPF_CORE_READ(task, loginuid.val);
	return 0xffffffff;
}

static __always_inline __u64 read_cap(kernel_cap_t *cap)
{
	__u64 v = 0;

	/* kernel_cap_t is u64 since 6.3 and u32[2] before: 8 bytes either way. */
	bpf_probe_read_kernel(&v, sizeof(v), cap);
	return v;
}

static __always_inline void read_cred(const struct cred *cred, struct auspex_creds *c)
{
	struct user_namespace *uns;

	c->uid = BPF_CORE_READ(cred, uid.val);
	c->gid = BPF_CORE_READ(cred, gid.val);
	c->euid = BPF_CORE_READ(cred, euid.val);
	c->egid = BPF_CORE_READ(cred, egid.val);
	c->suid = BPF_CORE_READ(cred, suid.val);
	c->sgid = BPF_CORE_READ(cred, sgid.val);
	c->fsuid = BPF_CORE_READ(cred, fsuid.val);
	c->fsgid = BPF_CORE_READ(cred, fsgid.val);
	c->securebits = BPF_CORE_READ(cred, securebits);
	c->cap_permitted = read_cap(__builtin_preserve_access_index(&cred->cap_permitted));
	c->cap_effective = read_cap(__builtin_preserve_access_index(&cred->cap_effective));
	c->cap_inheritable = read_cap(__builtin_preserve_access_index(&cred->cap_inheritable));
	uns = BPF_CORE_READ(cred, user_ns);
	c->userns_level = BPF_CORE_READ(uns, level);
	c->userns_uid = BPF_CORE_READ(uns, owner.val);
	c->userns_gid = BPF_CORE_READ(uns, group.val);
	c->userns_inum = BPF_CORE_READ(uns, ns.inum);
}

static __always_inline void read_creds(struct task_struct *task, struct auspex_creds *c)
{
	read_cred(BPF_CORE_READ(task, real_cred), c);
}

/* pid-namespace view of a task: the innermost upid of its struct pid. */
static __always_inline struct upid *task_upid(struct task_struct *task, __u32 *level_out)
{
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	__u32 level = BPF_CORE_READ(pid, level);

	*level_out = level;
	return (struct upid *)__builtin_preserve_access_index(&pid->numbers[level & 31]);
}

static __always_inline __u32 task_nspid(struct task_struct *task, __u32 *level)
{
	struct upid *up = task_upid(task, level);

	return BPF_CORE_READ(up, nr);
}

static __always_inline void read_namespaces(struct task_struct *task, struct auspex_namespaces *ns)
{
	struct nsproxy *nsp = BPF_CORE_READ(task, nsproxy);
	__u32 level;
	struct upid *up;

	if (!nsp)
		return;
	ns->uts = BPF_CORE_READ(nsp, uts_ns, ns.inum);
	ns->ipc = BPF_CORE_READ(nsp, ipc_ns, ns.inum);
	ns->mnt = BPF_CORE_READ(nsp, mnt_ns, ns.inum);
	ns->pid_for_children = BPF_CORE_READ(nsp, pid_ns_for_children, ns.inum);
	ns->net = BPF_CORE_READ(nsp, net_ns, ns.inum);
	if (bpf_core_field_exists(nsp->time_ns)) {
		ns->time = BPF_CORE_READ(nsp, time_ns, ns.inum);
		ns->time_for_children = BPF_CORE_READ(nsp, time_ns_for_children, ns.inum);
	}
	ns->cgroup = BPF_CORE_READ(nsp, cgroup_ns, ns.inum);
	ns->user = BPF_CORE_READ(task, real_cred, user_ns, ns.inum);
	up = task_upid(task, &level);
	ns->pid = BPF_CORE_READ(up, ns, ns.inum);
}

#endif
