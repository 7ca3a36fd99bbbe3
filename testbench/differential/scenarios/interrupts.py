"""Device interrupt and bus-mastering scenarios with interrupt remapping *not* enabled: edu's
MSI reaches the LAPIC unchanged (QEMU's intremap defaults to on, but IRE stays 0), a DMA
completion interrupt, and what bus mastering off does to DMA and MSI. Remapped interrupts
are in intremap.py.
"""
from . import scenario
from .common import MSI_ADDRESS, Rig, hexs, marker, pattern
import pci_edu

N = 16


@scenario(expect={"irr_before": [], "irr": [0x41], "gsts": 0})
def edu_msi_no_ir(c):
    """edu MSI (address 0xfee00000, data 0x41) with IRE=0: vector 0x41 in the IRR."""
    rig = Rig(c)
    obs = {"irr_before": pci_edu.irr_vectors(c)}
    rig.edu.enable_msi(MSI_ADDRESS, 0x41)
    rig.edu.raise_irq()
    obs.update(irr=pci_edu.irr_vectors(c), gsts=rig.vtd.r32(0x1C))
    return obs


@scenario(expect={"irr": [0x42], "data": hexs(pattern(16, N)), "fsts": 0})
def edu_dma_irq_translated(c):
    """A translated DMA with edu's raise-IRQ-on-completion bit: data lands, vector 0x42."""
    rig = Rig(c)
    rig.preload(pattern(16, N))
    sl = rig.domain(4)
    sl.map(0x60000, 0x7E0000)
    rig.attach(rig.edu, sl)
    rig.edu.enable_msi(MSI_ADDRESS, 0x42)
    rig.enable()
    rig.edu.dma(pci_edu.EDU_BUFFER, 0x60000, N, to_ram=True, irq=True)
    return {"irr": pci_edu.irr_vectors(c), "data": rig.read_hex(0x7E0000, N),
            "fsts": rig.vtd.fsts()}


@scenario(expect={"data": hexs(marker(N)), "fsts": 0, "frcd_hi": 0, "irr": []})
def edu_bus_master_off(c):
    """COMMAND.BME=0 with translation on: the DMA write and the MSI go nowhere, no fault."""
    rig = Rig(c)
    c.write(0x7F0000, marker(N))
    sl = rig.domain(4)
    sl.map(0x70000, 0x7F0000)
    rig.attach(rig.edu, sl)
    pci_edu.config_write(c, rig.edu.bdf, 0x04, 0x2, 2)  # memory space on, bus master off
    rig.edu.enable_msi(MSI_ADDRESS, 0x43)
    rig.enable()
    rig.edu.dma_write(0x70000, N)
    rig.edu.raise_irq()
    return {"data": rig.read_hex(0x7F0000, N), "fsts": rig.vtd.fsts(),
            "frcd_hi": rig.vtd.fault_record(0)[1], "irr": pci_edu.irr_vectors(c)}


@scenario(expect={"irr": [0x49], "fsts": 0, "frcd_hi": 0})
def dma_write_to_interrupt_window(c):
    """With translation on, a DWORD DMA write to 0xFEE00000 is an interrupt request, not
    DMA: it is not translated (nothing maps it) and delivers vector 0x49."""
    rig = Rig(c)
    rig.preload(bytes([0x49, 0, 0, 0]))
    sl = rig.domain(4)
    sl.map(0x1000, 0x780000)
    rig.attach(rig.edu, sl)
    rig.enable()
    rig.edu.dma_write(MSI_ADDRESS, 4)
    return {"irr": pci_edu.irr_vectors(c), "fsts": rig.vtd.fsts(),
            "frcd_hi": rig.vtd.fault_record(0)[1]}
