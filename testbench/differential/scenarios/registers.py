"""Register scenarios: VER/CAP/ECAP per option set, reset values, GCMD/GSTS sequencing and the
fault-event registers' writable bits. Scalable-mode option sets are left out (vtdsim has no
scalable mode). Values are the ones QEMU-PEER.md measured, which the spec allows.
"""
from . import scenario
from .common import Rig
from vtd import (CAP, CCMD, ECAP, FEADDR, FECTL, FEDATA, FSTS, GSTS, ICS, IECTL, IEADDR,
                 IEDATA, IQA, IQH, IQT, IRTA, PMEN, RTADDR, VER, Vtd)


def _ids(c):
    v = Vtd(c)
    return {"ver": v.r32(VER), "cap": v.r64(CAP), "ecap": v.r64(ECAP)}


# CAP: ND=6, SAGAW, MGAW, FRO=0x22, SLLPS=2M+1G, PSI, NFR=0, MAMV=18, DWD, DRD (+CM)
# ECAP: QI, IR, PT, IRO=0xF, MHMV=0xF (+DT); see QEMU-PEER "CAP / ECAP per option set"
@scenario(iommu="", expect={"ver": 0x10, "cap": 0x00D2008C22260206, "ecap": 0xF00F4A})
def caps_default(c):
    """VER/CAP/ECAP with default options (aw-bits=39, intremap=auto -> on, pt=on)."""
    return _ids(c)


@scenario(iommu="aw-bits=48", expect={"ver": 0x10, "cap": 0x00D2008C222F0606, "ecap": 0xF00F4A})
def caps_aw48(c):
    """VER/CAP/ECAP with aw-bits=48: SAGAW 39+48, MGAW 47."""
    return _ids(c)


@scenario(iommu="aw-bits=48,caching-mode=on",
          expect={"ver": 0x10, "cap": 0x00D2008C222F0686, "ecap": 0xF00F4A})
def caps_cm(c):
    """VER/CAP/ECAP with caching-mode=on: CAP.CM (bit 7)."""
    return _ids(c)


# `requires`: runs on vtdsim once its ECAP advertises DT with device-iotlb=on
@scenario(iommu="aw-bits=48,caching-mode=on,device-iotlb=on", requires=("device_tlb",),
          expect={"ver": 0x10, "cap": 0x00D2008C222F0686, "ecap": 0xF00F4E})
def caps_cm_dt(c):
    """VER/CAP/ECAP with caching-mode=on (CAP.CM) and device-iotlb=on (ECAP.DT)."""
    return _ids(c)


@scenario(iommu="intremap=off", expect={"ver": 0x10, "cap": 0x00D2008C22260206, "ecap": 0xF42})
def caps_intremap_off(c):
    """VER/CAP/ECAP with intremap=off: no IR, no MHMV."""
    return _ids(c)


@scenario(iommu="eim=on,x-buggy-eim=on",
          expect={"ver": 0x10, "cap": 0x00D2008C22260206, "ecap": 0xF00F5A})
def caps_eim(c):
    """VER/CAP/ECAP with eim=on (allowed under TCG by x-buggy-eim=on): ECAP.EIM (bit 4)."""
    return _ids(c)


@scenario(iommu="pt=off", expect={"ver": 0x10, "cap": 0x00D2008C22260206, "ecap": 0xF00F0A})
def caps_pt_off(c):
    """VER/CAP/ECAP with pt=off: no pass-through."""
    return _ids(c)


RESET = {"gsts": 0, "rtaddr": 0, "ccmd": 0, "fsts": 0, "fectl": 0x80000000, "fedata": 0,
         "feaddr": 0, "frcd_lo": 0, "frcd_hi": 0, "iotlb": 0, "pmen": 0, "iqh": 0, "iqt": 0,
         "iqa": 0, "ics": 0, "iectl": 0x80000000, "iedata": 0, "ieaddr": 0, "irta": 0}


@scenario(expect=RESET)
def reset_values(c):
    """Every readable register at reset (FECTL/IECTL have IM=1, the rest 0)."""
    v = Vtd(c)
    lo, hi = v.fault_record(0)
    obs = {"gsts": v.r32(GSTS), "rtaddr": v.r64(RTADDR), "ccmd": v.r64(CCMD),
           "fsts": v.r32(FSTS), "fectl": v.r32(FECTL), "fedata": v.r32(FEDATA),
           "feaddr": v.r32(FEADDR), "frcd_lo": lo, "frcd_hi": hi, "iotlb": v.r64(v.iotlb),
           "pmen": v.r32(PMEN), "iqh": v.r64(IQH), "iqt": v.r64(IQT), "iqa": v.r64(IQA),
           "ics": v.r32(ICS), "iectl": v.r32(IECTL), "iedata": v.r32(IEDATA),
           "ieaddr": v.r32(IEADDR), "irta": v.r64(IRTA)}
    return obs


@scenario(expect={"rtaddr": 0x100000, "gsts_srtp": 0x40000000, "gsts_te": 0xC0000000,
                  "gsts_te_off": 0x40000000, "gsts_srtp_again": 0x40000000})
def gsts_sequence(c):
    """GSTS after SRTP (RTPS), TE (TES), TE off, and SRTP written again while RTPS reads 1."""
    rig = Rig(c)
    v = rig.vtd
    obs = {}
    v.w64(0x20, 0x100000)
    obs["rtaddr"] = v.r64(0x20)
    obs["gsts_srtp"] = v.set_root(0x100000)
    v.invalidate_all()
    obs["gsts_te"] = v.enable_translation()
    obs["gsts_te_off"] = v.disable_translation()
    obs["gsts_srtp_again"] = v.set_root(0x100000)
    return obs


@scenario(expect={"fedata": 0xFFFF, "feaddr": 0xFEE0000C, "fectl_unmasked": 0,
                  "fectl_ip_write": 0})
def fault_event_registers(c):
    """Writable bits of FEDATA (15:0), FEADDR (31:2) and FECTL (IM only; IP is read-only)."""
    v = Vtd(c)
    v.w32(FEDATA, 0xFFFFFFFF)
    v.w32(FEADDR, 0xFEE0000F)
    v.w32(FECTL, 0)
    unmasked = v.r32(FECTL)
    v.w32(FECTL, 0x40000000)  # IP is hardware's: a write of 1 must not set it
    return {"fedata": v.r32(FEDATA), "feaddr": v.r32(FEADDR), "fectl_unmasked": unmasked,
            "fectl_ip_write": v.r32(FECTL)}
