// SPDX-License-Identifier: GPL-2.0
/*
 * Feature probes too specific for libbpf's own: programs that do nothing, loaded and attached
 * once by crates/agent/src/features.rs to learn what the running kernel accepts.
 */
#include "lib/common.h"

char LICENSE[] SEC("license") = "GPL";

/* fmod_ret on a syscall entry point: loads only where syscalls are on the kernel's
 * error-injection list (enforcers). */
SEC("fmod_ret/__x64_sys_dup")
int auspex_probe_fmod_ret_syscall(void *ctx)
{
	return 0;
}

/* kprobe.multi (fprobe) links: the program type loads everywhere; attaching says. */
SEC("kprobe.multi")
int auspex_probe_kprobe_multi(void *ctx)
{
	return 0;
}

/* imaHash: sleepable BPF-LSM programs and bpf_ima_file_hash (Linux 5.18+, IMA built in). */
SEC("lsm.s/file_open")
int BPF_PROG(auspex_probe_ima_hash, struct file *file)
{
	__u8 digest[64];

	bpf_ima_file_hash(file, digest, sizeof(digest));
	return 0;
}

/* Override on uprobes: a uprobe program writing the probe's registers (Linux 6.19+). */
SEC("uprobe")
int auspex_probe_uprobe_write_ctx(struct pt_regs *ctx)
{
#if defined(__TARGET_ARCH_x86)
	ctx->ax = ctx->bx;
#endif
	return 0;
}
