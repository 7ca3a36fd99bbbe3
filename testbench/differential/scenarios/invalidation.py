"""Register-based invalidation scenarios (CCMD, IVA/IOTLB): a stale IOTLB entry is used after a
PTE change with no invalidation; page-selective with the right and the wrong DID, domain-
selective and global invalidation; the granularity each reports (CAIG/IAIG); what a cleared
context entry does while its translations are cached; SRTP and TE without invalidation.
Queued invalidation is in queued.py.
"""
from . import scenario
from .common import Rig, frcd_hi, hexs, marker, pattern
import tables
from tables import CONTEXT_TABLE, write_context
from vtd import DEVICE, DOMAIN, GLOBAL, PAGE

N = 16
IOVA = 0x40000
OLD, NEW = 0x7C0000, 0x7D0000  # the PTE first points at OLD, then at NEW
DID = 5


def _remap(c, invalidate):
    """DMA through IOVA -> OLD (caches it), repoint the PTE to NEW, `invalidate`, DMA again."""
    rig = Rig(c)
    rig.preload(pattern(13, N))
    sl = rig.domain(4)
    pte = sl.map(IOVA, OLD)
    rig.attach(rig.edu, sl, did=DID)
    rig.enable()
    rig.edu.dma_write(IOVA, N)
    rig.fill_marker(OLD, N)
    rig.fill_marker(NEW, N)
    c.writeq(pte, NEW | 3)
    obs = {}
    result = invalidate(rig.vtd)
    if result is not None:
        obs["iotlb_reg"] = result
    rig.edu.dma_write(IOVA, N)
    obs.update(old=rig.read_hex(OLD, N), new=rig.read_hex(NEW, N), fsts=rig.vtd.fsts())
    return obs


DATA, NONE = hexs(pattern(13, N)), hexs(marker(N))
STALE = {"old": DATA, "new": NONE, "fsts": 0}
FRESH = {"old": NONE, "new": DATA, "fsts": 0}
IVT, IAIG = 1 << 63, 57


@scenario(expect=STALE)
def inv_none_stale(c):
    """PTE repointed, no invalidation: the cached translation (OLD) is still used."""
    return _remap(c, lambda v: None)


@scenario(expect=dict(FRESH, iotlb_reg=PAGE << 60 | PAGE << IAIG | DID << 32))
def inv_psi_right_did(c):
    """Page-selective IOTLB invalidation (AM=0) with the domain's DID: NEW is used; IAIG=3."""
    return _remap(c, lambda v: v.iotlb_invalidate(PAGE, did=DID, addr=IOVA))


@scenario(expect=dict(STALE, iotlb_reg=PAGE << 60 | PAGE << IAIG | (DID + 1) << 32))
def inv_psi_wrong_did(c):
    """Page-selective invalidation naming another DID: the entry stays stale (OLD)."""
    return _remap(c, lambda v: v.iotlb_invalidate(PAGE, did=DID + 1, addr=IOVA))


@scenario(expect=dict(FRESH, iotlb_reg=DOMAIN << 60 | DOMAIN << IAIG | DID << 32))
def inv_domain(c):
    """Domain-selective IOTLB invalidation: NEW is used; IAIG=2."""
    return _remap(c, lambda v: v.iotlb_invalidate(DOMAIN, did=DID))


@scenario(expect=dict(FRESH, iotlb_reg=GLOBAL << 60 | GLOBAL << IAIG))
def inv_global(c):
    """Global IOTLB invalidation: NEW is used; IAIG=1."""
    return _remap(c, lambda v: v.iotlb_invalidate(GLOBAL))


CAIG = 59
WRITE_ONLY_CCMD = 0x3FFFF0000


@scenario(expect={"global": GLOBAL << 61 | GLOBAL << CAIG,
                  "domain": DOMAIN << 61 | DOMAIN << CAIG | DID,
                  "device": DEVICE << 61 | DEVICE << CAIG | DID})
