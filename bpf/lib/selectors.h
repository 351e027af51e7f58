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
#define AUSPEX_BINARY_BUF (AUSPEX_MAP_BINARY_MAX + 8)
#define AUSPEX_RECORD_MAX 512
/* Serialized arguments of an event; strings are cut to what is left of it. */
#define AUSPEX_EVENT_DATA 16384
/* The same for events kept until their call returns (auspex_pending holds thousands of them). */
#define AUSPEX_PENDING_DATA 5120

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
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, struct auspex_long_string_key);
	__type(value, __u8);
} auspex_string_eq_long SEC(".maps");

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

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct auspex_addr_key);
	__type(value, __u8);
} auspex_addr_lpm SEC(".maps");

/*
 * Post rate limits: (scope id, selector, the event's first argument bytes) → last post time. The
 * scope id is the thread, the process or 0 (rateLimitScope thread/process/global); the same
 * action with other arguments is not limited.
 */
#define AUSPEX_RATE_ARG_BYTES 192

struct rate_key {
	__u32 id;
	__u32 selector;
	__u8 args[AUSPEX_RATE_ARG_BYTES];
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct rate_key);
	__type(value, __u64);
} auspex_rate SEC(".maps");

/*
 * Events of return probes between the call and its return: (thread << 32 | hook index) → the
 * event as the entry built it (map auspex_pending below). Sized by user space (1 entry when the
 * policy has no return probe).
 */
struct auspex_pending_event {
	struct auspex_generic_event ev;
	char data[AUSPEX_PENDING_DATA + AUSPEX_STACK_BYTES];
	struct auspex_return_trailer tail_room; /* the trailer lands right after the arguments */
	union {
		struct auspex_sock_info sock; /* then a returned socket (AUSPEX_HOOK_RETURN_SOCK) */
		struct auspex_creds creds; /* or returned credentials (AUSPEX_HOOK_RETURN_CRED) */
		char str[AUSPEX_STR_BUF]; /* or a returned string (AUSPEX_HOOK_RETURN_STR) */
	} tail_ret;
	char tail_copy[AUSPEX_STR_BUF]; /* then a returnCopy buffer: u32 length, bytes, u32 full length */
	struct auspex_ima_trailer tail_ima; /* (LSM: no stacks; an IMA trailer lands after the args) */
};

