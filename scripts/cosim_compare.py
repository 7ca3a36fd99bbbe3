#!/usr/bin/env python3
"""Compare the VT-d programming sequence of a `vtdsim cosim` run with a QEMU reference run.

    cosim_compare.py SEQUENCE_LOG QEMU_TRACE [--out REPORT.md] [--json OUT.json]
                     [--context N] [--max-hunks N] [--iva-offset HEX]

What it does:
  * Reads vtdsim's sequence.log (`reg_write 0xOFF SIZE 0xVALUE`, `inv_desc 0xLO 0xHI`; blank
    lines and `#` comments allowed) and a QEMU 7.2 trace of the same guest and workload run on
    QEMU's own intel-iommu (`-trace enable=vtd_reg_write -trace enable=vtd_inv_desc`, log
    backend, with or without the `pid@sec.usec:` prefix of `-msg timestamp=on`). From the trace
    it takes only `vtd_reg_write addr A size S value V` and
    `vtd_inv_desc invalidate desc type NAME high HI low LO`; every other line is ignored.
  * Merges a 64-bit register written as two 4-byte halves (low half at offset O, then the high
    half at O+4, only inv_desc events in between) into one 8-byte write, on either side.
    Only registers that are 64-bit in the VT-d register map are merged (FEADDR 0x40 and
    FEUADDR 0x44 stay two writes).
  * Normalizes what legitimately differs between two boots and decodes every event into a short
    text (`GCMD <- TE|QIE (0x84000000)`, `IQT <- 0x20`, `inv iotlb page did=d1 addr=0x... am=4
    ih=0 dr dw`, `inv wait sw status=0x2`):
      - guest-allocated physical addresses: RTADDR (keeps TTM), IQA (keeps QS and DW), IRTA
        (keeps EIME and S), AFLOG and PQA address bits become `addr` (or 0 when zero);
      - event-interrupt data/address registers (FEDATA/FEADDR/FEUADDR, and likewise IEDATA/
        IEADDR/IEUADDR and PEDATA/PEADDR/PEUADDR) become `written` (the vector Linux picks);
      - the wait descriptor's status address is dropped; its SW/IF/FN/PD flags and status
        data are kept;
      - domain ids (in context-cache and IOTLB descriptors, CCMD and IOTLB_REG) are renumbered
        d1, d2, ... by order of first appearance, separately for each side.
    Kept as they are: IOVAs (PSI address, AM, IH), granularities, types, drain flags, SIDs,
    IEC index and mask, IQT values, GCMD/FECTL/IECTL values, nonzero reserved bits.
  * Aligns the two texts with difflib.SequenceMatcher and writes a Markdown report (counts per
    side, matching events, every difference classified in one line, and up to --max-hunks
    hunks with --context events of context, vtdsim left, QEMU right) to --out (default
    stdout) and, with --json, a machine-readable summary.

What it does not do:
  * It compares order and content of register writes and queued descriptors only: no register
    reads, no timing, no DMA translations, no other vtd_* trace events.
  * The access size is not part of the comparison for 4- and 8-byte writes (a 4-byte write to
    the low half of a 64-bit register reads like a full write); 1- and 2-byte writes show it.
  * It does not renormalize queue positions: if one run queues descriptors the other does not
    (e.g. QEMU's with interrupt remapping), later IQT values differ and are reported.
  * It does not split a trace file that holds several QEMU runs (QEMU appends to the -D file).
  * It does not decode PASID-granular (type 6..9) descriptors beyond their type and raw bits.

Exit status: 0 when the comparison ran (whether or not the sequences differ; differences are a
finding), 2 for unusable input (missing file, malformed line; the message names file and line).
"""

import argparse
import difflib
import json
import re
import sys
from collections import Counter, OrderedDict

# ----------------------------------------------------------------------------------------------
# Input


class InputError(Exception):
    pass


class Event:
    """One register write ("reg", offset, size, value) or queued descriptor ("inv", lo, hi)."""

    __slots__ = ("kind", "a", "b", "c", "line", "text", "group")

    def __init__(self, kind, a, b, c=None, line=0):
        self.kind, self.a, self.b, self.c, self.line = kind, a, b, c, line
        self.text = ""
        self.group = ""

    def as_tuple(self):
        return (self.kind, self.a, self.b, self.c) if self.kind == "reg" else (self.kind, self.a, self.b)


