#!/usr/bin/env python3
"""Host side of tests/vm/run: reads what each VM sent on its data channel (<work>/<label>.data:
INFO / CHECK / CORPUS lines and shipped files), checks the agent's exported events (JSON lines),
prints the per-kernel summary and the check matrix, writes <work>/summary.txt and
<work>/kernel-support.md (and --docs PATH), and exits 0 only when no check failed.

Statuses: PASS, FAIL, NOTIMPL (the agent refuses a feature it does not implement yet, with a clear
message; does not fail the run), NA (the kernel lacks the feature; does not fail the run).
"""
import argparse
import base64
import json
import os
import re
import sys
from datetime import datetime, timezone

MARKER = "/usr/local/bin/auspex-marker"

# Checks every kernel must report (in table order); a missing one is a FAIL.
EXPECTED = [
    "boot-bpf-lsm",
    "boot-btf",
    "default-agent-ready",
    "default-marker-exit0",
    "default-marker-exit3",
    "default-exec-event",
    "default-exit-event",
    "default-exit3-event",
    "default-agent-stop",
    "liz-policy-loaded",
    "liz-kprobe-registered",
    "liz-cat-killed",
    "liz-other-file-ok",
    "liz-event",
    "liz-agent-stop",
    "tcp-dummy-if",
    "tcp-policy-loaded",
    "tcp-nonlocal-killed",
    "tcp-loopback-ok",
    "tcp-event",
    "tcp-agent-stop",
    "skb-policy-loaded",
    "skb-port-killed",
    "skb-other-port-ok",
    "skb-event",
    "skb-agent-stop",
    "sockaddr-policy-loaded",
    "sockaddr-port-killed",
    "sockaddr-other-port-ok",
    "netdev-set-mtu",
    "sockaddr-event",
    "netdev-event",
    "sockaddr-agent-stop",
    "socktrack-loaded",
    "socktrack-event",
    "socktrack-agent-stop",
    "bpfobj-loaded",
    "bpfobj-event",
    "bpfobj-agent-stop",
    "syswrite-policy-loaded",
    "syswrite-kprobe-registered",
    "syswrite-marker-killed",
    "syswrite-other-file-ok",
    "syswrite-marker-signalled",
    "syswrite-event",
    "syswrite-signal-event",
    "syswrite-agent-stop",
    "lsm-file-open-override",
    "lsm-event",
    "kprobe-override",
    "override-event",
    "enforcer-marker-killed",
    "enforcer-event",
    "fentry-file-open",
    "fexit-event",
    "fentry-list-event",
    "fentry-stack-trace",
    "fentry-heap-integrity",
    "kprobe-multi",
    "pt-regs-data",
    "retprobe-loaded",
    "retprobe-event",
    "returncopy-event",
    "returned-path-event",
    "returned-cred-event",
    "structargs-loaded",
    "path-event",
    "binprm-event",
    "dentry-event",
    "resolve-event",
    "cred-event",
    "modules-loaded",
    "module-event",
    "modbtf-loaded",
    "buffers-loaded",
    "iov-iter-event",
    "sockaddr-un-event",
    "caps-marker-capset",
    "caps-gained-event",
    "usdt-set-written",
    "usdt-set-event",
    "usdt-set-constant-refused",
    "ima-marker-run",
    "ima-hash-event",
    "uprobe-override-returned",
    "uprobe-override-event",
]
# Reported only in some cases (e.g. a stop check once the agent loads a policy); table order.
OPTIONAL = [
    "lsm-agent-stop",
    "override-agent-stop",
    "enforcer-agent-stop",
    "fentry-agent-stop",
    "heap-agent-stop",
    "multi-agent-stop",
    "retprobe-agent-stop",
    "structargs-agent-stop",
    "modules-agent-stop",
    "modbtf-agent-stop",
    "buffers-agent-stop",
    "caps-agent-stop",
    "usdtset-agent-stop",
    "ima-agent-stop",
    "uoverride-agent-stop",
    "corpus-complete",
    "corpus-agent-stop",
    "vm-finished",
]
OK_STATUSES = {"PASS", "NOTIMPL", "NA"}


def parse_data(path):
    """INFO/CHECK/CORPUS lines and FILE blocks of one VM's data channel."""
    info, checks, corpus, files = {}, {}, {}, {}
    done = False
    if not os.path.exists(path):
        return info, checks, corpus, files, done
    cur = None
    with open(path, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "replace").rstrip("\r\n").replace("\r", "")
            if cur is not None:
                if line == "ENDFILE " + cur:
                    cur = None
                elif line.startswith("| "):
                    files[cur].append(line[2:])
                elif line == "|":
                    files[cur].append("")
                continue
            parts = line.split(" ", 3)
            kind = parts[0]
            if kind == "FILE" and len(parts) >= 2:
                cur = line[5:]
                files[cur] = []
            elif kind == "INFO" and len(parts) >= 2:
                info[parts[1]] = line.split(" ", 2)[2] if len(parts) > 2 else ""
            elif kind == "CHECK" and len(parts) >= 3:
                checks[parts[1]] = (parts[2], parts[3] if len(parts) > 3 else "")
            elif kind == "CORPUS" and len(parts) >= 3:
                corpus[parts[1]] = (parts[2], parts[3] if len(parts) > 3 else "")
            elif kind == "DONE":
                done = True
    return info, checks, corpus, files, done


def events(files, name):
    """Decoded JSON events of a shipped export file (None when it was not shipped)."""
    if name not in files:
        return None
    out = []
    for line in files[name]:
        line = line.strip()
        if line:
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                out.append({"_undecodable": line})
    return out


def kprobes(evs, function):
    return [e["process_kprobe"] for e in evs if "process_kprobe" in e and e["process_kprobe"].get("function_name") == function]


ANSI = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|c)")
PERM = re.compile(r"^[-dlcbps][-r][-w][-xsS][-r][-w][-xsS][-r][-w][-xtT]$")


