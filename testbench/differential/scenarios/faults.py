"""Fault scenarios: every legacy fault reason QEMU can produce (1, 2, 3 three ways, 4, 5, 6,
0xC, R-only write with a cold and a warm IOTLB), FPD, and the recording rules (same-source
collapse, overflow from a second device, clearing F and recording again).

Each observes FSTS, FECTL and FRCD[0] in full. `expect` holds the specification's record
(PP=0, PV=0); QEMU's PV=0xFFFF and its other differences are in expectations.py. Fault
DMAs are 8 bytes and stay inside one page, so a spec-following device raises one request.
The fault event interrupt is in fault_events.py.
"""
from . import scenario
from .common import Rig, frcd_hi, hexs, marker, pattern
import pci_edu
from tables import (AW_48, R, TT_DEVICE_TLB, TT_RESERVED, write_context,
                    write_root)

N = 8
SID = 0x20  # edu at 00:04.0
SID2 = 0x28  # edu at 00:05.0
UNMAPPED = 0xA0B0123  # in RAM, so we can check GPA == IOVA stays untouched


def _faulting_write(c, iova=UNMAPPED, levels=4, did=1, tt=0, fpd=False, aw=None,
                    root_present=True, context_present=True):
    """One edu write into a domain that maps only an unrelated page; returns (rig, obs)."""
    rig = Rig(c)
    rig.preload(pattern(9, N))
    sl = rig.domain(levels)
    sl.map(0x1000, 0x780000)
    rig.attach(rig.edu, sl, did=did, tt=tt, fpd=fpd, aw=aw)
    if not context_present:
        write_context(c, rig.edu.bdf, (0, 0))
    if not root_present:
        write_root(c, present=False)
    if iova < 0x10000000:
        rig.fill_marker(iova, N)
    rig.enable()
    rig.edu.dma_write(iova, N)
    obs = rig.fault_state()
    if iova < 0x10000000:
        obs["at_iova"] = rig.read_hex(iova, N)
    return rig, obs


def _record(reason, lo, read=False, sid=SID, untouched=True):
    exp = {"fsts": 0x2, "fectl": 0xC0000000, "frcd_lo": lo, "frcd_hi": frcd_hi(reason, sid, read)}
    if untouched:
        exp["at_iova"] = hexs(marker(N))
    return exp


@scenario(expect=_record(5, 0xA0B0000))
def fault_write_unmapped(c):
    """DMA write to an unmapped IOVA 0xa0b0123: reason 5, T=0 (write), FI = IOVA page."""
    return _faulting_write(c)[1]


@scenario(expect=_record(6, 0xA0C0000, read=True, untouched=False))
def fault_read_unmapped(c):
    """DMA read from an unmapped IOVA 0xa0c0040: reason 6, T=1 (read)."""
    rig = Rig(c)
    sl = rig.domain(4)
    sl.map(0x1000, 0x780000)
    rig.attach(rig.edu, sl)
    rig.enable()
    rig.edu.dma_read(0xA0C0040, N)
    return rig.fault_state()


def _read_only(c, warm):
    rig = Rig(c)
    rig.preload(pattern(10, N))
    sl = rig.domain(4)
    sl.map(0x5000000, 0x790000, perm=R)
    rig.attach(rig.edu, sl)
    rig.fill_marker(0x790000, N)
    rig.enable()
    if warm:
        rig.edu.dma_read(0x5000000, N, buf_offset=0x800)  # caches the R-only translation
    rig.edu.dma_write(0x5000000, N)
    obs = rig.fault_state()
    obs["data"] = rig.read_hex(0x790000, N)
    return obs


RO_WRITE = dict(_record(5, 0x5000000, untouched=False), data=hexs(marker(N)))


@scenario(expect=RO_WRITE)
def fault_ro_write_cold(c):
    """Write to a read-only PTE with a cold IOTLB: reason 5, nothing written."""
    return _read_only(c, warm=False)


@scenario(expect=RO_WRITE, name="fault_ro_write_warm")
def fault_ro_write_after_read(c):
    """Write to a read-only PTE after a read cached it: still reason 5 per the spec."""
    return _read_only(c, warm=True)


@scenario(expect=_record(2, 0xA0B0000))
def fault_context_not_present(c):
    """Context entry P=0: reason 2."""
    return _faulting_write(c, context_present=False)[1]


@scenario(expect=_record(1, 0xA0B0000))
def fault_root_not_present(c):
    """Root entry P=0: reason 1."""
    return _faulting_write(c, root_present=False)[1]