def read_lines(path):
    try:
        with open(path, "r", encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}")


def parse_int(token, base, path, lineno, what):
    try:
        return int(token, base)
    except ValueError:
        raise InputError(f"{path}:{lineno}: malformed {what} {token!r}")


HEX = r"0x[0-9a-fA-F]+"
SEQ_REG = re.compile(rf"^reg_write\s+({HEX})\s+(\d+)\s+({HEX})$")
SEQ_INV = re.compile(rf"^inv_desc\s+({HEX})\s+({HEX})$")


def parse_sequence_log(path):
    events = []
    for n, raw in enumerate(read_lines(path), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = SEQ_REG.match(line)
        if m:
            size = int(m.group(2))
            if size not in (1, 2, 4, 8):
                raise InputError(f"{path}:{n}: register write of size {size} (expected 1, 2, 4 or 8): {raw!r}")
            events.append(Event("reg", int(m.group(1), 16), size, int(m.group(3), 16), n))
            continue
        m = SEQ_INV.match(line)
        if m:
            events.append(Event("inv", int(m.group(1), 16), int(m.group(2), 16), None, n))
            continue
        raise InputError(f"{path}:{n}: malformed line (expected 'reg_write 0xOFF SIZE 0xVALUE' or "
                         f"'inv_desc 0xLO 0xHI'): {raw!r}")
    return events


# Optional `pid@sec.usec:` prefix of the log backend with -msg timestamp=on.
TRACE_PREFIX = re.compile(r"^\s*(?:\d+@\d+(?:\.\d+)?:)?")
TRACE_REG = re.compile(rf"^vtd_reg_write\s+addr\s+({HEX})\s+size\s+({HEX})\s+value\s+({HEX})\s*$")
# QEMU 7.2: "vtd_inv_desc invalidate desc type iotlb high 0x0 low 0xd2"; hi/lo also accepted.
TRACE_INV = re.compile(rf"^vtd_inv_desc\s+(?:invalidate\s+desc\s+)?type\s+(\S+)\s+(?:high|hi)\s+({HEX})\s+"
                       rf"(?:low|lo)\s+({HEX})\s*$")


def parse_qemu_trace(path):
    events = []
    for n, raw in enumerate(read_lines(path), 1):
        body = raw[TRACE_PREFIX.match(raw).end():]
        if body.startswith("vtd_reg_write ") or body.rstrip() == "vtd_reg_write":
            m = TRACE_REG.match(body)
            if not m:
                raise InputError(f"{path}:{n}: malformed vtd_reg_write event: {raw!r}")
            size = int(m.group(2), 16)
            if size not in (1, 2, 4, 8):
                raise InputError(f"{path}:{n}: register write of size {size}: {raw!r}")
            events.append(Event("reg", int(m.group(1), 16), size, int(m.group(3), 16), n))
        elif body.startswith("vtd_inv_desc ") or body.rstrip() == "vtd_inv_desc":
            m = TRACE_INV.match(body)
            if not m:
                raise InputError(f"{path}:{n}: malformed vtd_inv_desc event: {raw!r}")
            events.append(Event("inv", int(m.group(3), 16), int(m.group(2), 16), None, n))
    return events


# ----------------------------------------------------------------------------------------------
# Register map (VT-d fixed offsets; IVA/IOTLB at the IRO-given offset)

REG32 = {
    0x000: "VER", 0x018: "GCMD", 0x01C: "GSTS", 0x034: "FSTS", 0x038: "FECTL", 0x03C: "FEDATA",
    0x040: "FEADDR", 0x044: "FEUADDR", 0x064: "PMEN", 0x068: "PLMBASE", 0x06C: "PLMLIMIT",
    0x09C: "ICS", 0x0A0: "IECTL", 0x0A4: "IEDATA", 0x0A8: "IEADDR", 0x0AC: "IEUADDR",
    0x0DC: "PRS", 0x0E0: "PECTL", 0x0E4: "PEDATA", 0x0E8: "PEADDR", 0x0EC: "PEUADDR",
}
REG64 = {
    0x008: "CAP", 0x010: "ECAP", 0x020: "RTADDR", 0x028: "CCMD", 0x058: "AFLOG", 0x070: "PHMBASE",
    0x078: "PHMLIMIT", 0x080: "IQH", 0x088: "IQT", 0x090: "IQA", 0x0B0: "IQERCD", 0x0B8: "IRTA",
    0x0C0: "PQH", 0x0C8: "PQT", 0x0D0: "PQA", 0x100: "MTRRCAP", 0x108: "MTRRDEF",
}
for _o in range(0x120, 0x178, 8):
    REG64[_o] = f"MTRR_FIX@{_o:#x}"
for _n in range(10):
    REG64[0x180 + 0x10 * _n] = f"MTRR_PHYSBASE{_n}"
    REG64[0x188 + 0x10 * _n] = f"MTRR_PHYSMASK{_n}"

WRITTEN_ONLY = {"FEDATA", "FEADDR", "FEUADDR", "IEDATA", "IEADDR", "IEUADDR", "PEDATA", "PEADDR", "PEUADDR"}
GCMD_BITS = [(31, "TE"), (30, "SRTP"), (29, "SFL"), (28, "EAFL"), (27, "WBF"), (26, "QIE"), (25, "IRE"),
             (24, "SIRTP"), (23, "CFI")]
GRAN = {0: "g0(reserved)", 1: "global", 2: "domain", 3: "page"}


def merge_halves(events, reg64):
    """Joins (O, 4, lo) ... (O+4, 4, hi) of a 64-bit register into one 8-byte write at O."""
    out = []
    i = 0
    while i < len(events):
        e = events[i]
        if e.kind == "reg" and e.b == 4 and e.a in reg64:
            j = i + 1
            while j < len(events) and events[j].kind == "inv":
                j += 1
            if j < len(events):
                h = events[j]
                if h.kind == "reg" and h.a == e.a + 4 and h.b == 4:
                    out.append(Event("reg", e.a, 8, (e.c & 0xFFFFFFFF) | ((h.c & 0xFFFFFFFF) << 32), e.line))
                    out.extend(events[i + 1:j])
                    i = j + 1
                    continue
        out.append(e)
        i += 1
    return out


class Decoder:
    """Turns one side's events into normalized texts; keeps that side's DID numbering."""

    def __init__(self, iva_offset):
        self.dids = {}
        self.iva = iva_offset
        self.reg64 = dict(REG64)
        self.reg64[iva_offset] = "IVA"
        self.reg64[iva_offset + 8] = "IOTLB_REG"

    def did(self, raw):
        if raw not in self.dids:
            self.dids[raw] = f"d{len(self.dids) + 1}"
        return self.dids[raw]

    # -- registers
    def reg(self, off, size, value):
        name = REG32.get(off) or self.reg64.get(off)
        half = ""
        if name is None and off % 8 == 4 and (off - 4) in self.reg64:
            name, half = self.reg64[off - 4], "[63:32]"
        sz = f" (size {size})" if size in (1, 2) else ""
        if name is None:
            return f"reg {off:#05x} <- {value:#x}{sz}", f"reg {off:#05x}"
        group = name + half
        if half:
            if name in ("RTADDR", "IQA", "IRTA", "AFLOG", "PQA"):
                return f"{group} <- {'addr' if value else '0'}{sz}", group
            return f"{group} <- {value:#x}{sz}", group
        if name in WRITTEN_ONLY:
            return f"{name} written{sz}", group
        if name == "GCMD":
            bits = [n for b, n in GCMD_BITS if value >> b & 1]
            rest = value & ((1 << 23) - 1)
            if rest:
                bits.append(f"rsvd={rest:#x}")
            return f"GCMD <- {'|'.join(bits) or '0'} ({value:#x}){sz}", group
        if name == "RTADDR":
            return f"RTADDR <- {self._addr(value, 12)} ttm={value >> 10 & 3}{self._rsvd(value & 0x3FF)}{sz}", group
        if name == "IQA":
            return (f"IQA <- {self._addr(value, 12)} qs={value & 7} dw={value >> 11 & 1}"
                    f"{self._rsvd(value & 0x7F8)}{sz}", group)
        if name == "IRTA":
            return (f"IRTA <- {self._addr(value, 12)} eime={value >> 11 & 1} s={value & 0xF}"
                    f"{self._rsvd(value & 0x7F0)}{sz}", group)
        if name == "AFLOG":
            return f"AFLOG <- {self._addr(value, 12)} fls={value >> 9 & 7}{sz}", group
        if name == "PQA":
            return f"PQA <- {self._addr(value, 12)} pqs={value & 7}{sz}", group
        if name in ("FECTL", "IECTL", "PECTL"):
            flags = [n for b, n in ((31, "IM"), (30, "IP")) if value >> b & 1]
            rest = value & 0x3FFFFFFF
            if rest:
                flags.append(f"rsvd={rest:#x}")
            return f"{name} <- {'|'.join(flags) or '0'}{sz}", group
        if name == "CCMD":
            parts = []
            if value >> 63 & 1:
                parts.append("icc")
            g = value >> 61 & 3
            parts.append(GRAN.get(g, "").replace("page", "device"))
            if g >= 2:
                parts.append(f"did={self.did(value & 0xFFFF)}")
            if g == 3:
                parts.append(f"sid={self._sid(value >> 16 & 0xFFFF)} fm={value >> 32 & 3}")
            return f"CCMD <- {' '.join(parts)}{sz}", group
        if name == "IVA":
            return f"IVA <- addr={value & ~0xFFF:#x} am={value & 0x3F} ih={value >> 6 & 1}{sz}", group
        if name == "IOTLB_REG":
            parts = ["ivt"] if value >> 63 & 1 else []
            g = value >> 60 & 3
            parts.append(GRAN[g])
            if g >= 2:
                parts.append(f"did={self.did(value >> 32 & 0xFFFF)}")
            parts += [n for b, n in ((49, "dr"), (48, "dw")) if value >> b & 1]
            return f"IOTLB_REG <- {' '.join(parts)}{sz}", group
        return f"{name} <- {value:#x}{sz}", group

    @staticmethod
    def _addr(value, low_bits):
        return "addr" if value >> low_bits else "0"

    @staticmethod
    def _rsvd(bits):
        return f" rsvd={bits:#x}" if bits else ""

    @staticmethod
    def _sid(sid):
        return f"{sid >> 8:02x}:{sid >> 3 & 0x1F:02x}.{sid & 7}"

    # -- descriptors
    def inv(self, lo, hi):
        t = (lo & 0xF) | ((lo >> 9 & 7) << 4)
        if t == 1:
            g = lo >> 4 & 3
            gname = {0: "g0(reserved)", 1: "global", 2: "domain", 3: "device"}[g]
            parts = ["inv context", gname]
            if g >= 2:
                parts.append(f"did={self.did(lo >> 16 & 0xFFFF)}")
            if g == 3:
                parts.append(f"sid={self._sid(lo >> 32 & 0xFFFF)} fm={lo >> 48 & 3}")
            parts.append(self._rsvd_desc(lo & 0xFFFC00000000F1C0, hi))
            return " ".join(p for p in parts if p), f"inv context {gname}"
        if t == 2:
            g = lo >> 4 & 3
            parts = ["inv iotlb", GRAN[g]]
            if g >= 2 or lo >> 16 & 0xFFFF:
                parts.append(f"did={self.did(lo >> 16 & 0xFFFF)}")
            if g == 3:
                parts.append(f"addr={hi & ~0xFFF:#x} am={hi & 0x3F} ih={hi >> 6 & 1}")
                rsvd_hi = hi & 0xF80
            else:
                rsvd_hi = hi
            parts += [n for b, n in ((7, "dr"), (6, "dw")) if lo >> b & 1]
            parts.append(self._rsvd_desc(lo & 0xFFFFFFFF0000F100, rsvd_hi))
            return " ".join(p for p in parts if p), f"inv iotlb {GRAN[g]}"
        if t == 3:
            text = (f"inv devtlb sid={self._sid(lo >> 32 & 0xFFFF)} mip={lo >> 16 & 0x1F} "
                    f"pfsid={(lo >> 12 & 0xF) | (lo >> 52 & 0xFFF) << 4:#x} s={hi & 1} addr={hi & ~0xFFF:#x}"
                    f"{' ' + self._rsvd_desc(lo & 0x000F0000FFE001F0, hi & 0xFFE)}")
            return text.rstrip(), "inv devtlb"
        if t == 4:
            if lo >> 4 & 1:
                text = f"inv iec index idx={lo >> 32 & 0xFFFF:#x} im={lo >> 27 & 0x1F}"
                group = "inv iec index"
            else:
                text, group = "inv iec global", "inv iec global"
            r = self._rsvd_desc(lo & 0xFFFF000007FFF1E0, hi)
            return (text + " " + r).rstrip(), group
        if t == 5:
            flags = [n for b, n in ((5, "sw"), (4, "if"), (6, "fn"), (7, "pd")) if lo >> b & 1]
            text = "inv wait " + (" ".join(flags) or "no-flags")
            if lo >> 5 & 1:
                text += f" status={lo >> 32:#x}"
            elif lo >> 32:
                text += f" data={lo >> 32:#x}"
            r = self._rsvd_desc(lo & 0xF100, hi & 3)
            return (text + " " + r).rstrip(), "inv wait"
        return f"inv type{t} lo={lo:#018x} hi={hi:#018x}", f"inv type{t}"

    @staticmethod
    def _rsvd_desc(lo_bits, hi_bits):
        parts = []
        if lo_bits:
            parts.append(f"rsvd-lo={lo_bits:#x}")
        if hi_bits:
            parts.append(f"rsvd-hi={hi_bits:#x}")
        return " ".join(parts)

    def decode(self, events):
        for e in events:
            if e.kind == "reg":
                e.text, e.group = self.reg(e.a, e.b, e.c)
            else:
                e.text, e.group = self.inv(e.a, e.b)
        return events


def load(path, parser, iva_offset):
    d = Decoder(iva_offset)
    events = merge_halves(parser(path), d.reg64)
    return d.decode(events)


# ----------------------------------------------------------------------------------------------
# Comparison and report

IR_GROUPS = {"inv iec global", "inv iec index", "IRTA"}


def summarize(events, limit=4):
    c = Counter(e.group for e in events)
    items = [f"{n}× {g}" if n > 1 else g for g, n in c.most_common()]
    if len(items) > limit:
        items = items[:limit] + [f"{len(c) - limit} more kinds"]
    return ", ".join(items)


def is_ir_related(events):
    def ir(e):
        if e.group in IR_GROUPS:
            return True
        # A wait or tail move that only fences IEC invalidations counts with them.
        return e.group in ("inv wait", "IQT") or (e.group == "GCMD" and ("IRE" in e.text or "SIRTP" in e.text))
    return bool(events) and all(ir(e) for e in events) and any(e.group in IR_GROUPS for e in events)


def classify(tag, left, right):
    if tag == "delete":
        return f"only in vtdsim: {summarize(left)}"
    if tag == "insert":
        note = " (QEMU's run has interrupt remapping)" if is_ir_related(right) else ""
        return f"only in QEMU: {summarize(right)}{note}"
    if len(left) == len(right) and all(a.group == b.group for a, b in zip(left, right)):
        return f"values differ: {summarize(left)}"
    return f"different events: vtdsim has {summarize(left)}; QEMU has {summarize(right)}"


def side_counts(events):
    regs = Counter(e.group for e in events if e.kind == "reg")
    descs = Counter(e.group for e in events if e.kind == "inv")
    return {
        "events": len(events),
        "register_writes": sum(regs.values()),
        "descriptors": sum(descs.values()),
        "registers": dict(sorted(regs.items())),
        "descriptor_kinds": dict(sorted(descs.items())),
    }


# Above this many (vtdsim x QEMU) events left after trimming the common head and tail,
# SequenceMatcher uses its "popular element" heuristic: exact alignment of thousands of events
# that repeat (every wait descriptor reads the same) is quadratic and takes minutes.
EXACT_LIMIT = 4_000_000


def compare(left, right):
    """Returns (matching events, non-equal opcodes, heuristic used) over the event texts."""
    lt, rt = [e.text for e in left], [e.text for e in right]
    head = 0
    while head < len(lt) and head < len(rt) and lt[head] == rt[head]:
        head += 1
    tail = 0
    while tail < len(lt) - head and tail < len(rt) - head and lt[-1 - tail] == rt[-1 - tail]:
        tail += 1
    a, b = lt[head:len(lt) - tail], rt[head:len(rt) - tail]
    heuristic = len(a) * len(b) > EXACT_LIMIT
    sm = difflib.SequenceMatcher(None, a, b, autojunk=heuristic)
    ops = [(t, i1 + head, i2 + head, j1 + head, j2 + head) for t, i1, i2, j1, j2 in sm.get_opcodes()]
    matching = head + tail + sum(i2 - i1 for t, i1, i2, _, _ in ops if t == "equal")
    diffs = [op for op in ops if op[0] != "equal"]
    return matching, diffs, heuristic


def fmt_row(mark, le, re_, width):
    l = f"{le.line:>6} {le.text}" if le is not None else ""
    r = f"{re_.line:>6} {re_.text}" if re_ is not None else ""
    return f"{mark} {l:<{width}} | {r}".rstrip()


def hunk_lines(left, right, op, context, max_rows=12):
    tag, i1, i2, j1, j2 = op
    rows = []
    b = min(context, i1, j1)
    for k in range(b, 0, -1):
        rows.append((" ", left[i1 - k], right[j1 - k]))
    changed = max(i2 - i1, j2 - j1)
    shown = min(changed, max_rows)
    for k in range(shown):
        le = left[i1 + k] if i1 + k < i2 else None
        re_ = right[j1 + k] if j1 + k < j2 else None
        mark = "|" if le is not None and re_ is not None else ("<" if le is not None else ">")
        rows.append((mark, le, re_))
    more = changed - shown
    a = min(context, len(left) - i2, len(right) - j2)
    after = [(" ", left[i2 + k], right[j2 + k]) for k in range(a)]
    width = max([len(f"{r[1].line:>6} {r[1].text}") for r in rows + after if r[1] is not None] + [30])
    out = [f"  {'line':>6} {'vtdsim':<{width - 7}} | {'line':>6} QEMU"]
    out += [fmt_row(m, l, r, width) for m, l, r in rows]
    if more:
        out.append(f"  ... {more} more changed rows (vtdsim {i2 - i1 - min(i2 - i1, shown)}, "
                   f"QEMU {j2 - j1 - min(j2 - j1, shown)} events)")
    out += [fmt_row(m, l, r, width) for m, l, r in after]
    return out


def build(args):
    left = load(args.sequence_log, parse_sequence_log, args.iva_offset)
    right = load(args.qemu_trace, parse_qemu_trace, args.iva_offset)
    matching, diffs, heuristic = compare(left, right)
    verdict = "sequences match" if not diffs else f"{len(diffs)} difference{'s' if len(diffs) != 1 else ''}"
    hunks = []
    for op in diffs:
        tag, i1, i2, j1, j2 = op
        hunks.append({
            "tag": tag,
            "vtdsim_events": [i1, i2],
            "qemu_events": [j1, j2],
            "vtdsim_lines": [left[i1].line, left[i2 - 1].line] if i2 > i1 else [],
            "qemu_lines": [right[j1].line, right[j2 - 1].line] if j2 > j1 else [],
            "classification": classify(tag, left[i1:i2], right[j1:j2]),
            "vtdsim": [e.text for e in left[i1:i2]][:50],
            "qemu": [e.text for e in right[j1:j2]][:50],
        })
    first = None
    if diffs:
        _, i1, _, j1, _ = diffs[0]
        first = {"vtdsim_index": i1, "qemu_index": j1,
                 "vtdsim_line": left[i1].line if i1 < len(left) else None,
                 "qemu_line": right[j1].line if j1 < len(right) else None}
    summary = OrderedDict([
        ("vtdsim_file", args.sequence_log),
        ("qemu_file", args.qemu_trace),
        ("verdict", verdict),
        ("matching_events", matching),
        ("differences", len(diffs)),
        ("first_difference", first),
        ("alignment", "difflib heuristic (large inputs)" if heuristic else "exact (difflib, no autojunk)"),
        ("vtdsim", side_counts(left)),
        ("qemu", side_counts(right)),
        ("hunks", hunks),
        # Every normalized event in order, for checks of their own (testbench/cosim/peer.py).
        ("vtdsim_events", [e.text for e in left]),
        ("qemu_events", [e.text for e in right]),
    ])
    return left, right, diffs, summary


def span(a, b):
    if b == a:
        return f"none (before event {a})"
    return f"event {a}" if b == a + 1 else f"events {a}-{b - 1}"


def markdown(left, right, diffs, s, args):
    out = ["# vtdsim vs QEMU: VT-d programming sequence", "",
           f"* vtdsim: `{s['vtdsim_file']}` ({s['vtdsim']['events']} events)",
           f"* QEMU:   `{s['qemu_file']}` ({s['qemu']['events']} events)", "",
           f"**Verdict: {s['verdict']}** ({s['matching_events']} events match)", ""]
    if s["alignment"].startswith("difflib heuristic"):
        out += ["(Large differing middle: aligned with difflib's popular-element heuristic, so a long "
                "run of identical repeated events may show as changed.)", ""]
    if diffs:
        out.append("## Differences")
        out.append("")
        for n, h in enumerate(s["hunks"][:args.max_hunks], 1):
            out.append(f"{n}. {h['classification']}")
        if len(diffs) > args.max_hunks:
            out.append("")
            out.append(f"All {len(diffs)} differences by classification:")
            out.append("")
            for c, k in Counter(h["classification"] for h in s["hunks"]).most_common():
                out.append(f"* {k}× {c}")
        out.append("")
    out += ["## Counts", "", "| | vtdsim | QEMU |", "|---|---:|---:|"]
    vs, qs = s["vtdsim"], s["qemu"]
    out.append(f"| register writes | {vs['register_writes']} | {qs['register_writes']} |")
    for k in sorted(set(vs["registers"]) | set(qs["registers"])):
        out.append(f"| &nbsp;&nbsp;{k} | {vs['registers'].get(k, 0)} | {qs['registers'].get(k, 0)} |")
    out.append(f"| descriptors | {vs['descriptors']} | {qs['descriptors']} |")
    for k in sorted(set(vs["descriptor_kinds"]) | set(qs["descriptor_kinds"])):
        out.append(f"| &nbsp;&nbsp;{k} | {vs['descriptor_kinds'].get(k, 0)} | {qs['descriptor_kinds'].get(k, 0)} |")
    out.append("")
    if diffs:
        out += ["## Hunks", "",
                "vtdsim left, QEMU right; `line` is the line in each file. "
                "`<` only in vtdsim, `>` only in QEMU, `|` differs.", ""]
        for n, op in enumerate(diffs[:args.max_hunks], 1):
            tag, i1, i2, j1, j2 = op
            out.append(f"### {n}. {s['hunks'][n - 1]['classification']}")
            out.append("")
            out.append(f"vtdsim {span(i1, i2)}; QEMU {span(j1, j2)} (event indexes from 0)")
            out.append("")
            out.append("```")
            out += hunk_lines(left, right, op, args.context)
            out.append("```")
            out.append("")
        if len(diffs) > args.max_hunks:
            out.append(f"... and {len(diffs) - args.max_hunks} more hunks (all are classified above and in --json).")
            out.append("")
    return "\n".join(out)


def main(argv=None):
    p = argparse.ArgumentParser(description="Compare a vtdsim cosim sequence.log with a QEMU 7.2 "
                                            "vtd_reg_write/vtd_inv_desc trace of the same guest run.")
    p.add_argument("sequence_log", help="vtdsim's sequence.log")
    p.add_argument("qemu_trace", help="QEMU trace (-trace enable=vtd_reg_write -trace enable=vtd_inv_desc -D FILE)")
    p.add_argument("--out", help="Markdown report (default: stdout)")
    p.add_argument("--json", help="machine-readable summary")
    p.add_argument("--context", type=int, default=3, help="events of context around a hunk (default 3)")
    p.add_argument("--max-hunks", type=int, default=40, help="hunks listed in full (default 40)")
    p.add_argument("--iva-offset", type=lambda t: int(t, 0), default=0xF0,
                   help="IVA_REG offset, ECAP.IRO*16, on both sides (default 0xf0; IOTLB_REG follows at +8)")
    args = p.parse_args(argv)
    try:
        left, right, diffs, summary = build(args)
    except InputError as e:
        print(f"cosim_compare: {e}", file=sys.stderr)
        return 2
    report = markdown(left, right, diffs, summary, args)
    try:
        if args.out:
            with open(args.out, "w", encoding="utf-8") as f:
                f.write(report + "\n")
        else:
            sys.stdout.write(report + "\n")
        if args.json:
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump(summary, f, indent=2)
                f.write("\n")
    except OSError as e:
        print(f"cosim_compare: cannot write output: {e}", file=sys.stderr)
        return 2
    print(f"cosim_compare: {summary['verdict']} ({summary['matching_events']} events match)",
          file=sys.stderr if not args.out else sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
