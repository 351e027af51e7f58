/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The selector-evaluation library shared by the generic hook programs. A policy is data: hook
 * configs, selectors and value sets live in the maps below (filled by user space from the selector
 * compiler, crates/policy/src/compile.rs); the programs only interpret them. Semantics are those of
 * the reference evaluator in crates/policy/src/compile (first matching selector wins, filters of a
 * selector ANDed, values of a filter ORed).
 *
 * Evaluation runs in global (non-inlined) functions with scalar arguments: the verifier checks each
 * once, whatever the number of selectors and filters, which keeps the programs small and loadable.
 */
#ifndef AUSPEX_SELECTORS_H
#define AUSPEX_SELECTORS_H

#include "common.h"
#include "process.h"

#define AUSPEX_STR_BUF (AUSPEX_STRING_MAX + 8)
#define AUSPEX_RECORD_MAX 512
#define AUSPEX_EVENT_DATA 2048

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct auspex_hook_config);
} auspex_hooks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct auspex_selector);
} auspex_selectors SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct auspex_string_key);
	__type(value, __u8);
} auspex_string_eq SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct auspex_lpm_key);
	__type(value, __u8);
} auspex_string_prefix SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct auspex_lpm_key);
	__type(value, __u8);
} auspex_string_postfix SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct auspex_int_key);
	__type(value, __u8);
} auspex_int_set SEC(".maps");

/* Post rate limits: (thread, selector) → last post time. */
struct rate_key {
	__u32 tid;
	__u32 selector;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct rate_key);
	__type(value, __u64);
} auspex_rate SEC(".maps");

/* Per-CPU scratch of one hook invocation: record copy, read arguments, lookup keys, event. */
struct generic_heap {
	char record[AUSPEX_RECORD_MAX + AUSPEX_STR_BUF];
	__s64 ints[AUSPEX_MAX_HOOK_ARGS];
	__u32 str_len[AUSPEX_MAX_HOOK_ARGS];
	__u32 is_str[AUSPEX_MAX_HOOK_ARGS];
	__u32 truncated[AUSPEX_MAX_HOOK_ARGS];
	char strs[AUSPEX_MAX_HOOK_ARGS][AUSPEX_STR_BUF];
	struct auspex_string_key skey;
	struct auspex_lpm_key lkey;
	char binary[AUSPEX_STR_BUF];
	__u32 binary_len;
	__u32 pid;
	__u32 nspid;
	__u32 has_process;
	struct auspex_process_key parent_walk;
	struct auspex_generic_event ev;
	char data[AUSPEX_EVENT_DATA + AUSPEX_STR_BUF];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct generic_heap);
} auspex_generic_heap SEC(".maps");

static __always_inline struct generic_heap *generic_heap(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&auspex_generic_heap, &zero);
}

/* Source of a string to reverse into lkey.s: a captured argument (0..4) or the binary (5). */
#define REVERSE_BINARY AUSPEX_MAX_HOOK_ARGS

struct reverse_ctx {
	__u32 which;
	__u32 len;
};

static long reverse_step(__u32 i, void *data)
{
	struct reverse_ctx *r = data;
	struct generic_heap *h = generic_heap();
	__u32 src;
	char c;

	if (!h || i >= r->len || i >= AUSPEX_LPM_STRING_MAX)
		return 1;
	src = (r->len - 1 - i) & (AUSPEX_STRING_MAX - 1);
	if (r->which == REVERSE_BINARY)
		c = h->binary[src];
	else if (r->which < AUSPEX_MAX_HOOK_ARGS)
		c = h->strs[r->which][src];
	else
		return 1;
	src = i & (AUSPEX_STRING_MAX - 1);
	barrier_var(src);
	if (src < AUSPEX_LPM_STRING_MAX)
		h->lkey.s[src] = c;
	return 0;
}