/* NotifyEnforcer decisions by thread (pid_tgid), carried out by the enforcer programs at the
 * thread's next enforced syscall. Sized by user space (1 entry without spec.enforcers). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, struct auspex_enforcer_info);
} auspex_enforcer SEC(".maps");

/* returnCopy: the buffer pointer seen at entry, for the return (key as auspex_pending). Sized by
 * user space (1 entry without returnCopy). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, __u64);
} auspex_return_copy SEC(".maps");

/*
 * TrackSock: socket → the process that owns it. Events of hooks with a socket argument on a
 * tracked socket are reported for that process, whichever task the kernel runs them in
 * (softirq on behalf of a peer, a worker). Sized by user space (1 entry without TrackSock).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, struct auspex_process_key);
} auspex_socktrack SEC(".maps");

/*
 * Not an LRU: an entry pushed out would be an event lost without a trace. Full, the entry's
 * insert fails and is counted (AUSPEX_STAT_PENDING_FULL); entries of threads that died inside
 * the call are swept by user space. Allocated as calls come, not up front.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);
	__type(value, struct auspex_pending_event);
} auspex_pending SEC(".maps");

/* Per-CPU scratch of one hook invocation: record copy, read arguments, lookup keys, event. */
struct generic_heap {
	char record[AUSPEX_RECORD_MAX + AUSPEX_STR_BUF];
	/* The tracepoint's own record while a tracepoint program runs (0 otherwise): the bytes of a
	 * __data_loc field lie after the fixed fields, past the copy in `record`. */
	__u64 tp_record;
	__s64 ints[AUSPEX_MAX_HOOK_ARGS];
	__u32 str_len[AUSPEX_MAX_HOOK_ARGS];
	__u32 is_str[AUSPEX_MAX_HOOK_ARGS];
	/* The string is followed by a __u32 from ints[]: a file's mode, a buffer's full length. */
	__u32 has_trailer[AUSPEX_MAX_HOOK_ARGS];
	__u32 is_sock[AUSPEX_MAX_HOOK_ARGS];
	struct auspex_sock_info socks[AUSPEX_MAX_HOOK_ARGS];
	__u32 is_cred[AUSPEX_MAX_HOOK_ARGS];
	struct auspex_creds creds[AUSPEX_MAX_HOOK_ARGS];
	struct auspex_addr_key akey;
	__u32 truncated[AUSPEX_MAX_HOOK_ARGS];
	char strs[AUSPEX_MAX_HOOK_ARGS][AUSPEX_STR_BUF];
	struct auspex_string_key skey;
	struct auspex_long_string_key long_skey;
	struct auspex_lpm_key lkey;
	char binary[AUSPEX_BINARY_BUF];
	__u32 binary_len;
	char abinary[AUSPEX_BINARY_BUF]; /* an ancestor's binary, for followChildren */
	__u32 abinary_len;
	__u32 ns_read; /* ns_cur/caps_cur filled for this event */
	__u32 ns_cur[10]; /* struct auspex_namespaces as an array */
	__u64 caps_cur[3]; /* effective, inheritable, permitted */
	__u32 pid;
	__u32 nspid;
	__u32 has_process;
	union {
		struct auspex_bpf_prog_info prog;
		struct auspex_bpf_map_info map;
		struct auspex_perf_event_info perf;
		struct auspex_user_ns_info user_ns;
		struct auspex_module_info module;
	} bpf_obj; /* BPF-object / perf-event argument being read */
	__u32 has_sock_owner; /* a socket argument is tracked: the event is its owner's */
	struct auspex_process_key sock_owner;
	__u32 process_read; /* has_process, nspid and binary filled for this event */
	struct auspex_process_key parent_walk;
	struct rate_key rkey;
	__u32 do_override; /* an Override action matched (enforce mode) */
	__s32 override_ret; /* its argError */
	struct auspex_stack_trailer stacks; /* scratch of append_stacks() */
	struct auspex_generic_event ev;
	/* Room for the pending event's tails, copied along with it (auspex_pending_event). */
	char data[AUSPEX_EVENT_DATA + AUSPEX_STACK_BYTES + 2 * AUSPEX_STR_BUF];
};

/*
 * One heap per CPU in a plain array indexed by the CPU (user space sizes it to the possible
 * CPUs): with 4 KiB strings it is larger than the 32 KiB a per-CPU map value may be. Programs
 * cannot migrate while they run, so the slot is theirs as a per-CPU value would be.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct generic_heap);
} auspex_generic_heap SEC(".maps");

static __always_inline struct generic_heap *generic_heap(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&auspex_generic_heap, &cpu);
}

/*
 * The heap belongs to one hook call at a time. Trampoline and uprobe programs (and syscall
 * tracepoint programs on newer kernels) run with migration disabled but preemptible, and programs
 * in interrupt context nest in others: two programs of a policy could otherwise interleave on one
 * CPU's heap, one deciding or posting on the other's arguments and pid. A call that finds the heap
 * taken is skipped, counted (AUSPEX_STAT_HEAP_BUSY) and reported as lost.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} auspex_heap_owner SEC(".maps");

static __always_inline int heap_claim(void)
{
	__u32 zero = 0;
	__u32 *owner = bpf_map_lookup_elem(&auspex_heap_owner, &zero);

	if (!owner)
		return 0;
	if (__sync_val_compare_and_swap(owner, 0, 1) != 0) {
		stat_inc(AUSPEX_STAT_HEAP_BUSY);
		return 0;
	}
	return 1;
}

static __always_inline void heap_release(void)
{
	__u32 zero = 0;
	__u32 *owner = bpf_map_lookup_elem(&auspex_heap_owner, &zero);

	/* Same-CPU ordering is all that matters here: no barrier instruction, only the compiler's. */
	asm volatile("" ::: "memory");
	if (owner)
		*(volatile __u32 *)owner = 0;
}

/*
 * Word loads and stores on the record copy at any offset below AUSPEX_RECORD_MAX, one instruction
 * each. The address is built as an integer: through a char-array element clang gives the access
 * the element's alignment (1) and splits it into byte operations (bench/needle measured those, and
 * the probe-read helper calls they replace, on the hot path). Offsets need not be aligned: the
 * verifier allows unaligned map-value access on CPUs with efficient unaligned access (x86-64, arm64).
 */
