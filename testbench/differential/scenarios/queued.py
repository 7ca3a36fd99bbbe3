"""Queued-invalidation scenarios (fact sheet 6.1-6.6, 6.11, 6.12, 7.3, 7.5): enabling and
disabling QI, every context-cache and IOTLB descriptor granularity seen through DMA, the
invalidation wait (status write, interrupt with IECTL masked and unmasked, IWC already set,
no flag), queue errors (invalid type, reserved bit, fetch error, failed status write,
resuming after IQE) and register-based invalidation while QI is enabled. The
interrupt-entry-cache descriptor is in intremap_cache.py.
128-bit descriptors only (no scalable mode). Not run here: a wait with SW and IF together,
on which QEMU 7.2 aborts (an assertion); the unit tests cover it.
"""
from . import scenario
from .common import MSI_ADDRESS, Rig, hexs, marker, pattern
import pci_edu
from tables import write_context, context_entry
from vtd import (CCMD, FSTS_IQE, GCMD, GSTS, ICS, IEADDR, IECTL, IEDATA, IQA, IQERCD, IQH,
                 IQT, PERSISTENT, QIE)

QUEUE = 0x120000  # one 4 KiB page: 256 descriptors (QS=0)
STATUS = 0x121000
UNASSIGNED = 0x20000000  # 512 MiB: beyond the 256 MiB of RAM, no device there
CC_GLOBAL = 0x1 | 1 << 4
IOTLB_GLOBAL = 0x2 | 1 << 4
WAIT_IF, WAIT_SW = 1 << 4, 1 << 5
QI = ("queued_invalidation",)
GRAN_GLOBAL, GRAN_DOMAIN, GRAN_DEVICE, GRAN_PAGE = 1, 2, 3, 3


def _wait(status_data=0, sw=True, irq=False, address=STATUS):
    return (0x5 | (WAIT_SW if sw else 0) | (WAIT_IF if irq else 0) | status_data << 32,
            address if sw else 0)


def cc_desc(granularity, did=0, sid=0, fm=0):
    """Context-cache invalidate (fact sheet 6.2)."""
    return 0x1 | granularity << 4 | did << 16 | sid << 32 | fm << 48, 0


def iotlb_desc(granularity, did=0, addr=0, am=0, ih=0):
    """IOTLB invalidate (fact sheet 6.3)."""
    return 0x2 | granularity << 4 | did << 16, addr | ih << 6 | am


class Queue:
    """The invalidation queue as software drives it: append descriptors, then move IQT."""

    def __init__(self, rig, base=QUEUE):
        self.rig = rig
        self.base = base
        self.tail = 0
        rig.c.memset(base, 4096, 0)
        rig.vtd.w64(IQT, 0)
        rig.vtd.w64(IQA, base)  # DW=0 (128-bit), QS=0

    def enable(self):
        return self.rig.vtd.gcmd(QIE)

    def put(self, *descriptors):
        c = self.rig.c
        for lo, hi in descriptors:
            c.writeq(self.base + self.tail, lo)
            c.writeq(self.base + self.tail + 8, hi)
            self.tail += 16

    def submit(self, *descriptors):
        self.put(*descriptors)
        self.rig.vtd.w64(IQT, self.tail)

    def sync(self, *descriptors, data=0x600D):
        """Descriptors, then a wait with a status write; polls the status like Linux."""
        c = self.rig.c
        c.writel(STATUS, 0)
        self.submit(*descriptors, _wait(data))
        for _ in range(100):
            if c.readl(STATUS) == data:
                break
        return c.readl(STATUS)


def _queue_state(rig, prefix=""):
    v = rig.vtd
    return {prefix + "iqh": v.r64(IQH), prefix + "fsts": v.fsts()}


# ---- descriptors seen through DMA ----------------------------------------------------------

N = 16
IOVA = 0x40000
OLD, NEW = 0x7C0000, 0x7D0000
DID, DID_B = 5, 6
DATA, NONE = hexs(pattern(13, N)), hexs(marker(N))


def _dma_after(c, change, descriptors):
    """DMA through IOVA -> OLD (caches context and translation), `change` the tables, run
    `descriptors` and a wait through the queue, DMA again: where did the data land?"""
    rig = Rig(c)
    rig.preload(pattern(13, N))
    sl = rig.domain(4)
    pte = sl.map(IOVA, OLD)
    rig.attach(rig.edu, sl, did=DID)
    rig.enable()  # SRTP, register-based global invalidations, TE
    q = Queue(rig)
    q.enable()
    rig.edu.dma_write(IOVA, N)
    rig.fill_marker(OLD, N)
    rig.fill_marker(NEW, N)
    change(rig, sl, pte)
    status = q.sync(*descriptors(rig))
    rig.edu.dma_write(IOVA, N)
    obs = {"old": rig.read_hex(OLD, N), "new": rig.read_hex(NEW, N), "status": status}
    obs.update(_queue_state(rig))
    return obs


