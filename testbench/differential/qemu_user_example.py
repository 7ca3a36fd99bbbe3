#!/usr/bin/env python3
"""A plain qtest script as a QEMU user writes it, with no vtdsim knowledge and no helpers
from this directory: QEMU's command line, the edu device, PCI config through 0xCF8/0xCFC,
one DMA round trip through RAM with the IOMMU left off, edu's MSI, and `info lapic`.

  qemu_user_example.py [EMULATOR [ARGS...]]       default: $QTEST_QEMU_BINARY or
                                                  qemu-system-x86_64

CTest runs it against QEMU and, unchanged, with `vtdsim serve` as the emulator. It only
prints PASS or what failed; the differential suite proper is run.py.
"""
import json
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import time


def main():
    emulator = sys.argv[1:] or shlex.split(os.environ.get("QTEST_QEMU_BINARY",
                                                          "qemu-system-x86_64"))
    tmp = tempfile.mkdtemp(prefix="qtest-example-", dir="/tmp")
    bios, qtest_sock, qmp_sock = (os.path.join(tmp, n) for n in ("hlt.bin", "qt", "qmp"))
    with open(bios, "wb") as f:
        f.write(b"\xf4" * 65536)  # HLT everywhere: the guest CPU never does anything
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(qtest_sock)
    listener.listen(1)
    listener.settimeout(0.1)
    proc = subprocess.Popen(emulator + [
        "-machine", "q35", "-m", "256M", "-nodefaults", "-display", "none", "-bios", bios,
        "-qtest", "unix:" + qtest_sock, "-qtest-log", "/dev/null",
        "-qmp", "unix:%s,server=on,wait=off" % qmp_sock,
        "-device", "intel-iommu,aw-bits=48", "-accel", "tcg", "-icount", "shift=0,sleep=off",
        "-device", "edu,addr=4.0,dma_mask=0xffffffffffffffff"])
    try:
        conn = None
        for _ in range(100):  # up to 10 s, but stop at once if the emulator exits
            try:
                conn, _ = listener.accept()
                break
            except socket.timeout:
                if proc.poll() is not None:
                    break
        if conn is None:
            raise RuntimeError("the emulator never connected to the qtest socket")
        conn.settimeout(10)
        return run(conn.makefile("rw"), qmp_sock)
    except (OSError, RuntimeError, ValueError) as e:
        print("FAIL: %s: %s (emulator exit status %s)" % (type(e).__name__, e, proc.poll()))
        return 1
    finally:
        proc.kill()
        proc.wait()
        for path in (bios, qtest_sock, qmp_sock):
            if os.path.exists(path):
                os.unlink(path)
        os.rmdir(tmp)


def run(qt, qmp_sock):
    def cmd(line):
        qt.write(line + "\n")
        qt.flush()
        reply = qt.readline().strip()
        if not reply.startswith("OK"):
            raise RuntimeError("%s -> %r" % (line, reply))
        return int(reply.split()[1], 16) if " " in reply else None

    def pci(reg, value=None, width="l"):
        cmd("outl 0xcf8 0x%x" % (0x80000000 | 4 << 11 | reg & ~3))
        port = 0xCFC + (reg & 3)
        return cmd("in%s 0x%x" % (width, port)) if value is None else \
            cmd("out%s 0x%x 0x%x" % (width, port, value))

    failures = []
    if pci(0x00) != 0x11E81234:
        failures.append("edu PCI ID")
    pci(0x10, 0xC0000000)
    pci(0x04, 0x6, "w")
    if cmd("readl 0xc0000000") != 0x010000ED:
        failures.append("edu ident")
    if cmd("readl 0xfed90000") != 0x10:
        failures.append("DMAR VER")

    # RAM -> edu buffer -> other RAM; the IOMMU is present but translation is off
    cmd("write 0x200000 8 0x0123456789abcdef")
    for src, dst, direction in ((0x200000, 0x40000, 0), (0x40000, 0x300000, 2)):
        cmd("writeq 0xc0000080 0x%x" % src)
        cmd("writeq 0xc0000088 0x%x" % dst)
        cmd("writeq 0xc0000090 8")
        cmd("writeq 0xc0000098 0x%x" % (1 | direction))
        for _ in range(1000):
            if not cmd("readq 0xc0000098") & 1:
                break
        else:
            failures.append("DMA never finished")
    qt.write("read 0x300000 8\n")
    qt.flush()
    if qt.readline().strip() != "OK 0x0123456789abcdef":
        failures.append("DMA data")

    # MSI to vector 0x61, raised through edu's interrupt register
    pci(0x44, 0xFEE00000)
    pci(0x48, 0)
    pci(0x4C, 0x61, "w")
    pci(0x42, pci(0x42, None, "w") | 1, "w")
    cmd("writel 0xc0000060 1")
    if "IRR\t 97" not in lapic(qmp_sock):
        failures.append("vector 0x61 not in the IRR")

    print("FAIL: " + ", ".join(failures) if failures else "PASS")
    return 1 if failures else 0


def lapic(path):
    sock = socket.socket(socket.AF_UNIX)
    for _ in range(100):
        try:
            sock.connect(path)
            break
        except OSError:
            time.sleep(0.05)
    f = sock.makefile("rw")
    f.readline()  # greeting
    text = None
    for msg in ({"execute": "qmp_capabilities"},
                {"execute": "human-monitor-command", "arguments": {"command-line": "info lapic"}}):
        f.write(json.dumps(msg) + "\n")
        f.flush()
        while True:
            reply = json.loads(f.readline())
            if "event" not in reply:
                break
        text = reply.get("return")
    sock.close()
    return text


if __name__ == "__main__":
    sys.exit(main())