static __always_inline __u64 *record_word(struct generic_heap *h, __u32 off)
{
	return (__u64 *)((unsigned long)h->record + (off & (AUSPEX_RECORD_MAX - 1)));
}

static __always_inline __u64 record_u64(struct generic_heap *h, __u32 off)
{
	return *record_word(h, off);
}

static __always_inline __u32 record_u32(struct generic_heap *h, __u32 off)
{
	return *(__u32 *)record_word(h, off);
}

static __always_inline void record_set_u64(struct generic_heap *h, __u32 off, __u64 v)
{
	*record_word(h, off) = v;
}

/* Copies a process entry's binary path into `dst` (AUSPEX_BINARY_BUF bytes); returns its length. */
static __always_inline __u32 copy_binary(char *dst, struct auspex_process_entry *e)
{
	__u32 len = e->binary_len;

	if (len > AUSPEX_MAP_BINARY_MAX - 1)
		len = AUSPEX_MAP_BINARY_MAX - 1;
	barrier_var(len);
	if (len < AUSPEX_MAP_BINARY_MAX)
		bpf_probe_read_kernel(dst, len, e->binary);
	return len;
}

/*
 * The current process's live-process entry: nspid and binary, looked up once per event and only
 * when a filter or the event needs them (most calls of a busy hook are rejected before that).
 */
static __always_inline void ensure_process(struct generic_heap *h)
{
	struct auspex_process_entry *e;
	__u32 pid = h->pid;

	if (h->process_read)
		return;
	h->process_read = 1;
	e = bpf_map_lookup_elem(&auspex_processes, &pid);
	h->has_process = e != NULL;
	h->nspid = e ? e->nspid : h->pid;
	h->binary_len = e ? copy_binary(h->binary, e) : 0;
}

/* Source of a string to look up: a captured argument (0..4), the binary (5), an ancestor's (6). */
#define REVERSE_BINARY AUSPEX_MAX_HOOK_ARGS
#define REVERSE_ANCESTOR (AUSPEX_MAX_HOOK_ARGS + 1)

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
	else if (r->which == REVERSE_ANCESTOR)
		c = h->abinary[src];
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

/* Clears a long string key (too large for an inline memset). */
static const char auspex_zeros[sizeof(struct auspex_long_string_key)];

