// SPDX-License-Identifier: GPL-2.0
/*
 * Generic tracepoint sensor: one program attached to every tracepoint of a policy, the hook id
 * passed as the BPF cookie. It reads the configured arguments from the tracepoint record, runs the
 * policy's selectors (lib/selectors.h), enforces (Sigkill/Signal/Override) in place and posts
 * matching events. The same pipeline serves the other hook kinds through their own entry programs
 * below: raw sys_enter (syscall tracepoints, and `syscall: true` kprobes on kernels without
 * kprobes), uprobes, kprobes (single, multi, with override), BPF-LSM, fentry and fmod_ret.
 * User space twin: crates/agent/src/sensors/tracepoint.rs.
 */
#include "lib/generic.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * Syscall number → hook indexes + 1 of the `syscalls/sys_enter_*` hooks served by the raw
 * sys_enter program below: the first in the low 16 bits, a second hook on the same syscall in the
 * high 16 bits (0: none).
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
	int ret;

	if (!cfg || !h || !heap_claim())
		return 0;
	size = cfg->record_size;
	if (size > AUSPEX_RECORD_MAX)
		size = AUSPEX_RECORD_MAX;
	barrier_var(size);
	if (size > AUSPEX_RECORD_MAX) {
		heap_release();
		return 0;
	}
	bpf_probe_read_kernel(h->record, size, ctx);
	h->tp_record = (__u64)ctx;
	ret = run_hook(ctx, h, cfg, (auspex_policy_id << 16) | hook_idx);
	h = generic_heap();
	if (h)
		h->tp_record = 0;
	heap_release();
	return ret;
}

/*
 * Register-based hooks: rebuild the record in the syscall tracepoint layout the argument offsets
 * expect (number at byte 8, argument n at byte 16 + 8n), then evaluate the hook.
 */
static __always_inline int run_hook_with_args_set(void *ctx, struct generic_heap *h,
						  struct auspex_hook_config *cfg, __u32 hook_idx,
						  __u64 nr, const __u64 *args, const int can_set)
{
	record_set_u64(h, 8, nr);
	for (int i = 0; i < 6; i++)
		record_set_u64(h, 16 + 8 * i, args[i]);
	return run_hook_set(ctx, h, cfg, (auspex_policy_id << 16) | hook_idx, can_set);
}

/*
 * Hook `hook_idx` on `args` (the syscall number `nr` at byte 8, 0 for functions) with its CPU's
 * heap claimed for the call (heap_claim). `regs`: a probe's registers, copied for `source:
 * pt_regs` data when the hook asks (NULL elsewhere). Returns 1 when an Override matched, its value
 * in *override_ret.
 */
static __always_inline int run_hook_claimed(void *ctx, __u32 hook_idx, __u64 nr, const __u64 *args,
					    struct pt_regs *regs, const int can_set, long *override_ret)
{
	struct auspex_hook_config *cfg = bpf_map_lookup_elem(&auspex_hooks, &hook_idx);
	struct generic_heap *h = generic_heap();
	int override = 0;

	if (!cfg || !h || !heap_claim())
		return 0;
	if (regs && (cfg->flags & AUSPEX_HOOK_PT_REGS))
		bpf_probe_read_kernel(&h->record[AUSPEX_REGS_SCRATCH], sizeof(struct pt_regs), regs);
	run_hook_with_args_set(ctx, h, cfg, hook_idx, nr, args, can_set);
	if (h->do_override) {
		override = 1;
		*override_ret = h->override_ret;
	}
	heap_release();
	return override;
}

/* The policy has __ia32_sys_* hooks (keys AUSPEX_COMPAT_SYSCALL_BASE + i386 number). */
const volatile __u32 auspex_compat_syscalls = 0;

/*
 * compat_syscall() for the tp_btf programs below: a direct BTF load instead of a probe-read
 * helper call (measured by bench/needle: ~5 ns of a hooked syscall's cost).
 */