/* Looks a string (argument `which`, or the binary) up in the set of kind `op` with id `set_id`. */
static __always_inline int string_in_set(struct generic_heap *h, __u32 which, __u8 op, __u32 set_id)
{
	const char *src;
	__u32 len;

	if (which == REVERSE_BINARY) {
		src = h->binary;
		len = h->binary_len;
	} else if (which < AUSPEX_MAX_HOOK_ARGS) {
		src = h->strs[which];
		len = h->str_len[which];
	} else {
		return 0;
	}
	if (len > AUSPEX_STRING_MAX)
		len = AUSPEX_STRING_MAX;
	barrier_var(len);
	switch (op) {
	case AUSPEX_OP_EQ:
	case AUSPEX_OP_NEQ:
	case AUSPEX_OP_IN:
	case AUSPEX_OP_NOT_IN:
		__builtin_memset(&h->skey, 0, sizeof(h->skey));
		h->skey.set_id = set_id;
		h->skey.len = len;
		if (len > AUSPEX_STRING_MAX)
			return 0;
		bpf_probe_read_kernel(h->skey.s, len, src);
		return bpf_map_lookup_elem(&auspex_string_eq, &h->skey) != NULL;
	case AUSPEX_OP_PREFIX:
	case AUSPEX_OP_NOT_PREFIX:
		if (len > AUSPEX_LPM_STRING_MAX)
			len = AUSPEX_LPM_STRING_MAX;
		barrier_var(len);
		__builtin_memset(&h->lkey, 0, sizeof(h->lkey));
		h->lkey.prefixlen = 32 + 8 * len;
		h->lkey.set_id = set_id;
		if (len > AUSPEX_LPM_STRING_MAX)
			return 0;
		bpf_probe_read_kernel(h->lkey.s, len, src);
		return bpf_map_lookup_elem(&auspex_string_prefix, &h->lkey) != NULL;
	case AUSPEX_OP_POSTFIX:
	case AUSPEX_OP_NOT_POSTFIX: {
		struct reverse_ctx r = { .which = which, .len = len };

		__builtin_memset(&h->lkey, 0, sizeof(h->lkey));
		h->lkey.prefixlen = 32 + 8 * (len > AUSPEX_LPM_STRING_MAX ? AUSPEX_LPM_STRING_MAX : len);
		h->lkey.set_id = set_id;
		bpf_loop(AUSPEX_STRING_MAX, reverse_step, &r, 0);
		return bpf_map_lookup_elem(&auspex_string_postfix, &h->lkey) != NULL;
	}
	}
	return 0;
}

static __always_inline int negated(__u8 op)
{
	return op == AUSPEX_OP_NEQ || op == AUSPEX_OP_NOT_IN || op == AUSPEX_OP_NOT_PREFIX ||
	       op == AUSPEX_OP_NOT_POSTFIX || op == AUSPEX_OP_NOT_IN_MAP || op == AUSPEX_OP_NOT_IN_RANGE;
}

/* One matchArgs entry of selector `sel_id` against the captured arguments. */
__noinline int auspex_match_arg(__u32 sel_id, __u32 i)
{
	struct auspex_selector *sel = bpf_map_lookup_elem(&auspex_selectors, &sel_id);
	struct generic_heap *h = generic_heap();
	struct auspex_match_arg *ma;
	struct auspex_int_key ik = {};
	__u32 a, n;
	__s64 v;
	int hit = 0;

	if (!sel || !h || i >= AUSPEX_MAX_MATCH_ARGS)
		return 0;
	ma = &sel->match_args[i];
	a = ma->arg;
	if (a >= AUSPEX_MAX_HOOK_ARGS)
		return 0;
	if (h->is_str[a]) {
		hit = string_in_set(h, a, ma->op, ma->set_id);
		return negated(ma->op) ? !hit : hit;
	}
	v = h->ints[a];
	n = ma->nvalues;
	switch (ma->op) {
	case AUSPEX_OP_IN_MAP:
	case AUSPEX_OP_NOT_IN_MAP:
		ik.set_id = ma->set_id;
		ik.value = v;
		hit = bpf_map_lookup_elem(&auspex_int_set, &ik) != NULL;
		break;
	case AUSPEX_OP_IN_RANGE:
	case AUSPEX_OP_NOT_IN_RANGE:
		for (int k = 0; k < AUSPEX_MAX_MATCH_VALUES; k += 2)
			if (k + 1 < n && v >= ma->values[k] && v <= ma->values[k + 1])
				hit = 1;
		break;
	default:
		for (int k = 0; k < AUSPEX_MAX_MATCH_VALUES; k++) {
			__s64 x = ma->values[k];

			if (k >= n)
				break;
			if ((ma->op == AUSPEX_OP_EQ || ma->op == AUSPEX_OP_NEQ) && v == x)
				hit = 1;
			else if (ma->op == AUSPEX_OP_GT && v > x)
				hit = 1;
			else if (ma->op == AUSPEX_OP_LT && v < x)
				hit = 1;
			else if (ma->op == AUSPEX_OP_MASK && (v & x))
				hit = 1;
		}
	}
	return negated(ma->op) ? !hit : hit;
}

