"""Interrupt-remapping scenarios (fact sheet 8): remappable-format MSIs from edu through the
interrupt-remapping table (handle, subhandle, a DMA-completion interrupt with translation
on), the faults of the request and entry checks (index beyond the table, P=0, source-id
mismatch, compatibility format with CFIS clear), GCMD.CFI, FPD and the fault event of an
interrupt-remapping fault. IRTE field checks are intremap_entries.py, x2APIC mode
intremap_x2apic.py, the interrupt-entry cache intremap_cache.py.

The helpers here (IRTE builder, remappable address, table set-up) are shared by those
modules. `expect` holds what the specification gives; QEMU 7.2 records no interrupt-
remapping fault at all (QEMU-PEER 11), which expectations.py lists key by key.
"""
from . import scenario
from .common import MSI_ADDRESS, Rig, hexs, pattern
import pci_edu
from vtd import CFI, GCMD, GSTS, IRE, IRTA, PERSISTENT, SIRTP

IR = ("interrupt_remapping",)
TABLE = 0x130000
SIZE_FIELD = 7  # 2^(7+1) = 256 entries
HANDLE = 5
SID = 0x20  # edu at 00:04.0
GSTS_IR = 0x03000000  # IRES | IRTPS
NO_FAULT = {"fsts": 0, "fectl": 0x80000000, "frcd_lo": 0, "frcd_hi": 0}
N = 16  # bytes of the DMA in ir_dma_completion_translated


def irte(vector, sid=SID, present=True, svt=1, sq=0, dest=0, fpd=False):
    """(lo, hi) of a remapped-format IRTE: fixed delivery, physical destination (the xAPIC ID
    in bits 47:40), edge."""
    lo = (1 if present else 0) | (2 if fpd else 0) | vector << 16 | dest << 40
    hi = sid | sq << 16 | svt << 18
    return lo, hi


def remappable_address(handle, shv=False):
    """Remappable-format MSI address (fact sheet 8.1): HANDLE[14:0] in 19:5, HANDLE[15] in
    bit 2, SHV in bit 3, format bit 4."""
    return (MSI_ADDRESS | (handle & 0x7FFF) << 5 | 1 << 4 | (1 << 3 if shv else 0)
            | (handle >> 15) << 2)


def write_table(c, entries):
    """Clear the 256-entry table and write {index: (lo, hi)}."""
    c.memset(TABLE, 4096, 0)
    for index, (lo, hi) in entries.items():
        c.writeq(TABLE + 16 * index, lo)
        c.writeq(TABLE + 16 * index + 8, hi)


def enable_ir(rig, entries, irta_flags=0):
    """Write the IRTEs, IRTA (with `irta_flags`, e.g. EIME), SIRTP, then IRE. Returns GSTS."""
    write_table(rig.c, entries)
    rig.vtd.w64(IRTA, TABLE | irta_flags | SIZE_FIELD)
    rig.vtd.gcmd(SIRTP)
    return rig.vtd.gcmd(IRE)


def set_cfi(rig):
    """GCMD.CFI with the persistent bits; GSTS read once (QEMU never sets CFIS, so no poll)."""
    keep = rig.vtd.r32(GSTS) & PERSISTENT
    rig.vtd.w32(GCMD, keep | CFI)
    return rig.vtd.r32(GSTS)


def send_msi(rig, address, data=0):
    rig.edu.enable_msi(address, data)
    rig.edu.raise_irq()
    rig.edu.ack_irq()  # so that the next raise_irq sends again


def ir_fault(reason, index, sid=SID, **extra):
    """The spec's observations after one blocked request: nothing delivered, FRCD[0] holds
    the reason with FI = index << 48 (T=0: an interrupt request is a write)."""
    return dict({"gsts": GSTS_IR, "irr": [], "fsts": 0x2, "fectl": 0xC0000000,
                 "frcd_lo": index << 48, "frcd_hi": 1 << 63 | reason << 32 | sid}, **extra)


def remapped(c, entries, handle=HANDLE, shv=False, data=0):
    """IR on with `entries`, one MSI from edu through `handle`: GSTS, IRR, fault state."""
    rig = Rig(c)
    gsts = enable_ir(rig, entries)
    send_msi(rig, remappable_address(handle, shv), data)
    obs = {"gsts": gsts, "irr": pci_edu.irr_vectors(c)}
    obs.update(rig.fault_state())
    return obs


@scenario(requires=IR, expect=dict(NO_FAULT, gsts=GSTS_IR, irr=[0x55]))
def ir_remapped_msi(c):
    """Remappable MSI, handle 5 -> IRTE vector 0x55, SVT=01 SID 0x20; DMA remapping off."""
    return remapped(c, {HANDLE: irte(0x55)})