static __always_inline int compat_syscall_btf(void)
{
#if defined(__TARGET_ARCH_x86)
	return (bpf_get_current_task_btf()->thread_info.status & AUSPEX_TS_COMPAT) != 0;
#else
	return 0;
#endif
}

/*
 * The hook slot of syscall `nr` (a 64-bit or, for a call through IA32 emulation, an i386
 * number), or NULL. The 32-bit check reads the task: only when the number is hooked or the
 * policy hooks 32-bit syscalls. For tp_btf programs only (compat_syscall_btf).
 */
static __always_inline __u32 *syscall_slot(void *map, __u32 nr, int *compat)
{
	__u32 *slot = bpf_map_lookup_elem(map, &nr);
	__u32 key;

	if ((!slot || !*slot) && !auspex_compat_syscalls)
		return NULL;
	*compat = compat_syscall_btf();
	if (!*compat)
		return slot && *slot ? slot : NULL;
	/* An i386 number: never a 64-bit hook's (the kernel's syscalls/sys_enter_* tracepoints
	 * skip these calls too). */
	if (!auspex_compat_syscalls || nr >= AUSPEX_COMPAT_SYSCALL_BASE)
		return NULL;
	key = nr + AUSPEX_COMPAT_SYSCALL_BASE;
	slot = bpf_map_lookup_elem(map, &key);
	return slot && *slot ? slot : NULL;
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
	__u32 *slot, hooks;
	__u64 args[6];
	int compat = 0;

	slot = syscall_slot(&auspex_syscall_hooks, (__u32)id, &compat);
	if (!slot)
		return 0;
	hooks = *slot;
#if defined(__TARGET_ARCH_x86)
	/* Direct BTF loads (no helper call): this runs on every syscall of the system. */
	if (compat) {
		/* i386 order; 32-bit values (the ia32 wrappers truncate the registers too). */
		args[0] = (__u32)regs->bx;
		args[1] = (__u32)regs->cx;
		args[2] = (__u32)regs->dx;
		args[3] = (__u32)regs->si;
		args[4] = (__u32)regs->di;
		args[5] = (__u32)regs->bp;
	} else {
		args[0] = regs->di;
		args[1] = regs->si;
		args[2] = regs->dx;
		args[3] = regs->r10;
		args[4] = regs->r8;
		args[5] = regs->r9;
	}
#else
	return 0;
#endif
	/* Each hook on this syscall in turn, as two kprobes on one function would run. */
	for (int k = 0; k < 2; k++) {
		__u32 hook_idx = (k ? hooks >> 16 : hooks & 0xffff);
		long override_ret;

		if (!hook_idx)
			break;
		run_hook_claimed(ctx, hook_idx - 1, (__u64)id, args, NULL, 0, &override_ret);
	}
	return 0;
}

/* Syscall number → hook indexes + 1 of the return probes served by sys_exit below: the first
 * in the low 16 bits, a second hook on the same syscall in the high 16 bits (0: none). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} auspex_syscall_exit_hooks SEC(".maps");

/* Returns of `syscall: true` return probes served by the syscall tracepoints. */
SEC("tp_btf/sys_exit")
int BPF_PROG(auspex_generic_sys_exit, struct pt_regs *regs, long ret)
{
	__u32 nr, *slot, hooks;
	int compat = 0;

#if defined(__TARGET_ARCH_x86)
	nr = (__u32)regs->orig_ax;
#else
	return 0;
#endif
	slot = syscall_slot(&auspex_syscall_exit_hooks, nr, &compat);
	if (!slot)
		return 0;
	hooks = *slot;
	/* Each hook's return finds the event its own entry kept (or none). */
	if (hooks & 0xffff)
		run_return((hooks & 0xffff) - 1, ret);
	if (hooks >> 16)
		run_return((hooks >> 16) - 1, ret);
	return 0;
}

/* Returns of kprobe hooks with `return: true` (the entry went through the kprobe programs). */
SEC("kretprobe")
int auspex_generic_kretprobe(struct pt_regs *ctx)
{
	return run_return((__u32)bpf_get_attach_cookie(ctx) & 0xffff, (__s64)PT_REGS_RC(ctx));
}

