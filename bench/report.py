#!/usr/bin/env python3
"""Turns bench/run's raw measurements into bench/results/<stamp>.json and a Markdown section
appended to docs/benchmarks.md (median and spread of each configuration's ratio to the no-agent
baseline of the same repetition)."""
import datetime
import json
import statistics
import sys

res_path, tp_path, cache10, cache100, quick, kernel, cpu, out_json, args, prof_path = sys.argv[1:11]
md_path = sys.argv[11] if len(sys.argv) > 11 else "docs/benchmarks.md"
rows = [l.rstrip("\n").split("\t") for l in open(res_path) if l.strip()]
runs = {}
for wl, cfg, rep, secs, cpu_s, rss in rows:
    runs.setdefault(wl, {}).setdefault(cfg, {})[int(rep)] = {
        "seconds": float(secs),
        "agent_cpu_s": float(cpu_s) if cpu_s else None,
        "agent_peak_rss_kib": int(rss) if rss else None,
    }
summary = {}
for wl, cfgs in runs.items():
    base = cfgs.get("none", {})
    for cfg, reps in cfgs.items():
        ratios = [reps[r]["seconds"] / base[r]["seconds"] for r in reps if r in base and base[r]["seconds"] > 0]
        cpus = [v["agent_cpu_s"] for v in reps.values() if v["agent_cpu_s"] is not None]
        rss = [v["agent_peak_rss_kib"] for v in reps.values() if v["agent_peak_rss_kib"] is not None]
        summary.setdefault(wl, {})[cfg] = {
            "median_ratio": statistics.median(ratios) if ratios else None,
            "min_ratio": min(ratios) if ratios else None,
            "max_ratio": max(ratios) if ratios else None,
            "median_seconds": statistics.median(v["seconds"] for v in reps.values()),
            "agent_cpu_s": statistics.median(cpus) if cpus else None,
            "agent_peak_rss_mib": max(rss) / 1024 if rss else None,
        }
tp = []
for l in open(tp_path):
    if l.strip():
        target, gen, exp, lost, cpu_s, rss = l.split("\t")
        tp.append({"target_per_s": int(target), "generated": int(gen), "exported": int(exp),
                   "lost": int(lost or 0), "agent_cpu_s": float(cpu_s), "agent_peak_rss_kib": int(rss)})
c10, c100 = cache10.split(), cache100.split()
cache = {"10k": {"entries": int(c10[1]), "rss_growth_kib": int(c10[2])},
         "100k": {"entries": int(c100[1]), "rss_growth_kib": int(c100[2])}}
profile = {}
for l in open(prof_path):
    if l.strip():
        wl, secs, prog, cnt, ns = l.rstrip("\n").split("\t")
        p = profile.setdefault(wl, {"seconds": float(secs), "programs": {}})
        p["programs"][prog] = {"runs": int(cnt), "run_time_ns": int(ns)}
result = {"date": datetime.datetime.utcnow().isoformat() + "Z", "kernel": kernel, "cpu": cpu,
          "quick": quick == "1", "runs": runs, "summary": summary, "throughput": tp, "process_cache": cache,
          "bpf_profile": profile}
json.dump(result, open(out_json, "w"), indent=2)

def pct(r):
    return "–" if r is None else f"{(r - 1) * 100:+.1f} %"

names = {"exec": "exec storm (fork+exec /bin/true)", "make": "make -j2 of a small C project",
         "needle": "needle in a haystack (2×read)", "conn": "loopback TCP connect rate"}
cfg_names = ["default", "policy", "filtered", "auditd"]
lines = [f"\n## Harness run {result['date'][:19]} ({'quick' if quick == '1' else 'full'})\n",
         f"`bench/run {args}` on kernel {kernel}, {cpu}, 2 CPUs. Ratios are time with the configuration "
         "over time without any agent in the same repetition (median, [min, max]); lower is better. "
         "`policy` = default + the workload's policy (needle: openat Prefix on a path never touched; "
         "connect: inet_sock_set_state → SYN_SENT posted); `filtered` = export filtered out "
         "(kernel + pipeline cost only); `auditd` = auditd with the equivalent rule.\n",
         "| workload | " + " | ".join(cfg_names) + " |", "|---|" + "---|" * len(cfg_names)]
