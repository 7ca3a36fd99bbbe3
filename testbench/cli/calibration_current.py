#!/usr/bin/env python3
"""The default profile meets every target of CALIBRATION.md, and docs/calibration.md (with
its plot) is what scripts/calibration_report.py makes of the current model:

  calibration_current.py VTDSIM SOURCE_DIR

Runs the full sweep (13 windows, with and without the IOMMU; a few seconds) through the
report script into a scratch folder, fails on any target that is not PASS, then compares
the page and the plot with the committed ones. A change of a timing default or of the
model that moves the curves fails here until the page is regenerated:

  python3 scripts/calibration_report.py
"""
import filecmp
import json
import os
import subprocess
import sys
import tempfile


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main(vtdsim, source):
    script = os.path.join(source, "scripts", "calibration_report.py")
    docs = os.path.join(source, "docs")
    with tempfile.TemporaryDirectory() as scratch:
        p = subprocess.run([sys.executable, script, "--vtdsim", vtdsim, "--docs", scratch, "--keep-json"],
                           capture_output=True, text=True, timeout=900)
        print(p.stdout)
        if p.returncode != 0:
            fail(f"calibration_report.py exited {p.returncode}: {p.stderr}")
        result = json.load(open(os.path.join(scratch, "calibration.json")))
        failed = [f"{t['name']} ({t['model']}: {t['target']})" for t in result["targets"] if t["verdict"] != "PASS"]
        if failed:
            fail("the default profile misses calibration targets: " + "; ".join(failed))
        for name in ("calibration.md", "calibration.svg"):
            if not filecmp.cmp(os.path.join(scratch, name), os.path.join(docs, name), shallow=False):
                fail(f"docs/{name} is not current: regenerate it with python3 scripts/calibration_report.py")
    print("ok: every calibration target passes; docs/calibration.md and calibration.svg are current")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2])
