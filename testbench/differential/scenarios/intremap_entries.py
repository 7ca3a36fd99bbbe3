"""Interrupt-remapping entry and request checks (fact sheet 7.4 rows 0x20-0x26, 8.1, 8.3):
reserved bits in an IRTE (low and high quadword, IM=1 without posted interrupts, the
reserved destination bits of xAPIC mode, SVT=11), source-id validation with SVT=01 and each
SQ mask, SVT=10 bus ranges, a remappable request with reserved data bits (0x20), and the
source id of an interrupt request that edu sends as a DMA write.

Requests that edu sends as DMA writes (a DWORD written into 0xFEEx_xxxx) let a scenario
choose the whole 32-bit data word, which an MSI capability cannot.
"""
import struct

from . import scenario
from .common import Rig
from .intremap import (GSTS_IR, HANDLE, IR, NO_FAULT, enable_ir, ir_fault, irte, remapped,
                       remappable_address, send_msi)
import pci_edu

RESERVED_LO = 1 << 30  # IRTE bits 31:24 are reserved
RESERVED_HI = 1 << 36  # bit 100 (127:84 reserved)
IM = 1 << 15  # posted format, reserved without CAP.PI
XAPIC_DEST_RESERVED = 1 << 32  # DST bit 0: reserved in xAPIC mode (the ID is DST[15:8])


def _with(entry, lo=0, hi=0):
    return entry[0] | lo, entry[1] | hi


@scenario(requires=IR, expect=ir_fault(0x24, HANDLE))
def ir_irte_reserved_low(c):
    """A present IRTE with reserved bit 30 set: blocked, fault 0x24."""
    return remapped(c, {HANDLE: _with(irte(0x61), lo=RESERVED_LO)})


@scenario(requires=IR, expect=ir_fault(0x24, HANDLE))
def ir_irte_reserved_high(c):
    """A present IRTE with reserved bit 100 (high quadword) set: blocked, fault 0x24."""
    return remapped(c, {HANDLE: _with(irte(0x62), hi=RESERVED_HI)})


@scenario(requires=IR, expect=ir_fault(0x24, HANDLE))
def ir_irte_posted_without_pi(c):
    """IRTE IM=1 (posted format) on a unit without CAP.PI: IM is reserved there, fault 0x24."""
    return remapped(c, {HANDLE: _with(irte(0x63), lo=IM)})


@scenario(requires=IR, expect=ir_fault(0x24, HANDLE))
def ir_xapic_dest_reserved(c):
    """xAPIC mode (EIME=0), IRTE destination ID 0 in bits 47:40 but bit 32 set: DST bits
    39:32 are reserved in xAPIC mode, fault 0x24."""
    return remapped(c, {HANDLE: _with(irte(0x64), lo=XAPIC_DEST_RESERVED)})


@scenario(requires=IR, expect=ir_fault(0x24, HANDLE))
def ir_svt_reserved(c):
    """SVT=11 (a reserved encoding) with edu's own SID: a reserved field in a present IRTE,
    fault 0x24 (not a source-id failure)."""
    return remapped(c, {HANDLE: irte(0x65, svt=3)})


# SVT=01 entries: (handle, IRTE SID, SQ, vector, passes for SID 0x20). SQ=01 ignores SID bit
# 2, SQ=10 bits 2:1, SQ=11 bits 2:0 (the function number); SVT=00 checks nothing.
SQ_CASES = (
    (1, 0x24, 1, 0x81, True),
    (2, 0x22, 1, 0x82, False),   # bit 1 is compared under SQ=01
    (3, 0x26, 2, 0x83, True),
    (4, 0x21, 2, 0x84, False),   # bit 0 is compared under SQ=10
    (5, 0x27, 3, 0x85, True),
    (6, 0x28, 3, 0x86, False),   # device 5, not 4
)


@scenario(requires=IR, expect=dict(ir_fault(0x26, 2), irr=[0x81, 0x83, 0x85, 0x87]))
def ir_sid_sq_masks(c):
    """Source-id checks with each SQ mask, one MSI per IRTE in turn, plus SVT=00 with an
    unrelated SID (vector 0x87): the passing entries deliver; the first failure (index 2,
    reason 0x26) is recorded and the later one from the same source is collapsed."""
    rig = Rig(c)
    entries = {h: irte(v, sid, sq=sq) for h, sid, sq, v, _ in SQ_CASES}
    entries[7] = irte(0x87, 0x1234, svt=0)
    gsts = enable_ir(rig, entries)
    for handle in sorted(entries):
        send_msi(rig, remappable_address(handle))
    obs = {"gsts": gsts, "irr": pci_edu.irr_vectors(c)}
    obs.update(rig.fault_state())
    return obs


@scenario(requires=IR, expect=ir_fault(0x26, 2, irr=[0x91]))
def ir_svt_bus_range(c):
    """SVT=10, SID = first bus << 8 | last bus. IRTE 1: buses 0-5 (SID 0x0005), edu's bus 0
    is in range, vector 0x91. IRTE 2: buses 5-0 (SID 0x0500), an empty range: 0x26."""
    rig = Rig(c)
    gsts = enable_ir(rig, {1: irte(0x91, 0x0005, svt=2), 2: irte(0x92, 0x0500, svt=2)})
    send_msi(rig, remappable_address(1))
    send_msi(rig, remappable_address(2))
    obs = {"gsts": gsts, "irr": pci_edu.irr_vectors(c)}
    obs.update(rig.fault_state())
    return obs


def _dma_request(c, entries, address, data):
    """IR on, then edu writes the DWORD `data` to `address` by DMA (translation off)."""
    rig = Rig(c)
    rig.preload(struct.pack("<I", data))
    gsts = enable_ir(rig, entries)
    rig.edu.dma_write(address, 4)
    obs = {"gsts": gsts, "irr": pci_edu.irr_vectors(c)}
    obs.update(rig.fault_state())
    return obs


@scenario(requires=IR, expect=dict(NO_FAULT, gsts=GSTS_IR, irr=[0x67]))
def ir_dma_write_request(c):
    """A remappable request sent as a DMA write, SHV=1 with subhandle 2 in the data: handle
    5 + 2 selects IRTE 7 (vector 0x67), SID 0x20 checked and matching."""
    return _dma_request(c, {HANDLE: irte(0x66), 7: irte(0x67)},
                        remappable_address(HANDLE, shv=True), 2)


@scenario(requires=IR, expect=ir_fault(0x20, HANDLE + 2))
def ir_request_reserved_data(c):
    """The same request with data bit 16 set (data[31:16] is reserved when SHV=1): blocked,
    fault 0x20, FI = the index the request names."""
    return _dma_request(c, {HANDLE: irte(0x66), 7: irte(0x67)},
                        remappable_address(HANDLE, shv=True), 0x10002)


@scenario(requires=IR, expect=ir_fault(0x26, HANDLE))
def ir_dma_write_sid_check(c):
    """A remappable request sent by edu (SID 0x20) as a DMA write, through an IRTE that
    checks SID 0x28: the requester id of the write is checked like an MSI's, fault 0x26."""
    return _dma_request(c, {HANDLE: irte(0x68, 0x28)}, remappable_address(HANDLE), 0)
