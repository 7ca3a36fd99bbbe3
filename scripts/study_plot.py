#!/usr/bin/env python3
"""Plots the passthrough study of `vtdsim study passthrough`: payload throughput and IOTLB
misses per MiB against the IOTLB size, one line per host leaf size, with the IOMMU-off
(native) and pass-through throughput as horizontal lines.

  study_plot.py STUDY_DIR [--svg-only]

Reads STUDY_DIR/iommu/sweep.csv and STUDY_DIR/reference/sweep.csv (written by the study);
writes STUDY_DIR/study.png and STUDY_DIR/study.svg (no date in the SVG, so the same figures
give the same file: docs/studies/ keeps it). Needs matplotlib (Debian: python3-matplotlib).
"""
import csv
import os
import sys


def rows(path):
    with open(path, newline="") as f:
        return [r for r in csv.DictReader(f) if r.get("status") == "ok"]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    d = sys.argv[1]
    runs = rows(os.path.join(d, "iommu", "sweep.csv"))
    ref = {r["scenario.iommu"]: float(r["scenario.payload_gbps"]) for r in rows(os.path.join(d, "reference", "sweep.csv"))}
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("study_plot: matplotlib is missing (Debian: apt-get install python3-matplotlib)")
    plt.rcParams["svg.hashsalt"] = "vtdsim"  # stable ids in the SVG
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.3))
    entries = sorted({int(r["iotlb.entries"]) for r in runs})
    for leaf, label, colour in (("4k", "4 KiB host leaves", "tab:orange"), ("2m", "2 MiB host leaves", "tab:blue")):
        pts = sorted((int(r["iotlb.entries"]), float(r["scenario.payload_gbps"]), float(r["vtd.iotlb_misses_per_mib"]))
                     for r in runs if r["scenario.leaf"] == leaf)
        left.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", color=colour, label=label)
        right.plot([p[0] for p in pts], [max(p[2], 0.01) for p in pts], marker="o", color=colour, label=label)
    if "off" in ref:
        left.axhline(ref["off"], color="black", linestyle="--", label=f"IOMMU off (native) {ref['off']:.2f} Gb/s")
    if "passthrough" in ref:
        left.axhline(ref["passthrough"], color="grey", linestyle=":", label=f"pass-through context {ref['passthrough']:.2f} Gb/s")
    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.set_xticks(entries)
        ax.set_xticklabels([str(e) for e in entries])
        ax.set_xlabel("IOTLB entries (fully associative, LRU)")
        ax.grid(True, alpha=0.3)
    left.set_ylabel("payload throughput (Gb/s, simulated)")
    left.set_ylim(bottom=0)
    right.set_yscale("log")
    right.set_ylabel("IOTLB misses per MiB of DMA")
    left.legend(fontsize=8, loc="lower right")
    right.legend(fontsize=8)
    fig.suptitle("Passthrough NIC at 100 Gb/s in a KVM guest: what each IOTLB size buys", fontsize=11)
    fig.tight_layout()
    fig.savefig(os.path.join(d, "study.png"), dpi=110)
    fig.savefig(os.path.join(d, "study.svg"), metadata={"Date": None})
    print(f"study_plot: wrote {os.path.join(d, 'study.png')} and study.svg")


if __name__ == "__main__":
    main()
