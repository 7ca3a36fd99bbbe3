"""Translation scenarios: data lands at the translated GPA and the GPA equal to the IOVA stays
untouched, for 3- and 4-level tables, 2 MiB and 1 GiB leaves with in-page offsets, a write
crossing into a non-contiguous frame, both DMA directions, pass-through and TE off.
Faults are in faults.py; cache behaviour in invalidation.py.
"""
from . import scenario
from .common import Rig, hexs, marker, pattern
from tables import AW_48, SIZE_1G, SIZE_2M, TT_PASS_THROUGH

N = 32  # bytes per transfer: small, so observations stay readable


def _landing(c, levels, iova, gpa, size, offsets, check_iova=True):
    """Map one page, DMA a pattern to each offset in it, observe GPA and GPA==IOVA."""
    rig = Rig(c)
    data = pattern(levels, N)
    rig.preload(data)
    sl = rig.domain(levels)
    sl.map(iova, gpa, size)
    rig.attach(rig.edu, sl)
    for off in offsets:
        rig.fill_marker(gpa + off, N)
        if check_iova:
            rig.fill_marker(iova + off, N)
    obs = {"gsts": rig.enable()}
    for i, off in enumerate(offsets):
        rig.edu.dma_write(iova + off, N)
        obs["data%d" % i] = rig.read_hex(gpa + off, N)
        if check_iova:
            obs["at_iova%d" % i] = rig.read_hex(iova + off, N)
    obs["fsts"] = rig.vtd.fsts()
    return obs


def _expect(levels, count, check_iova=True):
    exp = {"gsts": 0xC0000000, "fsts": 0}
    for i in range(count):
        exp["data%d" % i] = hexs(pattern(levels, N))
        if check_iova:
            exp["at_iova%d" % i] = hexs(marker(N))
    return exp


@scenario(iommu="", expect=_expect(3, 1))
def translate_3level(c):
    """3-level tables (aw-bits=39, context AW=1): IOVA 0x300000 -> GPA 0x400000."""
    return _landing(c, 3, 0x300000, 0x400000, 4096, [0x120])


@scenario(expect=_expect(4, 1, check_iova=False))
def translate_4level(c):
    """4-level tables (aw-bits=48, AW=2): IOVA 0x123456789000 (PML4 index 0x24) -> 0x410000."""
    return _landing(c, 4, 0x123456789000, 0x410000, 4096, [0x340], check_iova=False)


@scenario(expect=_expect(4, 2))
def translate_2m_leaf(c):
    """A 2 MiB PDE leaf (PS=1): IOVA 0x2200000 -> frame 0x600000, offsets 0x12345, 0x1fffe0."""
    return _landing(c, 4, 0x2200000, 0x600000, SIZE_2M, [0x12345, 0x1FFFE0])


@scenario(expect=_expect(4, 2, check_iova=False))
def translate_1g_leaf(c):
    """A 1 GiB PDPTE leaf (PS=1): IOVA 0x5540000000 -> frame 0, offsets 0xa345670, 0xbcdef00."""
    return _landing(c, 4, 0x5540000000, 0, SIZE_1G, [0xA345670, 0xBCDEF00], check_iova=False)


@scenario(iommu="", expect=_expect(3, 1, check_iova=False))
def translate_1g_leaf_3level(c):
    """A 1 GiB leaf in a 3-level table (its top level): IOVA 0x4040000000 -> frame 0."""
    return _landing(c, 3, 0x4040000000, 0, SIZE_1G, [0x9876540], check_iova=False)


@scenario(expect={"gsts": 0xC0000000, "first": hexs(pattern(5, 16)),
                  "second": hexs(pattern(5, N)[16:]), "after_first": hexs(marker(16)),
                  "at_iova": hexs(marker(N)), "fsts": 0})
def translate_cross_page(c):
    """A 32-byte write at page offset 0xff0 crosses from frame 0x700000 into frame 0x6e0000."""
    rig = Rig(c)
    rig.preload(pattern(5, N))
    sl = rig.domain(4)
    sl.map(0x20000, 0x700000)
    sl.map(0x21000, 0x6E0000)  # lower and not adjacent: a linear continuation would miss it
    rig.attach(rig.edu, sl)
    for gpa in (0x700FF0, 0x701000, 0x6E0000, 0x20FF0):
        rig.fill_marker(gpa, N)
    obs = {"gsts": rig.enable()}
    rig.edu.dma_write(0x20FF0, N)
    obs.update(first=hexs(c.b64read(0x700FF0, 16)), second=rig.read_hex(0x6E0000, 16),
               after_first=rig.read_hex(0x701000, 16), at_iova=rig.read_hex(0x20FF0, N),
               fsts=rig.vtd.fsts())
    return obs


@scenario(expect={"copied": hexs(pattern(6, N)), "source_kept": hexs(pattern(6, N)),
                  "at_iova": hexs(marker(N)), "fsts": 0})
def translate_both_directions(c):
    """DMA read through IOVA 0x30000 (GPA 0x710000) into edu, then DMA write to IOVA 0x31000."""
    rig = Rig(c)
    sl = rig.domain(4)
    sl.map(0x30000, 0x710000)
    sl.map(0x31000, 0x720000)
    rig.attach(rig.edu, sl)
    c.write(0x710040, pattern(6, N))
    rig.fill_marker(0x720080, N)
    rig.fill_marker(0x31080, N)
    rig.enable()
    rig.edu.dma_read(0x30040, N, buf_offset=0x200)
    rig.edu.dma_write(0x31080, N, buf_offset=0x200)
    return {"copied": rig.read_hex(0x720080, N), "source_kept": rig.read_hex(0x710040, N),
            "at_iova": rig.read_hex(0x31080, N), "fsts": rig.vtd.fsts()}


@scenario(expect={"gsts": 0xC0000000, "data": hexs(pattern(7, N)), "fsts": 0})
def passthrough(c):
    """Context TT=10 (pass-through, AW=2): the write lands at GPA == IOVA 0x740100."""
    rig = Rig(c)
    rig.preload(pattern(7, N))
    rig.attach(rig.edu, None, tt=TT_PASS_THROUGH, aw=AW_48)
    rig.fill_marker(0x740100, N)
    obs = {"gsts": rig.enable()}
    rig.edu.dma_write(0x740100, N)
    obs.update(data=rig.read_hex(0x740100, N), fsts=rig.vtd.fsts())
    return obs


@scenario(expect={"gsts": 0, "data": hexs(pattern(8, N)), "fsts": 0})
def translation_disabled(c):
    """TE never set: DMA goes to GPA == IOVA without looking at any table."""
    rig = Rig(c)
    rig.preload(pattern(8, N))
    rig.fill_marker(0x750200, N)
    rig.edu.dma_write(0x750200, N)
    return {"gsts": rig.vtd.r32(0x1C), "data": rig.read_hex(0x750200, N), "fsts": rig.vtd.fsts()}