def event_checks(files):
    """Checks on the exported events; returns {name: (status, detail)}."""
    res = {}

    def put(name, ok, detail):
        res[name] = ("PASS" if ok else "FAIL", detail)

    # 1. default sensor: exec with arguments, exit status 0, exit status 3.
    evs = events(files, "default.ev")
    if evs is None:
        for n in ("default-exec-event", "default-exit-event", "default-exit3-event"):
            put(n, False, "no export file shipped (agent did not run)")
    else:
        bad = [e for e in evs if "_undecodable" in e]
        execs = [e["process_exec"]["process"] for e in evs if "process_exec" in e]
        exits = [e["process_exit"] for e in evs if "process_exit" in e]
        m = [p for p in execs if p.get("binary") == MARKER and p.get("arguments") == "hello-vm 42"]
        put(
            "default-exec-event",
            len(m) == 1 and not bad,
            f"process_exec binary={MARKER} arguments='hello-vm 42' exec_id={m[0].get('exec_id')}"
            if len(m) == 1 and not bad
            else f"{len(m)} matching process_exec of {len(execs)}; {len(bad)} undecodable lines",
        )
        if m:
            x = [e for e in exits if e["process"].get("exec_id") == m[0].get("exec_id")]
            ok = len(x) == 1 and x[0].get("status", 0) == 0 and not x[0].get("signal")
            put(
                "default-exit-event",
                ok,
                f"process_exit of the same exec_id, status {x[0].get('status', 0)}" if x else "no process_exit for its exec_id",
            )
        else:
            put("default-exit-event", False, "no marker exec to match")
        x3 = [e for e in exits if e["process"].get("binary") == MARKER and e["process"].get("arguments") == "exit 3"]
        put(
            "default-exit3-event",
            len(x3) == 1 and x3[0].get("status") == 3,
            f"process_exit status={x3[0].get('status')}" if x3 else "no process_exit for 'auspex-marker exit 3'",
        )

    # 2. security_file_permission kprobe: SIGKILL event with the file's path and permission.
    evs = events(files, "liz.ev")
    if evs is None:
        put("liz-event", False, "no export file shipped")
    else:
        ks = kprobes(evs, "security_file_permission")
        hit = [
            k
            for k in ks
            if k.get("action") == "KPROBE_ACTION_SIGKILL"
            and k.get("policy_name") == "example"
            and k["process"].get("binary") == "/usr/bin/cat"
            and (k.get("args") or [{}])[0].get("file_arg", {}).get("path") == "/tmp/liz"
            and PERM.match((k.get("args") or [{}])[0].get("file_arg", {}).get("permission", ""))
        ]
        others = [k for k in ks if (k.get("args") or [{}])[0].get("file_arg", {}).get("path") != "/tmp/liz"]
        if hit and not others:
            a = hit[0]["args"]
            put(
                "liz-event",
                True,
                f"process_kprobe security_file_permission /usr/bin/cat {json.dumps(a, separators=(',', ':'))} "
                f"action=KPROBE_ACTION_SIGKILL ({len(hit)} events)",
            )
        else:
            put("liz-event", False, f"{len(hit)} matching of {len(ks)} security_file_permission events; other paths: {len(others)}; first: {json.dumps(ks[:1])[:400]}")

    # 3. tcp_connect kprobe: SIGKILL event with daddr 10.77.0.1, nothing for loopback.
    evs = events(files, "tcp.ev")
    if evs is None:
        put("tcp-event", False, "no export file shipped")
    else:
        ks = kprobes(evs, "tcp_connect")
        socks = [(k, (k.get("args") or [{}])[0].get("sock_arg", {})) for k in ks]
        hit = [k for k, s in socks if s.get("daddr") == "10.77.0.1" and s.get("dport") == 7777 and k.get("action") == "KPROBE_ACTION_SIGKILL"]
        lo = [s for _, s in socks if s.get("daddr", "").startswith("127.")]
        if hit and not lo:
            s = hit[0]["args"][0]["sock_arg"]
            put("tcp-event", True, f"process_kprobe tcp_connect sock_arg {s.get('saddr')}:{s.get('sport')} -> {s.get('daddr')}:{s.get('dport')} {s.get('protocol')} action=KPROBE_ACTION_SIGKILL; none for 127.0.0.1")
        else:
            put("tcp-event", False, f"{len(hit)} SIGKILL events to 10.77.0.1:7777, {len(lo)} for loopback, of {len(ks)}: {json.dumps([s for _, s in socks])[:400]}")

    # 3b. ip_output kprobe: SIGKILL event with the packet's skb_arg, none for the other port.
    evs = events(files, "skb.ev")
    if evs is None:
        put("skb-event", False, "no export file shipped")
    else:
        ks = kprobes(evs, "ip_output")
        skbs = [(k, (k.get("args") or [{}])[0].get("skb_arg", {})) for k in ks]
        hit = [
            s
            for k, s in skbs
            if s.get("daddr") == "10.77.0.1" and s.get("dport") == 7778 and s.get("protocol") == "IPPROTO_TCP"
            and s.get("family") == "AF_INET" and s.get("len", 0) > 0 and k.get("action") == "KPROBE_ACTION_SIGKILL"
        ]
        other = [s for _, s in skbs if s.get("dport") != 7778]
        if hit and not other:
            put("skb-event", True, f"process_kprobe ip_output skb_arg {json.dumps(hit[0], separators=(',', ':'))} action=KPROBE_ACTION_SIGKILL")
        else:
            put("skb-event", False, f"{len(hit)} SIGKILL events for 10.77.0.1:7778, {len(other)} for other ports, of {len(ks)}: {json.dumps([s for _, s in skbs])[:400]}")

    # 3c. sockaddr: SIGKILL event with the address connected to; net_device: the name.
    evs = events(files, "sockaddr.ev")
    if evs is None:
        put("sockaddr-event", False, "no export file shipped")
        put("netdev-event", False, "no export file shipped")
    else:
        ks = kprobes(evs, "security_socket_connect")
        sas = [(k, (k.get("args") or [{}])[0].get("sockaddr_arg", {})) for k in ks]
        hit = [sa for k, sa in sas if sa == {"family": "AF_INET", "addr": "10.77.0.1", "port": 7781} and k.get("action") == "KPROBE_ACTION_SIGKILL"]
        put(
            "sockaddr-event",
            len(hit) == 1 and len(ks) == 1,
            f"process_kprobe security_socket_connect sockaddr_arg {json.dumps(hit[0], separators=(',', ':'))} action=KPROBE_ACTION_SIGKILL" if hit else f"{len(hit)} matching of {len(ks)}: {json.dumps([sa for _, sa in sas])[:400]}",
        )
        ks = kprobes(evs, "dev_set_mtu")
        args = [k.get("args") for k in ks]
        put(
            "netdev-event",
            [{"string_arg": "d0"}, {"int_arg": 1400}] in args,
            f"process_kprobe dev_set_mtu {json.dumps(args[0], separators=(',', ':'))}" if args else "no dev_set_mtu event",
        )

    # 3d. sk_alloc's returned socket (return.sock_arg, AF_INET) and the close of that socket.
    evs = events(files, "socktrack.ev")
    if evs is None:
        put("socktrack-event", False, "no export file shipped")
    else:
        all_allocs = kprobes(evs, "sk_alloc")
        allocs = [k for k in all_allocs if k.get("return", {}).get("sock_arg", {}).get("family") == "AF_INET"]
        closes = [k for k in kprobes(evs, "tcp_close") if (k.get("args") or [{}])[0].get("sock_arg", {}).get("family") == "AF_INET"]
        owners = {(k.get("process") or {}).get("binary") for k in allocs + closes}
        put(
            "socktrack-event",
            bool(allocs) and len(allocs) == len(all_allocs) and len(closes) == 1 and owners == {"/usr/local/bin/tcpconn"},
            f"sk_alloc return {json.dumps(allocs[0]['return'], separators=(',', ':'))[:200]} (matchReturnArgs Family AF_INET: {len(all_allocs) - len(allocs)} other sockets posted, the marker's AF_UNIX ones filtered); tcp_close of that AF_INET socket by tcpconn"
            if allocs and closes
            else f"{len(allocs)} sk_alloc events with an AF_INET sock_arg return, {len(closes)} tcp_close events of an AF_INET socket: {json.dumps([e for e in evs if 'process_kprobe' in e][:2])[:300]}",
        )

    # 3e. The agent's second policy: its programs (bpf_attr), maps (bpf_map), perf event.
    evs = events(files, "bpfobj.ev")
    if evs is None:
        put("bpfobj-event", False, "no export file shipped")
    else:
        arg0 = lambda k, f: (k.get("args") or [{}])[0].get(f) or {}
        progs = [arg0(k, "bpf_attr_arg") for k in kprobes(evs, "bpf_check")]
        progs = [a for a in progs if a.get("ProgType", "").startswith("BPF_PROG_TYPE_") and a.get("InsnCnt", 0) > 0 and a.get("ProgName", "").startswith("auspex")]
        maps = [arg0(k, "bpf_map_arg") for f in ("security_bpf_map_alloc", "security_bpf_map_create") for k in kprobes(evs, f)]
        maps = [m for m in maps if m.get("MapName", "").startswith("auspex_") and m.get("MapType", "").startswith("BPF_MAP_TYPE_") and m.get("MaxEntries", 0) > 0]
        perfs = [arg0(k, "perf_event_arg") for k in kprobes(evs, "security_perf_event_alloc")]
        perfs = [p for p in perfs if p.get("Type") == "PERF_TYPE_TRACEPOINT" and int(p.get("Config", 0)) > 0]
        userns = [arg0(k, "user_ns_arg") for k in kprobes(evs, "cap_capable")]
        userns = [u for u in userns if u.get("level") == 0 and u.get("ns", {}).get("is_host") and u.get("ns", {}).get("inum", 0) > 0]
        fds = [arg0(k, "bpf_prog_arg") for k in kprobes(evs, "security_bpf_prog")]
        fds = [p for p in fds if p.get("ProgType", "").startswith("BPF_PROG_TYPE_") and p.get("InsnCnt", 0) > 0 and p.get("ProgName", "").startswith("auspex")]
        put(
            "bpfobj-event",
            bool(progs) and bool(maps) and bool(perfs) and bool(userns) and bool(fds),
            f"bpf_attr {json.dumps(progs[0], separators=(',', ':'))}; bpf_map {json.dumps(maps[0], separators=(',', ':'))}; perf_event {json.dumps(perfs[0], separators=(',', ':'))}; user_ns {json.dumps(userns[0], separators=(',', ':'))}; bpf_prog {json.dumps(fds[0], separators=(',', ':'))}"
            if progs and maps and perfs and userns and fds
            else f"{len(progs)} program loads, {len(maps)} map creations, {len(perfs)} tracepoint perf events, {len(userns)} CAP_BPF checks in the host user namespace of the agent, {len(fds)} program fds: {json.dumps(evs[:2])[:300]}",
        )

    # 4. syscall kprobe on write(2): function __x64_sys_write, fd resolved to the path, the bytes
    # written (char_buf, base64 in JSON), Sigkill for /tmp/wmark-kill, Signal for /tmp/wsig-1.
    evs = events(files, "syswrite.ev")
    hello = base64.b64encode(b"hello").decode()
    for name, path, action in (
        ("syswrite-event", "/tmp/wmark-kill", "KPROBE_ACTION_SIGKILL"),
        ("syswrite-signal-event", "/tmp/wsig-1", "KPROBE_ACTION_SIGNAL"),
    ):
        if evs is None:
            put(name, False, "no export file shipped")
            continue
        ks = [e["process_kprobe"] for e in evs if "process_kprobe" in e and e["process_kprobe"].get("policy_name") == "vm-sys-write"]
        arg = lambda k, i: ((k.get("args") or []) + [{}, {}, {}])[i]
        hit = [
            k
            for k in ks
            if k.get("function_name") == "__x64_sys_write"
            and k.get("action") == action
            and k["process"].get("binary") == MARKER
            and arg(k, 0).get("file_arg", {}).get("path") == path
            and arg(k, 1).get("bytes_arg") == hello
            and arg(k, 2).get("size_arg") == "5"
        ]
        others = [k for k in ks if not arg(k, 0).get("file_arg", {}).get("path", "").startswith(("/tmp/wmark-kill", "/tmp/wsig"))]
        if hit and not others:
            put(name, True, f"process_kprobe __x64_sys_write {json.dumps(hit[0]['args'], separators=(',', ':'))} action={action}")
        else:
            put(name, False, f"{len(hit)} matching of {len(ks)} vm-sys-write events (function names: {sorted({k.get('function_name') for k in ks})}); other paths: {len(others)}; first: {json.dumps(ks[:1])[:400]}")

    # 5. Override: the LSM hook and the fmod_ret kprobe report KPROBE_ACTION_OVERRIDE with the path.
    for name, file, kind, function, path in (
        ("lsm-event", "lsm.ev", "process_lsm", "file_open", "/tmp/lsm-blocked"),
        ("override-event", "override.ev", "process_kprobe", "security_file_permission", "/tmp/override-blocked"),
    ):
        evs = events(files, file)
        if evs is None:
            put(name, False, "no export file shipped (the policy did not load)")
            continue
        ks = [e[kind] for e in evs if kind in e and e[kind].get("function_name") == function]
        hit = [
            k
            for k in ks
            if k.get("action") == "KPROBE_ACTION_OVERRIDE"
            and k["process"].get("binary") == "/usr/bin/cat"
            and (k.get("args") or [{}])[0].get("file_arg", {}).get("path") == path
        ]
        if hit:
            put(name, True, f"{kind} {function} {json.dumps(hit[0]['args'], separators=(',', ':'))} action=KPROBE_ACTION_OVERRIDE")
        else:
            put(name, False, f"no {kind} {function} event with KPROBE_ACTION_OVERRIDE for {path} among {len(ks)}: {json.dumps(ks[:1])[:400]}")
    # 5b. Enforcer: the marker's dup seen on raw_syscalls/sys_enter with NotifyEnforcer.
    evs = events(files, "enforcer.ev")
    if evs is None:
        put("enforcer-event", False, "no export file shipped (the policy did not load)")
    else:
        ts = [e["process_tracepoint"] for e in evs if "process_tracepoint" in e and e["process_tracepoint"].get("policy_name") == "vm-enforcer-dup"]
        ok = [t for t in ts if t.get("action") == "KPROBE_ACTION_NOTIFYENFORCER" and t.get("process", {}).get("binary") == MARKER
              and ((t.get("args") or [{}])[0].get("syscall_id") or {}).get("id") == 32]
        put(
            "enforcer-event",
            bool(ok),
            f"process_tracepoint raw_syscalls/sys_enter {json.dumps(ok[0].get('args'), separators=(',', ':'))} action=KPROBE_ACTION_NOTIFYENFORCER" if ok else f"no NotifyEnforcer event for the marker's dup among {len(ts)}: {json.dumps(ts[:1])[:300]}",
        )
    # 6a. fentry + fexit on security_file_open: one entry event without `return`, one return
    # event with `return.int_arg` 0 (the open succeeded).
    evs = events(files, "fentry.ev")
    if evs is None:
        put("fexit-event", False, "no export file shipped (the policy did not load)")
        put("fentry-list-event", False, "no export file shipped (the policy did not load)")
    else:
        ks = [e["process_kprobe"] for e in evs if "process_kprobe" in e and e["process_kprobe"].get("policy_name") == "vm-fentry-file-open"]
        mine = [k for k in ks if (k.get("args") or [{}])[0].get("file_arg", {}).get("path") == "/tmp/fentry-watched"]
        entry = [k for k in mine if "return" not in k]
        ret = [k for k in mine if k.get("return") == {"int_arg": 0} or k.get("return") == {}]
        put(
            "fexit-event",
            len(entry) == 1 and len(ret) == 1 and len(mine) == 2,
            f"entry event + return event {json.dumps(ret[0].get('return') if ret else None)} for /tmp/fentry-watched"
            if len(entry) == 1 and len(ret) == 1 and len(mine) == 2
            else f"{len(entry)} entry and {len(ret)} return events of {len(mine)} for the file: {json.dumps(mine)[:400]}",
        )
        # A `list:` call on fentries: one hook per member, each reports the watched file.
        ls = [e["process_kprobe"] for e in evs if "process_kprobe" in e and e["process_kprobe"].get("policy_name") == "vm-fentry-list"]
        fns = sorted({k.get("function_name") for k in ls if (k.get("args") or [{}])[0].get("file_arg", {}).get("path") == "/tmp/fentry-watched"})
        put(
            "fentry-list-event",
            fns == ["security_file_open", "security_file_permission"],
            f"events for /tmp/fentry-watched from {fns}",
        )
        # kernelStackTrace on the entry hook: the open path's frames, symbolized from kallsyms.
        ksyms = [f.get("symbol") for f in (entry[0].get("kernel_stack_trace") or [])] if entry else []
        usyms = [f"{f.get('symbol')}@{f.get('module')}" for f in (entry[0].get("user_stack_trace") or [])] if entry else []
        put(
            "fentry-stack-trace",
            "do_sys_openat2" in ksyms,
            f"kernel_stack_trace {' < '.join(ksyms[:8])}; user_stack_trace {len(usyms)} frames {' < '.join(usyms[:2])}"
            if entry
            else "no entry event",
        )

    # 6b. heap integrity: 200 cats under the list policy; every event must be what its selector
    # matches (the watched file, opened by cat), whichever program ran when the other was preempted.
    evs = events(files, "heap.ev")
    if evs is None:
        if "fentry-heap-integrity" not in res:
            put("fentry-heap-integrity", False, "no export file shipped (the policy did not load)")
    else:
        ks = [e["process_kprobe"] for e in evs if "process_kprobe" in e]
        seen = [((k.get("args") or [{}])[0].get("file_arg", {}).get("path"), k.get("process", {}).get("binary")) for k in ks]
        wrong = [s for s in seen if s != ("/tmp/fentry-watched", "/usr/bin/cat")]
        opens = sum(1 for k in ks if k.get("function_name") == "security_file_open") - sum(
            1 for k, s in zip(ks, seen) if k.get("function_name") == "security_file_open" and s in wrong)
        log = "\n".join(files.get("heap.err", []))
        busy = re.findall(r"kernel_heap_busy=(\d+)", log) or re.findall(r"flushed events=\d+ lost=(\d+)", log)
        busy = int(busy[-1]) if busy else 0
        # Each of the 200 opens is posted, or skipped and counted (a heap-busy skip).
        ok = bool(seen) and not wrong and opens + busy >= 200
        put(
            "fentry-heap-integrity",
            ok,
            f"{len(seen)} events, all the watched file opened by cat; {opens} of 200 opens posted, {busy} calls skipped (heap busy)"
            if ok
            else f"{len(wrong)} of {len(seen)} events not the watched file opened by cat {wrong[:3]}; {opens} of 200 opens posted, {busy} skipped",
        )
    # 7. path and linux_binprm arguments.
    evs = events(files, "structargs.ev")
    for name, kind, function, field, path in (
        ("path-event", "process_kprobe", "security_path_truncate", "path_arg", "/tmp/trunc-x"),
        ("binprm-event", "process_lsm", "bprm_check_security", "linux_binprm_arg", MARKER),
        ("dentry-event", "process_kprobe", "security_inode_follow_link", "path_arg", None),
    ):
        if evs is None:
            put(name, False, "no export file shipped (the policy did not load)")
            continue
        ks = [e[kind] for e in evs if kind in e and e[kind].get("function_name") == function]
        # A dentry's path is within its filesystem: /tmp/auspex-lnk, or /auspex-lnk on a tmpfs.
        same = (lambda p: p == path) if path else (lambda p: p in ("/tmp/auspex-lnk", "/auspex-lnk"))
        hit = [k for k in ks if same((k.get("args") or [{}])[0].get(field, {}).get("path")) and PERM.match((k.get("args") or [{}])[0].get(field, {}).get("permission", ""))]
        put(
            name,
            bool(hit) and len(hit) == len(ks),
            f"{kind} {function} {json.dumps(hit[0]['args'], separators=(',', ':'))}" if hit else f"{len(hit)} of {len(ks)} {function} events with {field}.path {path}: {json.dumps(ks[:1])[:300]}",
        )

    # resolve: "mm.owner.real_parent.comm" on the same LSM hook's linux_binprm.
    if evs is None:
        put("resolve-event", False, "no export file shipped (the policy did not load)")
    else:
        ks = [e["process_lsm"] for e in evs if "process_lsm" in e and e["process_lsm"].get("function_name") == "bprm_check_security"]
        comms = [(k.get("args") or [{}, {}])[1:2] for k in ks]
        ok = [c for c in comms if c == [{"string_arg": "sh"}]]
        put(
            "resolve-event",
            bool(ok) and len(ok) == len(ks),
            f"process_lsm bprm_check_security resolve mm.owner.real_parent.comm -> {json.dumps(ok[0])}" if ok else f"{len(ok)} of {len(ks)} events with the parent's comm sh: {json.dumps(comms[:2])[:300]}",
        )

    if evs is None:
        put("cred-event", False, "no export file shipped (the policy did not load)")
    else:
        ks = [e["process_kprobe"] for e in evs if "process_kprobe" in e and e["process_kprobe"].get("function_name") == "commit_creds"]
        creds = [(k.get("args") or [{}])[0].get("process_credentials_arg") for k in ks]
        ok = [c for c in creds if c and c.get("uid") == 0 and c.get("euid") == 0 and "CAP_SYS_ADMIN" in c.get("caps", {}).get("effective", [])]
        put(
            "cred-event",
            bool(ok) and len(ok) == len(ks),
            f"process_kprobe commit_creds process_credentials_arg {json.dumps(ok[0], separators=(',', ':'))[:300]}" if ok else f"{len(ok)} of {len(ks)} commit_creds events with root credentials: {json.dumps(creds[:1])[:300]}",
        )

    # 6. Return probe: one event, at the return, for the failed open only, with the error.
    evs = events(files, "retprobe.ev")
    if evs is None:
        put("retprobe-event", False, "no export file shipped (the policy did not load)")
        put("returncopy-event", False, "no export file shipped (the policy did not load)")
        put("returned-path-event", False, "no export file shipped (the policy did not load)")
        put("returned-cred-event", False, "no export file shipped (the policy did not load)")
    else:
        ks = [e["process_kprobe"] for e in evs if "process_kprobe" in e and e["process_kprobe"].get("policy_name") == "vm-openat-return"]
        paths = [((k.get("args") or [{}])[0].get("string_arg"), k.get("return", {}).get("int_arg")) for k in ks]
        ok = [k for k in ks if k.get("function_name") == "__x64_sys_openat" and k.get("return_action") == "KPROBE_ACTION_POST"]
        put(
            "retprobe-event",
            paths == [("/tmp/retprobe-missing", -2)] and len(ok) == 1,
            f"process_kprobe __x64_sys_openat args={json.dumps(ks[0].get('args'), separators=(',', ':'))} return={json.dumps(ks[0].get('return'))}" if len(ks) == 1 else f"(path, return) of the events: {paths}",
        )
        # returnCopy: cat's read of the file ("present\n"), then its read at EOF (empty).
        rs = [e["process_kprobe"] for e in evs if "process_kprobe" in e and e["process_kprobe"].get("policy_name") == "vm-read-return-copy"]
        bufs = [((k.get("args") or [{}, {}])[1:2] or [{}])[0].get("bytes_arg", "") for k in rs]
        put(
            "returncopy-event",
            bool(bufs) and bufs[0] == "cHJlc2VudAo=" and all(k.get("function_name") == "__x64_sys_read" and "return" not in k for k in rs),
            f"process_kprobe __x64_sys_read bytes_arg (base64) of the reads: {bufs}",
        )
        # A returned kernel string (d_path's path): read at the kretprobe, filtered there.
        rets = [e["process_kprobe"] for e in evs if "process_kprobe" in e and e["process_kprobe"].get("policy_name") == "vm-dpath-return"]
        fs = [k for k in rets if k.get("function_name") == "d_path"]
        got = [(k.get("function_name"), k.get("return", {}).get("string_arg")) for k in fs]
        put(
            "returned-path-event",
            bool(got) and all(g == ("d_path", "/tmp/retprobe-present") for g in got),
            f"process_kprobe d_path return {json.dumps(fs[0].get('return'), separators=(',', ':'))} ({len(fs)} events)" if got else "no d_path event for /tmp/retprobe-present",
        )
        # A returned struct cred: prepare_creds of the marker's capset(2), root's credentials.
        pc = [k for k in rets if k.get("function_name") == "prepare_creds"]
        creds = [k.get("return", {}).get("process_credentials_arg") for k in pc]
        ok = [c for c in creds if c and c.get("uid", 0) == 0 and "CAP_SYS_ADMIN" in c.get("caps", {}).get("effective", [])]
        put(
            "returned-cred-event",
            bool(ok) and len(ok) == len(pc),
            f"process_kprobe prepare_creds return process_credentials_arg {json.dumps(ok[0], separators=(',', ':'))[:300]} ({len(pc)} events)" if ok else f"{len(ok)} of {len(pc)} prepare_creds events with root credentials in return: {json.dumps(creds[:1])[:300]}",
        )

    # 8. Kernel modules: do_init_module's module_arg for the re-inserted dummy module (Debian
    # signs its modules: signature_ok true); find_module_sections' load_info where the kernel has
    # the function out of line.
    evs = events(files, "modules.ev")
    if evs is None:
        put("module-event", False, "no export file shipped (the policy did not load)")
    else:
        ks = [e["process_kprobe"] for e in evs if "process_kprobe" in e and e["process_kprobe"].get("policy_name") == "vm-modules"]
        def mod(k, i):
            return ((k.get("args") or [])[i:i + 1] or [{}])[0].get("module_arg")
        init = [mod(k, 0) for k in ks if k.get("function_name") == "do_init_module"]
        info = [mod(k, 1) for k in ks if k.get("function_name") == "find_module_sections"]
        ok = [m for m in init if m and m.get("name") == "dummy" and m.get("signature_ok") is True]
        put(
            "module-event",
            bool(ok),
            f"do_init_module module_arg {json.dumps(ok[0], separators=(',', ':'))}; find_module_sections load_info: {json.dumps(info[:1], separators=(',', ':')) if info else 'not hooked (inlined on this kernel)'}"
            if ok
            else f"no do_init_module event for dummy with signature_ok: {json.dumps(init[:2])[:300]}",
        )
    # 9. iov_iter: the bytes the marker wrote to the console tty (base64 in JSON); sockaddr_un:
    # the path and the abstract name ('@' first) the marker connected to.
    evs = events(files, "buffers.ev")
    if evs is None:
        for n in ("iov-iter-event", "sockaddr-un-event"):
            put(n, False, "no export file shipped (the policy did not load)")
    else:
        ks = [e["process_kprobe"] for e in evs if "process_kprobe" in e and e["process_kprobe"].get("policy_name") == "vm-tty-unix"]
        want = base64.b64encode(b"auspex-tty-marker" + b"-0123456789" * 400 + b"\n").decode()
        tty = [k.get("args") for k in ks if k.get("function_name") == "tty_write"]
        ok = [a for a in tty if len(a or []) == 2 and a[1].get("bytes_arg") == want and a[0].get("file_arg", {}).get("path", "").startswith("/dev/")]
        put(
            "iov-iter-event",
            bool(ok),
            f"tty_write: file_arg {ok[0][0]['file_arg'].get('path')}, bytes_arg of all {len(base64.b64decode(want))} bytes written (maxData)" if ok else f"no tty_write event with the {len(base64.b64decode(want))} bytes written: {json.dumps(tty[:2])[:300]}",
        )
        uns = [((k.get("args") or [{}])[0]).get("sockaddrun_arg") for k in ks if k.get("function_name") == "unix_stream_connect"]
        paths = sorted(u.get("path", "") for u in uns if u and u.get("family") == "AF_UNIX")
        put(
            "sockaddr-un-event",
            paths == ["/tmp/auspex-vm.sock", "@auspex-vm-abstract"],
            f"unix_stream_connect sockaddrun_arg paths {paths}",
        )
    # 10. CapabilitiesGained: of the marker's three capset calls only the one raising CAP_NET_RAW
    # (bit 13) posts; its args are the new effective set and the old one.
    evs = events(files, "caps.ev")
    if evs is None:
        put("caps-gained-event", False, "no export file shipped (the policy did not load)")
    else:
        ks = [e["process_kprobe"] for e in evs if "process_kprobe" in e and e["process_kprobe"].get("policy_name") == "vm-caps-gained"]
        sets = []
        for k in ks:
            a = k.get("args") or []
            new = int(a[0].get("kernel_cap_t_arg", "0"), 16) if len(a) > 0 else 0
            old = int(a[1].get("cap_effective_arg", "0"), 16) if len(a) > 1 else 0
            sets.append((new, old))
        ok = len(sets) == 1 and sets[0][0] >> 13 & 1 == 1 and sets[0][1] >> 13 & 1 == 0 and sets[0][1] >> 25 & 1 == 1
        put(
            "caps-gained-event",
            ok,
            f"{len(sets)} event(s) of 3 capset calls; new/old effective " + ", ".join(f"{n:016x}/{o:016x}" for n, o in sets),
        )
    # 5b. pt_regs data: security_file_permission's mask read from rsi equals its argument.
    evs = events(files, "multi.ev")
    if evs is None:
        put("pt-regs-data", False, "no export file shipped (the policy did not load)")
    else:
        ks = [e["process_kprobe"] for e in evs if "process_kprobe" in e and e["process_kprobe"].get("function_name") == "security_file_permission"]
        pairs = [(((k.get("args") or [{}, {}])[1:2] or [{}])[0].get("int_arg"), ((k.get("data") or [{}])[0]).get("int_arg")) for k in ks]
        put(
            "pt-regs-data",
            bool(pairs) and all(a is not None and a == r for a, r in pairs),
            f"{len(pairs)} security_file_permission event(s), (mask argument, rsi): {pairs[:4]}",
        )
    # 12. imaHash: the marker's exec carries the SHA-256 the guest computed of the binary.
    evs = events(files, "ima.ev")
    want = "sha256:" + ((files.get("marker.sha256") or [""])[0].split() or [""])[0]
    if evs is None:
        put("ima-hash-event", False, "no export file shipped (the policy did not load)")
    else:
        got = [e["process_lsm"].get("ima_hash", "") for e in evs if "process_lsm" in e and e["process_lsm"].get("policy_name") == "vm-lsm-ima"]
        put("ima-hash-event", len(got) >= 1 and all(g == want for g in got), f"ima_hash {got[:2]}, binary {want}")
    # 11. Set (USDT): one event, for the matching call, with action KPROBE_ACTION_SET and the
    # arguments as read before the write.
    evs = events(files, "usdtset.ev")
    if evs is None:
        put("usdt-set-event", False, "no export file shipped (the policy did not load)")
    else:
        us = [e["process_usdt"] for e in evs if "process_usdt" in e and e["process_usdt"].get("policy_name") == "vm-usdt-set"]
        got = [(u.get("action"), [a.get("int_arg", a.get("long_arg")) for a in u.get("args") or []]) for u in us]
        put(
            "usdt-set-event",
            got == [("KPROBE_ACTION_SET", [1, 2, "5"])] or got == [("KPROBE_ACTION_SET", [1, 2, 5])],
            f"process_usdt events (action, args): {got}",
        )
    # 13. Override on a uprobe: one event, for the overridden call, with KPROBE_ACTION_OVERRIDE.
    evs = events(files, "uoverride.ev")
    if evs is None:
        put("uprobe-override-event", False, "no export file shipped (the policy did not load)")
    else:
        us = [e["process_uprobe"] for e in evs if "process_uprobe" in e and e["process_uprobe"].get("policy_name") == "vm-uprobe-override"]
        got = [(u.get("action"), u.get("symbol"), [a.get("int_arg") for a in u.get("args") or []]) for u in us]
        put(
            "uprobe-override-event",
            got == [("KPROBE_ACTION_OVERRIDE", "auspex_override_target", [7])],
            f"process_uprobe events (action, symbol, args): {got}",
        )
    return res