/* The six integer/pointer arguments of a function at its entry, from the probe's registers. */
static __always_inline void function_args(struct pt_regs *ctx, __u64 *args)
{
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
}

/* The syscall arguments in the struct pt_regs a syscall wrapper (__x64_sys_*) receives. */
static __always_inline void syscall_regs_args(struct pt_regs *regs, __u64 *args)
{
#if defined(__TARGET_ARCH_x86)
	args[0] = BPF_CORE_READ(regs, di);
	args[1] = BPF_CORE_READ(regs, si);
	args[2] = BPF_CORE_READ(regs, dx);
	args[3] = BPF_CORE_READ(regs, r10);
	args[4] = BPF_CORE_READ(regs, r8);
	args[5] = BPF_CORE_READ(regs, r9);
#endif
}

/*
 * Arguments at function entry (kprobes, uprobes). For a syscall wrapper (__x64_sys_*, kprobes
 * only) they are in the struct pt_regs the wrapper receives; otherwise in the probe's registers.
 */
static __always_inline int entry_args(struct pt_regs *ctx, struct auspex_hook_config *cfg, __u64 *args)
{
#if defined(__TARGET_ARCH_x86)
	if (cfg->flags & AUSPEX_HOOK_SYSCALL_WRAPPER)
		syscall_regs_args((struct pt_regs *)PT_REGS_PARM1(ctx), args);
	else
		function_args(ctx, args);
	return 0;
#else
	return -1;
#endif
}

/*
 * A kprobe or uprobe at function entry: the hook index is the cookie; the record is rebuilt from
 * the argument registers (argument n at byte 16 + 8n). Returns 1 when an Override matched, its
 * value in *override_ret.
 */
static __always_inline int probe_hook(struct pt_regs *ctx, long *override_ret)
{
	__u32 hook_idx = (__u32)bpf_get_attach_cookie(ctx) & 0xffff;
	struct auspex_hook_config *cfg = bpf_map_lookup_elem(&auspex_hooks, &hook_idx);
	__u64 args[6];

	if (!cfg || entry_args(ctx, cfg, args))
		return 0;
	/* `source: pt_regs` data entries read the probe's registers from the record. */
	return run_hook_claimed(ctx, hook_idx, 0, args, ctx, 0, override_ret);
}

/* Returns of uprobe hooks with `return: true` or returnCopy (a uretprobe at the same place). */
SEC("uretprobe")
int auspex_generic_uretprobe(struct pt_regs *ctx)
{
	return run_return((__u32)bpf_get_attach_cookie(ctx) & 0xffff, (__s64)PT_REGS_RC(ctx));
}

/*
 * USDT probes: libbpf locates each argument (register, memory, constant) from the probe's note
 * and hands it over through bpf_usdt_arg(); the hook index is the user cookie. The record is
 * rebuilt like a uprobe's. Hooks with a Set action use the second program, the only one that
 * writes user memory.
 */
static __always_inline int usdt_hook(struct pt_regs *ctx, const int can_set)
{
	__u32 hook_idx = (__u32)bpf_usdt_cookie(ctx) & 0xffff;
	long override_ret;
	__u64 args[6];
	int n;

	n = bpf_usdt_arg_cnt(ctx);
	for (int i = 0; i < 6; i++) {
		long v = 0;

		if (i < n)
			bpf_usdt_arg(ctx, i, &v);
		args[i] = v;
	}
	run_hook_claimed(ctx, hook_idx, 0, args, NULL, can_set, &override_ret);
	return 0;
}

SEC("usdt")
int auspex_generic_usdt(struct pt_regs *ctx)
{
	return usdt_hook(ctx, 0);
}

SEC("usdt")
int auspex_generic_usdt_set(struct pt_regs *ctx)
{
	return usdt_hook(ctx, 1);
}