def _repoint_pte(rig, sl, pte):
    rig.c.writeq(pte, NEW | 3)


def _switch_domain(rig, sl, pte):
    """The context entry moves to domain DID_B, whose tables map IOVA -> NEW."""
    other = rig.domain(4)
    other.map(IOVA, NEW)
    write_context(rig.c, rig.edu.bdf, context_entry(other.root, DID_B, other.aw))


STALE = {"old": DATA, "new": NONE, "status": 0x600D, "iqh": 0x20, "fsts": 0}
FRESH = dict(STALE, old=NONE, new=DATA)
FRESH2 = dict(FRESH, iqh=0x30)
STALE2 = dict(STALE, iqh=0x30)


@scenario(requires=QI, expect=FRESH2)
def qi_cc_global(c):
    """Context moved to another domain; cc global + IOTLB global: the new tables are used."""
    return _dma_after(c, _switch_domain,
                      lambda rig: (cc_desc(GRAN_GLOBAL), iotlb_desc(GRAN_GLOBAL)))


@scenario(requires=QI, expect=FRESH2)
def qi_cc_domain(c):
    """Context moved to another domain; cc domain-selective (old DID) + IOTLB global."""
    return _dma_after(c, _switch_domain,
                      lambda rig: (cc_desc(GRAN_DOMAIN, DID), iotlb_desc(GRAN_GLOBAL)))


@scenario(requires=QI, expect=FRESH2)
def qi_cc_device(c):
    """Context moved to another domain; cc device-selective (edu's SID, FM=0) + IOTLB global."""
    return _dma_after(c, _switch_domain, lambda rig: (
        cc_desc(GRAN_DEVICE, DID, rig.edu.sid), iotlb_desc(GRAN_GLOBAL)))


@scenario(requires=QI, expect=STALE2)
def qi_cc_device_other_sid(c):
    """Context moved; cc device-selective for another SID + IOTLB global: the cached context
    (old tables) stays in use."""
    return _dma_after(c, _switch_domain, lambda rig: (
        cc_desc(GRAN_DEVICE, DID, rig.edu.sid + 8), iotlb_desc(GRAN_GLOBAL)))


@scenario(requires=QI, expect=dict(STALE, iqh=0x10))
def qi_iotlb_none(c):
    """PTE repointed and only a wait queued: the cached translation (OLD) is used."""
    return _dma_after(c, _repoint_pte, lambda rig: ())


@scenario(requires=QI, expect=FRESH)
def qi_iotlb_global(c):
    """PTE repointed; IOTLB global descriptor: NEW is used."""
    return _dma_after(c, _repoint_pte, lambda rig: (iotlb_desc(GRAN_GLOBAL),))


@scenario(requires=QI, expect=FRESH)
def qi_iotlb_domain(c):
    """PTE repointed; IOTLB domain-selective descriptor for the domain: NEW is used."""
    return _dma_after(c, _repoint_pte, lambda rig: (iotlb_desc(GRAN_DOMAIN, DID),))


@scenario(requires=QI, expect=FRESH)
def qi_iotlb_page(c):
    """PTE repointed; page-selective descriptor (AM=0) with the domain's DID: NEW is used."""
    return _dma_after(c, _repoint_pte, lambda rig: (iotlb_desc(GRAN_PAGE, DID, IOVA),))


@scenario(requires=QI, expect=FRESH)
def qi_iotlb_page_mask(c):
    """Page-selective with AM=7 from 0 (512 KiB, IOVA inside): NEW is used."""
    return _dma_after(c, _repoint_pte, lambda rig: (iotlb_desc(GRAN_PAGE, DID, 0, 7),))


@scenario(requires=QI, expect=STALE)
def qi_iotlb_page_wrong_did(c):
    """Page-selective descriptor naming another DID: the entry stays stale (OLD)."""
    return _dma_after(c, _repoint_pte, lambda rig: (iotlb_desc(GRAN_PAGE, DID + 1, IOVA),))


# ---- enabling, disabling, the wait descriptor ----------------------------------------------

