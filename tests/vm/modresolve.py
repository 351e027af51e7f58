#!/usr/bin/env python3
"""Copy kernel modules and their dependencies from an extracted Debian kernel package into an
initramfs staging directory, decompressed (busybox insmod reads plain .ko only), and write
<dir>/modules.order in load order.

The Debian .debs carry no modules.dep and the host has no depmod, so dependencies come from each
module's .modinfo `depends=`. A module that is neither extracted nor listed in modules.builtin is
an error (extend the extraction patterns in tests/vm/run).

usage: modresolve.py <kernel-root> <kver> <initramfs-dir> MODULE...
"""
import gzip
import lzma
import os
import subprocess
import sys


def main():
    kroot, kver, out, *wanted = sys.argv[1:]
    moddir = next(
        (p for p in (os.path.join(kroot, d, kver) for d in ("lib/modules", "usr/lib/modules")) if os.path.isdir(p)),
        None,
    )
    if moddir is None:
        sys.exit(f"modresolve: no lib/modules/{kver} under {kroot}")
    index = {}
    for dp, _, fs in os.walk(moddir):
        for f in fs:
            for ext in (".ko", ".ko.xz", ".ko.zst", ".ko.gz"):
                if f.endswith(ext):
                    index[f[: -len(ext)].replace("-", "_")] = os.path.join(dp, f)
    builtin = set()
    bpath = os.path.join(moddir, "modules.builtin")
    if os.path.exists(bpath):
        for line in open(bpath):
            name = os.path.basename(line.strip())
            if name.endswith(".ko"):
                builtin.add(name[:-3].replace("-", "_"))

    def read(path):
        if path.endswith(".xz"):
            return lzma.open(path).read()
        if path.endswith(".gz"):
            return gzip.open(path).read()
        if path.endswith(".zst"):
            return subprocess.run(["zstd", "-dc", path], capture_output=True, check=True).stdout
        return open(path, "rb").read()

    def deps(data):
        i = data.find(b"\0depends=")
        if i < 0:
            return []
        v = data[i + 9 : data.index(b"\0", i + 1)].decode()
        return [d.replace("-", "_") for d in v.split(",") if d]

    order, seen = [], set()

    def visit(m):
        m = m.replace("-", "_")
        if m in seen:
            return
        seen.add(m)
        if m not in index:
            if m in builtin:
                return
            sys.exit(f"modresolve: {kver}: module {m} neither extracted nor built in")
        data = read(index[m])
        for d in deps(data):
            visit(d)
        os.makedirs(os.path.join(out, "lib/modules"), exist_ok=True)
        with open(os.path.join(out, "lib/modules", m + ".ko"), "wb") as f:
            f.write(data)
        order.append(m + ".ko")

    for w in wanted:
        visit(w)
    with open(os.path.join(out, "modules.order"), "w") as f:
        f.write("".join(o + "\n" for o in order))
    print(f"{kver}: modules: {' '.join(order) or '(all built in)'}", file=sys.stderr)


if __name__ == "__main__":
    main()
