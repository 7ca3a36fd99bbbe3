"""Legacy-mode translation structures written into guest RAM over qtest.

Root table (fact sheet 4.1), context entries (4.2) and second-level tables (5.1) with 3 or 4
levels and 4 KiB, 2 MiB or 1 GiB leaves. Entries are written with writeq, new tables are
cleared with memset. Deliberately permissive: callers may write any raw entry value (reserved
bits, bad TT/AW) because the fault scenarios need exactly that. Scalable mode is not built.
"""

PAGE = 4096
SIZE_4K, SIZE_2M, SIZE_1G = 1 << 12, 1 << 21, 1 << 30
R, W = 1, 2
PS = 1 << 7

ROOT_TABLE = 0x100000
CONTEXT_TABLE = 0x101000
TABLE_POOL = 0x110000  # second-level table pages are allocated upwards from here

TT_SECOND_LEVEL, TT_DEVICE_TLB, TT_PASS_THROUGH, TT_RESERVED = 0, 1, 2, 3
AW_39, AW_48 = 1, 2  # context AW: 3-level and 4-level tables


class Allocator:
    """Hands out zeroed 4 KiB pages of guest RAM."""

    def __init__(self, c, base=TABLE_POOL):
        self.c = c
        self.next = base

    def page(self):
        addr = self.next
        self.next += PAGE
        self.c.memset(addr, PAGE, 0)
        return addr


def write_root(c, bus=0, context_table=CONTEXT_TABLE, present=True, root=ROOT_TABLE):
    c.writeq(root + 16 * bus, context_table | (1 if present else 0))
    c.writeq(root + 16 * bus + 8, 0)


def context_entry(slptptr, did, aw, tt=TT_SECOND_LEVEL, fpd=False, present=True):
    """(lo, hi) of a legacy context entry."""
    lo = slptptr | tt << 2 | (2 if fpd else 0) | (1 if present else 0)
    hi = aw | did << 8
    return lo, hi


def write_context(c, devfn, entry, table=CONTEXT_TABLE):
    lo, hi = entry
    c.writeq(table + 16 * devfn, lo)
    c.writeq(table + 16 * devfn + 8, hi)


class SecondLevel:
    """One second-level page table (3 or 4 levels) and the mappings written into it."""

    def __init__(self, c, alloc, levels):
        self.c = c
        self.alloc = alloc
        self.levels = levels
        self.root = alloc.page()
        self.tables = {}  # (level, index path) -> table page, so mappings share tables

    @property
    def aw(self):
        return self.levels - 2  # 3 levels -> AW 1 (39 bits), 4 levels -> AW 2 (48 bits)

    def _index(self, iova, level):
        return (iova >> (12 + 9 * (level - 1))) & 0x1FF

    def entry_address(self, iova, leaf_level=1):
        """Address of the entry that maps `iova` at `leaf_level`, creating the tables above."""
        table = self.root
        for level in range(self.levels, leaf_level, -1):
            slot = table + 8 * self._index(iova, level)
            key = (level, iova >> (12 + 9 * (level - 1)))
            if key not in self.tables:
                self.tables[key] = self.alloc.page()
                # non-leaf entries grant R+W; the leaf decides the access rights
                self.c.writeq(slot, self.tables[key] | R | W)
            table = self.tables[key]
        return table + 8 * self._index(iova, leaf_level)

    def map(self, iova, gpa, size=SIZE_4K, perm=R | W, extra=0):
        """Map one page of `size` at `iova` to `gpa`; returns the leaf entry's address."""
        leaf_level = {SIZE_4K: 1, SIZE_2M: 2, SIZE_1G: 3}[size]
        assert iova % size == 0 and gpa % size == 0
        addr = self.entry_address(iova, leaf_level)
        self.c.writeq(addr, gpa | perm | (PS if leaf_level > 1 else 0) | extra)
        return addr

    def map_range(self, iova, gpa, length, perm=R | W):
        for off in range(0, length, PAGE):
            self.map(iova + off, gpa + off, perm=perm)