@scenario(requires=QI, expect={"gsts": 0x44000000, "iqa": QUEUE, "iqh": 0, "iqt": 0})
def qi_enable(c):
    """IQA (QS=0), IQT=0, then GCMD.QIE after SRTP: GSTS reads RTPS|QIES."""
    rig = Rig(c)
    rig.vtd.set_root(0x100000)
    q = Queue(rig)
    return {"gsts": q.enable(), "iqa": rig.vtd.r64(IQA), "iqh": rig.vtd.r64(IQH),
            "iqt": rig.vtd.r64(IQT)}


@scenario(requires=QI, expect={"before": 0, "status": 0xABCD, "iqh": 0x20, "gsts": 0x44000000})
def qi_tail_while_disabled(c):
    """IQT moved past two descriptors while QI is off: nothing runs until QIE is set."""
    rig = Rig(c)
    rig.vtd.set_root(0x100000)
    q = Queue(rig)
    c.writel(STATUS, 0)
    q.submit(_wait(0x1111), _wait(0xABCD))
    before = c.readl(STATUS)
    gsts = q.enable()
    return {"before": before, "status": c.readl(STATUS), "iqh": rig.vtd.r64(IQH), "gsts": gsts}


@scenario(requires=QI, expect={"gsts": 0x40000000, "iqh": 0, "iqt": 0x30, "status": 0x77,
                               "iqh_again": 0x10})
def qi_disable_and_restart(c):
    """Three waits run; clearing QIE resets IQH to 0 (IQT kept); IQT=0 and QIE again start
    from the beginning of the queue."""
    rig = Rig(c)
    rig.vtd.set_root(0x100000)
    q = Queue(rig)
    q.enable()
    q.submit(_wait(1), _wait(2), _wait(3))
    obs = {"gsts": rig.vtd.gcmd(QIE, on=False), "iqh": rig.vtd.r64(IQH),
           "iqt": rig.vtd.r64(IQT)}
    q = Queue(rig, base=QUEUE + 0x2000)  # a fresh page
    q.enable()
    obs["status"] = q.sync(data=0x77)
    obs["iqh_again"] = rig.vtd.r64(IQH)
    return obs


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


def _irq_rig(c, data=0x46, masked=False):
    rig = Rig(c)
    rig.vtd.set_root(0x100000)
    q = Queue(rig)
    q.enable()
    rig.vtd.w32(IEDATA, data)
    rig.vtd.w32(IEADDR, MSI_ADDRESS)
    rig.vtd.w32(IECTL, 0x80000000 if masked else 0)
    return rig, q


@scenario(requires=QI, expect={"ics": 1, "iectl": 0, "irr": [0x46], "iqh": 0x10})
def qi_wait_interrupt(c):
    """wait(IF=1) with IECTL unmasked, IEDATA=0x46: ICS.IWC=1 and vector 0x46 delivered."""
    rig, q = _irq_rig(c)
    q.submit(_wait(sw=False, irq=True))
    return {"ics": rig.vtd.r32(ICS), "iectl": rig.vtd.r32(IECTL),
            "irr": pci_edu.irr_vectors(c), "iqh": rig.vtd.r64(IQH)}


@scenario(requires=QI, expect={"ics": 1, "iectl_masked": 0xC0000000, "irr_masked": [],
                               "iectl": 0, "irr": [0x48]})
def qi_wait_interrupt_masked(c):
    """wait(IF=1) with IECTL.IM=1: IWC=1, IP held, nothing delivered; clearing IM sends it."""
    rig, q = _irq_rig(c, 0x48, masked=True)
    q.submit(_wait(sw=False, irq=True))
    obs = {"ics": rig.vtd.r32(ICS), "iectl_masked": rig.vtd.r32(IECTL),
           "irr_masked": pci_edu.irr_vectors(c)}
    rig.vtd.w32(IECTL, 0)
    obs.update(iectl=rig.vtd.r32(IECTL), irr=pci_edu.irr_vectors(c))
    return obs


@scenario(requires=QI, expect={"ics": 1, "irr": [0x49], "iqh": 0x20, "irr_after_clear": [0x49, 0x4B]})
def qi_wait_iwc_already_set(c):
    """Two IF waits (IEDATA 0x49, then 0x4A): the second finds IWC set and sends nothing.
    After software clears IWC, a third (0x4B) is delivered."""
    rig, q = _irq_rig(c, 0x49)
    q.submit(_wait(sw=False, irq=True))
    rig.vtd.w32(IEDATA, 0x4A)
    q.submit(_wait(sw=False, irq=True))
    obs = {"ics": rig.vtd.r32(ICS), "irr": pci_edu.irr_vectors(c), "iqh": rig.vtd.r64(IQH)}
    rig.vtd.w32(ICS, 1)
    rig.vtd.w32(IEDATA, 0x4B)
    q.submit(_wait(sw=False, irq=True))
    obs["irr_after_clear"] = pci_edu.irr_vectors(c)
    return obs