def inv_ccmd_granularity(c):
    """CCMD global, domain and device requests: CCMD after ICC clears (CAIG = performed)."""
    rig = Rig(c)
    v = rig.vtd
    # SID and FM (33:16) are write-only (VT-d 10.4.7): their read value is undefined
    # (QEMU reads 0, vtdsim the written value), so they are masked out
    return {"global": v.ccmd(GLOBAL), "domain": v.ccmd(DOMAIN, did=DID),
            "device": v.ccmd(DEVICE, did=DID, sid=0x20) & ~WRITE_ONLY_CCMD}


@scenario(expect={"after_ccmd_old": NONE, "after_ccmd_fsts": 0x2,
                  "after_ccmd_frcd_hi": frcd_hi(2, 0x20),
                  "after_iotlb_old": NONE, "after_iotlb_fsts": 0x2,
                  "after_iotlb_frcd_hi": frcd_hi(2, 0x20)})
def inv_context_cleared(c):
    """Context entry cleared + device-selective CCMD: the next DMA faults 2 (context first);
    after a global IOTLB invalidation as well."""
    rig = Rig(c)
    rig.preload(pattern(14, N))
    sl = rig.domain(4)
    sl.map(IOVA, OLD)
    rig.attach(rig.edu, sl, did=DID)
    rig.enable()
    rig.edu.dma_write(IOVA, N)  # caches context and translation
    write_context(c, rig.edu.bdf, (0, 0), CONTEXT_TABLE)
    rig.vtd.ccmd(DEVICE, did=DID, sid=rig.edu.sid)
    obs = {}
    for step, invalidate in (("after_ccmd_", None),
                             ("after_iotlb_", lambda: rig.vtd.iotlb_invalidate(GLOBAL))):
        if invalidate:
            invalidate()
        rig.fill_marker(OLD, N)
        rig.edu.dma_write(IOVA, N)
        obs[step + "old"] = rig.read_hex(OLD, N)
        obs[step + "fsts"] = rig.vtd.fsts()
        obs[step + "frcd_hi"] = rig.vtd.fault_record(0)[1]
        rig.vtd.clear_fault_record(0)
        rig.vtd.clear_fsts(0x1)
    return obs


@scenario(expect={"gsts": 0xC0000000, "data": hexs(pattern(15, N)), "fsts": 0})
def te_without_invalidation(c):
    """SRTP then TE with no context-cache or IOTLB invalidation at all: translation works."""
    rig = Rig(c)
    rig.preload(pattern(15, N))
    sl = rig.domain(4)
    sl.map(IOVA, OLD)
    rig.attach(rig.edu, sl)
    rig.fill_marker(OLD, N)
    rig.vtd.set_root(0x100000)
    obs = {"gsts": rig.vtd.enable_translation()}
    rig.edu.dma_write(IOVA, N)
    obs.update(data=rig.read_hex(OLD, N), fsts=rig.vtd.fsts())
    return obs


@scenario(expect={"old": DATA, "new": NONE, "fsts": 0})
def srtp_without_invalidation(c):
    """A second root table maps IOVA elsewhere; SRTP to it with no invalidation: the spec
    leaves the cached context and translation in use (software must invalidate)."""
    rig = Rig(c)
    rig.preload(pattern(13, N))
    sl = rig.domain(4)
    sl.map(IOVA, OLD)
    rig.attach(rig.edu, sl, did=DID)
    rig.enable()
    rig.edu.dma_write(IOVA, N)
    sl2 = rig.domain(4)
    sl2.map(IOVA, NEW)
    tables.write_root(c, context_table=0x103000, root=0x102000)
    tables.write_context(c, rig.edu.bdf, tables.context_entry(sl2.root, DID + 1, sl2.aw),
                         table=0x103000)
    rig.fill_marker(OLD, N)
    rig.fill_marker(NEW, N)
    rig.vtd.set_root(0x102000)
    rig.edu.dma_write(IOVA, N)
    return {"old": rig.read_hex(OLD, N), "new": rig.read_hex(NEW, N), "fsts": rig.vtd.fsts()}


@scenario(expect={"old": DATA, "new": NONE, "fsts": 0})
def te_toggle_without_invalidation(c):
    """PTE repointed, TE off and on again, no invalidation: the spec keeps the stale entry."""
    def toggle(v):
        v.disable_translation()
        v.enable_translation()
    return _remap(c, toggle)


