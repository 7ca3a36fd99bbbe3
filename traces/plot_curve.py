#!/usr/bin/env python3
"""Plots the miss curves `vtdsim curve` writes (curve.csv) into a PNG: IOTLB miss ratio and
misses per MiB against IOTLB entries (log scale), one line per curve (fully associative,
set-associative at its number of sets). Several CSVs (e.g. 4 KiB vs 2 MiB leaves) go on one
plot, labelled by their folder names or --labels.

    plot_curve.py CURVE.csv [CURVE.csv ...] [-o OUT.png] [--labels A,B,...]

Needs python3-matplotlib (scripts/install-deps.sh installs it); without it, says so and exits
with status 3. The CSV reading is shared with other scripts: load_curve(path).
"""
import argparse
import csv
import os
import sys


def load_curve(path):
    """{curve name ('fa' or 'sa'): [(entries, miss_ratio, misses_per_mib, sets), ...]}"""
    curves = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            curves.setdefault(row["curve"], []).append(
                (int(row["entries"]), float(row["miss_ratio"]), float(row["misses_per_mib"]), int(row["sets"])))
    return curves


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", nargs="+")
    ap.add_argument("-o", "--out", help="PNG to write (default: curve.png beside the first CSV)")
    ap.add_argument("--labels", help="comma-separated label per CSV")
    a = ap.parse_args()
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"plot_curve: matplotlib is not installed for {sys.executable} "
              "(Debian: python3-matplotlib, see scripts/install-deps.sh)", file=sys.stderr)
        return 3
    labels = a.labels.split(",") if a.labels else [os.path.basename(os.path.dirname(os.path.abspath(p))) for p in a.csv]
    if len(labels) != len(a.csv):
        ap.error("--labels needs one label per CSV")
    fig, (ratio, per_mib) = plt.subplots(1, 2, figsize=(11, 4.2))
    for path, label in zip(a.csv, labels):
        for name, points in sorted(load_curve(path).items()):
            what = "fully assoc." if name == "fa" else f"{points[0][3]} sets"
            xs = [p[0] for p in points]
            ratio.plot(xs, [p[1] for p in points], label=f"{label}: {what}")
            per_mib.plot(xs, [p[2] for p in points], label=f"{label}: {what}")
    for ax, ylabel in ((ratio, "IOTLB miss ratio"), (per_mib, "IOTLB misses per MiB moved")):
        ax.set_xscale("log", base=2)
        ax.set_xlabel("IOTLB entries (LRU)")
        ax.set_ylabel(ylabel)
        ax.grid(True, which="both", alpha=0.3)
    ratio.legend(fontsize=8)
    fig.tight_layout()
    out = a.out or os.path.join(os.path.dirname(os.path.abspath(a.csv[0])), "curve.png")
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
