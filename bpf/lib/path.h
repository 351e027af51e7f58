/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Path of a kernel `struct path`, built in BPF by walking dentries and mounts up to the task's root.
 * Used for the working directory at exec and, later, for file/path arguments of hook programs: paths
 * come from kernel objects, never from racy user strings.
 */
#ifndef AUSPEX_PATH_H
#define AUSPEX_PATH_H

#include "common.h"

/* The path is written backwards and ends at offset AUSPEX_PATH_MAX; the slack covers one name. */
#define AUSPEX_PATH_SCRATCH (AUSPEX_PATH_MAX * 2)
#define AUSPEX_NAME_MAX 255
#define AUSPEX_PATH_MAX_STEPS 2048

struct auspex_path_scratch {
	char buf[AUSPEX_PATH_SCRATCH];
	/*
	 * Write position, kept in the map value rather than on the stack: the verifier then treats it
	 * as an unknown bounded value and checks the loop body once instead of once per position.
	 */
	__s32 pos;
	__u32 truncated;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct auspex_path_scratch);
} auspex_path_heap SEC(".maps");

struct path_walk {
	struct dentry *dentry;
	struct vfsmount *vfsmnt;
	struct mount *mnt;
	struct dentry *root_dentry;
	struct vfsmount *root_mnt;
};

static __always_inline struct mount *real_mount(struct vfsmount *vfsmnt)
{
	return (struct mount *)((char *)vfsmnt - bpf_core_field_offset(struct mount, mnt));
}

static long path_walk_step(__u32 i, void *data)
{
	struct path_walk *w = data;
	struct dentry *d = w->dentry;
	struct dentry *parent;
	struct auspex_path_scratch *s;
	const unsigned char *name;
	__u32 zero = 0, len;
	__s32 pos;

	/* Locals, not w->x, inside BPF_CORE_READ: struct path_walk is ours and must not be relocated. */
	struct vfsmount *vfsmnt = w->vfsmnt;
	struct mount *mnt = w->mnt;

	if (d == w->root_dentry && vfsmnt == w->root_mnt)
		return 1;
	if (d == BPF_CORE_READ(vfsmnt, mnt_root)) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

		if (up == mnt)
			return 1; /* root of the mount namespace */
		w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = up;
		w->vfsmnt = (struct vfsmount *)((char *)up + bpf_core_field_offset(struct mount, mnt));
		return 0;
	}
	parent = BPF_CORE_READ(d, d_parent);
	if (parent == d)
		return 1; /* disconnected tree */
	len = BPF_CORE_READ(d, d_name.len);
	name = BPF_CORE_READ(d, d_name.name);
	if (len > AUSPEX_NAME_MAX)
		len = AUSPEX_NAME_MAX;
	s = bpf_map_lookup_elem(&auspex_path_heap, &zero);
	if (!s)
		return 1;
	pos = s->pos - (__s32)len - 1;
	if (pos < 0) {
		s->truncated = 1;
		return 1;
	}
	s->buf[pos & (AUSPEX_PATH_MAX - 1)] = '/';
	bpf_probe_read_kernel(&s->buf[(pos + 1) & (AUSPEX_PATH_MAX - 1)], len & AUSPEX_NAME_MAX, name);
	s->pos = pos;
	w->dentry = parent;
	return 0;
}

/*
 * Resolve `path` relative to `root` into auspex_path_heap. Returns the start offset of the path in
 * the scratch buffer (its end is AUSPEX_PATH_MAX), or AUSPEX_PATH_MAX for "/". Sets *truncated when
 * the path did not fit in AUSPEX_PATH_MAX bytes (the kept part is the tail).
 */
static __always_inline __s32 resolve_dentry_path(struct dentry *dentry, struct vfsmount *vfsmnt,
						 struct path *root, __u32 *truncated)
{
	struct path_walk w = {};
	struct auspex_path_scratch *s;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&auspex_path_heap, &zero);
	if (!s)
		return AUSPEX_PATH_MAX;
	s->pos = AUSPEX_PATH_MAX;
	s->truncated = 0;

	w.dentry = dentry;
	w.vfsmnt = vfsmnt;
	/* Without a mount (a bare dentry) the walk stops at the root of the dentry's filesystem. */
	w.mnt = vfsmnt ? real_mount(vfsmnt) : NULL;
	w.root_dentry = BPF_CORE_READ(root, dentry);
	w.root_mnt = BPF_CORE_READ(root, mnt);
	/* Running out of steps means the walk did not reach the root: as incomplete as a cut path. */
	if (bpf_loop(AUSPEX_PATH_MAX_STEPS, path_walk_step, &w, 0) >= AUSPEX_PATH_MAX_STEPS)
		s->truncated = 1;
	*truncated = s->truncated;
	return s->pos;
}

static __always_inline __s32 resolve_path(struct path *path, struct path *root, __u32 *truncated)
{
	return resolve_dentry_path(BPF_CORE_READ(path, dentry), BPF_CORE_READ(path, mnt), root,
				   truncated);
}

#endif