# FI keeps only the bits below MGAW (VT-d 10.4.14), so the page of 1<<40 records as 0
@scenario(iommu="", expect=_record(4, 0x0, untouched=False))
def fault_address_width(c):
    """IOVA 1<<40 with a 39-bit unit and AW=1: reason 4; FI has no bits at or above MGAW."""
    return _faulting_write(c, iova=1 << 40, levels=3)[1]


@scenario(iommu="", expect=_record(3, 0xA0B0000))
def fault_context_aw(c):
    """Context AW=2 (48-bit) on a unit whose SAGAW has only 39-bit: reason 3."""
    return _faulting_write(c, levels=4, aw=AW_48)[1]


@scenario(expect=_record(3, 0xA0B0000))
def fault_context_tt_devtlb(c):
    """Context TT=01 while ECAP.DT=0: reason 3 (invalid context), not 0xD."""
    return _faulting_write(c, tt=TT_DEVICE_TLB)[1]


@scenario(expect=_record(3, 0xA0B0000))
def fault_context_tt_reserved(c):
    """Context TT=11 (reserved): reason 3."""
    return _faulting_write(c, tt=TT_RESERVED)[1]


@scenario(expect=dict(_record(0xC, 0x7A0000, untouched=False), data=hexs(marker(N))))
def fault_pte_reserved_bit(c):
    """A present PTE with bit 11 (SNP, reserved without ECAP.SC) set: reason 0xC."""
    rig = Rig(c)
    rig.preload(pattern(11, N))
    sl = rig.domain(4)
    sl.map(0x7A0000, 0x7B0000, extra=1 << 11)
    rig.attach(rig.edu, sl)
    rig.fill_marker(0x7B0000, N)
    rig.enable()
    rig.edu.dma_write(0x7A0000, N)
    obs = rig.fault_state()
    obs["data"] = rig.read_hex(0x7B0000, N)
    return obs


@scenario(expect={"fsts": 0, "fectl": 0x80000000, "frcd_lo": 0, "frcd_hi": 0,
                  "at_iova": hexs(marker(N))})
def fault_fpd(c):
    """Context FPD=1 and an unmapped write: blocked, nothing recorded."""
    return _faulting_write(c, fpd=True)[1]


@scenario(expect=_record(1, 0xA0B0000))
def fault_fpd_root_not_present(c):
    """FPD lives in the context entry, so a root P=0 fault is recorded whatever FPD says."""
    return _faulting_write(c, fpd=True, root_present=False)[1]


# Hardware may collapse a fault from a source that already has a pending record (VT-d
# 7.2.1); QEMU does, and so does vtdsim's qemu-7.2 profile, so no PFO is expected.
@scenario(expect={"fsts": 0x2, "fectl": 0xC0000000, "frcd_lo": 0xA0B0000,
                  "frcd_hi": frcd_hi(5, SID)})
def fault_same_source_twice(c):
    """A second fault from the same SID while FRCD[0].F=1: collapsed, no PFO, record kept."""
    rig, _ = _faulting_write(c)
    rig.edu.dma_write(0xA0D0000, N)
    return rig.fault_state()


def _two_devices(c):
    """edu 4.0 and 5.0 in one domain; both write unmapped IOVAs (4.0 first)."""
    rig = Rig(c)
    sl = rig.domain(4)
    sl.map(0x1000, 0x780000)
    for edu in rig.edus:
        rig.attach(edu, sl)
    rig.enable()
    rig.edus[0].dma_write(0xA0B0123, N)
    rig.edus[1].dma_write(0xA0E0000, N)
    return rig


@scenario(edus=("4.0", "5.0"), expect={"fsts": 0x3, "fectl": 0xC0000000, "frcd_lo": 0xA0B0000,
                                       "frcd_hi": frcd_hi(5, SID)})
def fault_overflow_two_devices(c):
    """A fault from 00:05.0 while the only FRCD holds one from 00:04.0: PFO=1, record kept."""
    return _two_devices(c).fault_state()


@scenario(edus=("4.0", "5.0"),
          expect={"cleared_frcd_hi": frcd_hi(5, SID) & ~(1 << 63), "cleared_frcd_lo": 0xA0B0000,
                  "cleared_fsts": 0, "cleared_fectl": 0x80000000,
                  "fsts": 0x2, "fectl": 0xC0000000, "frcd_lo": 0xA0F0000,
                  "frcd_hi": frcd_hi(5, SID2)})
def fault_clear_and_record_again(c):
    """Overflow, then clear F and PFO: the record keeps its fields, the next fault is recorded."""
    rig = _two_devices(c)
    v = rig.vtd
    v.clear_fault_record(0)
    v.clear_fsts(0x1)  # PFO is RW1C; PPF follows the F bits
    lo, hi = v.fault_record(0)
    obs = {"cleared_frcd_hi": hi, "cleared_frcd_lo": lo, "cleared_fsts": v.fsts(),
           "cleared_fectl": v.fectl()}
    rig.edus[1].dma_write(0xA0F0000, N)
    obs.update(rig.fault_state())
    return obs


