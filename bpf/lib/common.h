/* SPDX-License-Identifier: Apache-2.0 */
/* Includes and small helpers shared by every Auspex BPF program. */
#ifndef AUSPEX_COMMON_H
#define AUSPEX_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

#include "abi.h"

#ifndef BPF_RB_NO_WAKEUP
#define BPF_RB_NO_WAKEUP 1
#define BPF_RB_FORCE_WAKEUP 2
#define BPF_RB_AVAIL_DATA 0
#endif

#define AUSPEX_ZERO 0

/* Stops clang from folding a bounds clamp into later arithmetic, so the verifier sees the bound. */
#define barrier_var(var) asm volatile("" : "+r"(var))

/* The one ring buffer every sensor writes to; user space sizes it before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 * 1024 * 1024);
} auspex_events SEC(".maps");

/* Lost-event and error counters, summed over CPUs by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, AUSPEX_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} auspex_stats SEC(".maps");

static __always_inline void stat_inc(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&auspex_stats, &slot);

	if (v)
		*v += 1;
}

/*
 * Wake the reader only when the ring is filling up: per-event wakeups cost the traced workload more
 * than half of its syscall rate, so the reader otherwise drains on a short timer.
 */
static __always_inline __u64 rb_submit_flags(void)
{
	__u64 avail = bpf_ringbuf_query(&auspex_events, BPF_RB_AVAIL_DATA);

	return avail > 1024 * 1024 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

#endif