for wl in ["exec", "make", "needle", "conn"]:
    cells = []
    for cfg in cfg_names:
        s = summary.get(wl, {}).get(cfg)
        cells.append("–" if not s else f"{pct(s['median_ratio'])} [{pct(s['min_ratio'])}, {pct(s['max_ratio'])}]")
    lines.append(f"| {names[wl]} | " + " | ".join(cells) + " |")
lines.append("\nAgent cost (median CPU seconds per run, peak RSS):\n")
lines.append("| workload | " + " | ".join(cfg_names[:3]) + " |")
lines.append("|---|---|---|---|")
for wl in ["exec", "make", "needle", "conn"]:
    cells = []
    for cfg in cfg_names[:3]:
        s = summary.get(wl, {}).get(cfg)
        cells.append("–" if not s or s["agent_cpu_s"] is None else f"{s['agent_cpu_s']:.2f} s, {s['agent_peak_rss_mib']:.1f} MiB")
    lines.append(f"| {names[wl]} | " + " | ".join(cells) + " |")
lines.append("\nEvent throughput (policy posting every open of one path, JSON export):\n")
lines.append("| target rate | generated | exported | lost | agent CPU | peak RSS |")
lines.append("|---|---|---|---|---|---|")
best = 0
for t in tp:
    lossless = t["lost"] == 0 and t["exported"] >= t["generated"]
    if lossless:
        best = max(best, t["generated"])
    lines.append(f"| {t['target_per_s']}/s | {t['generated']} | {t['exported']} | {t['lost']} | "
                 f"{t['agent_cpu_s']:.2f} s | {t['agent_peak_rss_kib'] / 1024:.1f} MiB |")
lines.append(f"\nProcess cache memory: {cache['10k']['rss_growth_kib'] / 1024:.1f} MiB for 10k cached processes, "
             f"{cache['100k']['rss_growth_kib'] / 1024:.1f} MiB for 100k (`crates/agent/examples/cache_memory.rs`).\n")
lines.append("BPF program time (one extra run per workload with the workload's policy and "
             "`kernel.bpf_stats_enabled=1`; not part of the ratios): runs, mean ns per run, and total "
             "program time as a share of the workload's time (2 CPUs: up to 200 %).\n")
lines.append("| workload | program | runs | ns/run | total | share |")
lines.append("|---|---|---|---|---|---|")
for wl in ["exec", "needle", "conn"]:
    p = profile.get(wl)
    if not p:
        continue
    progs = sorted(p["programs"].items(), key=lambda kv: -kv[1]["run_time_ns"])
    for name, v in progs[:4]:
        per = v["run_time_ns"] / v["runs"] if v["runs"] else 0
        total = v["run_time_ns"] / 1e9
        lines.append(f"| {names[wl]} | `{name}` | {v['runs']} | {per:.0f} | {total * 1000:.1f} ms | "
                     f"{total / p['seconds'] * 100:.2f} % |")
lines.append("")
targets = [
    ("exec storm with JSON ≤ 1.5 %", summary.get("exec", {}).get("default", {}).get("median_ratio"), 1.015),
    ("needle ≤ 1 %", summary.get("needle", {}).get("policy", {}).get("median_ratio"), 1.01),
    ("connect rate with JSON ≤ 3 %", summary.get("conn", {}).get("policy", {}).get("median_ratio"), 1.03),
]
lines.append("Targets: " + "; ".join(
    f"{n}: {'met' if r is not None and r <= lim else 'missed'} ({pct(r)})" for n, r, lim in targets) + ".\n")
with open(md_path, "a") as f:
    f.write("\n".join(lines) + "\n")
print("\n".join(lines))
print(f"\nresults: {out_json}")