/* Uprobes at function entry (a symbol, file offset or address of an ELF file). */
SEC("uprobe")
int auspex_generic_uprobe(struct pt_regs *ctx)
{
	long override_ret;

	probe_hook(ctx, &override_ret);
	return 0;
}

/*
 * Uprobes of hooks with an Override action: at the function's entry the return address is on
 * top of the stack, so returning argError is setting the return register and jumping there with
 * the stack popped, as the function's `ret` would. Only this program writes the probe's
 * registers (kernels that allow it, 6.19+, reject it for kprobes; older ones do not load it).
 */
SEC("uprobe")
int auspex_generic_uprobe_override(struct pt_regs *ctx)
{
#if defined(__TARGET_ARCH_x86)
	long override_ret = 0;
	__u64 ret_addr = 0;

	if (!probe_hook(ctx, &override_ret) ||
	    bpf_probe_read_user(&ret_addr, sizeof(ret_addr), (void *)ctx->sp))
		return 0;
	ctx->ax = (__u64)override_ret;
	ctx->ip = ret_addr;
	ctx->sp += sizeof(ret_addr);
#endif
	return 0;
}

/* Kprobes at kernel function entry. Loads on any kernel; attaching needs CONFIG_KPROBES. */
SEC("kprobe")
int auspex_generic_kprobe(struct pt_regs *ctx)
{
	long override_ret;

	probe_hook(ctx, &override_ret);
	return 0;
}

/*
 * The same for several functions with one kprobe.multi (fprobe) link, the hook index being each
 * function's cookie.
 */
SEC("kprobe.multi")
int auspex_generic_kprobe_multi(struct pt_regs *ctx)
{
	long override_ret;

	probe_hook(ctx, &override_ret);
	return 0;
}

/*
 * Kprobes of hooks with an Override action: the kernel accepts bpf_override_return only on
 * functions on its error-injection list (syscalls), so this program is attached to those alone.
 */
SEC("kprobe")
int auspex_generic_kprobe_override(struct pt_regs *ctx)
{
	long override_ret = 0;

	if (probe_hook(ctx, &override_ret))
		bpf_override_return(ctx, (__u64)override_ret);
	return 0;
}

/*
 * Trampoline hooks (BPF-LSM, fentry, fmod_ret, fexit). Their attach target is fixed at load time, so the
 * object carries a few program slots of each kind; user space points a slot at a function
 * (bpf_program__set_attach_target), writes the slot's hook index + 1 here and loads only the
 * slots it uses. The arguments come from bpf_get_func_arg, which knows each function's count.
 */
#define AUSPEX_TRAMPOLINE_SLOTS 6

const volatile __u32 auspex_lsm_slots[AUSPEX_TRAMPOLINE_SLOTS] = {};
const volatile __u32 auspex_fentry_slots[AUSPEX_TRAMPOLINE_SLOTS] = {};
const volatile __u32 auspex_fmod_ret_slots[AUSPEX_TRAMPOLINE_SLOTS] = {};
const volatile __u32 auspex_fexit_slots[AUSPEX_TRAMPOLINE_SLOTS] = {};
/* imaHash: the sleepable LSM programs that hash the file of an LSM hook's kept event; the kind
 * says where the file is (the hook's first argument, or its linux_binprm's file). */
const volatile __u32 auspex_lsm_ima_slots[AUSPEX_TRAMPOLINE_SLOTS] = {};
const volatile __u32 auspex_lsm_ima_kinds[AUSPEX_TRAMPOLINE_SLOTS] = {};
#define AUSPEX_IMA_FILE 1
#define AUSPEX_IMA_BPRM 2

/* Runs hook `slot` - 1 (slot 0: unused) on `args`; returns the Override value, or 0 when none
 * matched (or nothing ran). */
