#!/usr/bin/env python3
"""cosim.smoke: a real Linux guest (Debian's kernel, its unmodified intel-iommu and VFIO
drivers) in QEMU 7.2 drives vtdsim's unit through `vtdsim cosim`: the driver brings the unit
up, the guest tool maps memory through VFIO, the ring engine's DMA is checked byte for byte,
memory is unmapped and DMA to it faults; then `--shell` answers at the guest's prompt.
Exit 77 (skipped) with the reason when no guest image can be had.

    smoke.py VTDSIM
"""
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def main():
    vtdsim = sys.argv[1]
    # Bad input is refused with the option named, before QEMU starts.
    for args, expect in [(["--ram-mib", "5000"], "--ram-mib 5000"),
                         (["--kernel", "/nonexistent"], "--kernel and --initrd go together"),
                         (["--frobnicate"], "unknown option --frobnicate")]:
        r = subprocess.run([vtdsim, "cosim", *args], capture_output=True, text=True, timeout=30)
        if r.returncode == 0 or expect not in r.stderr:
            fail(f"cosim {args}: rc {r.returncode}, stderr {r.stderr!r} (expected {expect!r})")

    with tempfile.TemporaryDirectory(prefix="vtdsim-cosim-") as tmp:
        out = Path(tmp) / "out"
        t0 = time.monotonic()
        r = subprocess.run([vtdsim, "cosim", "--out", str(out), "--timeout", "170",
                            "--guest-args", "--ram-mib,64,--dma-mib,16"],
                           capture_output=True, text=True, timeout=178)
        wall = time.monotonic() - t0
        print(r.stdout)
        print(r.stderr, file=sys.stderr)
        if r.returncode == 77:
            print("SKIPPED: no guest image (the Debian kernel package cannot be downloaded here)")
            sys.exit(77)
        if r.returncode != 0:
            fail(f"vtdsim cosim exited {r.returncode}")
        doc = json.loads((out / "stats.json").read_text())
        meta, stats = doc["meta"], doc["stats"]
        console = (out / "console.log").read_text(errors="replace")
        sequence = (out / "sequence.log").read_text().splitlines()

        checks = []

        def check(ok, what):
            checks.append((ok, what))

        check(meta["guest_result"] == "PASS", f"guest tool result {meta['guest_result']!r}")
        bar = meta["register_bar"]
        check(f"reg_base_addr {bar:x} " in console, f"the kernel found the unit at 0x{bar:x} (DMAR)")
        check("DMAR: dmar0: Using Queued invalidation" in console, "the driver enabled queued invalidation")
        check("0000:00:04.0: Adding to iommu group" in console, "the ring engine is in the unit's scope")
        gcmd = [int(l.split()[3], 16) for l in sequence if l.startswith("reg_write 0x018 ")]
        check(any(v & (1 << 31) for v in gcmd), "the driver set GCMD.TE")
        check(any(v & (1 << 26) for v in gcmd), "the driver set GCMD.QIE")
        check(stats["vtd.inv_desc_wait"] > 0, "the driver's wait descriptors completed")
        check(stats["vtd.iotlb_lookup"] > 1000, f"DMA was translated ({stats['vtd.iotlb_lookup']} lookups)")
        check(stats["ring_4_0.desc_dma_errors"] == 2, "exactly the two DMAs to unmapped IOVAs failed")
        check(stats["vtd.fault_reason_0x05"] >= 2, "they faulted as writes without permission (reason 5)")
        check(stats["vtd.inv_iotlb_page"] + stats["vtd.inv_iotlb_domain"] > 0,
              "VFIO_IOMMU_UNMAP_DMA reached the unit as IOTLB invalidations")
        stale = {k: v for k, v in stats.items() if k.startswith("vtd.checker.stale_") and v}
        check(not stale, f"the driver checker saw no stale translation used ({stale or 'none'})")
        others = {k: v for k, v in stats.items() if k.startswith("vtd.checker.") and not k.startswith("vtd.checker.stale_")
                  and k != "vtd.checker.psi_address_not_aligned" and v}
        check(not others, f"no ordering mistake in Linux's sequence ({others or 'none'}); unaligned PSIs: "
                          f"{stats['vtd.checker.psi_address_not_aligned']}")
        check(meta["register_bar_at_end"] == bar, "the register BAR stayed where the DMAR names it")
        for ok, what in checks:
            print(("ok   " if ok else "FAIL ") + what)
        print(f"boot to workload {meta['boot_to_workload_seconds']:.2f} s, run {meta['run_seconds']:.2f} s, "
              f"whole test {wall:.1f} s")
        if not all(ok for ok, _ in checks):
            sys.exit(1)
        shell(vtdsim, Path(tmp) / "shell")


def shell(vtdsim, out):
    """--shell: the guest's console on stdin/stdout. Waits for the prompt, asks the guest
    for its IOMMU and DMAR lines, powers it off, and checks the answers came back."""
    p = subprocess.Popen([vtdsim, "cosim", "--shell", "--out", str(out), "--timeout", "120"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    seen, sent, deadline = b"", False, time.monotonic() + 150
    while time.monotonic() < deadline:
        ready, _, _ = select.select([p.stdout], [], [], 1.0)
        if ready:
            chunk = os.read(p.stdout.fileno(), 65536)
            if not chunk:
                break
            seen += chunk
        if not sent and b"/ # " in seen:
            p.stdin.write(b"echo IOMMUS=$(ls /sys/class/iommu); dmesg | grep -c DMAR; poweroff -f\n")
            p.stdin.flush()
            sent = True
    try:
        rc = p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = -1
    text = seen.decode(errors="replace")
    ok = rc == 0 and "IOMMUS=dmar0" in text
    print(("ok   " if ok else "FAIL ") + f"--shell: the guest's shell answered on the console (rc {rc})")
    if not ok:
        print(text[-2000:])
        sys.exit(1)


if __name__ == "__main__":
    main()
