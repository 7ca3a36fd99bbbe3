#!/usr/bin/env python3
"""Plots a `vtdsim sweep` table: IOTLB hit rate, throughput and IOTLB misses per MiB against
one swept parameter, one line per combination of the other axes.

  sweep_plot.py SWEEP_CSV [--x PARAM] [--out DIR] [--metrics m1,m2,...]

The x parameter defaults to the first axis (the first column after `run`). Numeric x values
spanning a factor of 8 or more get a log2 axis (IOTLB sizes). Only rows with status `ok`
count; when a run appears twice (a resumed sweep), its last row does. Writes DIR/sweep.png
(default: the CSV's folder). Needs matplotlib (Debian: python3-matplotlib); standard library
otherwise.
"""
import argparse
import csv
import math
import os
import sys

METRICS = [
    ("vtd.iotlb_hit_rate", "IOTLB hit rate", 1.0),
    ("throughput_gbps", "throughput (Gb/s, simulated)", 1.0),
    ("vtd.iotlb_misses_per_mib", "IOTLB misses per MiB of DMA", 1.0),
]


def number(text):
    try:
        return float(text)
    except ValueError:
        return None


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0][0] != "run" or "status" not in rows[0]:
        sys.exit(f"sweep_plot: {path} is not a vtdsim sweep table")
    header = rows[0]
    axes = header[1:header.index("status")]
    last = {}
    for r in rows[1:]:
        if len(r) == len(header) and r[header.index("status")] == "ok":
            last[r[0]] = dict(zip(header, r))
    return axes, list(last.values())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("csv")
    ap.add_argument("--x")
    ap.add_argument("--out")
    ap.add_argument("--metrics", help="comma-separated columns to plot (default: hit rate, throughput, misses per MiB)")
    a = ap.parse_args()
    axes, rows = load(a.csv)
    if not rows:
        sys.exit("sweep_plot: no finished run to plot")
    x = a.x or axes[0]
    if x not in axes:
        sys.exit(f"sweep_plot: {x} is not an axis of the sweep ({', '.join(axes)})")
    others = [p for p in axes if p != x]
    metrics = METRICS
    if a.metrics:
        metrics = [(m, m, 1.0) for m in a.metrics.split(",")]
    metrics = [m for m in metrics if any(number(r.get(m[0], "")) is not None for r in rows)]
    if not metrics:
        sys.exit("sweep_plot: none of the plotted statistics is in the table")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("sweep_plot: matplotlib is missing (Debian: apt-get install python3-matplotlib)")

    xs_numeric = all(number(r[x]) is not None for r in rows)
    series = {}
    for r in rows:
        key = ", ".join(f"{p}={r[p]}" for p in others) or "all runs"
        series.setdefault(key, []).append(r)
    fig, panels = plt.subplots(1, len(metrics), figsize=(5.2 * len(metrics), 4.2), squeeze=False)
    for panel, (column, label, _) in zip(panels[0], metrics):
        for key, rs in sorted(series.items()):
            if xs_numeric:
                pts = sorted((number(r[x]), number(r.get(column, ""))) for r in rs)
            else:
                order = {v: i for i, v in enumerate(dict.fromkeys(r[x] for r in rows))}
                pts = sorted((order[r[x]], number(r.get(column, ""))) for r in rs)
            pts = [(u, v) for u, v in pts if v is not None]
            if pts:
                panel.plot([u for u, _ in pts], [v for _, v in pts], marker="o", label=key)
        panel.set_xlabel(x)
        panel.set_ylabel(label)
        panel.grid(True, alpha=0.3)
        if xs_numeric:
            vals = [number(r[x]) for r in rows]
            if min(vals) > 0 and max(vals) / min(vals) >= 8:
                panel.set_xscale("log", base=2)
                ticks = sorted(set(vals))
                panel.set_xticks(ticks)
                panel.set_xticklabels([f"{t:g}" for t in ticks], rotation=45)
        else:
            labels = list(dict.fromkeys(r[x] for r in rows))
            panel.set_xticks(range(len(labels)))
            panel.set_xticklabels(labels)
    panels[0][0].legend(fontsize=8)
    fig.suptitle(f"vtdsim sweep: {len(rows)} runs against {x}", fontsize=11)
    fig.tight_layout()
    out = a.out or os.path.dirname(os.path.abspath(a.csv))
    path = os.path.join(out, "sweep.png")
    fig.savefig(path, dpi=110)
    print(f"sweep_plot: wrote {path}")


if __name__ == "__main__":
    main()