static __always_inline long run_slot(void *ctx, __u32 slot, __u64 *args)
{
	__u32 hook_idx = slot - 1;
	struct auspex_hook_config *cfg;
	long override_ret = 0;

	if (!slot)
		return 0;
	cfg = bpf_map_lookup_elem(&auspex_hooks, &hook_idx);
	if (!cfg)
		return 0;
	if (cfg->flags & AUSPEX_HOOK_SYSCALL_WRAPPER)
		syscall_regs_args((struct pt_regs *)args[0], args);
	return run_hook_claimed(ctx, hook_idx, 0, args, NULL, 0, &override_ret) ? override_ret : 0;
}

/* A trampoline hook: returns the Override value, or 0 when none matched. */
static __always_inline long trampoline_hook(__u64 *ctx, __u32 slot)
{
	__u64 args[6] = {};

	for (int i = 0; i < 6; i++)
		bpf_get_func_arg(ctx, i, &args[i]);
	return run_slot(ctx, slot, args);
}

/*
 * LSM programs must provably return 0 or a negative errno (the verifier checks R0's range). The
 * compiler refuses other argError values; the mask and the subtraction from an opaque zero keep
 * that range visible to the verifier in 64 bits.
 */
static __always_inline long lsm_verdict(long ret)
{
	__u64 err = (__u64)(-ret) & 4095;
	long zero = 0;

	barrier_var(zero);
	return zero - (long)err;
}

/*
 * imaHash: the event the LSM program kept (matched, Post with imaHash) gets the IMA digest of
 * `file` (bpf_ima_file_hash, sleepable) and is posted. Attached before the hook's LSM program,
 * so it runs after it (a hook runs its programs newest first).
 */
static __always_inline void ima_post(struct file *file, __u32 slot)
{
	struct auspex_ima_trailer *t;
	struct auspex_pending_event *p;
	__u64 key;
	__u32 len;

	if (!slot)
		return;
	key = (bpf_get_current_pid_tgid() << 32) | (slot - 1);
	p = bpf_map_lookup_elem(&auspex_pending, &key);
	if (!p)
		return;
	len = p->ev.args_len;
	barrier_var(len);
	if (len > AUSPEX_PENDING_DATA)
		len = AUSPEX_PENDING_DATA;
	t = (struct auspex_ima_trailer *)&p->data[len];
	t->pad = 0;
	t->algo = file ? bpf_ima_file_hash(file, t->hash, sizeof(t->hash)) : -2;
	post_pending(p, key, len + sizeof(*t), AUSPEX_GENERIC_IMA_HASH);
}

/* The kind (a .rodata constant) decides at load which branch the verifier sees. */
#define AUSPEX_IMA_SLOT(n)                                                           \
	SEC("lsm.s/file_open")                                                       \
	int auspex_generic_lsm_ima##n(__u64 *ctx)                                    \
	{                                                                            \
		struct file *file = NULL;                                            \
                                                                                     \
		if (auspex_lsm_ima_kinds[n] == AUSPEX_IMA_FILE)                      \
			file = (struct file *)ctx[0];                                \
		else if (auspex_lsm_ima_kinds[n] == AUSPEX_IMA_BPRM)                 \
			file = ((struct linux_binprm *)ctx[0])->file;                \
		ima_post(file, auspex_lsm_ima_slots[n]);                             \
		return 0;                                                            \
	}

#define AUSPEX_TRAMPOLINE_SLOT(n)                                                    \
	SEC("lsm/file_open")                                                         \
	long auspex_generic_lsm##n(__u64 *ctx)                                       \
	{                                                                            \
		return lsm_verdict(trampoline_hook(ctx, auspex_lsm_slots[n]));      \
	}                                                                            \
	SEC("fentry/security_file_open")                                             \
	int auspex_generic_fentry##n(__u64 *ctx)                                     \
	{                                                                            \
		trampoline_hook(ctx, auspex_fentry_slots[n]);                        \
		return 0;                                                            \
	}                                                                            \
	SEC("fmod_ret/security_file_open")                                           \
	int auspex_generic_fmod_ret##n(__u64 *ctx)                                   \
	{                                                                            \
		return trampoline_hook(ctx, auspex_fmod_ret_slots[n]);               \
	}                                                                            \
	SEC("fexit/security_file_open")                                              \
	int auspex_generic_fexit##n(__u64 *ctx)                                      \
	{                                                                            \
		__u64 ret = 0;                                                       \
                                                                                     \
		if (auspex_fexit_slots[n]) {                                         \
			bpf_get_func_ret(ctx, &ret);                                 \
			run_return(auspex_fexit_slots[n] - 1, (__s64)ret);           \
		}                                                                    \
		return 0;                                                            \
	}