@scenario(requires=QI, expect={"iqh": 0x20, "fsts": 0, "status": 0x600D})
def qi_wait_no_flags(c):
    """wait with neither SW nor IF (a pure ordering point), then a wait(SW): both complete."""
    rig = Rig(c)
    rig.vtd.set_root(0x100000)
    q = Queue(rig)
    q.enable()
    status = q.sync((0x5, 0))
    return {"iqh": rig.vtd.r64(IQH), "fsts": rig.vtd.fsts(), "status": status}


# ---- queue errors -------------------------------------------------------------------------

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


@scenario(requires=QI, expect={"fsts": FSTS_IQE, "iqh": 0, "iqercd": 4, "status": 0})
def qi_reserved_bit(c):
    """A context-cache descriptor with reserved bit 8 set: IQE, IQEI=4 (reserved field)."""
    rig = Rig(c)
    rig.vtd.set_root(0x100000)
    q = Queue(rig)
    q.enable()
    c.writel(STATUS, 0)
    q.submit((CC_GLOBAL | 1 << 8, 0), _wait(0x1))
    return {"fsts": rig.vtd.fsts(), "iqh": rig.vtd.r64(IQH), "iqercd": rig.vtd.r64(IQERCD),
            "status": c.readl(STATUS)}


# ---- device-TLB invalidation (fact sheet 6.4, 6.12, 7.1; device-iotlb=on gives ECAP.DT) ----

DT = "aw-bits=48,device-iotlb=on"
QI_DT = ("queued_invalidation", "device_tlb")
FSTS_ITE = 0x40


def dev_tlb_desc(sid, addr=0, s=0, mip=0):
    """Device-TLB invalidate (fact sheet 6.4): MIP 20:16, SID 47:32; S qw1 0, ADDR 63:12."""
    return 0x3 | mip << 16 | sid << 32, addr | s


@scenario(iommu=DT, requires=QI_DT, expect={"fsts": FSTS_IQE, "iqh": 0, "iqercd": 4, "status": 0})
def qi_device_tlb_reserved_bit(c):
    """A device-TLB descriptor with PFSID bit 12 set, reserved without ECAP.DIT: IQE, IQEI=4,
    IQH stays on it and the wait behind it does not run."""
    rig = Rig(c)
    rig.vtd.set_root(0x100000)
    q = Queue(rig)
    q.enable()
    c.writel(STATUS, 0)
    q.submit((dev_tlb_desc(rig.edu.sid)[0] | 1 << 12, 0), _wait(0x1))
    return {"fsts": rig.vtd.fsts(), "iqh": rig.vtd.r64(IQH), "iqercd": rig.vtd.r64(IQERCD),
            "status": c.readl(STATUS)}


@scenario(iommu=DT, requires=QI_DT,
          expect={"fsts": FSTS_ITE, "iqh": 0x20, "iqercd": 0x20 << 32, "status": 0,
                  "fectl": 0xC0000000, "fsts_cleared": 0, "status_after": 0x5EC0,
                  "iqh_after": 0x30})
def qi_device_tlb_no_ats(c):
    """A device-TLB invalidation for edu, which has no ATS, then a wait(SW): no invalidate
    completion comes back, so the unit times out: ITE with ITESID = edu, the wait aborted (no
    status), the fault event held (IM=1). Clearing ITE resumes fetching."""
    rig = Rig(c)
    rig.vtd.set_root(0x100000)
    q = Queue(rig)
    q.enable()
    c.writel(STATUS, 0)
    q.submit(dev_tlb_desc(rig.edu.sid, 0x40000), _wait(0x1))
    obs = {"fsts": rig.vtd.fsts(), "iqh": rig.vtd.r64(IQH), "iqercd": rig.vtd.r64(IQERCD),
           "status": c.readl(STATUS), "fectl": rig.vtd.fectl()}
    rig.vtd.w32(0x34, FSTS_ITE)  # FSTS: ITE is write-1-to-clear
    obs["fsts_cleared"] = rig.vtd.fsts()
    obs["status_after"] = q.sync(data=0x5EC0)
    obs["iqh_after"] = rig.vtd.r64(IQH)
    return obs


@scenario(requires=QI, expect={"stuck_iqh": 0x10, "status": 0xD0D0, "iqh": 0x40, "fsts": 0,
                               "fectl": 0x80000000, "status_after_iqt": 0xD0D0,
                               "iqh_after_iqt": 0x40})
