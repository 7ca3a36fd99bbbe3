#!/usr/bin/env python3
"""`vtdsim calibrate` end to end, small (3 windows, few requests; a few seconds):

  calibrate_check.py VTDSIM

It must complete and write its table; the no-IOMMU curve must be flat (the target of
CALIBRATION.md, which holds by construction of the workload whatever the unit's timing);
the IOMMU curve must show what translation costs: no lookups without it, nearly every
request missing at 64 MiB, latency growing with the miss fraction. The other targets are
reported, not gated: they depend on the unit's timing model (docs/calibration.md). The same
sweep approximately timed (pcie_bench.fidelity=at) must give the same curves within 5 %.
"""
import csv
import json
import os
import subprocess
import sys
import tempfile

SMALL = ["--set", "calibrate.windows_kib=4,1024,65536", "--set", "pcie_bench.requests=20000",
         "--set", "pcie_bench.warmup_requests=5000", "--set", "calibrate.latency_requests=3000"]


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main(vtdsim):
    with tempfile.TemporaryDirectory() as out:
        p = subprocess.run([vtdsim, "calibrate", "--out", out] + SMALL, capture_output=True, text=True, timeout=600)
        print(p.stdout)
        if p.returncode != 0:
            fail(f"vtdsim calibrate exited {p.returncode}: {p.stderr}")
        result = json.load(open(os.path.join(out, "calibration.json")))
        rows = list(csv.DictReader(open(os.path.join(out, "calibration.csv"))))
    points = {(pt["window_kib"], pt["iommu"]): pt for pt in result["points"]}
    if len(points) != 6 or len(rows) != 6:
        fail(f"expected 3 windows x 2 setups, got {len(points)} points and {len(rows)} CSV rows")
    targets = {t["name"]: t for t in result["targets"]}
    if set(targets) != {"knee", "bandwidth_ratio_64m", "miss_penalty", "miss_fraction_curve", "no_iommu_flatness"}:
        fail(f"targets: {sorted(targets)}")
    for t in targets.values():
        if t["verdict"] not in ("PASS", "FAIL", "n/a"):
            fail(f"{t['name']}: verdict {t['verdict']}")
    if targets["no_iommu_flatness"]["verdict"] != "PASS":
        fail(f"no-IOMMU bandwidth not flat: {targets['no_iommu_flatness']['model']}")
    for w in (4, 1024, 65536):
        off, on = points[(w, False)], points[(w, True)]
        if off["miss_fraction"] != 0 or off["walk_reads_per_request"] != 0:
            fail(f"{w} KiB without IOMMU: translation happened")
        if not 20 < off["bandwidth_gbps"] < 40 or not 400 < off["latency_mean_ns"] < 800:
            fail(f"{w} KiB without IOMMU: {off['bandwidth_gbps']} Gb/s, {off['latency_mean_ns']} ns "
                 "(the default device and link give ~27 Gb/s and ~600 ns)")
    small, large = points[(4, True)], points[(65536, True)]
    if small["miss_fraction"] > 0.01 or large["miss_fraction"] < 0.95:
        fail(f"miss fractions {small['miss_fraction']} at 4 KiB, {large['miss_fraction']} at 64 MiB")
    if not large["latency_mean_ns"] > small["latency_mean_ns"] + 50:
        fail("misses cost no latency")
    if not large["bandwidth_gbps"] < points[(65536, False)]["bandwidth_gbps"]:
        fail("misses cost no bandwidth")
    if targets["bandwidth_ratio_64m"]["measured"] is None or abs(targets["bandwidth_ratio_64m"]["measured"] - 0.35) > 0.01:
        fail("the measured 64 MiB ratio is not the 0.35 of CALIBRATION.md")
    # The no-IOMMU curve from a pass-through context instead of translation off.
    with tempfile.TemporaryDirectory() as out:
        p = subprocess.run([vtdsim, "calibrate", "--out", out, "--set", "calibrate.baseline=passthrough",
                            "--set", "calibrate.windows_kib=4,65536", "--set", "pcie_bench.requests=5000",
                            "--set", "calibrate.latency_requests=1000"], capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            fail(f"vtdsim calibrate with a pass-through baseline exited {p.returncode}: {p.stderr}")
        pt = json.load(open(os.path.join(out, "calibration.json")))
    flat = {t["name"]: t for t in pt["targets"]}["no_iommu_flatness"]
    base = [q for q in pt["points"] if not q["iommu"]]
    if flat["verdict"] != "PASS" or any(q["walk_reads_per_request"] for q in base):
        fail(f"pass-through baseline: flatness {flat}, walks {[q['walk_reads_per_request'] for q in base]}")
    # The same sweep approximately timed: the figures of the loosely-timed one, within 5 %.
    with tempfile.TemporaryDirectory() as out:
        p = subprocess.run([vtdsim, "calibrate", "--out", out, "--set", "pcie_bench.fidelity=at"] + SMALL,
                           capture_output=True, text=True, timeout=600)
        if p.returncode != 0 or "approximately timed" not in p.stdout:
            fail(f"vtdsim calibrate approximately timed exited {p.returncode}: {p.stdout[:200]} {p.stderr}")
        at = {(q["window_kib"], q["iommu"]): q for q in json.load(open(os.path.join(out, "calibration.json")))["points"]}
    for key, q in points.items():
        for figure in ("bandwidth_gbps", "latency_mean_ns", "bandwidth_run_latency_mean_ns"):
            lt_value, at_value = q[figure], at[key][figure]
            if abs(at_value - lt_value) > 0.05 * lt_value:
                fail(f"{key[0]} KiB IOMMU {'on' if key[1] else 'off'}: {figure} LT {lt_value}, AT {at_value}")
    print("ok: calibrate completes, no-IOMMU flat (translation off and pass-through), misses cost "
          "latency and bandwidth, LT and AT agree")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1])
