/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libbpf's usdt.bpf.h includes <linux/errno.h>, which wants the architecture's <asm/errno.h>;
 * BPF targets have no multiarch include directory, and the numbers are the generic ones.
 */
#include <asm-generic/errno.h>