/*
 * Enforcers (spec.enforcers): fmod_ret programs on the enforced syscalls' entry points. A
 * NotifyEnforcer action left a decision for this thread: send its signal, and return its error
 * instead of running the syscall (0: run it).
 */
static __always_inline long enforce(void)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct auspex_enforcer_info *e = bpf_map_lookup_elem(&auspex_enforcer, &id);
	long ret;

	if (!e)
		return 0;
	ret = e->error;
	if (e->sig)
		bpf_send_signal(e->sig);
	bpf_map_delete_elem(&auspex_enforcer, &id);
	policy_stat_inc(ret ? AUSPEX_POLICY_STAT_OVERRIDE : AUSPEX_POLICY_STAT_SIGNAL);
	return lsm_verdict(ret);
}

#define AUSPEX_ENFORCER_SLOT(n)                                                      \
	SEC("fmod_ret/security_file_open")                                           \
	int auspex_generic_enforcer##n(__u64 *ctx)                                   \
	{                                                                            \
		return enforce();                                                    \
	}

AUSPEX_ENFORCER_SLOT(0)
AUSPEX_ENFORCER_SLOT(1)
AUSPEX_ENFORCER_SLOT(2)
AUSPEX_ENFORCER_SLOT(3)
AUSPEX_ENFORCER_SLOT(4)
AUSPEX_ENFORCER_SLOT(5)

/*
 * Raw tracepoints (`raw: true`): the tracepoint's own arguments (TP_PROTO), not its record.
 * Attached by name, so one program could serve all, but without attach cookies on older kernels
 * each hook gets a slot too. The arguments are copied with one helper call: a direct ctx load
 * past the tracepoint's argument count would be refused at attach time, and the words past it
 * (kernel stack) are read but never used.
 */
const volatile __u32 auspex_raw_tp_slots[AUSPEX_TRAMPOLINE_SLOTS] = {};

static __always_inline int raw_tp_hook(struct bpf_raw_tracepoint_args *ctx, __u32 slot)
{
	__u64 args[6] = {};

	if (!slot)
		return 0;
	bpf_probe_read_kernel(args, sizeof(args), ctx->args);
	run_slot(ctx, slot, args);
	return 0;
}

#define AUSPEX_RAW_TP_SLOT(n)                                                        \
	SEC("raw_tp")                                                                \
	int auspex_generic_raw_tp##n(struct bpf_raw_tracepoint_args *ctx)           \
	{                                                                            \
		return raw_tp_hook(ctx, auspex_raw_tp_slots[n]);                     \
	}

AUSPEX_RAW_TP_SLOT(0)
AUSPEX_RAW_TP_SLOT(1)
AUSPEX_RAW_TP_SLOT(2)
AUSPEX_RAW_TP_SLOT(3)
AUSPEX_RAW_TP_SLOT(4)
AUSPEX_RAW_TP_SLOT(5)

AUSPEX_TRAMPOLINE_SLOT(0)
AUSPEX_TRAMPOLINE_SLOT(1)
AUSPEX_TRAMPOLINE_SLOT(2)
AUSPEX_TRAMPOLINE_SLOT(3)
AUSPEX_TRAMPOLINE_SLOT(4)
AUSPEX_TRAMPOLINE_SLOT(5)
AUSPEX_IMA_SLOT(0)
AUSPEX_IMA_SLOT(1)
AUSPEX_IMA_SLOT(2)
AUSPEX_IMA_SLOT(3)
AUSPEX_IMA_SLOT(4)
AUSPEX_IMA_SLOT(5)
