"""The interrupt-entry cache and its invalidation descriptor (fact sheet 6.5, type 4):
IRTEs are changed in memory after MSIs went through them, then the queue carries an
index-selective (IIDX, IM) or a global IEC invalidation and a wait.

The specification lets hardware keep using a cached IRTE until software invalidates it
(6.5); vtdsim caches IRTEs (`iec.*`) and `expect` holds that behaviour. QEMU 7.2 has no
interrupt-entry cache and reads the table for every request, so a changed IRTE takes
effect at once there (expectations.py).
"""
from . import scenario
from .common import Rig
from .intremap import TABLE, enable_ir, irte, remappable_address, send_msi
from .queued import Queue
import pci_edu
from vtd import IQH

QI_IR = ("queued_invalidation", "interrupt_remapping")
HANDLE = 5


def iec_desc(index=0, im=0, global_=False):
    """Interrupt-entry-cache invalidate: G (bit 4) 0 = global, 1 = index-selective; IM in
    bits 31:27, IIDX in 47:32."""
    return (0x4 if global_ else 0x4 | 1 << 4 | im << 27 | index << 32), 0


def _changed_entries(c, vectors, descriptors):
    """IRTEs {index: vector} get an MSI each (cached), then vector + 1 in memory; the queue
    runs `descriptors` and a wait; an MSI through each again. IRR after each round."""
    rig = Rig(c)
    q = Queue(rig)
    q.enable()
    enable_ir(rig, {i: irte(v) for i, v in vectors.items()})
    rounds = []

    def msis():
        for index in sorted(vectors):
            send_msi(rig, remappable_address(index))
        rounds.append(pci_edu.irr_vectors(c))

    msis()
    for index, vector in vectors.items():
        c.writeq(TABLE + 16 * index, irte(vector + 1)[0])
    msis()
    status = q.sync(*descriptors) if descriptors else None
    msis()
    return rig, rounds, status


@scenario(requires=QI_IR, expect={"irr": [0x55, 0x56], "iqh": 0x20, "fsts": 0})
def qi_iec_index(c):
    """IRTE 5 changed from vector 0x55 to 0x56, then an index-selective IEC descriptor
    (IIDX 5, IM 0) and a wait: the next MSI through handle 5 uses 0x56."""
    rig = Rig(c)
    q = Queue(rig)
    q.enable()
    enable_ir(rig, {HANDLE: irte(0x55)})
    send_msi(rig, remappable_address(HANDLE))
    c.writeq(TABLE + 16 * HANDLE, irte(0x56)[0])
    q.sync(iec_desc(HANDLE))
    send_msi(rig, remappable_address(HANDLE))
    return {"irr": pci_edu.irr_vectors(c), "iqh": rig.vtd.r64(IQH), "fsts": rig.vtd.fsts()}


@scenario(requires=QI_IR, expect={"irr_cached": [0x60, 0x70], "irr_stale": [0x60, 0x70],
                                  "irr": [0x60, 0x61, 0x70, 0x71], "status": 0x600D})
def qi_iec_global(c):
    """IRTEs 5 and 6 (vectors 0x60, 0x70) used, then changed to 0x61/0x71 without an
    invalidation: the cached entries still deliver 0x60/0x70. A global IEC invalidation
    and a wait: the new vectors arrive."""
    _, rounds, status = _changed_entries(c, {5: 0x60, 6: 0x70}, [iec_desc(global_=True)])
    return {"irr_cached": rounds[0], "irr_stale": rounds[1], "irr": rounds[2], "status": status}


@scenario(requires=QI_IR, expect={"irr_stale": [0x40, 0x60, 0x70, 0x90],
                                  "irr": [0x40, 0x60, 0x61, 0x70, 0x71, 0x90]})
def qi_iec_index_mask(c):
    """IRTEs 3, 5, 6 and 9 changed; an index-selective invalidation with IIDX 6 and IM 2
    covers the aligned block 4-7: 5 and 6 deliver their new vectors, 3 and 9 (outside the
    block) keep the cached ones."""
    _, rounds, _ = _changed_entries(c, {3: 0x40, 5: 0x60, 6: 0x70, 9: 0x90},
                                    [iec_desc(6, im=2)])
    return {"irr_stale": rounds[1], "irr": rounds[2]}
