"""Interrupt-remapping scenarios (fact sheet 8): a remappable-format MSI from edu through an
IRTE, source-id and present checks, an index beyond the table, and compatibility-format MSIs
with and without GCMD.CFI. They declare requires=("interrupt_remapping",): a vtdsim
without ECAP.IR runs them as pending. No posted interrupts (QEMU has none).
"""
from . import scenario
from .common import MSI_ADDRESS, Rig
import pci_edu
from vtd import CFI, GCMD, GSTS, IRE, IRTA, PERSISTENT, SIRTP

IR = ("interrupt_remapping",)
TABLE = 0x130000
SIZE_FIELD = 7  # 2^(7+1) = 256 entries
HANDLE = 5


def irte(vector, sid, present=True, svt=1, sq=0, dest=0):
    """(lo, hi) of a remapped-format IRTE: fixed delivery, physical destination, edge."""
    lo = (1 if present else 0) | vector << 16 | dest << 40
    hi = sid | sq << 16 | svt << 18
    return lo, hi


def remappable_address(handle, shv=False):
    return (MSI_ADDRESS | (handle & 0x7FFF) << 5 | 1 << 4 | (1 << 3 if shv else 0)
            | (handle >> 15) << 2)


def _enable_ir(rig, entries):
    """Write the IRTEs, IRTA, SIRTP, then IRE. Returns GSTS."""
    c = rig.c
    c.memset(TABLE, 4096, 0)
    for index, (lo, hi) in entries.items():
        c.writeq(TABLE + 16 * index, lo)
        c.writeq(TABLE + 16 * index + 8, hi)
    rig.vtd.w64(IRTA, TABLE | SIZE_FIELD)
    rig.vtd.gcmd(SIRTP)
    return rig.vtd.gcmd(IRE)


def _remapped(c, entries, handle=HANDLE):
    rig = Rig(c)
    gsts = _enable_ir(rig, entries)
    rig.edu.enable_msi(remappable_address(handle), 0)
    rig.edu.raise_irq()
    obs = {"gsts": gsts, "irr": pci_edu.irr_vectors(c)}
    obs.update(rig.fault_state())
    return obs


def _ir_fault(reason, index, sid=0x20):
    return {"gsts": 0x03000000, "irr": [], "fsts": 0x2, "fectl": 0xC0000000,
            "frcd_lo": index << 48, "frcd_hi": 1 << 63 | reason << 32 | sid}


NO_FAULT = {"fsts": 0, "fectl": 0x80000000, "frcd_lo": 0, "frcd_hi": 0}


@scenario(requires=IR, expect=dict(NO_FAULT, gsts=0x03000000, irr=[0x55]))
def ir_remapped_msi(c):
    """Remappable MSI, handle 5 -> IRTE vector 0x55, SVT=01 SID 0x20; DMA remapping off."""
    return _remapped(c, {HANDLE: irte(0x55, 0x20)})


@scenario(requires=IR, expect=_ir_fault(0x26, HANDLE))
def ir_sid_mismatch(c):
    """IRTE checks SID 0x28 but edu is 0x20: blocked, fault 0x26 recorded."""
    return _remapped(c, {HANDLE: irte(0x56, 0x28)})


@scenario(requires=IR, expect=_ir_fault(0x22, HANDLE))
def ir_not_present(c):
    """IRTE P=0: blocked, fault 0x22 recorded."""
    return _remapped(c, {HANDLE: irte(0x57, 0x20, present=False)})


@scenario(requires=IR, expect=_ir_fault(0x21, 300))
def ir_index_beyond_table(c):
    """Handle 300 with a 256-entry table: blocked, fault 0x21 recorded."""
    return _remapped(c, {HANDLE: irte(0x58, 0x20)}, handle=300)


@scenario(requires=IR, expect=_ir_fault(0x25, 0))
def ir_compat_blocked(c):
    """Compatibility-format MSI (vector 0x77) while IRE=1 and CFI was never set: fault 0x25."""
    rig = Rig(c)
    gsts = _enable_ir(rig, {HANDLE: irte(0x55, 0x20)})
    rig.edu.enable_msi(MSI_ADDRESS, 0x77)
    rig.edu.raise_irq()
    obs = {"gsts": gsts, "irr": pci_edu.irr_vectors(c)}
    obs.update(rig.fault_state())
    return obs


@scenario(requires=IR, expect=dict(NO_FAULT, gsts=0x03800000, irr=[0x78]))
def ir_compat_cfi(c):
    """GCMD.CFI set after IRE: GSTS.CFIS, and a compatibility-format MSI passes (0x78)."""
    rig = Rig(c)
    _enable_ir(rig, {HANDLE: irte(0x55, 0x20)})
    keep = rig.vtd.r32(GSTS) & PERSISTENT
    rig.vtd.w32(GCMD, keep | CFI)
    # QEMU never implements CFI, so GSTS is read once rather than polled for CFIS
    gsts = rig.vtd.r32(GSTS)
    rig.edu.enable_msi(MSI_ADDRESS, 0x78)
    rig.edu.raise_irq()
    obs = {"gsts": gsts, "irr": pci_edu.irr_vectors(c)}
    obs.update(rig.fault_state())
    return obs
