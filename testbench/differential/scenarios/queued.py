"""Queued-invalidation scenarios (fact sheet 6.1-6.6, 6.12): enabling QI, a wait descriptor
with a status write and with an interrupt, and an invalid descriptor (IQE). vtdsim has no
queued invalidation yet, so these declare requires=("queued_invalidation",) and run on QEMU
only until it lands. 128-bit descriptors only (no scalable mode).
"""
from . import scenario
from .common import MSI_ADDRESS, Rig
import pci_edu
from vtd import FSTS_IQE, GSTS, ICS, IEADDR, IECTL, IEDATA, IQA, IQERCD, IQH, IQT, QIE

QUEUE = 0x120000  # one 4 KiB page: 256 descriptors (QS=0)
STATUS = 0x121000
CC_GLOBAL = 0x1 | 1 << 4
IOTLB_GLOBAL = 0x2 | 1 << 4
WAIT_IF, WAIT_SW = 1 << 4, 1 << 5
QI = ("queued_invalidation",)


def _wait(status_data=0, sw=True, irq=False):
    return (0x5 | (WAIT_SW if sw else 0) | (WAIT_IF if irq else 0) | status_data << 32,
            STATUS if sw else 0)


class Queue:
    """The invalidation queue as software drives it: append descriptors, then move IQT."""

    def __init__(self, rig):
        self.rig = rig
        self.tail = 0
        rig.c.memset(QUEUE, 4096, 0)
        rig.vtd.w64(IQT, 0)
        rig.vtd.w64(IQA, QUEUE)  # DW=0 (128-bit), QS=0

    def enable(self):
        return self.rig.vtd.gcmd(QIE)

    def submit(self, *descriptors):
        c = self.rig.c
        for lo, hi in descriptors:
            c.writeq(QUEUE + self.tail, lo)
            c.writeq(QUEUE + self.tail + 8, hi)
            self.tail += 16
        self.rig.vtd.w64(IQT, self.tail)


@scenario(requires=QI, expect={"gsts": 0x44000000, "iqa": QUEUE, "iqh": 0, "iqt": 0})
def qi_enable(c):
    """IQA (QS=0), IQT=0, then GCMD.QIE after SRTP: GSTS reads RTPS|QIES."""
    rig = Rig(c)
    rig.vtd.set_root(0x100000)
    q = Queue(rig)
    return {"gsts": q.enable(), "iqa": rig.vtd.r64(IQA), "iqh": rig.vtd.r64(IQH),
            "iqt": rig.vtd.r64(IQT)}


@scenario(requires=QI, expect={"status": 0xCAFE, "iqh": 0x30, "fsts": 0, "ics": 0})
def qi_wait_status_write(c):
    """Context-cache global, IOTLB global, wait(SW=1, 0xcafe): status written, IQH=0x30."""
    rig = Rig(c)
    rig.vtd.set_root(0x100000)
    q = Queue(rig)
    q.enable()
    c.writel(STATUS, 0)
    q.submit((CC_GLOBAL, 0), (IOTLB_GLOBAL, 0), _wait(0xCAFE))
    for _ in range(100):
        if c.readl(STATUS) == 0xCAFE:
            break
    return {"status": c.readl(STATUS), "iqh": rig.vtd.r64(IQH), "fsts": rig.vtd.fsts(),
            "ics": rig.vtd.r32(ICS)}


@scenario(requires=QI, expect={"ics": 1, "iectl": 0, "irr": [0x46], "iqh": 0x10})
def qi_wait_interrupt(c):
    """wait(IF=1) with IECTL unmasked, IEDATA=0x46: ICS.IWC=1 and vector 0x46 delivered."""
    rig = Rig(c)
    rig.vtd.set_root(0x100000)
    q = Queue(rig)
    q.enable()
    rig.vtd.w32(IEDATA, 0x46)
    rig.vtd.w32(IEADDR, MSI_ADDRESS)
    rig.vtd.w32(IECTL, 0)
    q.submit(_wait(sw=False, irq=True))
    return {"ics": rig.vtd.r32(ICS), "iectl": rig.vtd.r32(IECTL),
            "irr": pci_edu.irr_vectors(c), "iqh": rig.vtd.r64(IQH)}


@scenario(requires=QI, expect={"fsts": FSTS_IQE, "iqh": 0x10, "status": 0, "iqercd": 3,
                               "fectl": 0xC0000000, "gsts": 0x44000000})
def qi_invalid_descriptor(c):
    """A descriptor of type 0 after a valid one: FSTS.IQE, IQH stays on it, the wait behind it
    is not run, IQERCD.IQEI=3 (invalid type), fault event pending (IM=1)."""
    rig = Rig(c)
    rig.vtd.set_root(0x100000)
    q = Queue(rig)
    q.enable()
    c.writel(STATUS, 0)
    q.submit((CC_GLOBAL, 0), (0x0, 0), _wait(0xBEEF))
    return {"fsts": rig.vtd.fsts(), "iqh": rig.vtd.r64(IQH), "status": c.readl(STATUS),
            "iqercd": rig.vtd.r64(IQERCD), "fectl": rig.vtd.fectl(),
            "gsts": rig.vtd.r32(GSTS)}