def first_reason(lines, file_label=None):
    """First line of a refusal: the line after `auspex: error: ...:` when it continues, else the
    error itself; for `policy validate` output, its first line without the file prefix."""
    lines = [l for l in lines if l.strip()]
    for i, l in enumerate(lines):
        if "auspex: error:" in l:
            if i + 1 < len(lines) and lines[i + 1][:1] in (" ", "\t"):
                return lines[i + 1].strip()
            return l.split("auspex: error:", 1)[1].strip()
    if not lines:
        return ""
    first = lines[0].strip()
    if file_label:
        first = re.sub(r"^(/corpus/)?" + re.escape(file_label) + r":?\s*", "", first)
    # `policy "x" cannot be loaded on this kernel:` is a heading; the first reason follows.
    if first.endswith(":") and len(lines) > 1 and lines[1][:1] in (" ", "\t"):
        first = f"{first} {lines[1].strip()}"
    return first


def corpus_rows(corpus, files, order):
    rows = []
    for f in order:
        outcome, detail = corpus.get(f, ("MISSING", "the guest did not report this file"))
        shipped = files.get("corpus:" + f, [])
        if outcome == "LOADED":
            m = re.findall(r"policy=(\S+) hooks=(\d+)", detail)
            reason = ", ".join(f"{p} ({h} hooks)" for p, h in m) or detail
        elif outcome == "INVALID":
            reason = first_reason(shipped, f)
        elif outcome == "REFUSED":
            reason = first_reason(shipped, f)
            rc = re.search(r"rc=(\d+)", detail)
            if rc and int(rc.group(1)) > 128:
                reason = f"agent killed by signal {int(rc.group(1)) - 128}" + (f": {reason}" if reason else "")
        else:
            reason = detail or first_reason(shipped, f)
        rows.append((f, outcome, reason))
    return rows


