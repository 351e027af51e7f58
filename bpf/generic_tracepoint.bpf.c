// SPDX-License-Identifier: GPL-2.0
/*
 * Generic tracepoint sensor: one program attached to every tracepoint of a policy, the hook id
 * passed as the BPF cookie. It reads the configured arguments from the tracepoint record, runs the
 * policy's selectors (lib/selectors.h), enforces (Sigkill/Signal) in place and posts matching events.
 * Also serves `syscall: true` kprobes through the syscall tracepoints on kernels without kprobes.
 * User space twin: crates/agent/src/sensors/tracepoint.rs.
 */
#include "lib/generic.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * Syscall number → hook index + 1 for the `syscalls/sys_enter_*` hooks served by the raw
 * sys_enter program below (0: no hook on this syscall).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} auspex_syscall_hooks SEC(".maps");

SEC("tracepoint")
int auspex_generic_tp(void *ctx)
{
	/* Cookie: hook index in this policy's maps. */
	__u32 hook_idx = (__u32)bpf_get_attach_cookie(ctx) & 0xffff;
	struct auspex_hook_config *cfg = bpf_map_lookup_elem(&auspex_hooks, &hook_idx);
	struct generic_heap *h = generic_heap();
	__u32 size;

	if (!cfg || !h)
		return 0;
	size = cfg->record_size;
	if (size > AUSPEX_RECORD_MAX)
		size = AUSPEX_RECORD_MAX;
	barrier_var(size);
	if (size > AUSPEX_RECORD_MAX)
		return 0;
	bpf_probe_read_kernel(h->record, size, ctx);
	return run_hook(h, cfg, (auspex_policy_id << 16) | hook_idx);
}

/*
 * Register-based hooks: rebuild the record in the syscall tracepoint layout the argument offsets
 * expect (number at byte 8, argument n at byte 16 + 8n), then evaluate the hook.
 */
static __always_inline int run_hook_with_args(struct generic_heap *h,
					      struct auspex_hook_config *cfg, __u32 hook_idx,
					      __u64 nr, const __u64 *args)
{
	*(__u64 *)&h->record[8] = nr;
	for (int i = 0; i < 6; i++)
		*(__u64 *)&h->record[16 + 8 * i] = args[i];
	return run_hook(h, cfg, (auspex_policy_id << 16) | hook_idx);
}

/*
 * `syscalls/sys_enter_*` hooks through the raw sys_enter tracepoint: the per-syscall tracepoints
 * build a perf record for every call (about 200 ns on a cheap syscall, measured by bench/needle);
 * here a call of an unhooked syscall costs one array lookup. The record the hook's argument
 * offsets expect (syscall number at 8, arguments at 16 + 8 * i) is rebuilt from the registers.
 */
SEC("tp_btf/sys_enter")
int BPF_PROG(auspex_generic_sys_enter, struct pt_regs *regs, long id)
{
	__u32 nr = (__u32)id, *slot, hook_idx;
	struct auspex_hook_config *cfg;
	struct generic_heap *h;
	__u64 args[6];

	slot = bpf_map_lookup_elem(&auspex_syscall_hooks, &nr);
	if (!slot || !*slot)
		return 0;
	hook_idx = *slot - 1;
	cfg = bpf_map_lookup_elem(&auspex_hooks, &hook_idx);
	h = generic_heap();
	if (!cfg || !h)
		return 0;
#if defined(__TARGET_ARCH_x86)
	/* Direct BTF loads (no helper call): this runs on every syscall of the system. */
	args[0] = regs->di;
	args[1] = regs->si;
	args[2] = regs->dx;
	args[3] = regs->r10;
	args[4] = regs->r8;
	args[5] = regs->r9;
#else
	return 0;
#endif
	return run_hook_with_args(h, cfg, hook_idx, (__u64)id, args);
}

/*
 * Uprobes at function entry: the hook index is the cookie; the record is rebuilt from the
 * argument registers in the same layout as syscalls (argument n at byte 16 + 8n).
 */
SEC("uprobe")
int auspex_generic_uprobe(struct pt_regs *ctx)
{
	__u32 hook_idx = (__u32)bpf_get_attach_cookie(ctx) & 0xffff;
	struct auspex_hook_config *cfg = bpf_map_lookup_elem(&auspex_hooks, &hook_idx);
	struct generic_heap *h = generic_heap();
	__u64 args[6];

	if (!cfg || !h)
		return 0;
	args[0] = PT_REGS_PARM1(ctx);
	args[1] = PT_REGS_PARM2(ctx);
	args[2] = PT_REGS_PARM3(ctx);
	args[3] = PT_REGS_PARM4(ctx);
	args[4] = PT_REGS_PARM5(ctx);
#if defined(__TARGET_ARCH_x86)
	args[5] = ctx->r9;
#else
	args[5] = 0;
#endif
	return run_hook_with_args(h, cfg, hook_idx, 0, args);
}

/*
 * Kprobes at kernel function entry. For a syscall wrapper (__x64_sys_*) the arguments are in the
 * struct pt_regs the wrapper receives; otherwise in this probe's registers. Loads on any kernel;
 * attaching needs CONFIG_KPROBES.
 */
SEC("kprobe")
int auspex_generic_kprobe(struct pt_regs *ctx)
{
	__u32 hook_idx = (__u32)bpf_get_attach_cookie(ctx) & 0xffff;
	struct auspex_hook_config *cfg = bpf_map_lookup_elem(&auspex_hooks, &hook_idx);
	struct generic_heap *h = generic_heap();
	__u64 args[6];

	if (!cfg || !h)
		return 0;
#if defined(__TARGET_ARCH_x86)
	if (cfg->flags & AUSPEX_HOOK_SYSCALL_WRAPPER) {
		struct pt_regs *regs = (struct pt_regs *)PT_REGS_PARM1(ctx);

		args[0] = BPF_CORE_READ(regs, di);
		args[1] = BPF_CORE_READ(regs, si);
		args[2] = BPF_CORE_READ(regs, dx);
		args[3] = BPF_CORE_READ(regs, r10);
		args[4] = BPF_CORE_READ(regs, r8);
		args[5] = BPF_CORE_READ(regs, r9);
	} else {
		args[0] = PT_REGS_PARM1(ctx);
		args[1] = PT_REGS_PARM2(ctx);
		args[2] = PT_REGS_PARM3(ctx);
		args[3] = PT_REGS_PARM4(ctx);
		args[4] = PT_REGS_PARM5(ctx);
		args[5] = ctx->r9;
	}
#else
	return 0;
#endif
	return run_hook_with_args(h, cfg, hook_idx, 0, args);
}
