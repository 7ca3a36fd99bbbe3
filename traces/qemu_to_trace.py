#!/usr/bin/env python3
"""Converts a QEMU `-trace enable=vtd_*` log (log backend, `PID@SECONDS.MICROS:event args`)
into a vtdsim text trace (traces/README.md), on standard output or into OUT.

    qemu_to_trace.py LOG [-o OUT] [--size BYTES] [--direction r|w]

What QEMU 7.2's events carry and what becomes of them:
  vtd_dmar_translate  dev BB:DD.FF iova A -> gpa G mask M   -> a dma record (source, address);
                      the address is the exact one of the vtd_iotlb_page_hit/update line just
                      before it for the same device and page, else the page address QEMU prints.
                      QEMU logs neither size nor direction: --size (default 64) and
                      --direction (default r) fill them in.
  vtd_reg_write       addr O size S value V                   -> a reg record
  vtd_inv_desc        invalidate desc type T high H low L     -> an inv record (low, high)
Every other vtd_* event is counted and left out (interrupt remapping, cache hit/update
notes, queue head/tail notes: the replay recomputes or does not model them). Lines that are
not trace events at all (comments, blank lines, other output) are skipped and counted.
A line that names one of the three converted events but whose arguments do not parse is an
error: the converter stops with the line number and exit status 2.
Times are the host timestamps, made relative to the first event, in picoseconds.
Python 3 standard library only.
"""
import argparse
import re
import sys
from collections import Counter

EVENT = re.compile(r"^(\d+)@(\d+)\.(\d+):(\w+)\s?(.*)$")
TRANSLATE = re.compile(r"^dev ([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-9a-fA-F]{1,2}) iova (0x[0-9a-fA-F]+) -> gpa (0x[0-9a-fA-F]+) mask (0x[0-9a-fA-F]+)$")
PAGE_NOTE = re.compile(r"sid (0x[0-9a-fA-F]+) iova (0x[0-9a-fA-F]+)")
REG_WRITE = re.compile(r"^addr (0x[0-9a-fA-F]+) size (0x[0-9a-fA-F]+) value (0x[0-9a-fA-F]+)$")
INV_DESC = re.compile(r"^invalidate desc type (\S+) high (0x[0-9a-fA-F]+) low (0x[0-9a-fA-F]+)$")
HEADER = "vtdtrace-text 1"


class ConvertError(Exception):
    pass


def convert(lines, size=64, direction="r"):
    """Yields the text trace's lines; returns the counts in the `stats` Counter it is given."""
    stats = Counter()
    out = [HEADER]
    base_us = None
    exact = {}  # sid -> exact iova of the last page hit/update
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\r\n")
        m = EVENT.match(line)
        if not m:
            stats["skipped lines"] += 1
            continue
        _, secs, micros, event, args = m.groups()
        t_us = int(secs) * 1_000_000 + int(micros.ljust(6, "0")[:6])
        if base_us is None:
            base_us = t_us
        ps = (t_us - base_us) * 1_000_000
        if event in ("vtd_iotlb_page_hit", "vtd_iotlb_page_update"):
            note = PAGE_NOTE.search(args)
            if note:
                exact[int(note.group(1), 16)] = int(note.group(2), 16)
            stats[event + " (used for exact addresses)"] += 1
        elif event == "vtd_dmar_translate":
            t = TRANSLATE.match(args)
            if not t:
                raise ConvertError(f"line {number}: vtd_dmar_translate arguments do not parse: {args!r}")
            bus, dev, fn = int(t.group(1), 16), int(t.group(2), 16), int(t.group(3), 16)
            if dev > 0x1F or fn > 7:
                raise ConvertError(f"line {number}: device {t.group(2)}.{t.group(3)} is not a PCI device/function")
            sid = bus << 8 | dev << 3 | fn
            iova, mask = int(t.group(4), 16), int(t.group(6), 16)
            address = iova
            hit = exact.pop(sid, None)
            if hit is not None and hit & ~mask == iova & ~mask:
                address = hit
            out.append(f"{ps} dma {bus:02x}:{dev:02x}.{fn} {direction} {address:#x} {size}")
            stats["dma records"] += 1
        elif event == "vtd_reg_write":
            r = REG_WRITE.match(args)
            if not r:
                raise ConvertError(f"line {number}: vtd_reg_write arguments do not parse: {args!r}")
            offset, width, value = (int(g, 16) for g in r.groups())
            if width not in (4, 8) or offset > 0xFFFF or (width == 4 and value >> 32):
                raise ConvertError(f"line {number}: register write of size {width} at {offset:#x} is not a 4- or 8-byte register write")
            out.append(f"{ps} reg {offset:#x} {width} {value:#x}")
            stats["reg records"] += 1
        elif event == "vtd_inv_desc":
            d = INV_DESC.match(args)
            if not d:
                raise ConvertError(f"line {number}: vtd_inv_desc arguments do not parse: {args!r}")
            out.append(f"{ps} inv {int(d.group(3), 16):#x} {int(d.group(2), 16):#x}")
            stats["inv records"] += 1
        else:
            stats[event + " (left out)"] += 1
    return out, stats


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log")
    ap.add_argument("-o", "--out", help="text trace to write (default: standard output)")
    ap.add_argument("--size", type=int, default=64, help="bytes per DMA record (QEMU logs none)")
    ap.add_argument("--direction", choices=("r", "w"), default="r", help="direction of every DMA record")
    a = ap.parse_args()
    if not 0 <= a.size < 2**32:
        ap.error("--size must be 0 .. 2^32 - 1")
    try:
        with open(a.log, errors="replace") as f:
            lines, stats = convert(f, a.size, a.direction)
    except ConvertError as e:
        print(f"qemu_to_trace: {a.log}: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"qemu_to_trace: {e}", file=sys.stderr)
        return 2
    lines.insert(1, f"# converted by traces/qemu_to_trace.py from {a.log.split('/')[-1]} "
                    f"(--size {a.size} --direction {a.direction})")
    text = "\n".join(lines) + "\n"
    if a.out:
        open(a.out, "w").write(text)
    else:
        sys.stdout.write(text)
    for key, n in sorted(stats.items()):
        print(f"  {key}: {n}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
