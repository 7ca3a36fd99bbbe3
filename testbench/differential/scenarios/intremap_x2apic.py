"""x2APIC mode of interrupt remapping (fact sheet 8.1-8.3): with ECAP.EIM and IRTA.EIME the
IRTE destination is a 32-bit x2APIC ID, and compatibility-format requests are blocked even
with CFIS set; without ECAP.EIM, EIME is not valid and IRTEs keep their xAPIC layout.

QEMU 7.2 offers EIM under TCG only with `x-buggy-eim=on` (eim=on otherwise needs KVM with
kernel-irqchip=split); its TCG APIC is xAPIC-only. The machine has one CPU, APIC ID 0.
"""
from . import scenario
from .common import MSI_ADDRESS, Rig
from .intremap import IR, enable_ir, irte, remappable_address, send_msi, set_cfi
import pci_edu
from vtd import ECAP, IRTA

EIM_OPTIONS = "aw-bits=48,eim=on,x-buggy-eim=on"
EIME = 1 << 11


def irte_x2apic(vector, dest):
    """A remapped IRTE whose destination is the 32-bit x2APIC ID `dest` (bits 63:32)."""
    lo, hi = irte(vector)
    return lo | dest << 32, hi


@scenario(iommu=EIM_OPTIONS, requires=IR,
          expect={"ecap": 0xF00F5A, "irr": [0xA0], "gsts_cfi": 0x03800000,
                  "irr_compat": [0xA0], "fsts": 0x2, "fectl": 0xC0000000, "frcd_lo": 0,
                  "frcd_hi": 1 << 63 | 0x25 << 32 | 0x20})
def ir_x2apic_eim(c):
    """EIM advertised, IRTA.EIME=1: IRTE destinations 0 (delivered, vector 0xa0), 1 and
    0x100 (no such CPU) as 32-bit IDs. Then GCMD.CFI: a compatibility-format MSI (0xa3)
    is still blocked, fault 0x25, because x2APIC mode ignores CFIS."""
    rig = Rig(c)
    enable_ir(rig, {1: irte_x2apic(0xA0, 0), 2: irte_x2apic(0xA1, 1),
                    3: irte_x2apic(0xA2, 0x100)}, irta_flags=EIME)
    for handle in (1, 2, 3):
        send_msi(rig, remappable_address(handle))
    obs = {"ecap": rig.vtd.r64(ECAP), "irr": pci_edu.irr_vectors(c), "gsts_cfi": set_cfi(rig)}
    send_msi(rig, MSI_ADDRESS, 0xA3)
    obs["irr_compat"] = pci_edu.irr_vectors(c)
    obs.update(rig.fault_state())
    return obs


@scenario(requires=IR, expect={"irta": 0x130007, "irr": [], "fsts": 0x2, "fectl": 0xC0000000,
                               "frcd_lo": 5 << 48, "frcd_hi": 1 << 63 | 0x24 << 32 | 0x20})
def ir_eime_without_eim(c):
    """No ECAP.EIM, yet IRTA written with EIME=1: EIME is not valid, so the IRTE keeps its
    xAPIC layout, where destination 0x00000001 sets reserved bit 32: fault 0x24."""
    rig = Rig(c)
    enable_ir(rig, {5: irte_x2apic(0xA4, 1)}, irta_flags=EIME)
    send_msi(rig, remappable_address(5))
    obs = {"irta": rig.vtd.r64(IRTA), "irr": pci_edu.irr_vectors(c)}
    obs.update(rig.fault_state())
    return obs