@scenario(expect=dict(_record(6, 0x7C8000, read=True, untouched=False)))
def fault_wo_read(c):
    """DMA read through a write-only PTE: reason 6 (read), T=1."""
    rig = Rig(c)
    sl = rig.domain(4)
    sl.map(0x7C8000, 0x7D8000, perm=2)
    rig.attach(rig.edu, sl)
    rig.enable()
    rig.edu.dma_read(0x7C8000, N)
    return rig.fault_state()


def _reserved(c, build):
    rig = Rig(c)
    rig.preload(pattern(17, N))
    sl = rig.domain(4)
    iova = build(sl)
    rig.attach(rig.edu, sl)
    rig.enable()
    rig.edu.dma_write(iova, N)
    return rig.fault_state()


@scenario(expect=_record(0xC, 0x8000000000, untouched=False))
def fault_pml4e_ps_reserved(c):
    """PS (bit 7) set in a PML4E, where it is reserved: reason 0xC."""
    def build(sl):
        sl.map(0x8000000000, 0x7E8000)
        c.writeq(sl.root + 8, c.readq(sl.root + 8) | 1 << 7)  # PML4 index 1
        return 0x8000000000
    return _reserved(c, build)


@scenario(expect=_record(0xC, 0x2400000, untouched=False))
def fault_2m_leaf_reserved(c):
    """A 2 MiB leaf with frame bit 12 set (bits 20:12 are reserved in it): reason 0xC."""
    def build(sl):
        pde = sl.map(0x2400000, 0x800000 - 0x200000, size=1 << 21)
        c.writeq(pde, c.readq(pde) | 1 << 12)
        return 0x2400000
    return _reserved(c, build)


@scenario(expect=dict(_record(5, 0x7F000, untouched=False), first=hexs(pattern(18, 16)),
                      at_second=hexs(marker(16))))
def fault_cross_into_unmapped(c):
    """A 32-byte write from IOVA 0x7eff0: the first page is mapped, the next is not. The
    first 16 bytes land; the fault names the second page (requests split at 4 KiB)."""
    rig = Rig(c)
    rig.preload(pattern(18, 32))
    sl = rig.domain(4)
    sl.map(0x7E000, 0x7F8000)
    rig.attach(rig.edu, sl)
    rig.fill_marker(0x7F8FF0, 16)
    rig.fill_marker(0x7F000, 16)
    rig.enable()
    rig.edu.dma_write(0x7EFF0, 32)
    obs = rig.fault_state()
    obs.update(first=rig.read_hex(0x7F8FF0, 16), at_second=rig.read_hex(0x7F000, 16))
    return obs


@scenario(expect=dict(_record(0xE, 0x7A8000, untouched=False), irr=[]))
def fault_output_interrupt_range(c):
    """A PTE whose frame is 0xFEE00000: the output falls in the interrupt range, reason 0xE,
    and no interrupt is raised."""
    rig = Rig(c)
    rig.preload(bytes([0x4A, 0, 0, 0]))
    sl = rig.domain(4)
    sl.map(0x7A8000, 0xFEE00000)
    rig.attach(rig.edu, sl)
    rig.enable()
    rig.edu.dma_write(0x7A8000, 4)
    obs = rig.fault_state()
    obs["irr"] = pci_edu.irr_vectors(c)
    return obs


@scenario(expect={"fsts": 0, "fectl": 0x80000000, "frcd_lo": 0, "frcd_hi": 0,
                  "at_iova": hexs(marker(N))})
def fault_fpd_bad_context(c):
    """Context TT=11 with FPD=1: reason 3 is qualified, so nothing is recorded."""
    return _faulting_write(c, tt=TT_RESERVED, fpd=True)[1]


@scenario(expect={"fsts": 0, "fectl": 0x80000000, "frcd_lo": 0, "frcd_hi": 0,
                  "at_iova": hexs(marker(N))})
def fault_fpd_context_not_present(c):
    """Context P=0 but FPD=1: reason 2 is qualified and FPD is honoured, nothing recorded."""
    rig = Rig(c)
    rig.preload(pattern(9, N))
    rig.attach(rig.edu, rig.domain(4))
    write_context(c, rig.edu.bdf, (0x2, 0))  # P=0, FPD=1
    rig.fill_marker(UNMAPPED, N)
    rig.enable()
    rig.edu.dma_write(UNMAPPED, N)
    obs = rig.fault_state()
    obs["at_iova"] = rig.read_hex(UNMAPPED, N)
    return obs