/* Looks a string (argument `which`, or the binary) up in the set of kind `op` with id `set_id`. */
static __always_inline int string_in_set(struct generic_heap *h, __u32 which, __u8 op, __u32 set_id)
{
	const char *src;
	__u32 len;

	if (which == REVERSE_BINARY) {
		src = h->binary;
		len = h->binary_len;
	} else if (which == REVERSE_ANCESTOR) {
		src = h->abinary;
		len = h->abinary_len;
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
		/* A string cut at capture equals none of the values (each at most that long). */
		if (which < AUSPEX_MAX_HOOK_ARGS && h->truncated[which])
			return 0;
		if (len > AUSPEX_STRING_SHORT_MAX) {
			/* Rare, so the whole 4 KiB key is cleared and hashed only for these. */
			bpf_probe_read_kernel(&h->long_skey, sizeof(h->long_skey), auspex_zeros);
			h->long_skey.set_id = set_id;
			h->long_skey.len = len;
			if (len > AUSPEX_STRING_MAX)
				return 0;
			bpf_probe_read_kernel(h->long_skey.s, len, src);
			return bpf_map_lookup_elem(&auspex_string_eq_long, &h->long_skey) != NULL;
		}
		__builtin_memset(&h->skey, 0, sizeof(h->skey));
		h->skey.set_id = set_id;
		h->skey.len = len;
		if (len > AUSPEX_STRING_SHORT_MAX)
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

/* Socket operators on a captured struct sock. Returns the positive hit (negations by caller). */
/* `v` is one of the inline values of a matchArgs entry. */
static __always_inline int value_listed(struct auspex_match_arg *ma, __s64 v)
{
	for (int k = 0; k < AUSPEX_MAX_MATCH_VALUES; k++)
		if (k < ma->nvalues && ma->values[k] == v)
			return 1;
	return 0;
}

static __always_inline int sock_hit(struct generic_heap *h, struct auspex_match_arg *ma, __u32 a)
{
	struct auspex_sock_info *sk;
	__u32 port = 0, n = ma->nvalues;
	__s64 v = 0;
	int hit = 0;

	if (a >= AUSPEX_MAX_HOOK_ARGS)
		return 0;
	sk = &h->socks[a];
	switch (ma->op) {
	case AUSPEX_OP_SADDR:
	case AUSPEX_OP_NOT_SADDR:
	case AUSPEX_OP_DADDR:
	case AUSPEX_OP_NOT_DADDR:
		h->akey.prefixlen = 32 + 128;
		h->akey.set_id = ma->set_id;
		if (ma->op == AUSPEX_OP_SADDR || ma->op == AUSPEX_OP_NOT_SADDR)
			__builtin_memcpy(h->akey.addr, sk->saddr, 16);
		else
			__builtin_memcpy(h->akey.addr, sk->daddr, 16);
		return bpf_map_lookup_elem(&auspex_addr_lpm, &h->akey) != NULL;
	case AUSPEX_OP_SPORT_PRIV:
	case AUSPEX_OP_NOT_SPORT_PRIV:
		return sk->sport < 1024;
	case AUSPEX_OP_DPORT_PRIV:
	case AUSPEX_OP_NOT_DPORT_PRIV:
		return sk->dport < 1024;
	case AUSPEX_OP_SPORT:
	case AUSPEX_OP_NOT_SPORT:
	case AUSPEX_OP_DPORT:
	case AUSPEX_OP_NOT_DPORT:
		port = (ma->op == AUSPEX_OP_SPORT || ma->op == AUSPEX_OP_NOT_SPORT) ? sk->sport : sk->dport;
		for (int k = 0; k < AUSPEX_MAX_MATCH_VALUES; k += 2)
			if (k + 1 < n && port >= ma->values[k] && port <= ma->values[k + 1])
				hit = 1;
		return hit;
	case AUSPEX_OP_PROTOCOL:
		v = sk->protocol;
		break;
	case AUSPEX_OP_FAMILY:
		v = sk->family;
		break;
	case AUSPEX_OP_STATE:
		v = sk->state;
		break;
	default:
		return 0;
	}
	return value_listed(ma, v);
}

static __always_inline int sock_negated(__u8 op)
{
	return op == AUSPEX_OP_NOT_SADDR || op == AUSPEX_OP_NOT_DADDR || op == AUSPEX_OP_NOT_SPORT ||
	       op == AUSPEX_OP_NOT_DPORT || op == AUSPEX_OP_NOT_SPORT_PRIV || op == AUSPEX_OP_NOT_DPORT_PRIV;
}

/* One matchArgs entry of selector `sel_id` against the captured arguments. */
/* SubString needles (sized by user space). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct auspex_substring);
} auspex_substrings SEC(".maps");

struct substr_ctx {
	__u32 arg;
	__u32 id;
	__u32 hay_len;
	__u32 ign_case;
	__u32 found;
};

/* ASCII lowercase of 8 bytes at once (bytes >= 0x80 unchanged). */
static __always_inline __u64 lower8(__u64 x)
{
	const __u64 ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
	__u64 low7 = x & ~high;
	__u64 ge_a = low7 + ones * (0x80 - 'A'); /* high bit: byte >= 'A' */
	__u64 gt_z = low7 + ones * (0x7f - 'Z'); /* high bit: byte > 'Z' */
	__u64 upper = (ge_a ^ gt_z) & ~x & high;

	return x | (upper >> 2);
}

/*
 * Does the needle occur at position `i` of the argument? Word by word under the needle's mask:
 * no data-dependent branch, so the verifier sees one straight path. Stops the loop when found or
 * when the needle would run past the argument.
 */
static long substr_step(__u32 i, void *data)
{
	struct substr_ctx *c = data;
	struct generic_heap *h = generic_heap();
	struct auspex_substring *n = bpf_map_lookup_elem(&auspex_substrings, &c->id);
	__u32 a = c->arg;
	__u64 diff = 0, w;

	if (!h || !n || a >= AUSPEX_MAX_HOOK_ARGS || !n->len || i + n->len > c->hay_len)
		return 1;
	i &= AUSPEX_STRING_MAX - 1;
#pragma unroll
	for (int k = 0; k < AUSPEX_SUBSTRING_BUF / 8; k++) {
		__builtin_memcpy(&w, &h->strs[a][i + 8 * k], sizeof(w));
		if (c->ign_case)
			w = lower8(w);
		diff |= (w ^ n->s[k]) & n->mask[k];
	}
	if (diff)
		return 0;
	c->found = 1;
	return 1;
}

/* SubString / SubStringIgnCase: one of the entry's needles occurs in string argument `a`. */
static __always_inline int substring_hit(struct generic_heap *h, struct auspex_match_arg *ma, __u32 a)
{
	struct substr_ctx c = { .arg = a, .ign_case = ma->op == AUSPEX_OP_SUBSTRING_IGNCASE };

	if (a >= AUSPEX_MAX_HOOK_ARGS)
		return 0;
	c.hay_len = h->str_len[a] > AUSPEX_STRING_MAX ? AUSPEX_STRING_MAX : h->str_len[a];
	for (__u32 k = 0; k < AUSPEX_MAX_MATCH_VALUES; k++) {
		if (k >= ma->nvalues)
			break;
		c.id = (__u32)ma->values[k];
		c.found = 0;
		bpf_loop(c.hay_len, substr_step, &c, 0);
		if (c.found)
			return 1;
	}
	return 0;
}

/* An integer operator of a matchArgs / matchReturnArgs entry on value `v`. */
/* CelExpr programs (sized by user space). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct auspex_cel_prog);
} auspex_cel SEC(".maps");

struct cel_ctx {
	__u32 id;
	__s64 ret; /* the return value, for AUSPEX_CEL_ARG_RETURN */
	__u32 sp; /* entries on the stack; > AUSPEX_CEL_STACK: the program is malformed */
	__s64 st[AUSPEX_CEL_STACK];
};

/* One instruction of a CelExpr program (a bpf_loop step: the verifier checks it once). */
static long cel_step(__u32 i, void *data)
{
	struct cel_ctx *c = data;
	struct generic_heap *h = generic_heap();
	struct auspex_cel_prog *p = bpf_map_lookup_elem(&auspex_cel, &c->id);
	struct auspex_cel_insn *in;
	__u32 sp = c->sp;
	__s64 a, b, r;

	if (!h || !p || i >= p->n || i >= AUSPEX_CEL_MAX_INSNS)
		return 1;
	in = &p->insns[i];
	switch (in->op) {
	case AUSPEX_CEL_ARG:
	case AUSPEX_CEL_IMM:
		if (sp >= AUSPEX_CEL_STACK)
			goto bad;
		if (in->op == AUSPEX_CEL_IMM) {
			c->st[sp] = in->imm;
		} else if (in->arg == AUSPEX_CEL_ARG_RETURN) {
			c->st[sp] = c->ret;
		} else {
			if (in->arg >= AUSPEX_MAX_HOOK_ARGS)
				goto bad;
			c->st[sp] = h->ints[in->arg];
		}
		c->sp = sp + 1;
		return 0;
	case AUSPEX_CEL_NOT:
	case AUSPEX_CEL_S32:
	case AUSPEX_CEL_U32:
		if (sp < 1 || sp > AUSPEX_CEL_STACK)
			goto bad;
		a = c->st[sp - 1];
		c->st[sp - 1] = in->op == AUSPEX_CEL_NOT ? !a :
				in->op == AUSPEX_CEL_S32 ? (__s64)(__s32)a : (__s64)(__u32)a;
		return 0;
	}
	if (sp < 2 || sp > AUSPEX_CEL_STACK)
		goto bad;
	a = c->st[sp - 2];
	b = c->st[sp - 1];
	switch (in->op) {
	case AUSPEX_CEL_ADD: r = a + b; break;
	case AUSPEX_CEL_SUB: r = a - b; break;
	case AUSPEX_CEL_EQ: r = a == b; break;
	case AUSPEX_CEL_NE: r = a != b; break;
	case AUSPEX_CEL_LT: r = a < b; break;
	case AUSPEX_CEL_LE: r = a <= b; break;
	case AUSPEX_CEL_LTU: r = (__u64)a < (__u64)b; break;
	case AUSPEX_CEL_LEU: r = (__u64)a <= (__u64)b; break;
	case AUSPEX_CEL_AND: r = a && b; break;
	case AUSPEX_CEL_OR: r = a || b; break;
	default: goto bad;
	}
	c->st[sp - 2] = r;
	c->sp = sp - 1;
	return 0;
bad:
	c->sp = AUSPEX_CEL_STACK + 1;
	return 1;
}

/* CelExpr: runs program `id` over the hook's integer arguments (and `ret`, at a return). */
__noinline int auspex_cel_eval(__u32 id, __s64 ret)
{
	struct cel_ctx c = { .id = id, .ret = ret };

	bpf_loop(AUSPEX_CEL_MAX_INSNS, cel_step, &c, 0);
	return c.sp == 1 && c.st[0] != 0;
}

static __always_inline int int_hit(struct auspex_match_arg *ma, __s64 v)
{
	struct auspex_int_key ik = {};
	__u32 n = ma->nvalues;
	int hit = 0;

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

/*
 * One matchArgs entry on heap slot `a`: a captured argument, or at a return the object it
 * returned (slot 0).
 */
static __always_inline int slot_hit(struct generic_heap *h, struct auspex_match_arg *ma, __u32 a)
{
	int hit;

	if (a >= AUSPEX_MAX_HOOK_ARGS)
		return 0;
	if (h->is_sock[a]) {
		hit = sock_hit(h, ma, a);
		return sock_negated(ma->op) ? !hit : hit;
	}
	if (h->is_str[a]) {
		/* The trailer: a file's mode (FileType), a sockaddr_un's family. */
		if (ma->op == AUSPEX_OP_FILE_TYPE)
			return value_listed(ma, h->ints[a] & 0170000);
		if (ma->op == AUSPEX_OP_NOT_FILE_TYPE)
			return !value_listed(ma, h->ints[a] & 0170000);
		if (ma->op == AUSPEX_OP_FAMILY)
			return value_listed(ma, h->ints[a]);
		if (ma->op == AUSPEX_OP_SUBSTRING || ma->op == AUSPEX_OP_SUBSTRING_IGNCASE)
			return substring_hit(h, ma, a);
		hit = string_in_set(h, a, ma->op, ma->set_id);
		return negated(ma->op) ? !hit : hit;
	}
	return int_hit(ma, h->ints[a]);
}

/* matchReturnArgs of selector `sel_id` on the return value. */
__noinline int auspex_match_return(__u32 sel_id, __s64 ret)
{
	struct auspex_selector *sel = bpf_map_lookup_elem(&auspex_selectors, &sel_id);

	if (!sel)
		return 0;
	for (__u32 i = 0; i < AUSPEX_MAX_MATCH_RETURN; i++) {
		struct auspex_match_arg *ma = &sel->match_return[i];
		int hit;

		if (i >= sel->nmatch_return)
			break;
		if (ma->op == AUSPEX_OP_CEL) {
			hit = auspex_cel_eval(ma->set_id, ret);
		} else if (ma->arg == AUSPEX_RETURN_OBJECT_ARG) {
			/* The returned object, read into heap slot 0. */
			struct generic_heap *h = generic_heap();

			if (!h)
				return 0;
			hit = slot_hit(h, ma, 0);
		} else {
			hit = int_hit(ma, ret);
		}
		if (!hit)
			return 0;
	}
	return 1;
}

__noinline int auspex_match_arg(__u32 sel_id, __u32 i)
{
	struct auspex_selector *sel = bpf_map_lookup_elem(&auspex_selectors, &sel_id);
	struct generic_heap *h = generic_heap();
	struct auspex_match_arg *ma;
	__u32 a;

	if (!sel || !h || i >= AUSPEX_MAX_MATCH_ARGS)
		return 0;
	ma = &sel->match_args[i];
	if (ma->op == AUSPEX_OP_CEL)
		return auspex_cel_eval(ma->set_id, 0);
	a = ma->arg;
	if (a >= AUSPEX_MAX_HOOK_ARGS)
		return 0;
	if (ma->op == AUSPEX_OP_CAPS_GAINED) {
		__u32 b = ma->set_id;

		if (b >= AUSPEX_MAX_HOOK_ARGS)
			return 0;
		return (h->ints[a] & ~h->ints[b] & ma->values[0]) != 0;
	}
	return slot_hit(h, ma, a);
}

/* matchPIDs: the process (or, with followForks, one of its ancestors) has a listed pid. */
static __always_inline int pid_listed(struct auspex_match_pids *p, __u32 pid)
{
	for (int k = 0; k < AUSPEX_MAX_PIDS; k++)
		if (k < p->nvalues && p->values[k] == pid)
			return 1;
	return 0;
}

/* matchPIDs entry `k` of selector `sel_id`. */
__noinline int auspex_match_pid_filter(__u32 sel_id, __u32 k)
{
	struct auspex_selector *sel = bpf_map_lookup_elem(&auspex_selectors, &sel_id);
	struct generic_heap *h = generic_heap();
	struct auspex_process_entry *e;
	struct auspex_match_pids *p;
	__u32 pid;
	int hit;

	if (!sel || !h || k >= AUSPEX_MAX_PID_FILTERS)
		return 0;
	p = &sel->pids[k];
	if (p->op == 0)
		return 1;
	if (p->flags & AUSPEX_PIDS_NAMESPACE)
		ensure_process(h);
	pid = (p->flags & AUSPEX_PIDS_NAMESPACE) ? h->nspid : h->pid;
	hit = pid_listed(p, pid);
	if (!hit && (p->flags & AUSPEX_PIDS_FOLLOW_FORKS)) {
		__u32 cur = h->pid;

		for (int depth = 0; depth < 16 && !hit; depth++) {
			e = bpf_map_lookup_elem(&auspex_processes, &cur);
			if (!e || e->parent.pid == 0 || e->parent.pid == cur)
				break;
			cur = e->parent.pid;
			if (p->flags & AUSPEX_PIDS_NAMESPACE) {
				e = bpf_map_lookup_elem(&auspex_processes, &cur);
				hit = e && pid_listed(p, e->nspid);
			} else {
				hit = pid_listed(p, cur);
			}
		}
	}
	return p->op == AUSPEX_OP_NOT_IN ? !hit : hit;
}

/* matchPIDs: every entry matches. */
__noinline int auspex_match_pids(__u32 sel_id)
{
	struct auspex_selector *sel = bpf_map_lookup_elem(&auspex_selectors, &sel_id);
	__u32 n;

	if (!sel)
		return 0;
	n = sel->npids;
	for (__u32 k = 0; k < AUSPEX_MAX_PID_FILTERS; k++)
		if (k < n && !auspex_match_pid_filter(sel_id, k))
			return 0;
	return 1;
}

/*
 * Loads the binary of the parent of process `*pid` into h->abinary and moves `*pid` to it;
 * 0 when the process or its parent is not in the map.
 */
static __always_inline int load_parent_binary(struct generic_heap *h, __u32 *pid)
{
	struct auspex_process_entry *e = bpf_map_lookup_elem(&auspex_processes, pid);

	if (!e || e->parent.pid == 0 || e->parent.pid == *pid)
		return 0;
	*pid = e->parent.pid;
	e = bpf_map_lookup_elem(&auspex_processes, pid);
	if (!e)
		return 0;
	h->abinary_len = copy_binary(h->abinary, e);
	return 1;
}

/*
 * matchBinaries on the binary path recorded for the process at exec (and, with followChildren,
 * for its nearest ancestors); matchParentBinaries the same from the parent up.
 */
__noinline int auspex_match_binary(__u32 sel_id, int parent)
{
	struct auspex_selector *sel = bpf_map_lookup_elem(&auspex_selectors, &sel_id);
	struct generic_heap *h = generic_heap();
	struct auspex_match_binary *mb;
	__u32 cur;
	__u8 op;
	int hit;

	if (!sel || !h)
		return 0;
	mb = parent ? &sel->parent_binary : &sel->binary;
	op = mb->op;
	if (op == 0)
		return 1;
	cur = h->pid;
	if (parent) {
		/* unknown parent: neither In nor NotIn can be decided; do not match */
		if (!load_parent_binary(h, &cur))
			return 0;
		hit = string_in_set(h, REVERSE_ANCESTOR, op, mb->set_id);
	} else {
		ensure_process(h);
		if (!h->has_process)
			return 0; /* unknown binary: as above */
		hit = string_in_set(h, REVERSE_BINARY, op, mb->set_id);
	}
	if (!hit && (mb->flags & AUSPEX_BINARY_FOLLOW_CHILDREN)) {
		for (int depth = 0; depth < AUSPEX_FOLLOW_CHILDREN_DEPTH && !hit; depth++) {
			if (!load_parent_binary(h, &cur))
				break;
			hit = string_in_set(h, REVERSE_ANCESTOR, op, mb->set_id);
		}
	}
	return negated(op) ? !hit : hit;
}

/* Current namespaces and capability sets of the task, read once per event. */
static __always_inline void read_current_ns_caps(struct generic_heap *h)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct auspex_namespaces ns = {};
	const struct cred *cred;

	if (h->ns_read)
		return;
	read_namespaces(task, &ns);
	__builtin_memcpy(h->ns_cur, &ns, sizeof(ns));
	cred = BPF_CORE_READ(task, cred);
	h->caps_cur[0] = read_cap(__builtin_preserve_access_index(&cred->cap_effective));
	h->caps_cur[1] = read_cap(__builtin_preserve_access_index(&cred->cap_inheritable));
	h->caps_cur[2] = read_cap(__builtin_preserve_access_index(&cred->cap_permitted));
	h->ns_read = 1;
}

/* matchNamespaces, matchCapabilities, matchCapabilityChanges and matchNamespaceChanges. */
__noinline int auspex_match_ns_caps(__u32 sel_id)
{
	struct auspex_selector *sel = bpf_map_lookup_elem(&auspex_selectors, &sel_id);
	struct generic_heap *h = generic_heap();
	struct auspex_process_entry *e;
	__u32 pid;
	int hit;

	if (!sel || !h)
		return 0;
	if (!sel->nns && !sel->ncaps && !sel->ns_changes_op)
		return 1;
	read_current_ns_caps(h);
	pid = h->pid;
	e = bpf_map_lookup_elem(&auspex_processes, &pid);
	/* Exec-time state, copied out once so that no path dereferences a missing entry. */
	__u64 exec_caps[3] = {};
	__u32 exec_ns[10] = {};
	int have_exec = 0;

	if (e) {
		exec_caps[0] = e->cap_effective;
		exec_caps[1] = e->cap_inheritable;
		exec_caps[2] = e->cap_permitted;
		__builtin_memcpy(exec_ns, &e->ns, sizeof(exec_ns));
		have_exec = 1;
	}
	for (__u32 i = 0; i < AUSPEX_MAX_NS_FILTERS; i++) {
		struct auspex_match_ns *f = &sel->ns[i];
		__u32 v;

		if (i >= sel->nns)
			break;
		v = h->ns_cur[f->kind < 10 ? f->kind : 0];
		hit = 0;
		for (__u32 k = 0; k < AUSPEX_MAX_NS_VALUES; k++)
			if (k < f->nvalues && f->values[k] == v)
				hit = 1;
		if (f->op == AUSPEX_OP_NOT_IN ? hit : !hit)
			return 0;
	}
	for (__u32 i = 0; i < AUSPEX_MAX_CAP_FILTERS; i++) {
		struct auspex_match_caps *f = &sel->caps[i];
		__u8 set = f->set < 3 ? f->set : 0;
		__u64 cur = h->caps_cur[set];

		if (i >= sel->ncaps)
			break;
		/* isNamespaceCapability: only tasks outside the host user namespace can match. */
		if (f->user_ns && h->ns_cur[9] == f->user_ns)
			return 0;
		if (f->changes) {
			if (!have_exec)
				return 0; /* no exec-time record to compare with */
			hit = ((cur ^ exec_caps[set]) & f->mask) != 0;
		} else {
			hit = (cur & f->mask) != 0;
		}
		if (f->op == AUSPEX_OP_NOT_IN ? hit : !hit)
			return 0;
	}
	if (sel->ns_changes_op) {
		if (!have_exec)
			return 0;
		hit = 0;
		for (__u32 k = 0; k < 10; k++)
			if ((sel->ns_changes_mask & (1u << k)) && exec_ns[k] != h->ns_cur[k])
				hit = 1;
		if (sel->ns_changes_op == AUSPEX_OP_NOT_IN ? hit : !hit)
			return 0;
	}
	return 1;
}

/* All filters of selector `sel_id`. */
__noinline int auspex_match_selector(__u32 sel_id)
{
	struct auspex_selector *sel = bpf_map_lookup_elem(&auspex_selectors, &sel_id);
	__u32 n;

	if (!sel)
		return 0;
	n = sel->nmatch_args;
	/* Only the filters the selector has: each call is a function call and two lookups. */
	if (sel->npids && !auspex_match_pids(sel_id))
		return 0;
	if (sel->binary.op && !auspex_match_binary(sel_id, 0))
		return 0;
	if (sel->parent_binary.op && !auspex_match_binary(sel_id, 1))
		return 0;
	if ((sel->nns || sel->ncaps || sel->ns_changes_op) && !auspex_match_ns_caps(sel_id))
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