def _remap_pages(c, pages, size, invalidate):
    """Like _remap for `pages` consecutive pages of `size`; observes each page's OLD/NEW."""
    rig = Rig(c)
    rig.preload(pattern(13, N))
    sl = rig.domain(4)
    ptes = [sl.map(IOVA_BIG + i * size, OLD_BIG + i * size, size) for i in range(pages)]
    rig.attach(rig.edu, sl, did=DID)
    rig.enable()
    for i in range(pages):
        rig.edu.dma_write(IOVA_BIG + i * size + 0x800, N)
    for i, pte in enumerate(ptes):
        rig.fill_marker(OLD_BIG + i * size + 0x800, N)
        rig.fill_marker(NEW_BIG + i * size + 0x800, N)
        c.writeq(pte, c.readq(pte) - OLD_BIG + NEW_BIG)
    obs = {"iotlb_reg": invalidate(rig.vtd)}
    for i in range(pages):
        rig.edu.dma_write(IOVA_BIG + i * size + 0x800, N)
        obs["old%d" % i] = rig.read_hex(OLD_BIG + i * size + 0x800, N)
        obs["new%d" % i] = rig.read_hex(NEW_BIG + i * size + 0x800, N)
    obs["fsts"] = rig.vtd.fsts()
    return obs


IOVA_BIG, OLD_BIG, NEW_BIG = 0x3000000, 0x1000000, 0x1400000
DATA_19 = hexs(pattern(19, N))


@scenario(expect={"iotlb_reg": PAGE << 60 | PAGE << IAIG | DID << 32, "old0": NONE,
                  "new0": DATA, "old1": NONE, "new1": DATA, "old2": DATA, "new2": NONE,
                  "fsts": 0})
def inv_psi_address_mask(c):
    """PSI with AM=1 at the first of three cached pages: pages 0 and 1 fresh, page 2 stale."""
    return _remap_pages(c, 3, 4096, lambda v: v.iotlb_invalidate(PAGE, did=DID,
                                                                   addr=IOVA_BIG, am=1))


@scenario(expect={"iotlb_reg": PAGE << 60 | PAGE << IAIG | DID << 32, "old0": NONE,
                  "new0": DATA, "fsts": 0})
def inv_psi_inside_superpage(c):
    """A cached 2 MiB leaf, PSI (AM=0) naming a 4 KiB page in its middle: the leaf is
    invalidated (entries overlapping the range go)."""
    return _remap_pages(c, 1, 1 << 21, lambda v: v.iotlb_invalidate(
        PAGE, did=DID, addr=IOVA_BIG + 0x123000))


@scenario(edus=("4.0", "5.0"),
          expect={"first": hexs(pattern(19, N)), "second": hexs(pattern(20, N)),
                  "second_after_psi": NONE, "first_after_psi": DATA_19, "fsts": 0})
def two_domains_same_iova(c):
    """Two devices in domains 1 and 2 map one IOVA to different frames; each lands in its
    own. Then both PTEs are repointed and a PSI for domain 2 only: domain 1 stays stale."""
    rig = Rig(c)
    rig.preload(pattern(19, N), rig.edus[0])
    rig.preload(pattern(20, N), rig.edus[1])
    doms = [rig.domain(4), rig.domain(4)]
    ptes = [doms[0].map(IOVA, OLD), doms[1].map(IOVA, NEW)]
    rig.attach(rig.edus[0], doms[0], did=1)
    rig.attach(rig.edus[1], doms[1], did=2)
    rig.enable()
    for edu in rig.edus:
        edu.dma_write(IOVA, N)
    obs = {"first": rig.read_hex(OLD, N), "second": rig.read_hex(NEW, N)}
    spare = 0x7C4000
    for pte in ptes:
        c.writeq(pte, spare | 3)
    rig.fill_marker(OLD, N)
    rig.fill_marker(NEW, N)
    rig.vtd.iotlb_invalidate(PAGE, did=2, addr=IOVA)
    for edu in rig.edus:
        edu.dma_write(IOVA, N)
    obs.update(first_after_psi=rig.read_hex(OLD, N), second_after_psi=rig.read_hex(NEW, N),
               fsts=rig.vtd.fsts())
    return obs

