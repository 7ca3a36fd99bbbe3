"""Shared set-up for scenarios: a Rig bundling the machine, the VT-d unit, the edus and tables.

The usual flow: Rig(c) places the edu BARs; preload() fills an edu buffer by DMA while
translation is still off; domain()/attach() build tables; enable() does SRTP, global
context-cache and IOTLB invalidation and TE, as a driver would. Scenarios that test a
different order (no invalidation, TE first, ...) call the Vtd methods themselves.
Also: test patterns and the guest-physical layout the scenarios share.
"""
import sys
import os

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import pci_edu  # noqa: E402
import tables  # noqa: E402
import vtd  # noqa: E402

STAGING = 0x800000  # patterns are written here and DMAed into edu buffers before TE
MARKER = 0xEE  # GPAs that must stay untouched are filled with this byte first
MSI_ADDRESS = 0xFEE00000  # xAPIC ID 0, physical destination


def pattern(seed, n):
    """Deterministic, non-repeating-looking test bytes."""
    return bytes((seed * 37 + i * 11 + (i >> 8) * 5) & 0xFF for i in range(n))


def hexs(data):
    return data.hex()


def marker(n):
    return bytes([MARKER]) * n


class Rig:
    def __init__(self, c, bus_master=True):
        self.c = c
        self.vtd = vtd.Vtd(c)
        self.edus = [pci_edu.Edu(c, addr, pci_edu.EDU_BAR0 + i * 0x100000).setup(bus_master)
                     for i, addr in enumerate(c.edus)]
        self.edu = self.edus[0]
        self.alloc = tables.Allocator(c)
        self.root_written = False

    def preload(self, data, edu=None, buf_offset=0):
        """Put `data` into an edu buffer (RAM -> edu DMA; translation must still be off)."""
        edu = edu or self.edu
        self.c.b64write(STAGING, data)  # b64write here, `write` elsewhere: both get used
        edu.dma_read(STAGING, len(data), buf_offset)

    def domain(self, levels=4):
        return tables.SecondLevel(self.c, self.alloc, levels)

    def attach(self, edu, sl, did=1, tt=tables.TT_SECOND_LEVEL, fpd=False, aw=None):
        """Root entry for bus 0 (once) and the context entry of `edu`."""
        if not self.root_written:
            tables.write_root(self.c)
            self.root_written = True
        aw = sl.aw if aw is None else aw
        slptptr = sl.root if sl is not None else 0
        tables.write_context(self.c, edu.bdf, tables.context_entry(slptptr, did, aw, tt, fpd))

    def enable(self):
        """SRTP, global invalidations, TE: returns GSTS."""
        self.vtd.set_root(tables.ROOT_TABLE)
        self.vtd.invalidate_all()
        return self.vtd.enable_translation()

    def fill_marker(self, gpa, n):
        self.c.memset(gpa, n, MARKER)

    def read_hex(self, gpa, n):
        return hexs(self.c.read(gpa, n))

    def fault_state(self, prefix=""):
        """FSTS, FECTL and FRCD[0] lo/hi under the usual keys."""
        lo, hi = self.vtd.fault_record(0)
        return {prefix + "fsts": self.vtd.fsts(), prefix + "fectl": self.vtd.fectl(),
                prefix + "frcd_lo": lo, prefix + "frcd_hi": hi}


def frcd_hi(reason, sid, read=False):
    """The FRCD high qword the specification gives for a legacy DMA fault (PP=0, PV=0)."""
    return 1 << 63 | (1 << 62 if read else 0) | reason << 32 | sid


QEMU_PV = 0xFFFF << 40  # QEMU writes PCI_NO_PASID's low 16 bits into PV (QEMU-PEER 7)
