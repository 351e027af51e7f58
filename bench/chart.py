#!/usr/bin/env python3
"""Draws the slowdown of each configuration against the no-agent baseline of the same run, per
workload, from a bench/results/<stamp>.json: bars at the median, whiskers from the best to the
worst repetition, the targets of issue #5 as marks.

usage: bench/chart.py RESULTS.json OUT.png"""
import json
import sys

import matplotlib

matplotlib.use("Agg")  # no display
import matplotlib.pyplot as plt  # noqa: E402

WORKLOADS = [("exec", "exec storm"), ("make", "make -j2"), ("needle", "needle (2×read)"),
             ("conn", "TCP connect rate")]
CONFIGS = [("default", "Auspex default"), ("policy", "Auspex + policy"),
           ("filtered", "Auspex, export filtered out"), ("auditd", "auditd")]
# Targets (slowdown in %) of the configuration they are stated for.
TARGETS = {("exec", "default"): 1.5, ("needle", "policy"): 1.0, ("conn", "policy"): 3.0}


def main(src, out):
    result = json.load(open(src))
    summary = result["summary"]
    fig, ax = plt.subplots(figsize=(10, 5))
    width = 0.8 / len(CONFIGS)
    for k, (cfg, label) in enumerate(CONFIGS):
        xs, meds, lo, hi = [], [], [], []
        for i, (wl, _) in enumerate(WORKLOADS):
            s = summary.get(wl, {}).get(cfg)
            if not s or s.get("median_ratio") is None:
                continue
            med = (s["median_ratio"] - 1) * 100
            xs.append(i + (k - (len(CONFIGS) - 1) / 2) * width)
            meds.append(med)
            lo.append(med - (s["min_ratio"] - 1) * 100)
            hi.append((s["max_ratio"] - 1) * 100 - med)
        bars = ax.bar(xs, meds, width, label=label, yerr=[lo, hi], capsize=3)
        ax.bar_label(bars, labels=[f"{m:+.1f}" for m in meds], fontsize=7, padding=2)
    for (wl, cfg), target in TARGETS.items():
        i = [w for w, _ in WORKLOADS].index(wl)
        k = [c for c, _ in CONFIGS].index(cfg)
        x = i + (k - (len(CONFIGS) - 1) / 2) * width
        ax.plot([x - width / 2, x + width / 2], [target, target], color="black", linewidth=2)
    ax.axhline(0, color="grey", linewidth=0.8)
    # Linear around the targets (a few %), logarithmic beyond: auditd's +100 % next to +1 %.
    ax.set_yscale("symlog", linthresh=10)
    ax.set_xticks(range(len(WORKLOADS)), [name for _, name in WORKLOADS])
    ax.set_ylabel("slowdown vs no agent, same run (%, log above 10)")
    mode = "quick" if result.get("quick") else "full"
    ax.set_title(f"bench/run {mode}, {result['date'][:16]}Z, kernel {result['kernel']} "
                 "(black marks: targets)", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=100)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
