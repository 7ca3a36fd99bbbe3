"""VT-d register access and programming over qtest: the DMAR block at 0xFED90000.

Register offsets, GCMD commands with the preserved-bit rule and status polling, register-based
invalidation (CCMD, IVA/IOTLB at ECAP.IRO*16), fault records at CAP.FRO*16 and the fault-event
registers. 32-bit registers are only ever accessed with 32-bit accesses: QEMU 7.2 aborts on an
8-byte write to some of them (QEMU-PEER quirk 12). Building tables in guest memory is tables.py.
"""

DMAR_BASE = 0xFED90000
POLLS = 100  # bound for status polls; QEMU and vtdsim complete these commands at once

# fixed offsets (fact sheet 1.1)
VER, CAP, ECAP = 0x00, 0x08, 0x10
GCMD, GSTS, RTADDR, CCMD = 0x18, 0x1C, 0x20, 0x28
FSTS, FECTL, FEDATA, FEADDR, FEUADDR = 0x34, 0x38, 0x3C, 0x40, 0x44
PMEN = 0x64
IQH, IQT, IQA, ICS = 0x80, 0x88, 0x90, 0x9C
IECTL, IEDATA, IEADDR, IEUADDR = 0xA0, 0xA4, 0xA8, 0xAC
IQERCD, IRTA = 0xB0, 0xB8

# GCMD/GSTS bits (fact sheet 3.1)
TE, SRTP, WBF, QIE, IRE, SIRTP, CFI = 1 << 31, 1 << 30, 1 << 27, 1 << 26, 1 << 25, 1 << 24, 1 << 23
PERSISTENT = TE | QIE | IRE | CFI  # kept on every GCMD write; one-shot status bits are not

# CCMD / IOTLB granularities (fact sheet 6.11)
GLOBAL, DOMAIN, DEVICE, PAGE = 1, 2, 3, 3
ICC = IVT = 1 << 63

FSTS_PFO, FSTS_PPF, FSTS_IQE = 1, 2, 0x10
FRCD_F = 1 << 63


class PollTimeout(Exception):
    pass


class Vtd:
    """The remapping unit's registers as seen from the CPU."""

    def __init__(self, c, base=DMAR_BASE):
        self.c = c
        self.base = base
        self.cap = self.r64(CAP)
        self.ecap = self.r64(ECAP)
        self.iva = ((self.ecap >> 8) & 0x3FF) * 16
        self.iotlb = self.iva + 8
        self.frcd = ((self.cap >> 24) & 0x3FF) * 16
        self.nfr = (self.cap >> 40) & 0xFF

    # 32- and 64-bit accesses, offsets relative to the block
    def r32(self, off): return self.c.readl(self.base + off)
    def r64(self, off): return self.c.readq(self.base + off)
    def w32(self, off, v): self.c.writel(self.base + off, v)
    def w64(self, off, v): self.c.writeq(self.base + off, v)

    def _poll(self, read, done, what):
        for _ in range(POLLS):
            value = read()
            if done(value):
                return value
        raise PollTimeout("%s did not complete (last 0x%x)" % (what, value))

    # ---- GCMD ------------------------------------------------------------------------------
    def gcmd(self, bit, on=True):
        """One command per write: the preserved persistent bits, with `bit` set or cleared."""
        keep = self.r32(GSTS) & PERSISTENT
        self.w32(GCMD, (keep | bit) if on else (keep & ~bit))
        want = bit if on else 0
        return self._poll(lambda: self.r32(GSTS), lambda v: v & bit == want, "GCMD 0x%x" % bit)

    def set_root(self, rtaddr):
        self.w64(RTADDR, rtaddr)
        return self.gcmd(SRTP)

    def enable_translation(self):
        return self.gcmd(TE)

    def disable_translation(self):
        return self.gcmd(TE, on=False)

    # ---- register-based invalidation --------------------------------------------------------
    def ccmd(self, granularity, did=0, sid=0, fm=0):
        """Context-cache invalidation; returns CCMD once ICC cleared (CAIG tells what was done)."""
        self.w64(CCMD, ICC | granularity << 61 | fm << 32 | sid << 16 | did)
        return self._poll(lambda: self.r64(CCMD), lambda v: not v & ICC, "CCMD")

    def iotlb_invalidate(self, granularity, did=0, addr=0, am=0, ih=0):
        """IOTLB invalidation (IVA first for page-selective); returns IOTLB_REG once IVT cleared."""
        if granularity == PAGE:
            self.w64(self.iva, addr | ih << 6 | am)
        self.w64(self.iotlb, IVT | granularity << 60 | did << 32)
        return self._poll(lambda: self.r64(self.iotlb), lambda v: not v & IVT, "IOTLB")

    def invalidate_all(self):
        self.ccmd(GLOBAL)
        self.iotlb_invalidate(GLOBAL)

    # ---- faults ------------------------------------------------------------------------------
    def fault_record(self, index=0):
        """(lo, hi) of FRCD[index]: fault info, then SID/FR/T/F."""
        off = self.frcd + 16 * index
        return self.r64(off), self.r64(off + 8)

    def clear_fault_record(self, index=0):
        # F is bit 31 of the dword at +12 (RW1C); a 32-bit write leaves the other dwords alone
        self.w32(self.frcd + 16 * index + 12, 0x80000000)

    def fsts(self): return self.r32(FSTS)
    def fectl(self): return self.r32(FECTL)
    def clear_fsts(self, bits): self.w32(FSTS, bits)

    def fault_event(self, data, address, mask=False):
        """Program FEDATA/FEADDR, then FECTL (IM only if masked)."""
        self.w32(FEDATA, data)
        self.w32(FEADDR, address)
        self.w32(FECTL, 0x80000000 if mask else 0)