def md_escape(s):
    return s.replace("|", "\\|").replace("\n", " ")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", required=True)
    ap.add_argument("--corpus", default="1")
    ap.add_argument("--total", default="?")
    ap.add_argument("--build", default="?")
    ap.add_argument("--prep", default="?")
    ap.add_argument("--docs")
    a = ap.parse_args()

    kernels = []
    with open(os.path.join(a.work, "kernels.tsv")) as f:
        for line in f:
            label, kver, deb, fprobe, wall, qrc, with_corpus = line.rstrip("\n").split("\t")
            kernels.append(dict(label=label, kver=kver, deb=deb, fprobe=fprobe == "1", wall=int(wall), qrc=int(qrc),
                                with_corpus=with_corpus == "1"))
    corpus_order = []
    fl = os.path.join(a.work, "payload/corpus/FILES")
    if a.corpus == "1" and os.path.exists(fl):
        corpus_order = [l.strip() for l in open(fl) if l.strip()]

    failed = False
    for k in kernels:
        info, checks, corpus, files, done = parse_data(os.path.join(a.work, k["label"] + ".data"))
        checks.update(event_checks(files))
        if checks.get("enforcer-marker-killed", ("",))[0] == "NA":
            checks["enforcer-event"] = ("NA", "enforcers refused on this kernel (see enforcer-marker-killed)")
        if checks.get("uprobe-override-returned", ("",))[0] == "NA":
            checks["uprobe-override-event"] = ("NA", "Override on uprobes refused on this kernel (see uprobe-override-returned)")
        for n in EXPECTED:
            if n not in checks:
                checks[n] = ("FAIL", "not reported by the guest" + ("" if done else " (the VM did not finish: see the console log)"))
        if not done:
            checks["vm-finished"] = ("FAIL", f"no DONE line (qemu exit {k['qrc']}; timeout or crash; see {k['label']}.console)")
        k.update(info=info, checks=checks, done=done)
        k["corpus"] = corpus_rows(corpus, files, corpus_order) if corpus_order and k["with_corpus"] else []
        unclean = [f for f, (o, d) in corpus.items() if o == "LOADED" and "stop_rc=0" not in d.split()]
        if k["corpus"]:
            checks["corpus-agent-stop"] = (
                ("FAIL", "policy not deleted cleanly (or the agent died) after: " + ", ".join(unclean))
                if unclean
                else ("PASS", "every loaded corpus policy deleted again, the agent alive")
            )
        k["status"] = files.get("status.out", [])
        missing = [r for r in k["corpus"] if r[1] in ("MISSING", "TIMEOUT")]
        if missing:
            checks["corpus-complete"] = ("FAIL", f"{len(missing)} corpus files without a result: {', '.join(r[0] for r in missing[:5])}")
        elif k["corpus"]:
            checks["corpus-complete"] = ("PASS", f"{len(k['corpus'])} files: each loaded, refused or invalid")
        k["failed"] = [n for n, (s, _) in checks.items() if s not in OK_STATUSES]
        failed |= bool(k["failed"])

    seen = {n for k in kernels for n in k["checks"]}
    names = EXPECTED + [n for n in OPTIONAL if n in seen] + sorted(seen - set(EXPECTED) - set(OPTIONAL))
    short = {"PASS": "PASS", "FAIL": "FAIL", "NOTIMPL": "not-impl", "NA": "n/a"}
    lines = []
    lines.append("Per-kernel summary")
    hdr = f"{'LABEL':<14} {'KERNEL':<24} {'RESULT':<6} {'PASS':>4} {'FAIL':>4} {'N-I':>4} {'N/A':>4}  {'CORPUS (loaded/refused/invalid/other)':<38} {'VM s':>6}"
    lines.append(hdr)
    for k in kernels:
        c = [s for s, _ in k["checks"].values()]
        co = [r[1] for r in k["corpus"]]
        cs = f"{co.count('LOADED')}/{co.count('REFUSED')}/{co.count('INVALID')}/{len(co) - co.count('LOADED') - co.count('REFUSED') - co.count('INVALID')}" if co else "skipped"
        lines.append(
            f"{k['label']:<14} {k['kver']:<24} {'FAIL' if k['failed'] else 'PASS':<6} {c.count('PASS'):>4} {c.count('FAIL'):>4} "
            f"{c.count('NOTIMPL'):>4} {c.count('NA'):>4}  {cs:<38} {k['wall'] / 1000:>6.1f}"
        )
    lines.append("")
    lines.append("Check matrix")
    w = max(len(n) for n in names)
    lines.append(f"{'CHECK':<{w}} " + " ".join(f"{k['label']:<14}" for k in kernels))
    for n in names:
        lines.append(f"{n:<{w}} " + " ".join(f"{short.get(k['checks'].get(n, ('-',))[0], k['checks'].get(n, ('-',))[0]):<14}" for k in kernels))
    details = []
    for k in kernels:
        for n in names:
            s, d = k["checks"].get(n, ("-", ""))
            if s not in ("PASS", "-"):
                details.append(f"  [{k['label']}] {n}: {short.get(s, s)}: {d}")
    if details:
        lines.append("")
        lines.append("Not passing (FAIL fails the run; not-impl / n/a do not):")
        lines.extend(details)
    for k in kernels:
        if not k["done"] or k["qrc"] != 0:
            console = os.path.join(a.work, k["label"] + ".console")
            text = open(console, "rb").read().decode("utf-8", "replace") if os.path.exists(console) else ""
            tail = ANSI.sub("", text).replace("\r", "").splitlines()[-25:]
            lines.append("")
            lines.append(f"[{k['label']}] the VM did not finish cleanly (qemu exit {k['qrc']}); last console lines ({console}):")
            lines.extend("    " + l for l in tail)
    lines.append("")
    lines.append(
        f"time: total {a.total}s (agent build + payload {a.build}s, kernels download/extract {a.prep}s, VMs in parallel); per VM: "
        + ", ".join(f"{k['label']} {k['wall'] / 1000:.1f}s" for k in kernels)
    )
    lines.append(f"RESULT: {'FAIL' if failed else 'PASS'}")
    text = "\n".join(lines)
    print()
    print(text)
    with open(os.path.join(a.work, "summary.txt"), "w") as f:
        f.write(text + "\n")

    md = render_md(kernels, names, short, a)
    with open(os.path.join(a.work, "kernel-support.md"), "w") as f:
        f.write(md)
    if a.docs:
        with open(a.docs, "w") as f:
            f.write(md)
        print(f"wrote {a.docs}")
    return 1 if failed else 0