/* matchPIDs: the process (or, with followForks, one of its ancestors) has a listed pid. */
static __always_inline int pid_listed(struct auspex_match_pids *p, __u32 pid)
{
	for (int k = 0; k < AUSPEX_MAX_PIDS; k++)
		if (k < p->nvalues && p->values[k] == pid)
			return 1;
	return 0;
}

__noinline int auspex_match_pids(__u32 sel_id)
{
	struct auspex_selector *sel = bpf_map_lookup_elem(&auspex_selectors, &sel_id);
	struct generic_heap *h = generic_heap();
	struct auspex_process_entry *e;
	__u32 pid;
	int hit;

	if (!sel || !h)
		return 0;
	if (sel->pids.op == 0)
		return 1;
	pid = (sel->pids.flags & AUSPEX_PIDS_NAMESPACE) ? h->nspid : h->pid;
	hit = pid_listed(&sel->pids, pid);
	if (!hit && (sel->pids.flags & AUSPEX_PIDS_FOLLOW_FORKS)) {
		__u32 cur = h->pid;

		for (int depth = 0; depth < 16 && !hit; depth++) {
			e = bpf_map_lookup_elem(&auspex_processes, &cur);
			if (!e || e->parent.pid == 0 || e->parent.pid == cur)
				break;
			cur = e->parent.pid;
			if (sel->pids.flags & AUSPEX_PIDS_NAMESPACE) {
				e = bpf_map_lookup_elem(&auspex_processes, &cur);
				hit = e && pid_listed(&sel->pids, e->nspid);
			} else {
				hit = pid_listed(&sel->pids, cur);
			}
		}
	}
	return sel->pids.op == AUSPEX_OP_NOT_IN ? !hit : hit;
}

/* matchBinaries on the binary path recorded for the process at exec. */
__noinline int auspex_match_binary(__u32 sel_id)
{
	struct auspex_selector *sel = bpf_map_lookup_elem(&auspex_selectors, &sel_id);
	struct generic_heap *h = generic_heap();
	int hit;

	if (!sel || !h)
		return 0;
	if (sel->binary.op == 0)
		return 1;
	if (!h->has_process)
		return 0; /* unknown binary: neither In nor NotIn can be decided; do not match */
	hit = string_in_set(h, REVERSE_BINARY, sel->binary.op, sel->binary.set_id);
	return negated(sel->binary.op) ? !hit : hit;
}

/* All filters of selector `sel_id`. */
__noinline int auspex_match_selector(__u32 sel_id)
{
	struct auspex_selector *sel = bpf_map_lookup_elem(&auspex_selectors, &sel_id);
	__u32 n;

	if (!sel)
		return 0;
	n = sel->nmatch_args;
	if (!auspex_match_pids(sel_id) || !auspex_match_binary(sel_id))
		return 0;
	for (__u32 i = 0; i < AUSPEX_MAX_MATCH_ARGS; i++) {
		if (i >= n)
			break;
		if (!auspex_match_arg(sel_id, i))
			return 0;
	}
	return 1;
}

#endif
