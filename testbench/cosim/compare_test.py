#!/usr/bin/env python3
"""Checks scripts/cosim_compare.py on synthetic inputs written to a temporary directory.

    python3 compare_test.py SCRIPT [QEMU_TRACE ...]

Covers: sequences that differ only in what the script normalizes (root table, queue and IRT
addresses, wait status addresses, FEADDR/FEDATA, DIDs 2 vs 5) match; a page-selective IOTLB
descriptor missing on one side is one classified difference; a PSI with another AM is a value
difference; 64-bit registers written as two 4-byte halves match the same registers written
whole (and FEADDR/FEUADDR are not merged); a malformed sequence.log line and a missing file
exit 2 naming the file and line. Each QEMU_TRACE given is also compared with a sequence.log
made from its own vtd_reg_write/vtd_inv_desc lines, which must match.
Exit status 0 when every check passes, 1 otherwise.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

SCRIPT = None
FAILS = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        FAILS.append(what)


def run(tmp, seq_text, trace_text, name):
    seq = os.path.join(tmp, name + ".sequence.log")
    trace = os.path.join(tmp, name + ".trace.log")
    report = os.path.join(tmp, name + ".md")
    js = os.path.join(tmp, name + ".json")
    with open(seq, "w") as f:
        f.write(seq_text)
    with open(trace, "w") as f:
        f.write(trace_text)
    r = subprocess.run([sys.executable, SCRIPT, seq, trace, "--out", report, "--json", js],
                       capture_output=True, text=True)
    summary = json.load(open(js)) if r.returncode == 0 and os.path.exists(js) else None
    md = open(report).read() if r.returncode == 0 and os.path.exists(report) else ""
    return r, summary, md, seq


class Trace:
    """QEMU 7.2 log-backend lines (pid@sec.usec:event args)."""

    def __init__(self):
        self.lines = ["# a comment", "21106@1795795379.854337:vtd_context_cache_reset "]
        self.t = 0

    def _p(self):
        self.t += 1
        return f"21110@1795795383.{self.t:06d}:"

    def reg(self, off, size, value, prefix=True):
        self.lines.append(f"{self._p() if prefix else ''}vtd_reg_write addr {off:#x} size {size:#x} value {value:#x}")
        if off == 0x18:
            self.lines.append(f"{self._p()}vtd_reg_write_gcmd status 0x0 value {value:#x}")

    def inv(self, lo, hi):
        names = {1: "context-cache", 2: "iotlb", 4: "iec", 5: "wait"}
        self.lines.append(f"{self._p()}vtd_inv_desc invalidate desc type {names.get(lo & 15, 'x')} "
                          f"high {hi:#x} low {lo:#x}")
        self.lines.append(f"{self._p()}vtd_inv_qi_head head 0")

    def text(self):
        return "\n".join(self.lines) + "\n"


class Seq:
    def __init__(self):
        self.lines = []

    def reg(self, off, size, value):
        self.lines.append(f"reg_write {off:#05x} {size} {value:#x}")

    def inv(self, lo, hi):
        self.lines.append(f"inv_desc {lo:#018x} {hi:#018x}")

    def text(self):
        return "\n".join(self.lines) + "\n"


def wait(status_addr, data=1):
    return (data << 32) | 0x25, status_addr  # type 5, SW; status data in 63:32


def cc_domain(did):
    return (did << 16) | (2 << 4) | 1


def psi(did, addr, am, ih=0):
    return (did << 16) | (3 << 4) | 0xC2, addr | (ih << 6) | am  # DR|DW, page-selective


def boot(side, rtaddr, iqa, irta, status_base, did, split=False, psi_am=0):
    """A Linux-like bring-up and two strict-mode unmaps, with the given guest-chosen values."""
    def reg64(off, value):
        if split:
            side.reg(off, 4, value & 0xFFFFFFFF)
            side.reg(off + 4, 4, value >> 32)
        else:
            side.reg(off, 8, value)

    n = [0]

    def batch(*descs):
        side.reg(0x88, 4, (n[0] + len(descs) + 1) * 0x10)
        for d in descs:
            side.inv(*d)
        side.inv(*wait(status_base + 4 * n[0], 2))
        n[0] += len(descs) + 1

    side.reg(0x88, 4, 0)
    reg64(0x90, iqa | 0)
    side.reg(0x18, 4, 0x04000000)
    reg64(0xB8, irta | 0xF)
    side.reg(0x18, 4, 0x05000000)
    batch((0x4, 0))
    side.reg(0x3C, 4, 0x21 + did)           # FEDATA: the vector differs between boots
    side.reg(0x40, 4, 0xFEE01004 + did * 0x1000)
    side.reg(0x44, 4, 0)
    side.reg(0x38, 4, 0)
    reg64(0x20, rtaddr)
    side.reg(0x18, 4, 0x46000000)
    batch((0x11, 0))
    batch((0xD2, 0))
    side.reg(0x18, 4, 0x86000000)
    batch((cc_domain(did), 0))
    batch(psi(did, 0xFFFFF000, 0))
    batch(psi(did, 0xFFF00000, psi_am, 1))
    batch(psi(did + 1, 0x100000000, 4))


def main():
    global SCRIPT
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    SCRIPT = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="cosim_compare_test.") as tmp:
        # 1. Same sequence, different guest-chosen addresses, vectors and DIDs (2 vs 5).
        s, t = Seq(), Trace()
        boot(s, 0x265E000, 0x11B1000, 0x1200000, 0x11BA404, did=2)
        boot(t, 0x7A31000, 0x2C40000, 0x3300000, 0x2C4F00C, did=5)
        t.lines.insert(5, "vtd_reg_read addr 0x1c size 0x4")          # no prefix, other event
        r, j, md, _ = run(tmp, s.text(), t.text(), "same")
        check(r.returncode == 0, f"identical after normalization: exit 0 (got {r.returncode}: {r.stderr.strip()})")
        if j:
            check(j["verdict"] == "sequences match" and j["differences"] == 0,
                  f"identical after normalization: verdict {j['verdict']!r}")
            check(j["matching_events"] == j["vtdsim"]["events"] == j["qemu"]["events"] > 20,
                  f"every event matches ({j['matching_events']})")
            check(j["first_difference"] is None, "no first difference")
            check(j["vtdsim"]["descriptor_kinds"].get("inv iotlb page") == 3, "three PSIs counted")
            check("sequences match" in md, "the Markdown report says sequences match")

        # 2. A PSI descriptor missing on the vtdsim side (its line removed, the tail moves as on QEMU's).
        s, t = Seq(), Trace()
        boot(s, 0x265E000, 0x11B1000, 0x1200000, 0x11BA404, did=2)
        boot(t, 0x7A31000, 0x2C40000, 0x3300000, 0x2C4F00C, did=5)
        psi_lines = [i for i, l in enumerate(s.lines) if l.startswith("inv_desc") and int(l.split()[1], 16) & 0x3F == 0x32]
        del s.lines[psi_lines[1]]
        r, j, md, _ = run(tmp, s.text(), t.text(), "missing1")
        if j:
            check(j["differences"] == 1, f"one PSI removed: exactly one difference (got {j['differences']})")
            check(j["differences"] == 1 and j["hunks"][0]["classification"].startswith("only in QEMU: inv iotlb page"),
                  f"one PSI removed: classified ({j['hunks'][0]['classification'] if j['hunks'] else None})")
            check(j["matching_events"] == j["vtdsim"]["events"], "one PSI removed: all vtdsim events match")
            check("1 difference" in md, "one PSI removed: verdict line says 1 difference")
        else:
            check(False, f"one PSI removed: ran ({r.stderr.strip()})")

        # 3. A PSI whose AM differs: a value difference.
        s, t = Seq(), Trace()
        boot(s, 0x265E000, 0x11B1000, 0x1200000, 0x11BA404, did=2, psi_am=1)
        boot(t, 0x7A31000, 0x2C40000, 0x3300000, 0x2C4F00C, did=5, psi_am=0)
        r, j, md, _ = run(tmp, s.text(), t.text(), "am")
        if j:
            check(j["differences"] == 1 and j["hunks"][0]["classification"].startswith("values differ"),
                  f"AM 1 vs 0: one value difference ({[h['classification'] for h in j['hunks']]})")
        else:
            check(False, f"AM 1 vs 0: ran ({r.stderr.strip()})")

        # 4. Split 64-bit writes (vtdsim) vs whole ones (QEMU), and the other way round.
        for name, split_seq in (("split-seq", True), ("split-qemu", False)):
            s, t = Seq(), Trace()
            boot(s, 0x1265E0000, 0x11B1000, 0x1200000, 0x11BA404, did=2, split=split_seq)
            boot(t, 0x27A310000, 0x2C40000, 0x3300000, 0x2C4F00C, did=2, split=not split_seq)
            r, j, md, _ = run(tmp, s.text(), t.text(), name)
            if j:
                check(j["verdict"] == "sequences match", f"{name}: halves merged, sequences match ({j['verdict']})")
                check(j["vtdsim"]["register_writes"] == j["qemu"]["register_writes"],
                      f"{name}: same number of register writes after merging")
                check(j["vtdsim"]["registers"].get("FEUADDR") == 1 and j["vtdsim"]["registers"].get("FEADDR") == 1,
                      f"{name}: FEADDR/FEUADDR (32-bit registers) not merged")
                check(not any("[63:32]" in k for k in j["vtdsim"]["registers"]), f"{name}: no lone high half left")
            else:
                check(False, f"{name}: ran ({r.stderr.strip()})")

        # 5. A malformed sequence.log line: exit 2 naming the file and the line.
        s, t = Seq(), Trace()
        boot(s, 0x265E000, 0x11B1000, 0x1200000, 0x11BA404, did=2)
        boot(t, 0x265E000, 0x11B1000, 0x1200000, 0x11BA404, did=2)
        s.lines.insert(6, "reg_write 0x018 four 0x0")
        r, j, md, seq = run(tmp, s.text(), t.text(), "malformed")
        check(r.returncode == 2, f"malformed line: exit 2 (got {r.returncode})")
        check(f"{seq}:7" in r.stderr, f"malformed line: message names file and line 7 ({r.stderr.strip()})")

        # 6. A missing file: exit 2 naming it.
        missing = os.path.join(tmp, "no-such.log")
        r = subprocess.run([sys.executable, SCRIPT, missing, seq], capture_output=True, text=True)
        check(r.returncode == 2 and missing in r.stderr, f"missing file: exit 2 naming it ({r.stderr.strip()})")

        # 7. Real QEMU traces compared with themselves (as a sequence.log).
        for trace in sys.argv[2:]:
            out = []
            for line in open(trace, errors="replace"):
                m = re.search(r"vtd_reg_write addr (0x[0-9a-f]+) size (0x[0-9a-f]+) value (0x[0-9a-f]+)", line)
                if m:
                    out.append(f"reg_write {int(m[1], 16):#05x} {int(m[2], 16)} {m[3]}")
                m = re.search(r"vtd_inv_desc .*high (0x[0-9a-f]+) low (0x[0-9a-f]+)", line)
                if m:
                    out.append(f"inv_desc {int(m[2], 16):#018x} {int(m[1], 16):#018x}")
            r, j, md, _ = run(tmp, "\n".join(out) + "\n", open(trace, errors="replace").read(), "self")
            check(j is not None and j["verdict"] == "sequences match" and j["matching_events"] == len(out),
                  f"{trace} against itself: sequences match ({j['verdict'] if j else r.stderr.strip()})")

    print("PASS" if not FAILS else f"FAILED: {len(FAILS)} checks")
    return 0 if not FAILS else 1


if __name__ == "__main__":
    sys.exit(main())
