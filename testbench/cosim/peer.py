#!/usr/bin/env python3
"""cosim.peer: the same guest and workload on vtdsim's unit and on QEMU 7.2's own
intel-iommu (`vtdsim cosim --peer qemu`). Checks that the boot to the workload takes at
most twice QEMU's, and that the driver's register writes and queued invalidations are the
same on both units once what two boots may differ in is normalized: every register kind
and every descriptor kind has the same count on both sides, except page-selective IOTLB
invalidations and their waits (VFIO unmaps in runs of physically contiguous pinned pages,
so their number depends on where the guest's allocator put the pages); with those, their
waits and the IQT writes that submit them set aside, both sequences are the same event
for event. Exit 77 (skipped) with the reason when no guest image can be had.

    peer.py VTDSIM
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path


def attempt(vtdsim, out):
    r = subprocess.run([vtdsim, "cosim", "--out", str(out), "--timeout", "120", "--peer", "qemu"],
                       capture_output=True, text=True, timeout=140)
    print(r.stdout)
    print(r.stderr, file=sys.stderr)
    if r.returncode == 77:
        print("SKIPPED: no guest image (the Debian kernel package cannot be downloaded here)")
        sys.exit(77)
    meta = json.loads((out / "stats.json").read_text())["meta"]
    comp = json.loads((out / "comparison.json").read_text())
    return r, meta, comp


def main():
    vtdsim = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="vtdsim-peer-") as tmp:
        r, meta, comp = attempt(vtdsim, Path(tmp) / "first")
        ours, theirs = meta["boot_to_workload_seconds"], meta["peer_qemu"]["boot_to_workload_seconds"]
        if not 0 < ours <= 2 * theirs:
            # Two boots one after the other on 2 shared cores: a neighbour's burst during one
            # of them can skew a single pair; the bound must hold for a second pair.
            print(f"note: boot to workload {ours:.2f} s vs QEMU's {theirs:.2f} s; measuring a second pair")
            r, meta, comp = attempt(vtdsim, Path(tmp) / "second")
            ours, theirs = meta["boot_to_workload_seconds"], meta["peer_qemu"]["boot_to_workload_seconds"]
        checks = [
            (r.returncode == 0, f"vtdsim cosim exited {r.returncode}"),
            (meta["peer_qemu"]["guest_result"] == "PASS", "the reference run on QEMU's VT-d completed"),
            (0 < ours <= 2 * theirs, f"boot to workload {ours:.2f} s, at most twice QEMU's {theirs:.2f} s"),
        ]
        v, q = comp["vtdsim"], comp["qemu"]
        for kind in sorted(set(v["registers"]) | set(q["registers"])):
            if kind != "IQT":
                checks.append((v["registers"].get(kind) == q["registers"].get(kind),
                               f"{kind} writes: vtdsim {v['registers'].get(kind)}, QEMU {q['registers'].get(kind)}"))
        for kind in sorted(set(v["descriptor_kinds"]) | set(q["descriptor_kinds"])):
            if kind not in ("inv iotlb page", "inv wait"):
                checks.append((v["descriptor_kinds"].get(kind) == q["descriptor_kinds"].get(kind),
                               f"{kind}: vtdsim {v['descriptor_kinds'].get(kind)}, QEMU {q['descriptor_kinds'].get(kind)}"))
        # With the unmap's page-selective invalidations, their waits and the IQT writes that
        # submit them set aside, the two sequences must be the same event for event.
        skip = ("inv iotlb page ", "inv wait ", "IQT <- ")
        rest_v = [e for e in comp["vtdsim_events"] if not e.startswith(skip)]
        rest_q = [e for e in comp["qemu_events"] if not e.startswith(skip)]
        first = next((i for i, (a, b) in enumerate(zip(rest_v, rest_q)) if a != b), None)
        checks.append((min(v["events"], q["events"]) > 40, f"both sequences are complete ({v['events']}, {q['events']} events)"))
        checks.append((rest_v == rest_q,
                       f"the other {len(rest_v)} | {len(rest_q)} events are identical in order ({comp['verdict']} overall)" +
                       (f"; first difference at {first}: {rest_v[first]!r} vs {rest_q[first]!r}" if first is not None else "")))
        for ok, what in checks:
            print(("ok   " if ok else "FAIL ") + what)
        sys.exit(0 if all(ok for ok, _ in checks) else 1)


if __name__ == "__main__":
    main()
