/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hook pipeline shared by the generic programs (tracepoints, uprobes, …): argument reading
 * from a record copy, selector evaluation (selectors.h), in-place enforcement, rate limits and the
 * event. An entry program fills h->record in the layout the hook's argument offsets expect and calls
 * run_hook().
 */
#ifndef AUSPEX_GENERIC_H
#define AUSPEX_GENERIC_H

#include "common.h"
#include "process.h"
#include "selectors.h"
#include "path.h"
#include <bpf/usdt.bpf.h>

/*
 * Path and mode of a struct path into string slot `i`: the path comes from the kernel's dentries,
 * relative to the task's root, so relative opens, symlinks and `..` cannot hide it. A path longer
 * than the slot keeps its head (what Prefix filters look at) and is marked truncated.
 */
static __always_inline void read_dentry_path(struct generic_heap *h, struct dentry *dentry,
					     struct vfsmount *mnt, __u32 i)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fs_struct *fs = BPF_CORE_READ(task, fs);
	struct auspex_path_scratch *ps;
	__u32 zero = 0, cut = 0, len;
	__s32 pos;

	if (i >= AUSPEX_MAX_HOOK_ARGS)
		return;
	h->is_str[i] = 1;
	h->has_trailer[i] = 1;
	h->str_len[i] = 0;
	h->ints[i] = 0;
	if (!dentry)
		return;
	h->ints[i] = BPF_CORE_READ(dentry, d_inode, i_mode);
	pos = resolve_dentry_path(dentry, mnt, __builtin_preserve_access_index(&fs->root), &cut);
	ps = bpf_map_lookup_elem(&auspex_path_heap, &zero);
	if (!ps || pos < 0)
		return;
	if (pos >= AUSPEX_PATH_MAX) {
		h->strs[i][0] = '/';
		h->str_len[i] = 1;
		return;
	}
	len = AUSPEX_PATH_MAX - pos;
	if (len > AUSPEX_STRING_MAX) {
		len = AUSPEX_STRING_MAX;
		h->truncated[i] = 1;
	}
	if (cut)
		h->truncated[i] = 1;
	barrier_var(len);
	if (len <= AUSPEX_STRING_MAX)
		bpf_probe_read_kernel(h->strs[i], len, &ps->buf[pos & (AUSPEX_PATH_MAX - 1)]);
	h->str_len[i] = len;
}

/* A struct path: its dentry and mount. */
static __always_inline void read_path(struct generic_heap *h, struct path *path, __u32 i)
{
	if (!path) {
		read_dentry_path(h, NULL, NULL, i);
		return;
	}
	read_dentry_path(h, BPF_CORE_READ(path, dentry), BPF_CORE_READ(path, mnt), i);
}

/* A struct file: its struct path. */
static __always_inline void read_file(struct generic_heap *h, struct file *file, __u32 i)
{
	read_path(h, file ? __builtin_preserve_access_index(&file->f_path) : NULL, i);
}