def qi_resume_after_iqe(c):
    """After IQE, software (like Linux) copies a wait over the bad descriptor and clears IQE:
    fetching resumes at IQH and runs everything queued, the later IQT write included. Then
    IQT is written again with the same value."""
    rig = Rig(c)
    rig.vtd.set_root(0x100000)
    q = Queue(rig)
    q.enable()
    c.writel(STATUS, 0)
    q.submit(_wait(0x1), (0x0, 0))
    q.submit(_wait(0xD0D0))
    q.put(_wait(0xD0D0))
    rig.vtd.w64(IQT, q.tail)
    stuck = rig.vtd.r64(IQH)
    c.writeq(QUEUE + stuck, _wait(0x2)[0])
    c.writeq(QUEUE + stuck + 8, _wait(0x2)[1])
    rig.vtd.clear_fsts(FSTS_IQE)
    obs = {"stuck_iqh": stuck, "status": c.readl(STATUS), "iqh": rig.vtd.r64(IQH),
           "fsts": rig.vtd.fsts(), "fectl": rig.vtd.fectl()}
    rig.vtd.w64(IQT, q.tail)
    obs.update(status_after_iqt=c.readl(STATUS), iqh_after_iqt=rig.vtd.r64(IQH))
    return obs


@scenario(requires=QI, expect={"fsts": FSTS_IQE, "iqh": 0, "iqercd": 2})
def qi_fetch_error(c):
    """The queue at an address with no memory behind it: IQE, IQEI=2 (fetch error)."""
    rig = Rig(c)
    rig.vtd.set_root(0x100000)
    rig.vtd.w64(IQT, 0)
    rig.vtd.w64(IQA, UNASSIGNED)
    rig.vtd.gcmd(QIE)
    rig.vtd.w64(IQT, 0x10)
    return {"fsts": rig.vtd.fsts(), "iqh": rig.vtd.r64(IQH), "iqercd": rig.vtd.r64(IQERCD)}


@scenario(requires=QI, expect={"iqh": 0x20, "fsts": 0, "status": 0x600D})
def qi_status_write_fails(c):
    """wait(SW) whose status address has no memory: the wait still completes (no queue-error
    code exists for it) and the next one runs."""
    rig = Rig(c)
    rig.vtd.set_root(0x100000)
    q = Queue(rig)
    q.enable()
    status = q.sync(_wait(0x1, address=UNASSIGNED))
    return {"iqh": rig.vtd.r64(IQH), "fsts": rig.vtd.fsts(), "status": status}


@scenario(requires=QI, expect={"gsts": 0x40000000, "iqh": 0, "iqt": 0x30, "fsts": FSTS_IQE,
                               "status": 0x30})
def qi_disable_nonempty(c):
    """QIE cleared while an error holds IQH at 0x10 below IQT=0x30: QI turns off, IQH resets,
    the rest (the wait writing 0x31) is dropped; IQE stays until software clears it."""
    rig = Rig(c)
    rig.vtd.set_root(0x100000)
    q = Queue(rig)
    q.enable()
    c.writel(STATUS, 0)
    q.submit(_wait(0x30), (0x0, 0), _wait(0x31))
    # one write and bounded reads: QEMU never acknowledges this, so vtd.gcmd() would raise
    rig.vtd.w32(GCMD, rig.vtd.r32(GSTS) & PERSISTENT & ~QIE)
    for _ in range(10):
        gsts = rig.vtd.r32(GSTS)
    return {"gsts": gsts, "iqh": rig.vtd.r64(IQH), "iqt": rig.vtd.r64(IQT),
            "fsts": rig.vtd.fsts(), "status": c.readl(STATUS)}


@scenario(requires=QI, expect={"ccmd": 1 << 61, "iotlb_reg": 1 << 60, "gsts": 0x44000000})
def qi_register_inv_while_enabled(c):
    """CCMD (global) and IOTLB_REG (global) written while QI is enabled: refused; ICC/IVT
    clear and CAIG/IAIG read 0, so a polling driver does not hang."""
    rig = Rig(c)
    rig.vtd.set_root(0x100000)
    q = Queue(rig)
    q.enable()
    v = rig.vtd
    v.w64(CCMD, 1 << 63 | GRAN_GLOBAL << 61)
    v.w64(v.iotlb, 1 << 63 | GRAN_GLOBAL << 60)
    # bounded reads instead of vtd.ccmd()'s poll, which raises when ICC never clears
    ccmd = iotlb = 0
    for _ in range(10):
        ccmd, iotlb = v.r64(CCMD), v.r64(v.iotlb)
    return {"ccmd": ccmd, "iotlb_reg": iotlb, "gsts": v.r32(GSTS)}
