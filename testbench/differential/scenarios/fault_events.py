"""Fault event interrupt scenarios (FECTL/FEDATA/FEADDR): an unmasked event delivers FEDATA's
vector to the LAPIC (seen in the IRR line of `info lapic`) and leaves IP clear; a masked one
sets IP and is delivered when software clears IM; a masked one whose cause software clears
first is dropped. Recording itself is in faults.py.
"""
from . import scenario
from .common import MSI_ADDRESS, Rig, frcd_hi, pattern
import pci_edu
from vtd import FECTL

VECTOR = 0x44
N = 8


def _fault(c, masked):
    """Program the fault event, then make edu 4.0 write to an unmapped IOVA."""
    rig = Rig(c)
    rig.preload(pattern(12, N))
    sl = rig.domain(4)
    sl.map(0x1000, 0x780000)
    rig.attach(rig.edu, sl)
    rig.vtd.fault_event(VECTOR, MSI_ADDRESS, mask=masked)
    rig.enable()
    rig.edu.dma_write(0xA0B0123, N)
    return rig


@scenario(expect={"fsts": 0x2, "fectl": 0, "irr": [VECTOR], "frcd_hi": frcd_hi(5, 0x20)})
def fault_event_unmasked(c):
    """FECTL=0, FEDATA=0x44: the fault delivers vector 0x44 and IP reads 0."""
    rig = _fault(c, masked=False)
    return {"fsts": rig.vtd.fsts(), "fectl": rig.vtd.fectl(), "irr": pci_edu.irr_vectors(c),
            "frcd_hi": rig.vtd.fault_record(0)[1]}


@scenario(expect={"fectl_masked": 0xC0000000, "irr_masked": [], "fectl_unmasked": 0,
                  "irr_unmasked": [VECTOR]})
def fault_event_masked_then_unmask(c):
    """IM=1: the fault only sets IP; clearing IM then sends the held message and clears IP."""
    rig = _fault(c, masked=True)
    obs = {"fectl_masked": rig.vtd.fectl(), "irr_masked": pci_edu.irr_vectors(c)}
    rig.vtd.w32(FECTL, 0)
    obs.update(fectl_unmasked=rig.vtd.fectl(), irr_unmasked=pci_edu.irr_vectors(c))
    return obs


@scenario(expect={"fectl_cleared": 0x80000000, "fectl_unmasked": 0, "irr": []})
def fault_event_cleared_before_unmask(c):
    """IM=1, fault, then software clears F (PPF->0): IP clears and unmasking sends nothing."""
    rig = _fault(c, masked=True)
    rig.vtd.clear_fault_record(0)
    obs = {"fectl_cleared": rig.vtd.fectl()}
    rig.vtd.w32(FECTL, 0)
    obs.update(fectl_unmasked=rig.vtd.fectl(), irr=pci_edu.irr_vectors(c))
    return obs