@scenario(requires=IR, expect=dict(NO_FAULT, gsts=GSTS_IR, irr=[0x5C]))
def ir_subhandle(c):
    """SHV=1: handle 5 + subhandle 2 (MSI data) selects IRTE 7 (vector 0x5c), not IRTE 5."""
    return remapped(c, {HANDLE: irte(0x55), 7: irte(0x5C)}, shv=True, data=2)


@scenario(requires=IR, expect=ir_fault(0x26, HANDLE))
def ir_sid_mismatch(c):
    """IRTE checks SID 0x28 but edu is 0x20: blocked, fault 0x26 recorded."""
    return remapped(c, {HANDLE: irte(0x56, 0x28)})


@scenario(requires=IR, expect=ir_fault(0x22, HANDLE))
def ir_not_present(c):
    """IRTE P=0: blocked, fault 0x22 recorded."""
    return remapped(c, {HANDLE: irte(0x57, present=False)})


@scenario(requires=IR, expect=ir_fault(0x21, 300))
def ir_index_beyond_table(c):
    """Handle 300 with a 256-entry table: blocked, fault 0x21 recorded."""
    return remapped(c, {HANDLE: irte(0x58)}, handle=300)


@scenario(requires=IR, expect=dict(NO_FAULT, gsts=GSTS_IR, irr=[]))
def ir_fpd_suppresses(c):
    """IRTE with FPD=1 and a SID mismatch: blocked, and 0x26 (qualified) not recorded."""
    return remapped(c, {HANDLE: irte(0x59, 0x28, fpd=True)})


@scenario(requires=IR, expect=ir_fault(0x25, 0))
def ir_compat_blocked(c):
    """Compatibility-format MSI (vector 0x77) while IRE=1 and CFI was never set: fault 0x25."""
    rig = Rig(c)
    gsts = enable_ir(rig, {HANDLE: irte(0x55)})
    send_msi(rig, MSI_ADDRESS, 0x77)
    obs = {"gsts": gsts, "irr": pci_edu.irr_vectors(c)}
    obs.update(rig.fault_state())
    return obs


@scenario(requires=IR, expect=dict(NO_FAULT, gsts=0x03800000, irr=[0x78]))
def ir_compat_cfi(c):
    """GCMD.CFI set after IRE: GSTS.CFIS, and a compatibility-format MSI passes (0x78)."""
    rig = Rig(c)
    enable_ir(rig, {HANDLE: irte(0x55)})
    gsts = set_cfi(rig)
    send_msi(rig, MSI_ADDRESS, 0x78)
    obs = {"gsts": gsts, "irr": pci_edu.irr_vectors(c)}
    obs.update(rig.fault_state())
    return obs


@scenario(requires=IR, expect={"irr": [0x44], "fsts": 0x2, "fectl": 0,
                               "frcd_hi": 1 << 63 | 0x22 << 32 | SID})
def ir_fault_event(c):
    """Fault event unmasked (FEDATA 0x44), then an MSI through a not-present IRTE: the
    0x22 fault is recorded and its event delivers vector 0x44; IP reads 0."""
    rig = Rig(c)
    rig.vtd.fault_event(0x44, MSI_ADDRESS)
    enable_ir(rig, {HANDLE: irte(0x5A, present=False)})
    send_msi(rig, remappable_address(HANDLE))
    return {"irr": pci_edu.irr_vectors(c), "fsts": rig.vtd.fsts(), "fectl": rig.vtd.fectl(),
            "frcd_hi": rig.vtd.fault_record(0)[1]}


@scenario(requires=IR, expect={"data": hexs(pattern(17, N)), "irr": [0x5B], "fsts": 0})
def ir_dma_completion_translated(c):
    """DMA remapping and interrupt remapping together: a translated edu DMA write with the
    raise-IRQ-on-completion bit; the data lands at the mapped GPA and edu's MSI (handle 5)
    is remapped to vector 0x5b."""
    rig = Rig(c)
    rig.preload(pattern(17, N))
    sl = rig.domain(4)
    sl.map(0x60000, 0x7E0000)
    rig.attach(rig.edu, sl)
    rig.enable()
    enable_ir(rig, {HANDLE: irte(0x5B)})
    rig.edu.enable_msi(remappable_address(HANDLE), 0)
    rig.edu.dma(pci_edu.EDU_BUFFER, 0x60000, N, to_ram=True, irq=True)
    return {"data": rig.read_hex(0x7E0000, N), "irr": pci_edu.irr_vectors(c),
            "fsts": rig.vtd.fsts()}