static __always_inline struct file *fd_file(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *file = NULL;

	if (fd < 0 || !fdt || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

/* A struct sock into socket slot `i`. */
static __always_inline void read_sock(struct generic_heap *h, struct sock *sk, __u32 i)
{
	struct auspex_sock_info *out;

	if (i >= AUSPEX_MAX_HOOK_ARGS)
		return;
	h->is_sock[i] = 1;
	out = &h->socks[i];
	__builtin_memset(out, 0, sizeof(*out));
	if (!sk)
		return;
	out->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	out->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	out->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
	out->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	out->sock_type = BPF_CORE_READ(sk, sk_type);
	out->protocol = BPF_CORE_READ(sk, sk_protocol);
	out->mark = BPF_CORE_READ(sk, sk_mark);
	out->priority = BPF_CORE_READ(sk, sk_priority);
	out->cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	if (out->family == 2 /* AF_INET */) {
		__u32 s4 = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__u32 d4 = BPF_CORE_READ(sk, __sk_common.skc_daddr);

		out->saddr[10] = out->saddr[11] = 0xff;
		out->daddr[10] = out->daddr[11] = 0xff;
		__builtin_memcpy(&out->saddr[12], &s4, 4);
		__builtin_memcpy(&out->daddr[12], &d4, 4);
	} else if (out->family == 10 /* AF_INET6 */) {
		BPF_CORE_READ_INTO(&out->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&out->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
}

/*
 * The length (char_buf) or count (char_iovec) argument of a buffer argument, cut to its width:
 * registers of narrower arguments may hold garbage above it.
 */
static __always_inline __u64 size_arg(struct generic_heap *h, struct auspex_arg_spec *spec)
{
	__u64 v = 0;

	if (spec->size_offset)
		v = record_u64(h, spec->size_offset);
	if (spec->size_width == 4)
		v = (__u32)v;
	else if (spec->size_width == 2)
		v = (__u16)v;
	else if (spec->size_width == 1)
		v = (__u8)v;
	return v;
}

/*
 * A char_buf argument into string slot `i`: the first AUSPEX_STRING_MAX bytes of the (user or kernel) buffer,
 * whose length is the argument at spec->size_offset (the trailer keeps the full length).
 */
static __always_inline void read_buf(struct generic_heap *h, struct auspex_arg_spec *spec, __u32 i)
{
	__u64 ptr = 0, len = 0;
	__u32 n;

	if (i >= AUSPEX_MAX_HOOK_ARGS)
		return;
	ptr = record_u64(h, spec->offset);
	len = size_arg(h, spec);
	h->is_str[i] = 1;
	h->has_trailer[i] = 1;
	h->ints[i] = (__u32)len;
	n = len > AUSPEX_STRING_MAX ? AUSPEX_STRING_MAX : (__u32)len;
	h->truncated[i] = len > AUSPEX_STRING_MAX;
	barrier_var(n);
	if (n > AUSPEX_STRING_MAX)
		n = 0;
	else if (spec->kind == AUSPEX_ARG_KERNEL_BUF ? bpf_probe_read_kernel(h->strs[i], n, (void *)ptr)
						    : bpf_probe_read_user(h->strs[i], n, (void *)ptr))
		n = 0;
	h->str_len[i] = n;
}

/* Segments of an iovec array read for one argument (the first AUSPEX_STRING_MAX bytes are kept). */
#define AUSPEX_IOVEC_SEGS 8

/*
 * Segment `k` of an iovec (or kvec) array in user or kernel memory, the first one without its
 * first `skip` bytes: 1 with `seg` filled, 0 when nothing of it is left, -1 on a read fault.
 */
static __always_inline int iovec_segment(const struct iovec *iov, int k, __u64 skip, struct iovec *seg)
{
	if (bpf_probe_read_user(seg, sizeof(*seg), &iov[k]) &&
	    bpf_probe_read_kernel(seg, sizeof(*seg), &iov[k]))
		return -1;
	if (k == 0 && skip) {
		if (skip >= seg->iov_len)
			return 0;
		seg->iov_base = (char *)seg->iov_base + skip;
		seg->iov_len -= skip;
	}
	return 1;
}

/*
 * Appends the bytes of up to AUSPEX_IOVEC_SEGS `struct iovec`s (user buffers) at `iov` to string
 * slot `i`, skipping `skip` bytes of the first; the array itself may be in user memory (a syscall
 * argument) or in the kernel (an import_iovec() copy). Returns the bytes the segments hold.
 */
static __always_inline __u64 copy_iovecs(struct generic_heap *h, __u32 i, const struct iovec *iov,
					 __u64 nr, __u64 skip, int kvec)
{
	__u64 total = 0;
	__u32 copied = 0;

	if (i >= AUSPEX_MAX_HOOK_ARGS)
		return 0;
	for (int k = 0; k < AUSPEX_IOVEC_SEGS; k++) {
		struct iovec seg;
		__u64 len, n;
		int got;

		if (k >= nr)
			break;
		got = iovec_segment(iov, k, skip, &seg);
		if (got < 0)
			break;
		if (!got)
			continue;
		len = seg.iov_len;
		total += len;
		if (copied >= AUSPEX_STRING_MAX)
			continue;
		n = len;
		if (n > AUSPEX_STRING_MAX - copied)
			n = AUSPEX_STRING_MAX - copied;
		barrier_var(n);
		if (n > AUSPEX_STRING_MAX)
			break;
		barrier_var(copied);
		if (copied > AUSPEX_STRING_MAX)
			break;
		if (kvec ? bpf_probe_read_kernel(&h->strs[i][copied], n, seg.iov_base)
			 : bpf_probe_read_user(&h->strs[i][copied], n, seg.iov_base))
			break;
		copied += n;
	}
	h->str_len[i] = copied;
	return total;
}

/* Marks string slot `i` as a buffer of `total` bytes of which str_len[i] were captured. */
static __always_inline void set_buf_trailer(struct generic_heap *h, __u32 i, __u64 total, int more)
{
	if (i >= AUSPEX_MAX_HOOK_ARGS)
		return;
	h->is_str[i] = 1;
	h->has_trailer[i] = 1;
	h->ints[i] = total > 0xffffffffULL ? 0xffffffffULL : total;
	h->truncated[i] = more || total > h->str_len[i];
}

/* char_iovec: a `struct iovec *` whose count is the argument at spec->size_offset. */
static __always_inline void read_iovec_arg(struct generic_heap *h, struct auspex_arg_spec *spec, __u32 i)
{
	__u64 ptr = 0, nr = 0, total;

	if (i >= AUSPEX_MAX_HOOK_ARGS)
		return;
	ptr = record_u64(h, spec->offset);
	nr = size_arg(h, spec);
	h->str_len[i] = 0;
	total = ptr ? copy_iovecs(h, i, (const struct iovec *)ptr, nr, 0, 0) : 0;
	set_buf_trailer(h, i, total, nr > AUSPEX_IOVEC_SEGS);
}

/* Kernels before 6.4 name the iovec array of an iov_iter `iov` (now `__iov`). */
struct iov_iter___pre64 {
	const struct iovec *iov;
} __attribute__((preserve_access_index));

/* Where the bytes of an iov_iter are (iov_iter_source()). */
#define IOV_SRC_NONE 0 /* pages, pipes, …: no bytes read */
#define IOV_SRC_UBUF 1 /* one user buffer at `base` */
#define IOV_SRC_IOVEC 2 /* an iovec array at `base`: `nr` segments, `skip` bytes of the first done */
#define IOV_SRC_KVEC 3 /* the same with kernel buffers */

/* The kind of an iov_iter and where its bytes start (CO-RE: the kinds' values differ by kernel). */
static __always_inline int iov_iter_source(struct iov_iter *it, __u64 *base, __u64 *nr, __u64 *skip)
{
	__u8 type = BPF_CORE_READ(it, iter_type);

	*nr = BPF_CORE_READ(it, nr_segs);
	*skip = BPF_CORE_READ(it, iov_offset);
	if (bpf_core_enum_value_exists(enum iter_type, ITER_UBUF) &&
	    type == bpf_core_enum_value(enum iter_type, ITER_UBUF)) {
		*base = (__u64)BPF_CORE_READ(it, ubuf);
		return IOV_SRC_UBUF;
	}
	if (type == bpf_core_enum_value(enum iter_type, ITER_IOVEC)) {
		if (bpf_core_field_exists(it->__iov))
			*base = (__u64)BPF_CORE_READ(it, __iov);
		else
			*base = (__u64)BPF_CORE_READ((struct iov_iter___pre64 *)it, iov);
		return IOV_SRC_IOVEC;
	}
	if (type == bpf_core_enum_value(enum iter_type, ITER_KVEC)) {
		*base = (__u64)BPF_CORE_READ(it, kvec);
		return IOV_SRC_KVEC;
	}
	return IOV_SRC_NONE;
}

/*
 * A struct iov_iter: the bytes still to be transferred (`count`), from its user buffer (ITER_UBUF),
 * its iovecs (ITER_IOVEC) or its kvecs (ITER_KVEC); other kinds (pages, pipes) report the length
 * with no bytes.
 */
static __always_inline void read_iov_iter(struct generic_heap *h, struct iov_iter *it, __u32 i)
{
	__u64 count, base = 0, nr = 0, skip = 0;
	int src;

	if (i >= AUSPEX_MAX_HOOK_ARGS)
		return;
	h->str_len[i] = 0;
	if (!it) {
		set_buf_trailer(h, i, 0, 0);
		return;
	}
	count = BPF_CORE_READ(it, count);
	src = iov_iter_source(it, &base, &nr, &skip);
	if (src == IOV_SRC_UBUF) {
		__u32 n = count > AUSPEX_STRING_MAX ? AUSPEX_STRING_MAX : (__u32)count;

		barrier_var(n);
		if (n <= AUSPEX_STRING_MAX && !bpf_probe_read_user(h->strs[i], n, (void *)base))
			h->str_len[i] = n;
	} else if (src == IOV_SRC_IOVEC || src == IOV_SRC_KVEC) {
		copy_iovecs(h, i, (const struct iovec *)base, nr, skip, src == IOV_SRC_KVEC);
	}
	set_buf_trailer(h, i, count, 0);
}

/* maxData chunks are built here, one per CPU. */
struct auspex_data_scratch {
	struct auspex_data_msg msg;
	__u8 data[AUSPEX_DATA_CHUNK];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct auspex_data_scratch);
} auspex_data_heap SEC(".maps");

/* State of one auspex_send_data() loop. */
struct data_send {
	__u64 src;
	__u32 len;
	__u32 at;
	__u32 user;
	__u32 sent;
};

/* One chunk of auspex_send_data(); 1 stops the loop. */
static long send_chunk(__u64 index, void *ctx)
{
	struct data_send *d = ctx;
	struct auspex_data_scratch *s;
	__u32 zero = 0, n, pos;

	s = bpf_map_lookup_elem(&auspex_data_heap, &zero);
	if (!s)
		return 1;
	pos = d->at + d->sent;
	if (d->sent >= d->len || pos >= AUSPEX_DATA_MAX)
		return 1;
	n = d->len - d->sent;
	if (n > AUSPEX_DATA_MAX - pos)
		n = AUSPEX_DATA_MAX - pos;
	if (n > AUSPEX_DATA_CHUNK)
		n = AUSPEX_DATA_CHUNK;
	barrier_var(n);
	if (n == 0 || n > AUSPEX_DATA_CHUNK)
		return 1;
	if (d->user ? bpf_probe_read_user(s->data, n, (void *)(d->src + d->sent))
		    : bpf_probe_read_kernel(s->data, n, (void *)(d->src + d->sent)))
		return 1;
	s->msg.offset = pos;
	s->msg.len = n;
	s->msg.hdr.size = sizeof(s->msg) + n;
	if (bpf_ringbuf_output(&auspex_events, s, sizeof(s->msg) + n, BPF_RB_NO_WAKEUP)) {
		stat_inc(AUSPEX_STAT_RB_RESERVE_FAIL_DATA);
		return 1;
	}
	d->sent += n;
	return 0;
}

/*
 * Sends `len` bytes at `src` (user or kernel memory) as chunks placed at buffer offset `at`
 * onwards; the scratch message already names the event and the argument. Stops at
 * AUSPEX_DATA_MAX, at a read fault, or at the first chunk the ring buffer cannot take (counted).
 * A bpf_loop: the verifier checks one chunk, not every iteration. Returns the bytes sent.
 */
__noinline int auspex_send_data(__u64 src, __u32 len, __u32 at, __u32 user)
{
	struct data_send d = {.src = src, .len = len, .at = at, .user = user};

	bpf_loop(AUSPEX_DATA_MAX / AUSPEX_DATA_CHUNK + 1, send_chunk, &d, 0);
	return d.sent;
}

/* The segments of an iovec (or kvec) array as data chunks, after `skip` bytes of the first. */
__noinline int auspex_send_iovecs(__u64 iov_ptr, __u64 nr, __u64 skip, __u32 kvec)
{
	const struct iovec *iov = (const struct iovec *)iov_ptr;
	__u32 at = 0;

	for (int k = 0; k < AUSPEX_IOVEC_SEGS; k++) {
		struct iovec seg;
		__u64 len;
		int got;

		if (k >= nr || at >= AUSPEX_DATA_MAX)
			break;
		got = iovec_segment(iov, k, skip, &seg);
		if (got < 0)
			break;
		if (!got)
			continue;
		len = seg.iov_len;
		if (len > AUSPEX_DATA_MAX)
			len = AUSPEX_DATA_MAX;
		if (auspex_send_data((__u64)seg.iov_base, len, at, !kvec) != len)
			break;
		at += len;
	}
	return 0;
}

/* The header naming the event (thread, time) and argument the next chunks belong to. */
static __always_inline void data_msg_init(struct auspex_data_scratch *s, __u64 ktime, __u32 tid, __u32 arg)
{
	s->msg.hdr.op = AUSPEX_MSG_DATA;
	s->msg.hdr.pad0 = 0;
	s->msg.hdr.pad1 = 0;
	s->msg.hdr.ktime = ktime;
	s->msg.tid = tid;
	s->msg.arg = arg;
}

/*
 * maxData: the whole buffer of argument `i` of hook `hook_idx` as AUSPEX_MSG_DATA chunks ahead of
 * the event (its tid and ktime are in h->ev), read again from the record. Only for a capture that
 * kept just the head of the buffer.
 */
__noinline int auspex_send_arg_data(__u32 hook_idx, __u32 i)
{
	struct auspex_hook_config *cfg = bpf_map_lookup_elem(&auspex_hooks, &hook_idx);
	struct generic_heap *h = generic_heap();
	struct auspex_data_scratch *s;
	struct auspex_arg_spec *spec;
	__u64 ptr = 0;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&auspex_data_heap, &zero);
	if (!cfg || !h || !s || i >= AUSPEX_MAX_HOOK_ARGS)
		return 0;
	spec = &cfg->args[i];
	if (!spec->max_data || !h->truncated[i])
		return 0;
	data_msg_init(s, h->ev.hdr.ktime, h->ev.tid, i);
	ptr = record_u64(h, spec->offset);
	if (spec->kind == AUSPEX_ARG_USER_BUF || spec->kind == AUSPEX_ARG_KERNEL_BUF) {
		auspex_send_data(ptr, (__u32)h->ints[i], 0, spec->kind == AUSPEX_ARG_USER_BUF);
	} else if (spec->kind == AUSPEX_ARG_IOVEC) {
		auspex_send_iovecs(ptr, size_arg(h, spec), 0, 0);
	} else if (spec->kind == AUSPEX_ARG_IOV_ITER && ptr) {
		__u64 base = 0, nr = 0, skip = 0;
		int src = iov_iter_source((struct iov_iter *)ptr, &base, &nr, &skip);

		if (src == IOV_SRC_UBUF)
			auspex_send_data(base, (__u32)h->ints[i], 0, 1);
		else if (src == IOV_SRC_IOVEC || src == IOV_SRC_KVEC)
			auspex_send_iovecs(base, nr, skip, src == IOV_SRC_KVEC);
	}
	return 0;
}

/*
 * A struct sockaddr of family AF_UNIX into string slot `i`: its path, an abstract name with '@'
 * in place of its leading NUL; the family goes to the trailer. Other families give an empty path.
 */
static __always_inline void read_sockaddr_un(struct generic_heap *h, void *sa, __u32 i, int user)
{
	__u16 family = 0;
	char first = 0;
	long n;

	if (i >= AUSPEX_MAX_HOOK_ARGS)
		return;
	h->is_str[i] = 1;
	h->has_trailer[i] = 1;
	h->str_len[i] = 0;
	h->ints[i] = 0;
	if (!sa || (user ? bpf_probe_read_user(&family, sizeof(family), sa)
			 : bpf_probe_read_kernel(&family, sizeof(family), sa)))
		return;
	h->ints[i] = family;
	if (family != 1 /* AF_UNIX */)
		return;
	if (user ? bpf_probe_read_user(&first, 1, (char *)sa + 2) : bpf_probe_read_kernel(&first, 1, (char *)sa + 2))
		return;
	if (first) {
		n = user ? bpf_probe_read_user_str(h->strs[i], 108 + 1, (char *)sa + 2)
			 : bpf_probe_read_kernel_str(h->strs[i], 108 + 1, (char *)sa + 2);
		h->str_len[i] = n > 0 ? n - 1 : 0;
		return;
	}
	h->strs[i][0] = '@';
	n = user ? bpf_probe_read_user_str(&h->strs[i][1], 107 + 1, (char *)sa + 3)
		 : bpf_probe_read_kernel_str(&h->strs[i][1], 107 + 1, (char *)sa + 3);
	h->str_len[i] = n > 0 ? n : 1;
}

/*
 * A struct sk_buff into socket slot `i`, from its headers: IP version, addresses and protocol
 * from the network header, ports from the transport header (TCP/UDP), plus length, mark,
 * priority and hash. Hooks see packets before the stack has set every field (ip_output runs
 * before skb->protocol is set), so the IP version comes from the header itself.
 */
static __always_inline void read_skb(struct generic_heap *h, struct sk_buff *skb, __u32 i)
{
	struct auspex_sock_info *out;
	unsigned char *head;
	__u16 nh, th;
	__u8 ver = 0;

	if (i >= AUSPEX_MAX_HOOK_ARGS)
		return;
	h->is_sock[i] = 1;
	out = &h->socks[i];
	__builtin_memset(out, 0, sizeof(*out));
	if (!skb)
		return;
	out->len = BPF_CORE_READ(skb, len);
	out->mark = BPF_CORE_READ(skb, mark);
	out->priority = BPF_CORE_READ(skb, priority);
	out->cookie = BPF_CORE_READ(skb, hash);
	head = BPF_CORE_READ(skb, head);
	nh = BPF_CORE_READ(skb, network_header);
	th = BPF_CORE_READ(skb, transport_header);
	if (!head || nh == (__u16)~0U)
		return;
	bpf_probe_read_kernel(&ver, 1, head + nh);
	ver >>= 4;
	if (ver == 4) {
		struct iphdr ip;

		if (bpf_probe_read_kernel(&ip, sizeof(ip), head + nh))
			return;
		out->family = 2; /* AF_INET */
		out->protocol = ip.protocol;
		out->saddr[10] = out->saddr[11] = 0xff;
		out->daddr[10] = out->daddr[11] = 0xff;
		__builtin_memcpy(&out->saddr[12], &ip.saddr, 4);
		__builtin_memcpy(&out->daddr[12], &ip.daddr, 4);
	} else if (ver == 6) {
		struct ipv6hdr ip6;

		if (bpf_probe_read_kernel(&ip6, sizeof(ip6), head + nh))
			return;
		out->family = 10; /* AF_INET6 */
		out->protocol = ip6.nexthdr;
		__builtin_memcpy(out->saddr, &ip6.saddr, 16);
		__builtin_memcpy(out->daddr, &ip6.daddr, 16);
	} else {
		return;
	}
	if ((out->protocol == 6 || out->protocol == 17) && th != (__u16)~0U && th != nh) {
		__be16 ports[2];

		if (!bpf_probe_read_kernel(ports, sizeof(ports), head + th)) {
			out->sport = bpf_ntohs(ports[0]);
			out->dport = bpf_ntohs(ports[1]);
		}
	}
}

/*
 * A struct sockaddr (a kernel copy, or user memory for syscall arguments) into socket slot `i`:
 * family, address as saddr, port as sport. The UAPI layouts (sockaddr_in, sockaddr_in6) are fixed.
 */
static __always_inline void read_sockaddr(struct generic_heap *h, void *sa, __u32 i, int user)
{
	struct auspex_sock_info *out;
	__u8 raw[24] = {}; /* sockaddr_in6 up to the end of sin6_addr */
	__u16 family;

	if (i >= AUSPEX_MAX_HOOK_ARGS)
		return;
	h->is_sock[i] = 1;
	out = &h->socks[i];
	__builtin_memset(out, 0, sizeof(*out));
	if (!sa)
		return;
	/* A sockaddr_in may end a mapping: fall back to its 16 bytes. */
	if (user ? (bpf_probe_read_user(raw, sizeof(raw), sa) && bpf_probe_read_user(raw, 16, sa))
		 : (bpf_probe_read_kernel(raw, sizeof(raw), sa) && bpf_probe_read_kernel(raw, 16, sa)))
		return;
	family = raw[0] | (raw[1] << 8);
	out->family = family;
	if (family == 2 /* AF_INET: port at 2, address at 4 */) {
		out->saddr[10] = out->saddr[11] = 0xff;
		__builtin_memcpy(&out->saddr[12], &raw[4], 4);
	} else if (family == 10 /* AF_INET6: port at 2, address at 8 */) {
		__builtin_memcpy(out->saddr, &raw[8], 16);
	} else {
		return;
	}
	out->sport = (raw[2] << 8) | raw[3];
}

/*
 * A `resolve:` path: from the kernel pointer in the record (or the current task) through the
 * steps the compiler derived from BTF; the value (an integer, a pointer or an address) goes to
 * the argument's own record slot. A NULL pointer on the way, or a failed read, gives 0.
 */
static __always_inline void resolve_arg(struct generic_heap *h, struct auspex_arg_spec *spec)
{
	__u64 v = 0;

	if (spec->from_task)
		v = (__u64)bpf_get_current_task();
	else
		v = record_u64(h, spec->resolve_from);
	for (__u32 s = 0; s < AUSPEX_MAX_RESOLVE_STEPS; s++) {
		__u32 load = spec->steps[s].load;
		__u64 addr;

		if (s >= spec->nsteps || !v)
			break;
		addr = v + spec->steps[s].offset;
		if (!load) {
			v = addr;
			continue;
		}
		v = 0;
		if (load > sizeof(v) ||
		    (spec->resolve_user ? bpf_probe_read_user(&v, load, (void *)addr)
					: bpf_probe_read_kernel(&v, load, (void *)addr))) {
			v = 0;
			break;
		}
	}
	record_set_u64(h, spec->offset, v);
}

/*
 * The current task is in a 32-bit compat syscall (x86-64 with IA32 emulation: TS_COMPAT in its
 * thread_info status, as in_ia32_syscall() reads it). Its syscall numbers are the i386 ones.
 */
#define AUSPEX_TS_COMPAT 0x0002
static __always_inline int compat_syscall(void)
{
#if defined(__TARGET_ARCH_x86)
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return (BPF_CORE_READ(task, thread_info.status) & AUSPEX_TS_COMPAT) != 0;
#else
	return 0;
#endif
}

/*
 * Kernels without module signatures lack module.sig_ok and load_info.sig_ok; struct load_info is
 * private to kernel/module (and absent where modules are not built in): our own CO-RE views.
 */
struct module___sig {
	bool sig_ok;
} __attribute__((preserve_access_index));

struct load_info___auspex {
	const char *name;
	struct module *mod;
	bool sig_ok;
} __attribute__((preserve_access_index));

static __always_inline void read_module(struct auspex_module_info *o, struct module *mod)
{
	if (!mod)
		return;
	bpf_probe_read_kernel_str(o->name, sizeof(o->name), __builtin_preserve_access_index(&mod->name));
	o->taints = BPF_CORE_READ(mod, taints);
	o->sig_ok = 2;
	if (bpf_core_field_exists(((struct module___sig *)mod)->sig_ok))
		o->sig_ok = BPF_CORE_READ((struct module___sig *)mod, sig_ok);
}

/*
 * BPF objects and perf events as fixed-size records in the argument's string slot (user space
 * decodes them by the argument's type).
 */
static __always_inline void read_bpf_object(struct generic_heap *h, __u32 kind, __u64 ptr, __u32 i)
{
	__u32 len = 0;

	if (i >= AUSPEX_MAX_HOOK_ARGS)
		return;
	__builtin_memset(&h->bpf_obj, 0, sizeof(h->bpf_obj));
	if (kind == AUSPEX_ARG_BPF_ATTR || kind == AUSPEX_ARG_BPF_PROG) {
		struct auspex_bpf_prog_info *o = &h->bpf_obj.prog;

		if (ptr && kind == AUSPEX_ARG_BPF_ATTR) {
			union bpf_attr *attr = (void *)ptr;

			o->prog_type = BPF_CORE_READ(attr, prog_type);
			o->insn_cnt = BPF_CORE_READ(attr, insn_cnt);
			bpf_probe_read_kernel_str(o->name, sizeof(o->name),
						  __builtin_preserve_access_index(&attr->prog_name));
		} else if (ptr) {
			struct bpf_prog *prog = (void *)ptr;
			struct bpf_prog_aux *aux = BPF_CORE_READ(prog, aux);

			o->prog_type = BPF_CORE_READ(prog, type);
			o->insn_cnt = BPF_CORE_READ(prog, len);
			if (aux)
				bpf_probe_read_kernel_str(o->name, sizeof(o->name),
							  __builtin_preserve_access_index(&aux->name));
		}
		len = sizeof(*o);
	} else if (kind == AUSPEX_ARG_BPF_MAP) {
		struct auspex_bpf_map_info *o = &h->bpf_obj.map;
		struct bpf_map *map = (void *)ptr;

		if (map) {
			o->map_type = BPF_CORE_READ(map, map_type);
			o->key_size = BPF_CORE_READ(map, key_size);
			o->value_size = BPF_CORE_READ(map, value_size);
			o->max_entries = BPF_CORE_READ(map, max_entries);
			bpf_probe_read_kernel_str(o->name, sizeof(o->name),
						  __builtin_preserve_access_index(&map->name));
		}
		len = sizeof(*o);
	} else if (kind == AUSPEX_ARG_USER_NS) {
		struct auspex_user_ns_info *o = &h->bpf_obj.user_ns;
		struct user_namespace *ns = (void *)ptr;

		if (ns) {
			o->level = BPF_CORE_READ(ns, level);
			o->uid = BPF_CORE_READ(ns, owner.val);
			o->gid = BPF_CORE_READ(ns, group.val);
			o->inum = BPF_CORE_READ(ns, ns.inum);
		}
		len = sizeof(*o);
	} else if (kind == AUSPEX_ARG_MODULE) {
		read_module(&h->bpf_obj.module, (struct module *)ptr);
		len = sizeof(h->bpf_obj.module);
	} else if (kind == AUSPEX_ARG_LOAD_INFO) {
		struct auspex_module_info *o = &h->bpf_obj.module;
		struct load_info___auspex *info = (void *)ptr;

		if (info && bpf_core_type_exists(struct load_info___auspex)) {
			struct module *mod = BPF_CORE_READ(info, mod);
			const char *name = BPF_CORE_READ(info, name);

			/* The module image is being laid out: name and taints from it, the
			 * signature verdict from the load. */
			read_module(o, mod);
			if (name)
				bpf_probe_read_kernel_str(o->name, sizeof(o->name), name);
			o->sig_ok = 2;
			if (bpf_core_field_exists(info->sig_ok))
				o->sig_ok = BPF_CORE_READ(info, sig_ok);
		}
		len = sizeof(*o);
	} else if (kind == AUSPEX_ARG_PERF_EVENT) {
		struct auspex_perf_event_info *o = &h->bpf_obj.perf;
		struct perf_event *ev = (void *)ptr;

		if (ev) {
			__u64 func;

			o->event_type = BPF_CORE_READ(ev, attr.type);
			o->config = BPF_CORE_READ(ev, attr.config);
			o->probe_offset = BPF_CORE_READ(ev, attr.probe_offset);
			func = BPF_CORE_READ(ev, attr.kprobe_func);
			/* Dynamic PMUs (perf_kprobe, perf_uprobe) name the function in config1, a
			 * pointer into the memory of the task opening the event (this one). */
			if (o->event_type >= 6 /* PERF_TYPE_MAX */ && func)
				bpf_probe_read_user_str(o->kprobe_func, sizeof(o->kprobe_func), (void *)func);
		}
		len = sizeof(*o);
	}
	__builtin_memcpy(h->strs[i], &h->bpf_obj, sizeof(h->bpf_obj));
	h->is_str[i] = 1;
	h->str_len[i] = len;
}

/* TrackSock / UntrackSock on socket `sk` for the current process. */
static __always_inline void track_sock(__u64 sk, __u32 kind)
{
	struct auspex_process_key owner = {};
	struct auspex_process_entry *e;
	__u32 pid;

	if (!sk)
		return;
	if (kind == AUSPEX_ACTION_UNTRACKSOCK) {
		bpf_map_delete_elem(&auspex_socktrack, &sk);
		return;
	}
	pid = bpf_get_current_pid_tgid() >> 32;
	e = bpf_map_lookup_elem(&auspex_processes, &pid);
	if (e)
		owner = e->key;
	else
		owner.pid = pid;
	bpf_map_update_elem(&auspex_socktrack, &sk, &owner, BPF_ANY);
}

/* auspex_read_arg() position of a return value read with the hook's `ret` spec (into slot 0). */
#define AUSPEX_READ_RETURN AUSPEX_MAX_HOOK_ARGS

/* Heap slot `i` emptied of what an earlier call read into it. */
static __always_inline void clear_slot(struct generic_heap *h, __u32 i)
{
	h->is_str[i] = 0;
	h->has_trailer[i] = 0;
	h->is_sock[i] = 0;
	h->is_cred[i] = 0;
	h->truncated[i] = 0;
	h->ints[i] = 0; /* AUSPEX_ARG_NONE (nop) posts zero */
}

/* An integer argument (AUSPEX_ARG_INT / _UINT, spec->size bytes) into slot `i`. */
static __always_inline void read_int_arg(struct generic_heap *h, struct auspex_arg_spec *spec, __u32 i)
{
	/* The record copy is ours (map memory): a plain load, no helper. */
	__u64 raw = record_u64(h, spec->offset);
	int sign = spec->kind == AUSPEX_ARG_INT;

	switch (spec->size) {
	case 1:
		h->ints[i] = sign ? (__s64)(__s8)raw : (__s64)(__u8)raw;
		break;
	case 2:
		h->ints[i] = sign ? (__s64)(__s16)raw : (__s64)(__u16)raw;
		break;
	case 4:
		h->ints[i] = sign ? (__s64)(__s32)raw : (__s64)(__u32)raw;
		break;
	default:
		h->ints[i] = (__s64)raw;
	}
}

/*
 * Reads argument `i` of hook `hook_idx` from the record copy into the heap. A global function:
 * the verifier checks it once, not once per argument slot of every entry program.
 */
__noinline int auspex_read_arg(__u32 hook_idx, __u32 i)
{
	struct auspex_hook_config *cfg = bpf_map_lookup_elem(&auspex_hooks, &hook_idx);
	struct generic_heap *h = generic_heap();
	struct auspex_arg_spec *spec;
	__u32 off;
	__u64 raw = 0;
	long n;

	if (!cfg || !h || i > AUSPEX_READ_RETURN)
		return 0;
	if (i == AUSPEX_READ_RETURN) {
		spec = &cfg->ret;
		i = 0;
	} else {
		spec = &cfg->args[i];
	}
	off = spec->offset & (AUSPEX_RECORD_MAX - 1);
	if (spec->nsteps)
		resolve_arg(h, spec);
	clear_slot(h, i);
	switch (spec->kind) {
	case AUSPEX_ARG_SOCK: {
		struct auspex_process_key *owner;

		raw = record_u64(h, off);
		read_sock(h, (struct sock *)raw, i);
		owner = raw ? bpf_map_lookup_elem(&auspex_socktrack, &raw) : NULL;
		if (owner && !h->has_sock_owner) {
			h->sock_owner = *owner;
			h->has_sock_owner = 1;
		}
		return 0;
	}
	case AUSPEX_ARG_SKB:
		raw = record_u64(h, off);
		read_skb(h, (struct sk_buff *)raw, i);
		return 0;
	case AUSPEX_ARG_SOCKADDR:
	case AUSPEX_ARG_USER_SOCKADDR:
		raw = record_u64(h, off);
		read_sockaddr(h, (void *)raw, i, spec->kind == AUSPEX_ARG_USER_SOCKADDR);
		return 0;
	case AUSPEX_ARG_SOCKADDR_UN:
	case AUSPEX_ARG_USER_SOCKADDR_UN:
		raw = record_u64(h, off);
		read_sockaddr_un(h, (void *)raw, i, spec->kind == AUSPEX_ARG_USER_SOCKADDR_UN);
		return 0;
	case AUSPEX_ARG_IOVEC:
		read_iovec_arg(h, spec, i);
		return 0;
	case AUSPEX_ARG_IOV_ITER:
		raw = record_u64(h, off);
		read_iov_iter(h, (struct iov_iter *)raw, i);
		return 0;
	case AUSPEX_ARG_CONST_BUF: {
		__u32 sz = spec->size > AUSPEX_STRING_MAX ? AUSPEX_STRING_MAX : spec->size;

		barrier_var(sz);
		if (sz <= AUSPEX_STRING_MAX && !bpf_probe_read_kernel(h->strs[i], sz, &h->record[off]))
			h->str_len[i] = sz;
		else
			h->str_len[i] = 0;
		set_buf_trailer(h, i, spec->size, 0);
		return 0;
	}
	case AUSPEX_ARG_NET_DEVICE:
		raw = record_u64(h, off);
		n = raw ? bpf_probe_read_kernel_str(h->strs[i], AUSPEX_STRING_MAX + 1,
						    __builtin_preserve_access_index(
							    &((struct net_device *)raw)->name))
			: 0;
		break;
	case AUSPEX_ARG_BPF_ATTR:
	case AUSPEX_ARG_BPF_PROG:
	case AUSPEX_ARG_BPF_MAP:
	case AUSPEX_ARG_PERF_EVENT:
	case AUSPEX_ARG_USER_NS:
	case AUSPEX_ARG_MODULE:
	case AUSPEX_ARG_LOAD_INFO:
		raw = record_u64(h, off);
		read_bpf_object(h, spec->kind, raw, i);
		return 0;
	case AUSPEX_ARG_CRED:
		raw = record_u64(h, off);
		h->is_cred[i] = 1;
		__builtin_memset(&h->creds[i], 0, sizeof(h->creds[i]));
		if (raw)
			read_cred((const struct cred *)raw, &h->creds[i]);
		return 0;
	case AUSPEX_ARG_FD:
		raw = record_u64(h, off);
		read_file(h, fd_file((int)raw), i);
		return 0;
	case AUSPEX_ARG_FILE_PTR:
		raw = record_u64(h, off);
		read_file(h, (struct file *)raw, i);
		return 0;
	case AUSPEX_ARG_PATH_PTR:
		raw = record_u64(h, off);
		read_path(h, (struct path *)raw, i);
		return 0;
	case AUSPEX_ARG_DENTRY:
		raw = record_u64(h, off);
		read_dentry_path(h, (struct dentry *)raw, NULL, i);
		return 0;
	case AUSPEX_ARG_BINPRM:
		raw = record_u64(h, off);
		read_file(h, raw ? BPF_CORE_READ((struct linux_binprm *)raw, file) : NULL, i);
		return 0;
	case AUSPEX_ARG_KIOCB:
		raw = record_u64(h, off);
		read_file(h, raw ? BPF_CORE_READ((struct kiocb *)raw, ki_filp) : NULL, i);
		return 0;
	case AUSPEX_ARG_INT:
	case AUSPEX_ARG_UINT:
		read_int_arg(h, spec, i);
		return 0;
	case AUSPEX_ARG_SYSCALL64:
		raw = record_u64(h, off);
		h->ints[i] = (__s64)((__u32)raw | (compat_syscall() ? 0x80000000u : 0));
		return 0;
	case AUSPEX_ARG_USER_STR:
	case AUSPEX_ARG_KERNEL_STR:
		raw = record_u64(h, off);
		if (spec->kind == AUSPEX_ARG_USER_STR)
			n = bpf_probe_read_user_str(h->strs[i], AUSPEX_STRING_MAX + 1, (void *)raw);
		else
			n = bpf_probe_read_kernel_str(h->strs[i], AUSPEX_STRING_MAX + 1, (void *)raw);
		break;
	case AUSPEX_ARG_DATA_LOC_STR: {
		/* u32: length << 16 | offset of the bytes in the tracepoint's record. */
		__u32 loc = 0;

		loc = record_u32(h, off);
		n = h->tp_record ? bpf_probe_read_kernel_str(h->strs[i], AUSPEX_STRING_MAX + 1,
							     (void *)(h->tp_record + (loc & 0xffff)))
				 : 0;
		break;
	}
	case AUSPEX_ARG_CHAR_ARRAY:
		n = bpf_probe_read_kernel_str(h->strs[i], AUSPEX_STRING_MAX + 1, &h->record[off]);
		break;
	case AUSPEX_ARG_DATA_LOC_BYTES: {
		__u32 loc = 0, len;

		loc = record_u32(h, off);
		len = loc >> 16;
		h->is_str[i] = 1;
		h->has_trailer[i] = 1;
		h->ints[i] = len;
		if (len > AUSPEX_STRING_MAX) {
			len = AUSPEX_STRING_MAX;
			h->truncated[i] = 1;
		}
		barrier_var(len);
		if (!h->tp_record || len > AUSPEX_STRING_MAX ||
		    bpf_probe_read_kernel(h->strs[i], len, (void *)(h->tp_record + (loc & 0xffff))))
			len = 0;
		h->str_len[i] = len;
		return 0;
	}
	case AUSPEX_ARG_USER_BUF:
	case AUSPEX_ARG_KERNEL_BUF:
		read_buf(h, spec, i);
		return 0;
	default:
		return 0;
	}
	h->is_str[i] = 1;
	if (n <= 0) {
		h->str_len[i] = 0;
		return 0;
	}
	/* n counts the NUL; a string that filled the buffer was cut. */
	h->str_len[i] = n - 1;
	if (n - 1 >= AUSPEX_STRING_MAX) {
		h->str_len[i] = AUSPEX_STRING_MAX;
		h->truncated[i] = 1;
	}
	return 0;
}

/* Largest argument of fixed size in the event (a socket, credentials or an integer). */
#define AUSPEX_FIXED_ARG_MAX                                                                       \
	(sizeof(struct auspex_creds) > sizeof(struct auspex_sock_info) ? sizeof(struct auspex_creds) \
									: sizeof(struct auspex_sock_info))

/* Keeps the event built in `h` until its call returns; a full table loses it, counted. */
static __always_inline void keep_pending(__u64 key, struct generic_heap *h)
{
	if (bpf_map_update_elem(&auspex_pending, &key, &h->ev, BPF_ANY))
		stat_inc(AUSPEX_STAT_PENDING_FULL);
}

/*
 * Serialises captured argument `i` at event data offset `off`, leaving room in `budget` bytes
 * for `after` arguments of fixed size still to come: a string is cut (and marked so) to fit.
 * Returns the offset after it. Global, so verified once for any offset: inlined, the five
 * arguments' shapes multiply into more states than the verifier explores.
 */
__noinline int auspex_write_arg(__u32 i, __u32 off, __u32 after, __u32 budget)
{
	struct generic_heap *h = generic_heap();
	__u32 len, cut, need, room;

	if (!h || i >= AUSPEX_MAX_HOOK_ARGS || off >= AUSPEX_EVENT_DATA)
		return off;
	if (h->is_sock[i]) {
		__builtin_memcpy(&h->data[off], &h->socks[i], sizeof(struct auspex_sock_info));
		return off + sizeof(struct auspex_sock_info);
	}
	if (h->is_cred[i]) {
		__builtin_memcpy(&h->data[off], &h->creds[i], sizeof(struct auspex_creds));
		return off + sizeof(struct auspex_creds);
	}
	if (!h->is_str[i]) {
		__builtin_memcpy(&h->data[off], &h->ints[i], sizeof(__s64));
		return off + sizeof(__s64);
	}
	len = h->str_len[i];
	cut = h->truncated[i];
	/* Length and trailer words, and the arguments still to come at their largest. */
	need = off + 8 + (after > AUSPEX_MAX_HOOK_ARGS ? AUSPEX_MAX_HOOK_ARGS : after) * AUSPEX_FIXED_ARG_MAX;
	room = need < budget ? budget - need : 0;
	if (len > room) {
		len = room;
		cut = 1;
	}
	if (len > AUSPEX_STRING_MAX)
		len = AUSPEX_STRING_MAX;
	barrier_var(len);
	*(__u32 *)&h->data[off] = len | (cut ? AUSPEX_ARG_TRUNCATED : 0);
	off += sizeof(__u32);
	if (len <= AUSPEX_STRING_MAX && off < AUSPEX_EVENT_DATA + 8)
		bpf_probe_read_kernel(&h->data[off], len, h->strs[i]);
	off += len;
	if (h->has_trailer[i] && off < AUSPEX_EVENT_DATA + AUSPEX_STRING_MAX + 8) {
		*(__u32 *)&h->data[off] = (__u32)h->ints[i];
		off += sizeof(__u32);
	}
	return off;
}

/* Serialises the captured arguments after the event header, in at most `budget` bytes. Returns
 * the bytes written. */
static __always_inline __u32 write_args(__u32 nargs, __u32 budget)
{
	__u32 off = 0;

	for (__u32 i = 0; i < AUSPEX_MAX_HOOK_ARGS; i++) {
		if (i >= nargs)
			break;
		off = auspex_write_arg(i, off, nargs - 1 - i, budget);
	}
	return off;
}

/* The rate-limit scope id of a Post: the thread, the process or 0 (global). */
static __always_inline __u32 rate_scope_id(__u32 scope, __u64 pid_tgid)
{
	return scope == AUSPEX_RATE_SCOPE_PROCESS ? (__u32)(pid_tgid >> 32)
	       : scope == AUSPEX_RATE_SCOPE_GLOBAL ? 0
						   : (__u32)pid_tgid;
}

/* Selector ids of matchReturnActions rate limits: their own entries, apart from the entry's. */
#define AUSPEX_RATE_RETURN 0x80000000u

/*
 * Post rate limit of a selector: at most one event per `period` for the same scope (`id`) and the
 * same arguments (the first AUSPEX_RATE_ARG_BYTES bytes of the serialized args at `args`, `len`
 * of them used). Returns 1 when the post may go out.
 */
static __always_inline int rate_allows(struct generic_heap *h, __u32 id, __u32 sel_id,
				       __u64 period, const char *args, __u32 len)
{
	__u64 now = bpf_ktime_get_boot_ns(), *last;

	__builtin_memset(&h->rkey, 0, sizeof(h->rkey));
	h->rkey.id = id;
	h->rkey.selector = sel_id;
	if (len > AUSPEX_RATE_ARG_BYTES)
		len = AUSPEX_RATE_ARG_BYTES;
	barrier_var(len);
	if (len <= AUSPEX_RATE_ARG_BYTES)
		bpf_probe_read_kernel(h->rkey.args, len, args);
	last = bpf_map_lookup_elem(&auspex_rate, &h->rkey);
	if (last && now - *last < period)
		return 0;
	bpf_map_update_elem(&auspex_rate, &h->rkey, &now, BPF_ANY);
	return 1;
}

/*
 * Policy id of this object (upper 16 bits of hook ids in events), set by user space before load.
 */
const volatile __u32 auspex_policy_id = 0;

/*
 * Mode of this policy (key 0): 0 enforce, 1 monitor (signals are reported, not sent). A map rather
 * than .rodata so that user space can switch it while the policy runs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} auspex_policy_mode SEC(".maps");

/* This policy's action counters (per CPU; user space sums them). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AUSPEX_POLICY_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} auspex_policy_stats SEC(".maps");

static __always_inline void policy_stat_inc(__u32 which)
{
	__u64 *v = bpf_map_lookup_elem(&auspex_policy_stats, &which);

	if (v)
		*v += 1;
}

static __always_inline int monitor_mode(void)
{
	__u32 zero = 0, *mode = bpf_map_lookup_elem(&auspex_policy_mode, &zero);

	return mode && *mode == 1;
}

/*
 * The Set action (USDT only): writes `value` over probe argument `idx` where the probe's note puts
 * it in memory (`-4@-20(%rbp)`: a variable of the traced program). A register or a constant has
 * no address to write; the agent refuses such a Set at load from the same note, so a failure here
 * means the probe moved. Only the program serving Set hooks contains bpf_probe_write_user (its
 * load logs a kernel warning, which other policies should not cause).
 */
static __always_inline long usdt_write_arg(struct pt_regs *ctx, __u32 idx, __u64 value)
{
	struct __bpf_usdt_arg_spec *arg;
	struct __bpf_usdt_spec *spec;
	unsigned long base;
	int spec_id = __bpf_usdt_spec_id(ctx);
	void *addr;

	if (spec_id < 0)
		return -ESRCH;
	spec = bpf_map_lookup_elem(&__bpf_usdt_specs, &spec_id);
	if (!spec)
		return -ESRCH;
	if (idx >= BPF_USDT_MAX_ARG_CNT || idx >= (__u32)spec->arg_cnt)
		return -ENOENT;
	arg = &spec->args[idx];
	if (arg->arg_type != BPF_USDT_ARG_REG_DEREF)
		return -EINVAL;
	if (bpf_probe_read_kernel(&base, sizeof(base), (void *)ctx + arg->reg_off))
		return -EFAULT;
	addr = (void *)(base + arg->val_off);
	/* arg_bitshift = 64 - 8 * (size of the argument) */
	switch (arg->arg_bitshift) {
	case 56: {
		__u8 v = value;

		return bpf_probe_write_user(addr, &v, sizeof(v));
	}
	case 48: {
		__u16 v = value;

		return bpf_probe_write_user(addr, &v, sizeof(v));
	}
	case 32: {
		__u32 v = value;

		return bpf_probe_write_user(addr, &v, sizeof(v));
	}
	case 0:
		return bpf_probe_write_user(addr, &value, sizeof(value));
	}
	return -EINVAL;
}

/* Selectors, actions and the event, once the hook's record is in h->record. */
/*
 * Appends the stacks a Post action asked for at data offset `len` (at most AUSPEX_EVENT_DATA);
 * returns the bytes added. ctx is the program's context, as bpf_get_stack wants it.
 */
static __always_inline __u32 append_stacks(void *ctx, struct generic_heap *h, __u32 len, __s32 post_arg)
{
	struct auspex_stack_trailer *st = &h->stacks;
	long n;

	st->kernel_bytes = 0;
	st->user_bytes = 0;
	barrier_var(len);
	if (len > AUSPEX_EVENT_DATA)
		return 0;
	if (post_arg & AUSPEX_POST_KERNEL_STACK) {
		n = bpf_get_stack(ctx, &h->data[len], AUSPEX_STACK_DEPTH * 8, 0);
		if (n > 0 && n <= AUSPEX_STACK_DEPTH * 8) {
			st->kernel_bytes = n;
			h->ev.flags |= AUSPEX_GENERIC_KERNEL_STACK;
		}
	}
	if (post_arg & AUSPEX_POST_USER_STACK) {
		__u32 at = len + st->kernel_bytes;

		if (at > AUSPEX_EVENT_DATA + AUSPEX_STACK_DEPTH * 8)
			goto none; /* not reached: keeps the bound visible to the verifier */
		barrier_var(at);
		n = bpf_get_stack(ctx, &h->data[at], AUSPEX_STACK_DEPTH * 8, BPF_F_USER_STACK);
		if (n > 0 && n <= AUSPEX_STACK_DEPTH * 8) {
			st->user_bytes = n;
			h->ev.flags |= AUSPEX_GENERIC_USER_STACK;
		}
	}
	if (!st->kernel_bytes && !st->user_bytes)
		return 0;
	len += st->kernel_bytes + st->user_bytes;
	if (len > AUSPEX_EVENT_DATA + 2 * AUSPEX_STACK_DEPTH * 8)
		goto none;
	barrier_var(len);
	__builtin_memcpy(&h->data[len], st, sizeof(*st));
	return st->kernel_bytes + st->user_bytes + sizeof(*st);
none:
	h->ev.flags &= ~(AUSPEX_GENERIC_KERNEL_STACK | AUSPEX_GENERIC_USER_STACK);
	return 0;
}

/*
 * The maxData buffers of a kept event's arguments as the call got them, ahead of the event (or,
 * with a return probe, of the event posted at the return). The returnCopy buffer is the one the
 * call leaves: sent at the return (return_copy is 0 on hooks without one).
 */
static __always_inline void send_entry_data(struct auspex_hook_config *cfg, __u32 hook_idx)
{
	if (!(cfg->flags & AUSPEX_HOOK_MAX_DATA))
		return;
	for (__u32 i = 0; i < AUSPEX_MAX_HOOK_ARGS; i++) {
		if (i >= cfg->nargs)
			break;
		if (i + 1 != cfg->return_copy)
			auspex_send_arg_data(hook_idx, i);
	}
}

static __always_inline int run_hook_set(void *ctx, struct generic_heap *h, struct auspex_hook_config *cfg,
					__u32 hook_id, const int can_set)
{
	struct auspex_process_entry *e;
	struct auspex_selector *sel = NULL;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 size, matched = 0, sel_id = 0, post = 1, action = AUSPEX_ACTION_POST, nsel, len;
	__u32 flags = 0, rate_scope = 0, stacks = 0, ima = 0;
	__u32 filter_args;
	__u64 rate_period = 0;

	/*
	 * The arguments the selectors filter on first; the others (a socket, a path) only for an
	 * event that is kept: most calls of a filtered hook match nothing.
	 */
	h->has_sock_owner = 0;
	filter_args = cfg->filter_args;
	for (__u32 i = 0; i < AUSPEX_MAX_HOOK_ARGS; i++) {
		if (i >= cfg->nargs)
			break;
		if (!(filter_args & (1u << i)))
			continue;
		/* An integer inline: the usual filter of a hot hook (a call and two lookups less). */
		if ((cfg->args[i].kind == AUSPEX_ARG_INT || cfg->args[i].kind == AUSPEX_ARG_UINT) &&
		    !cfg->args[i].nsteps) {
			clear_slot(h, i);
			read_int_arg(h, &cfg->args[i], i);
		} else {
			auspex_read_arg(hook_id & 0xffff, i);
		}
	}

	h->pid = pid_tgid >> 32;
	h->do_override = 0;
	h->ns_read = 0;
	h->process_read = 0;
	/* First matching selector wins; a hook without selectors posts every call. */
	nsel = cfg->nselectors;
	for (__u32 s = 0; s < AUSPEX_MAX_SELECTORS; s++) {
		if (s >= nsel)
			break;
		if (auspex_match_selector(cfg->selectors[s])) {
			matched = s + 1;
			sel_id = cfg->selectors[s];
			break;
		}
	}
	if (nsel && !matched)
		return 0;

	if (matched)
		sel = bpf_map_lookup_elem(&auspex_selectors, &sel_id);
	if (sel) {
		for (__u32 a = 0; a < AUSPEX_MAX_ACTIONS; a++) {
			struct auspex_action *act = &sel->actions[a];

			if (a >= sel->nactions)
				break;
			switch (act->kind) {
			case AUSPEX_ACTION_SIGKILL:
			case AUSPEX_ACTION_SIGNAL:
				if (monitor_mode()) {
					/* monitor: report the match as a post */
					policy_stat_inc(AUSPEX_POLICY_STAT_MONITOR_SIGNAL);
					break;
				}
				if (bpf_send_signal(act->kind == AUSPEX_ACTION_SIGKILL ? 9 : act->arg))
					flags |= AUSPEX_GENERIC_ACTION_FAILED;
				policy_stat_inc(AUSPEX_POLICY_STAT_SIGNAL);
				action = act->kind;
				break;
			case AUSPEX_ACTION_OVERRIDE:
				/* Carried out by the entry program (the return value is its to set). */
				if (monitor_mode()) {
					policy_stat_inc(AUSPEX_POLICY_STAT_MONITOR_OVERRIDE);
					break;
				}
				policy_stat_inc(AUSPEX_POLICY_STAT_OVERRIDE);
				h->do_override = 1;
				h->override_ret = act->arg;
				action = AUSPEX_ACTION_OVERRIDE;
				break;
			case AUSPEX_ACTION_NOPOST:
				post = 0;
				break;
			case AUSPEX_ACTION_TRACKSOCK:
			case AUSPEX_ACTION_UNTRACKSOCK: {
				__u64 sk = 0;

				sk = record_u64(h, act->arg);
				track_sock(sk, act->kind);
				break;
			}
			case AUSPEX_ACTION_NOTIFY_ENFORCER: {
				struct auspex_enforcer_info info = {
					.error = act->arg,
					.sig = (__u32)act->rate_limit_ns,
				};

				if (monitor_mode()) {
					policy_stat_inc(AUSPEX_POLICY_STAT_MONITOR_NOTIFY_ENFORCER);
					break;
				}
				if (bpf_map_update_elem(&auspex_enforcer, &pid_tgid, &info, BPF_ANY))
					flags |= AUSPEX_GENERIC_ACTION_FAILED;
				else
					policy_stat_inc(AUSPEX_POLICY_STAT_NOTIFY_ENFORCER);
				action = act->kind;
				break;
			}
			case AUSPEX_ACTION_SET:
				/* Only a USDT program built with can_set (a constant) has the write. */
				if (!can_set)
					break;
				if (monitor_mode()) {
					policy_stat_inc(AUSPEX_POLICY_STAT_MONITOR_SET);
					break;
				}
				if (usdt_write_arg((struct pt_regs *)ctx, (__u32)act->arg, act->rate_limit_ns)) {
					flags |= AUSPEX_GENERIC_ACTION_FAILED;
					break;
				}
				policy_stat_inc(AUSPEX_POLICY_STAT_SET);
				if (action == AUSPEX_ACTION_POST)
					action = AUSPEX_ACTION_SET;
				break;
			case AUSPEX_ACTION_CLEANUP_ENFORCER:
				bpf_map_delete_elem(&auspex_enforcer, &pid_tgid);
				break;
			case AUSPEX_ACTION_GETURL:
			case AUSPEX_ACTION_DNSLOOKUP:
				if (action == AUSPEX_ACTION_POST)
					action = act->kind;
				break;
			case AUSPEX_ACTION_POST:
				/* Checked once the arguments are serialized (they are part of the key). */
				rate_period = act->rate_limit_ns;
				rate_scope = act->arg & 0xff;
				stacks = act->arg & (AUSPEX_POST_KERNEL_STACK | AUSPEX_POST_USER_STACK);
				ima = act->arg & AUSPEX_POST_IMA_HASH;
				break;
			}
		}
	}
	if (!post)
		return 0;
	for (__u32 i = 0; i < AUSPEX_MAX_HOOK_ARGS; i++) {
		if (i >= cfg->nargs)
			break;
		if (!(filter_args & (1u << i)))
			auspex_read_arg(hook_id & 0xffff, i);
	}

	h->ev.hdr.op = cfg->msg_op;
	h->ev.hdr.pad0 = 0;
	h->ev.hdr.pad1 = 0;
	h->ev.hdr.ktime = bpf_ktime_get_boot_ns();
	e = h->has_sock_owner ? NULL : bpf_map_lookup_elem(&auspex_processes, &h->pid);
	if (h->has_sock_owner) {
		/* A tracked socket: the event is its owner's. */
		h->ev.process = h->sock_owner;
	} else if (e) {
		h->ev.process = e->key;
	} else {
		h->ev.process.pid = h->pid;
		h->ev.process.pad = 0;
		h->ev.process.ktime = 0;
		flags |= AUSPEX_GENERIC_PROCESS_NOT_FOUND;
	}
	h->ev.tid = h->has_sock_owner ? h->sock_owner.pid : (__u32)pid_tgid;
	h->ev.hook_id = hook_id;
	h->ev.flags = flags;
	h->ev.selector = matched;
	h->ev.action = action;
	/* An event kept for its return (or its IMA hash) fits the smaller pending slot. */
	len = write_args(cfg->nargs,
			 ima || (cfg->flags & AUSPEX_HOOK_RETURN) ? AUSPEX_PENDING_DATA : AUSPEX_EVENT_DATA);
	if (len > AUSPEX_EVENT_DATA)
		len = AUSPEX_EVENT_DATA;
	if (rate_period && !rate_allows(h, rate_scope_id(rate_scope, pid_tgid), sel_id, rate_period,
					h->data, len))
		return 0;
	/* After the rate limit: the stacks are not part of its key. */
	if (stacks)
		len += append_stacks(ctx, h, len, stacks);
	h->ev.args_len = len;
	size = sizeof(h->ev) + len;
	h->ev.hdr.size = size;
	barrier_var(size);
	if (size > sizeof(h->ev) + AUSPEX_EVENT_DATA + AUSPEX_STACK_BYTES)
		return 0;
	if (ima) {
		/* Posted by the hook's sleepable program (auspex_generic_lsm_imaN), with the hash. */
		__u64 key = (pid_tgid << 32) | (hook_id & 0xffff);

		keep_pending(key, h);
		return 0;
	}
	if (cfg->flags & AUSPEX_HOOK_RETURN) {
		/* Posted by the return probe, with the return value. */
		__u64 key = (pid_tgid << 32) | (hook_id & 0xffff);

		keep_pending(key, h);
		if (cfg->return_copy) {
			__u32 pos = cfg->return_copy - 1;
			__u64 ptr = 0;

			if (pos < AUSPEX_MAX_HOOK_ARGS)
				ptr = record_u64(h, cfg->args[pos].offset);
			bpf_map_update_elem(&auspex_return_copy, &key, &ptr, BPF_ANY);
		}
		/*
		 * maxData buffers as the call gets them go out now, with the entry time, which the
		 * event (posted with the return time) carries in its return trailer. The returnCopy
		 * buffer is the one the call leaves: sent at the return.
		 */
		send_entry_data(cfg, hook_id & 0xffff);
		return 0;
	}
	policy_stat_inc(AUSPEX_POLICY_STAT_POST);
	send_entry_data(cfg, hook_id & 0xffff);
	if (bpf_ringbuf_output(&auspex_events, &h->ev, size, action == AUSPEX_ACTION_POST ? rb_submit_flags() : 0))
		stat_inc(AUSPEX_STAT_RB_RESERVE_FAIL_GENERIC);
	return 0;
}

static __always_inline int run_hook(void *ctx, struct generic_heap *h, struct auspex_hook_config *cfg,
				    __u32 hook_id)
{
	return run_hook_set(ctx, h, cfg, hook_id, 0);
}

/* The whole returnCopy buffer of a maxData argument as AUSPEX_MSG_DATA chunks. */
static __always_inline void return_copy_data(struct auspex_pending_event *p, __u64 ptr, __u32 len,
					     __u32 arg, int kernel)
{
	struct auspex_data_scratch *s;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&auspex_data_heap, &zero);
	if (!s)
		return;
	data_msg_init(s, p->ev.hdr.ktime, p->ev.tid, arg);
	auspex_send_data(ptr, len, 0, !kernel);
}

/*
 * returnCopy: the buffer whose pointer the entry kept, `ret` bytes of it (what the call
 * returned), at data offset `at` of the pending event, encoded as a char_buf argument (u32 length
 * with AUSPEX_ARG_TRUNCATED, bytes, u32 full length) in a slot of fixed size AUSPEX_STR_BUF, so
 * that user space finds the return trailer before it. Returns the slot size.
 */
static __always_inline __u32 return_copy(struct auspex_pending_event *p, __u64 key, __u64 at, __s64 ret,
					 __u32 arg, int kernel, int max_data)
{
	__u64 *ptr = bpf_map_lookup_elem(&auspex_return_copy, &key);
	__u32 full = ret > 0 ? (__u32)ret : 0;
	__u64 n = 0;
	char *dst;

	/*
	 * Opaque first: the compiler would drop a check it can prove, and older verifiers (6.1)
	 * need it. 64-bit values and a pointer: their 32-bit moves lose the bounds.
	 */
	barrier_var(at);
	if (at > AUSPEX_PENDING_DATA + AUSPEX_STACK_BYTES + sizeof(struct auspex_return_trailer) +
			 AUSPEX_STR_BUF)
		return 0;
	dst = &p->data[at];
	if (ptr && *ptr && ret > 0)
		n = ret > AUSPEX_STRING_MAX ? AUSPEX_STRING_MAX : (__u64)ret;
	barrier_var(n);
	if (n > AUSPEX_STRING_MAX)
		n = 0;
	/* The buffer was just filled by the call (a syscall's: user memory of the current task). */
	if (n && (kernel ? bpf_probe_read_kernel(dst + 4, n, (void *)*ptr)
			 : bpf_probe_read_user(dst + 4, n, (void *)*ptr)))
		n = 0;
	*(__u32 *)dst = (__u32)n | (full > n ? AUSPEX_ARG_TRUNCATED : 0);
	__builtin_memcpy(dst + 4 + n, &full, sizeof(full));
	/* maxData: all of it, as chunks ahead of the event (whose ktime is set by now). */
	if (max_data && n && full > n)
		return_copy_data(p, *ptr, full, arg, kernel);
	bpf_map_delete_elem(&auspex_return_copy, &key);
	return AUSPEX_STR_BUF;
}

/*
 * A returned string object (read into heap slot 0 before matchReturnArgs) at data offset `at`
 * of the pending event, encoded as a string argument (u32 length with AUSPEX_ARG_TRUNCATED,
 * bytes, u32 trailer: a file's mode) in a slot of fixed size AUSPEX_STR_BUF, so that user
 * space finds the return trailer before it. Returns the slot size.
 */
static __always_inline __u32 return_str(struct auspex_pending_event *p, __u64 at)
{
	struct generic_heap *h = generic_heap();
	__u64 n;
	char *dst;

	barrier_var(at);
	if (!h || at > AUSPEX_PENDING_DATA + AUSPEX_STACK_BYTES + sizeof(struct auspex_return_trailer))
		return 0;
	dst = &p->data[at];
	n = h->str_len[0];
	barrier_var(n);
	if (n > AUSPEX_STRING_MAX)
		n = AUSPEX_STRING_MAX;
	*(__u32 *)dst = (__u32)n | (h->truncated[0] ? AUSPEX_ARG_TRUNCATED : 0);
	bpf_probe_read_kernel(dst + 4, n, h->strs[0]);
	*(__u32 *)(dst + 4 + n) = (__u32)h->ints[0];
	return AUSPEX_STR_BUF;
}

/*
 * Posts an event kept in auspex_pending (return probes, imaHash) whose arguments and trailers
 * now take `len` bytes, with `flag` set, and forgets it.
 */
static __always_inline void post_pending(struct auspex_pending_event *p, __u64 key, __u32 len, __u32 flag)
{
	__u32 size;

	p->ev.args_len = len;
	p->ev.flags |= flag;
	size = sizeof(p->ev) + len;
	p->ev.hdr.size = size;
	barrier_var(size);
	policy_stat_inc(AUSPEX_POLICY_STAT_POST);
	if (size <= sizeof(*p) && bpf_ringbuf_output(&auspex_events, p, size, rb_submit_flags()))
		stat_inc(AUSPEX_STAT_RB_RESERVE_FAIL_GENERIC);
	bpf_map_delete_elem(&auspex_pending, &key);
}

/*
 * A Post with rateLimit in matchReturnActions: keyed like the entry's on the arguments the
 * entry serialized (not its stacks), under the selector's return id.
 */
static __always_inline int return_rate_allows(struct auspex_pending_event *p, __u32 sel,
					      struct auspex_action *act)
{
	struct generic_heap *h = generic_heap();
	__u32 len = p->ev.args_len;

	if (!h)
		return 1;
	if (p->ev.flags & (AUSPEX_GENERIC_KERNEL_STACK | AUSPEX_GENERIC_USER_STACK)) {
		struct auspex_stack_trailer st;
		__u32 at = len - sizeof(st);

		barrier_var(at);
		if (len < sizeof(st) || at > AUSPEX_PENDING_DATA + AUSPEX_STACK_BYTES - sizeof(st))
			return 1;
		__builtin_memcpy(&st, &p->data[at], sizeof(st));
		len = at - st.kernel_bytes - st.user_bytes;
		if (len > at)
			len = 0;
	}
	return rate_allows(h, rate_scope_id(act->arg & 0xff, bpf_get_current_pid_tgid()),
			   sel | AUSPEX_RATE_RETURN, act->rate_limit_ns, p->data, len);
}

/*
 * The return of a call whose entry kept an event (return probes): matchReturnArgs of the
 * selector that matched at entry, then the event with the return value appended.
 */
static __always_inline int run_return_owned(__u32 hook_idx, __s64 ret, __u64 key,
					    struct auspex_pending_event *p)
{
	struct auspex_return_trailer trailer = { .action = AUSPEX_ACTION_POST };
	struct auspex_selector *s = NULL;
	struct auspex_hook_config *cfg;
	__u32 len, sel, si, post = 1, extra;

	cfg = bpf_map_lookup_elem(&auspex_hooks, &hook_idx);
	if (cfg && (cfg->flags & AUSPEX_HOOK_RETURN_INT32))
		ret = (__s32)ret;
	/* A returned object is read first: matchReturnArgs may look at it (heap slot 0, the entry
	 * program is done with the heap). */
	if (cfg && (cfg->flags & (AUSPEX_HOOK_RETURN_SOCK | AUSPEX_HOOK_RETURN_STR | AUSPEX_HOOK_RETURN_CRED))) {
		struct generic_heap *h = generic_heap();

		if (h) {
			record_set_u64(h, 0, ret);
			auspex_read_arg(hook_idx, AUSPEX_READ_RETURN);
		}
	}
	si = p->ev.selector - 1; /* the selector is 1-based; 0 (no selectors) wraps past the end */
	if (cfg && si < AUSPEX_MAX_SELECTORS) {
		sel = cfg->selectors[si];
		if (!auspex_match_return(sel, ret)) {
			bpf_map_delete_elem(&auspex_pending, &key);
			return 0;
		}
		s = bpf_map_lookup_elem(&auspex_selectors, &sel);
	}
	/* matchReturnActions: enforcement once the call has returned. */
	for (__u32 a = 0; s && a < AUSPEX_MAX_ACTIONS; a++) {
		struct auspex_action *act = &s->return_actions[a];

		if (a >= s->nreturn_actions)
			break;
		switch (act->kind) {
		case AUSPEX_ACTION_SIGKILL:
		case AUSPEX_ACTION_SIGNAL:
			if (monitor_mode()) {
				policy_stat_inc(AUSPEX_POLICY_STAT_MONITOR_SIGNAL);
				break;
			}
			if (bpf_send_signal(act->kind == AUSPEX_ACTION_SIGKILL ? 9 : act->arg))
				p->ev.flags |= AUSPEX_GENERIC_ACTION_FAILED;
			policy_stat_inc(AUSPEX_POLICY_STAT_SIGNAL);
			trailer.action = act->kind;
			break;
		case AUSPEX_ACTION_NOPOST:
			post = 0;
			break;
		case AUSPEX_ACTION_POST:
			if (act->rate_limit_ns && !return_rate_allows(p, sel, act))
				post = 0;
			break;
		case AUSPEX_ACTION_GETURL:
		case AUSPEX_ACTION_DNSLOOKUP:
			if (trailer.action == AUSPEX_ACTION_POST)
				trailer.action = act->kind;
			break;
		}
	}
	/* returnArgAction on the returned socket, posted or not. */
	if (cfg && (cfg->flags & AUSPEX_HOOK_RETURN_TRACKSOCK))
		track_sock((__u64)ret, AUSPEX_ACTION_TRACKSOCK);
	if (cfg && (cfg->flags & AUSPEX_HOOK_RETURN_UNTRACKSOCK))
		track_sock((__u64)ret, AUSPEX_ACTION_UNTRACKSOCK);
	if (!post) {
		bpf_map_delete_elem(&auspex_pending, &key);
		return 0;
	}
	len = p->ev.args_len;
	if (len > AUSPEX_PENDING_DATA + AUSPEX_STACK_BYTES)
		len = AUSPEX_PENDING_DATA + AUSPEX_STACK_BYTES;
	barrier_var(len);
	if (len > AUSPEX_PENDING_DATA + AUSPEX_STACK_BYTES)
		return 0;
	trailer.ret = ret;
	trailer.entry_ktime = p->ev.hdr.ktime;
	__builtin_memcpy(&p->data[len], &trailer, sizeof(trailer));
	extra = 0;
	if (cfg && (cfg->flags & AUSPEX_HOOK_RETURN_SOCK)) {
		struct generic_heap *h = generic_heap();

		if (h) {
			/* Read above, before matchReturnArgs. */
			__builtin_memcpy(&p->data[len + sizeof(trailer)], &h->socks[0], sizeof(h->socks[0]));
			extra = sizeof(h->socks[0]);
		}
	} else if (cfg && (cfg->flags & AUSPEX_HOOK_RETURN_STR)) {
		extra = return_str(p, len + sizeof(trailer));
	} else if (cfg && (cfg->flags & AUSPEX_HOOK_RETURN_CRED)) {
		struct generic_heap *h = generic_heap();

		if (h) {
			__builtin_memcpy(&p->data[len + sizeof(trailer)], &h->creds[0], sizeof(h->creds[0]));
			extra = sizeof(h->creds[0]);
		}
	}
	p->ev.hdr.ktime = bpf_ktime_get_boot_ns();
	if (cfg && cfg->return_copy) {
		__u32 pos = cfg->return_copy - 1;
		int kernel = 0, max_data = 0;

		if (pos < AUSPEX_MAX_HOOK_ARGS) {
			kernel = cfg->args[pos].kind == AUSPEX_ARG_KERNEL_BUF;
			max_data = cfg->args[pos].max_data;
		}
		extra += return_copy(p, key, len + sizeof(trailer) + extra, ret, pos, kernel, max_data);
	}
	post_pending(p, key, len + sizeof(trailer) + extra, AUSPEX_GENERIC_HAS_RETURN);
	return 0;
}

/* The return of hook `hook_idx`: the event its entry kept for this thread, if any, finished. */
static __always_inline int run_return(__u32 hook_idx, __s64 ret)
{
	__u64 key = (bpf_get_current_pid_tgid() << 32) | hook_idx;
	struct auspex_pending_event *p = bpf_map_lookup_elem(&auspex_pending, &key);
	int r;

	if (!p)
		return 0;
	if (!heap_claim()) {
		bpf_map_delete_elem(&auspex_pending, &key);
		return 0;
	}
	r = run_return_owned(hook_idx, ret, key, p);
	heap_release();
	return r;
}

#endif