def render_md(kernels, names, short, a):
    out = []
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    out.append("# Kernel support matrix\n")
    out.append(
        "Generated by `tests/vm/run --update-docs` "
        f"({today}): stock Debian kernels booted under QEMU (TCG) with "
        "`lsm=lockdown,capability,landlock,yama,apparmor,bpf`, the real `auspex` agent running inside "
        "each guest. How it works and how to run it: see the end of this page.\n"
    )
    out.append("## Kernels\n")
    out.append("| label | kernel | package | kprobe.multi (CONFIG_FPROBE) | active LSMs | checks | result | VM time |")
    out.append("|---|---|---|---|---|---|---|---|")
    for k in kernels:
        c = [s for s, _ in k["checks"].values()]
        out.append(
            f"| {k['label']} | {k['kver']} | `{k['deb']}` | {'yes' if k['fprobe'] else 'no'} | {k['info'].get('lsm', '?')} | "
            f"{c.count('PASS')} pass, {c.count('FAIL')} fail, {c.count('NOTIMPL')} not implemented, {c.count('NA')} n/a | "
            f"{'FAIL' if k['failed'] else 'PASS'} | {k['wall'] / 1000:.0f} s |"
        )
    out.append("")
    out.append("## Checks\n")
    out.append(
        "PASS and FAIL as usual; **not implemented**: the agent refuses the policy with a clear message "
        "(quoted below) because it does not implement the feature yet; **n/a**: the kernel lacks the "
        "feature. Neither fails the run.\n"
    )
    out.append("| check | " + " | ".join(k["label"] for k in kernels) + " |")
    out.append("|---|" + "---|" * len(kernels))
    for n in names:
        out.append(f"| {n} | " + " | ".join(short.get(k["checks"].get(n, ("-",))[0], "-") for k in kernels) + " |")
    out.append("")
    out.append("What the checks do (`tests/vm/guest/checks.sh`, events checked by `tests/vm/report.py`):\n")
    out.append("- `default-*`: `auspex agent` with no policy; `auspex-marker hello-vm 42` and `auspex-marker exit 3` run; their `process_exec` (binary, arguments) and `process_exit` (status 0 / 3) are in the export file; SIGTERM stops the agent with exit 0.")
    out.append("- `liz-*`: the field notes' kprobe example (`security_file_permission`, `file` + `int` args, `Equal /tmp/liz`, Sigkill): a probe is registered (a kprobe in debugfs `kprobes/list`, or an fprobe in tracefs `enabled_functions` where the agent uses one kprobe.multi link), `/usr/bin/cat /tmp/liz` dies with 137 without printing the file, `cat /tmp/notliz` works, and the `process_kprobe` event has `KPROBE_ACTION_SIGKILL`, `file_arg.path` `/tmp/liz` and a permission string.")
    out.append("- `tcp-*`: `tcp_connect` with a `sock` arg, `NotDAddr 127.0.0.0/8`, Sigkill: a connect to 10.77.0.1 (a dummy interface's address inside the guest, which has no network device) dies with 137, a connect to 127.0.0.1 does not; the event's `sock_arg` has daddr 10.77.0.1, dport 7777.")
    out.append("- `skb-*`: `ip_output` with an `skb` arg, `Protocol IPPROTO_TCP` + `DPort 7778` + `DAddr 10.77.0.0/24`, Sigkill: a connect to 10.77.0.1:7778 dies with 137 (its SYN matched), one to port 7779 is refused normally; the event's `skb_arg` has the addresses, ports, protocol, family and length.")
    out.append("- `sockaddr-*`, `netdev-*`: `security_socket_connect` with a `sockaddr` arg (`Family AF_INET`, `SAddr 10.77.0.0/24`, `SPort 7781`), Sigkill: a connect to 10.77.0.1:7781 dies with 137, to port 7782 not; the event has `sockaddr_arg` {family, addr, port}. `dev_set_mtu` with a `net_device` arg: `ip link set d0 mtu 1400` gives `string_arg` `d0` and `int_arg` 1400.")
    out.append("- `bpfobj-*`: `bpf_check` with a `bpf_attr` arg, `security_bpf_map_alloc` / `security_bpf_map_create` (whichever the kernel has; the other is skipped by `ignore.callNotFound`) with a `bpf_map` arg, `security_perf_event_alloc` with a `perf_event` arg; the agent's own next policy (a classic tracepoint) gives `bpf_attr_arg` (program type, instruction count, name `auspex_generic_`), `bpf_map_arg` (an `auspex_*` map) `perf_event_arg` (`PERF_TYPE_TRACEPOINT`, the tracepoint id); `security_bpf_prog` with a `bpf_prog` arg gives `bpf_prog_arg` (type, instruction count, an `auspex*` name) for each program fd; `cap_capable` with a `user_namespace` arg (`Equal 39`, CAP_BPF) gives `user_ns_arg` level 0, `is_host`.")
    out.append("- `socktrack-*`: `sk_alloc` with `return: true`, `returnArg` of type `sock` and `returnArgAction: TrackSock` (matchReturnArgs `Family AF_INET` on the returned socket, matchBinaries tcpconn and the marker), and `tcp_close` with a `sock` arg (`Family AF_INET`, matchBinaries tcpconn): a (refused) connect to 127.0.0.1:7790 gives the sk_alloc event with `return.sock_arg` (AF_INET) at the kretprobe and the tcp_close event, both for tcpconn; the marker's AF_UNIX sockets are filtered out at the return.")
    out.append("- `syswrite-*`: `sys_write` with `syscall: true`, `fd` + `char_buf` (`sizeArgIndex: 3`) + `size_t` args, matchBinaries the marker; Sigkill for `Prefix /tmp/wmark-kill`, Signal 10 for `Prefix /tmp/wsig`: a kprobe on `__x64_sys_write` is registered, the marker writing `/tmp/wmark-kill` dies with 137, writing `/tmp/wsig-1` with 138 (SIGUSR1), writing `/tmp/wmark-ok` works; the events say `__x64_sys_write` with `file_arg.path`, `bytes_arg` (base64 of the bytes written), `size_arg` and the action.")
    out.append("- `lsm-*`: BPF-LSM `file_open` with Override (argError -1): `cat /tmp/lsm-blocked` fails with `Operation not permitted` and lives to print it; the `process_lsm` event has `KPROBE_ACTION_OVERRIDE` and the path.")
    out.append("- `kprobe-override`, `override-event`: a kprobe on `security_file_permission` with Override, served by an fmod_ret program (Debian kernels lack bpf_override_return): reading `/tmp/override-blocked` fails with EPERM; the `process_kprobe` event has `KPROBE_ACTION_OVERRIDE`.")
    out.append("- `retprobe-*`: `sys_openat` with `return: true`, `returnArg` int and `matchReturnArgs LT 0` (kprobe + kretprobe on `__x64_sys_openat`): `cat` of a missing file under `/tmp/retprobe` gives exactly one event, with `return.int_arg` -2 and `return_action` POST; the successful open of an existing file gives none. `returncopy-event`: `sys_read` with a `char_buf` `returnCopy` argument (the field notes' example): cat's reads of `/tmp/retprobe-present` report the bytes read (`present\\n`, then empty at EOF), read at the kretprobe. `returned-path-event`: `d_path` with `return: true` and a `returnArg` of type `string` (the path it built), `matchReturnArgs Postfix /retprobe-present`: a readlink of a /proc fd link to that file gives events whose `return.string_arg` is its path, read and filtered at the kretprobe. `returned-cred-event`: `prepare_creds` with `return: true` and a `returnArg` of type `cred` (matchBinaries the marker): the marker's capset(2) gives events whose `return.process_credentials_arg` holds root's credentials with CAP_SYS_ADMIN effective, read at the kretprobe.")
    out.append("- `modules-*`, `module-event`: `module` and `load_info` arguments (kprobes `do_init_module`, `find_module_sections` with `ignore.callNotFound`): removing and re-inserting the dummy module gives `module_arg` with its name and `signature_ok` (Debian signs its modules); the `load_info` event appears where the kernel keeps `find_module_sections` out of line.")
    out.append("- `modbtf-*`: `btfTypeModule: dummy` (kprobe `dummy_xmit` of the dummy module, its `struct net_device *` argument typed by `btfType: net_device` and resolved to `name` in the module's BTF: /sys/kernel/btf/dummy joined with the kernel's): the ARP request of a ping through a dummy interface `m0` gives an event whose argument is `m0`.")
    out.append("- `ima-*`: the field notes' imaHash example (LSM `bprm_check_security`, Post with `imaHash: true`, `Equal` the marker): running the marker gives a process_lsm event whose `ima_hash` is `sha256:` and the digest `sha256sum` computes of the binary in the guest (bpf_ima_file_hash in a sleepable BPF-LSM program that posts the event the hook's program kept).")
    out.append("- `usdt-set-*`, `usdtset-agent-stop`: the Set action on a USDT probe of the marker (`-O0`, so its arguments are stack slots): when the first argument is 1, argValue 32 goes over an int and 4000000000 over a long; the marker prints `1 32 4000000000`, and `3 2 5` when the selector does not match; one process_usdt event with `KPROBE_ACTION_SET` and the values read before the write. A Set on a probe whose arguments are constants is refused at load with the argument named. (This host's kernel runs in lockdown integrity mode, which forbids bpf_probe_write_user: there the policy is refused up front.)")
    out.append("- `caps-*`, `caps-gained-event`: CapabilitiesGained (kprobe `security_capset`, `args: [0, 1]` over the new effective set, a `kernel_cap_t` argument, and the old cred's `cap_effective` through `resolve`, values `CAP_NET_RAW`): the marker drops CAP_NET_RAW and CAP_SYS_TIME, raises CAP_SYS_TIME, then CAP_NET_RAW; only the last call posts, with CAP_NET_RAW in the new set and not in the old one (which has CAP_SYS_TIME back).")
    out.append("- `buffers-*`, `iov-iter-event`, `sockaddr-un-event`: an `iov_iter` argument with `maxData` (kprobe `tty_write`, matchBinaries the marker): the marker's 4418-byte write to the console tty gives `bytes_arg` with exactly the bytes written (more than the event's own 4096-byte capture: the rest comes in data chunks) and the tty as `file_arg`; a `sockaddr_un` argument (kprobe `unix_stream_connect`, `Family AF_UNIX`): connecting to a path and to an abstract name gives `sockaddrun_arg` with the path and `@auspex-vm-abstract`.")
    out.append("- `structargs-*`, `path-event`, `binprm-event`: a `path` argument (kprobe `security_path_truncate`, `Prefix /tmp/trunc-`) and a `linux_binprm` argument (LSM `bprm_check_security`, `Equal` the marker), a `dentry` argument (kprobe `security_inode_follow_link`, matchBinaries coreutils cat, `Postfix /auspex-lnk`; `dentry-event`: reading through a symlink gives `path_arg` with the link's path within its filesystem), a `cred` argument (kprobe `commit_creds`, matchBinaries the guest's busybox): truncating `/tmp/trunc-x` and running the marker give `path_arg` / `linux_binprm_arg` with the path and a permission string, and `process_credentials_arg` with uid/euid 0 and CAP_SYS_ADMIN effective (`cred-event`); the same LSM hook's argument with `resolve: mm.owner.real_parent.comm` gives the comm of the marker's parent shell, `sh` (`resolve-event`).")
    out.append("- `enforcer-*`: `spec.enforcers` on `sys_dup`/`sys_dup2` with NotifyEnforcer (argError -1, argSig 9) from `raw_syscalls/sys_enter` (InMap of the list, matchBinaries the marker), as the corpus' killer.yaml: the marker's `dup` is stopped by the fmod_ret enforcer on `__x64_sys_dup` (SIGKILL, exit 137) and the event has `KPROBE_ACTION_NOTIFYENFORCER` with `syscall_id` 32. n/a where the kernel refuses fmod_ret on syscalls (Debian 6.1 and 6.12: `__x64_sys_dup() is not modifiable`); the policy is then refused up front with that reason.")
    out.append("- `fentry-file-open`, `fexit-event`: `fentries` hooks on `security_file_open` report the open of `/tmp/fentry-watched`: one at entry (fentry), one at the return (`return: true`, an fexit program) with `return` (0: allowed). `fentry-stack-trace`: the entry event's `kernelStackTrace` has the open path's frames, symbolized from kallsyms (`do_sys_openat2` among them); the user frames of the short-lived `cat` are reported when it is still alive. `kprobe-multi`: two kernel-function kprobes of one policy share one kprobe.multi link where the kernel has fprobe (6.12, 7.x; `/proc/PID/fdinfo` link type), single kprobes on 6.1. `pt-regs-data`: a `source: pt_regs` data entry (`resolve: rsi`) on `security_file_permission` reports the same mask as its second argument.")
    out.append("- `fentry-heap-integrity`: the same list policy alone while cat reads the watched file 200 times (the agent's own export writes run the security_file_permission program meanwhile): every event is the watched file opened by cat. Its two programs share the policy's per-CPU heap and, on a preemptible kernel (7.x), one can be preempted mid-call while the other runs on that CPU; each call claims the heap, and one that finds it taken is skipped and counted as lost (`kernel_heap_busy`). Before that, 7.3 posted an event with the agent's own pid and export file.")
    out.append("- `fentry-list-event`: an `fentries` entry whose call is `list:file-hooks` (security_file_open, security_file_permission; file Equal `/tmp/fentry-watched`): cat of the file gives events from both functions, one fentry program each.")
    out.append("")
    notes = []
    for k in kernels:
        for n in names:
            s, d = k["checks"].get(n, ("-", ""))
            if s not in ("PASS", "-"):
                notes.append(f"| {k['label']} | {n} | {short.get(s, s)} | {md_escape(d)} |")
    if notes:
        out.append("Details of the rows that do not pass:\n")
        out.append("| kernel | check | status | detail |")
        out.append("|---|---|---|---|")
        out.extend(notes)
        out.append("")
    if any(k["status"] for k in kernels):
        out.append("## `auspex status` in each guest\n")
        for k in kernels:
            if k["status"]:
                out.append(f"{k['label']}:\n")
                out.append("```")
                out.extend(k["status"])
                out.append("```\n")
    if any(k["corpus"] for k in kernels):
        out.append("## Tetragon example corpus\n")
        out.append(
            "Every file of `shared/corpus/tetragon-examples` loaded in the guest into one running agent, on "
            + ", ".join(k["label"] for k in kernels if k["corpus"])
            + " (the corpus column of `tests/vm/run`'s kernel table; the other kernels skip it to keep CI "
            "within 30 minutes) "
            "(`auspex policy validate FILE`, then `auspex policy add FILE`, then `auspex policy delete` of its "
            "policies). **loaded**: the agent attached the policy; **refused**: the agent rejected it (first "
            "line of its reason); **invalid**: `auspex policy validate` rejects the file "
            "(templates with `${...}` placeholders and files that are not TracingPolicies).\n"
        )
        word = {"LOADED": "loaded", "REFUSED": "refused", "INVALID": "invalid"}
        with_corpus = [k for k in kernels if k["corpus"]]
        if len(with_corpus) > 1 and all(k["corpus"] == with_corpus[0]["corpus"] for k in with_corpus):
            out.append(f"The results are the same on every kernel ({', '.join(k['label'] for k in with_corpus)}).\n")
        for k in kernels:
            if not k["corpus"]:
                continue
            co = [r[1] for r in k["corpus"]]
            out.append(f"### {k['label']} ({k['kver']})\n")
            out.append(f"{co.count('LOADED')} loaded, {co.count('REFUSED')} refused, {co.count('INVALID')} invalid, {len(co) - co.count('LOADED') - co.count('REFUSED') - co.count('INVALID')} other, of {len(co)} files.\n")
            out.append("| policy file | result | first line of the reason (loaded: policies and hooks) |")
            out.append("|---|---|---|")
            for f, outcome, reason in k["corpus"]:
                out.append(f"| `{f}` | {word.get(outcome, outcome.lower())} | {md_escape(reason)} |")
            out.append("")
    out.append("## How this is produced\n")
    out.append(
        "`tests/vm/run` (also called by `.ci/run`) resolves the Debian meta packages (`linux-image-amd64` "
        "from bookworm/bookworm-security, `linux-image-6.12-amd64` from bookworm-security, "
        "`linux-image-amd64` from trixie-backports) through a private apt state under "
        "`/var/cache/auspex-vm`, downloads and caches the .debs there, builds the agent "
        "(`cargo build --release -p auspex`), and builds one initramfs: busybox-static, the agent and its "
        "shared libraries, coreutils `cat`, two static helpers (`tests/vm/src`), the guest scripts "
        "(`tests/vm/guest`), the check policies (`tests/vm/policies`) and the corpus; plus the `dummy` "
        "module per kernel (`tests/vm/modresolve.py`). Each kernel boots under "
        "`qemu-system-x86_64 -accel tcg` (KVM is not usable on the project's machines) with no network "
        "device; `/init` mounts proc, sys, devtmpfs, debugfs, tracefs, bpffs and securityfs, runs the "
        "checks and the corpus, and reports on a second serial port. Options: `--kernels LABEL,...`, "
        "`--no-corpus`, `--update-docs`.\n"
    )
    out.append(
        f"Timing of this run: total {a.total} s on a 2-core host (agent build and payload {a.build} s, kernel "
        f"download/extraction {a.prep} s, then the VMs in parallel, one vCPU each): "
        + ", ".join(f"{k['label']} VM {k['wall'] / 1000:.0f} s" for k in kernels)
        + ".\n"
    )
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
