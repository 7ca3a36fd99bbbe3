"""Known differences between the two programs, one entry per (scenario, observation key).

DEVIATIONS: QEMU 7.2 differs from the VT-d specification; vtdsim follows the specification,
so each entry's `vtdsim` value equals the scenario's `expect` value (the runner checks this).
GAPS: vtdsim lacks a feature QEMU has; each names what closes it, and its `qemu` value
equals the scenario's `expect` value. Both carry exact values: a covered key must still
equal the entry's value on each side, and an entry the run never compares is an error.
No blanket ignores, no wildcards. Spec sections are VT-d 3.x numbering; "FS" is the fact
sheet (shared/reference/VTD-REFERENCE.md), "PEER" is QEMU-PEER.md.
"""
import collections

Entry = collections.namedtuple("Entry", "id kind scenario key section what qemu vtdsim closes")


def deviation(id, scenario, key, section, what, qemu, vtdsim):
    return Entry(id, "deviation", scenario, key, section, what, qemu, vtdsim, None)


def gap(id, scenario, key, closes, what, qemu, vtdsim):
    return Entry(id, "gap", scenario, key, "", what, qemu, vtdsim, closes)


# QEMU stores PCI_NO_PASID's low 16 bits in FRCD.PV (bits 55:40 of the high qword) for
# faults found in the page walk; root/context faults do not get it (PEER 7 says "every").
PV = "10.4.14 FRCD PV/PP; FS 7.2"
PV_WHAT = "QEMU writes PV=0xFFFF with PP=0; without a PASID PV is 0"
NO_RECORD = "no fault recorded on QEMU"
IQERCD = "10.4 IQERCD_REG, 6.5.2; FS 7.3"
NO_IQERCD = "QEMU 7.2 has no IQERCD (reads 0)"
WAIT_FLAGS = "6.5.2.8 invalidation wait: SW, IF and FN are independent; FS 6.6, 10 #19"
WAIT_FLAGS_WHAT = ("QEMU rejects a wait with neither SW nor IF as an invalid descriptor "
                   "(IQE, IQH stays on it)")
RESUME = "6.5.2 queue errors: fetching stops until software clears IQE; FS 6.12"
RESUME_WHAT = "QEMU resumes fetching only at the next IQT write, not when IQE is cleared"
STATUS_WRITE = "6.5.2.8 status write; FS 6.6, 7.3 (no IQEI names a failed status write)"
STATUS_WRITE_WHAT = ("QEMU treats a status write to an address without memory as a queue "
                     "error (IQE) and stops on the wait")
QIE_OFF = "10.4.4 GCMD.QIE, 10.4.22 IQH (reset when QI is disabled); FS 3.1"
QIE_OFF_WHAT = ("QEMU ignores clearing QIE while IQH != IQT (an IQE-stopped queue): QIES "
                "stays set, and a driver waiting for QIES=0 times out")
REG_WHILE_QI = "10.4.7 CCMD.ICC, 10.4.8.1 IOTLB_REG.IVT (cleared by hardware); 6.5.2; FS 6.11"
REG_WHILE_QI_WHAT = ("QEMU ignores register-based invalidation while QI is enabled and leaves "
                     "the command bit set forever, so a driver polling it hangs (PEER 10); "
                     "vtdsim refuses it with the error granularity 0")
NO_EVENT = "no fault, so no pending fault event on QEMU"
ITE = ("6.5.2.5 device-TLB invalidate, 6.5.2.10 invalidation time-out; FS 6.4, 6.12, 7.1; "
       "PCIe ATS invalidate completion")
ITE_WHAT = ("QEMU completes every device-TLB invalidation without asking the device (it models "
            "no ATS endpoint); edu has no ATS, so no invalidate completion comes back and the "
            "unit times out")
MARKER16 = "ee" * 16  # untouched bytes (scenarios fill them with 0xEE first)
DATA13 = "e1ecf7020d18232e39444f5a65707b86"  # common.pattern(13, 16)
DATA14 = "06111c27323d48535e69747f8a95a0ab"  # common.pattern(14, 16)

# One row per scenario with a page-walk fault: the FRCD high qword vtdsim records (no PASID,
# so PV=0); QEMU's is the same qword with PV=0xFFFF in bits 55:40.
QEMU_PV = 0xFFFF << 40
PV_ROWS = (  # id, scenario, vtdsim's FRCD high qword[, key, what]
    ("D01", "fault_write_unmapped", 0x8000000500000020),
    ("D02", "fault_read_unmapped", 0xC000000600000020),
    ("D03", "fault_ro_write_cold", 0x8000000500000020),
    ("D04", "fault_address_width", 0x8000000400000020),
    ("D05", "fault_pte_reserved_bit", 0x8000000C00000020),
    ("D06", "fault_same_source_twice", 0x8000000500000020),
    ("D07", "fault_overflow_two_devices", 0x8000000500000020),
    ("D08", "fault_clear_and_record_again", 0x0000000500000020, "cleared_frcd_hi",
     PV_WHAT + " (kept after F is cleared)"),
    ("D09", "fault_clear_and_record_again", 0x8000000500000028),
    ("D10", "fault_event_unmasked", 0x8000000500000020),
    ("D11", "fault_wo_read", 0xC000000600000020),
    ("D12", "fault_pml4e_ps_reserved", 0x8000000C00000020),
    ("D13", "fault_2m_leaf_reserved", 0x8000000C00000020),
    ("D14", "fault_cross_into_unmapped", 0x8000000500000020),
    ("D15", "fault_output_interrupt_range", 0x8000000E00000020),
)


def pv_deviation(id, scenario, frcd_hi, key="frcd_hi", what=PV_WHAT):
    return deviation(id, scenario, key, PV, what, frcd_hi | QEMU_PV, frcd_hi)


DEVIATIONS = tuple(pv_deviation(*row) for row in PV_ROWS) + (
    # PEER quirk 4: access rights are checked only on a page walk
    deviation("D16", "fault_ro_write_warm", "fsts", "3.6, 7.1.3 (rights per request); FS 5.1",
              "QEMU drops a write hitting an IOTLB entry a read cached, recording nothing",
              0x0, 0x2),
    deviation("D17", "fault_ro_write_warm", "fectl", "7.3 fault event; FS 7.5", NO_EVENT,
              0x80000000, 0xC0000000),
    deviation("D18", "fault_ro_write_warm", "frcd_lo", "7.1.3, 10.4.14; FS 7.2", NO_RECORD,
              0x0, 0x5000000),
    deviation("D19", "fault_ro_write_warm", "frcd_hi", "7.1.3, 10.4.14; FS 7.2",
              NO_RECORD + " (reason 5 per the spec)", 0x0, 0x8000000500000020),

    deviation("D20", "fault_address_width", "frcd_lo", "10.4.14 FI below MGAW only; FS 7.2",
              "QEMU records the whole IOVA 1<<40, beyond the 39-bit MGAW", 0x10000000000, 0x0),

    deviation("D21", "fault_event_cleared_before_unmask", "fectl_cleared",
              "10.4.10 FECTL.IP cleared once software clears the F bits (PPF=0); FS 7.5",
              "QEMU clears IP only on an FSTS write, not when the last F bit is cleared",
              0xC0000000, 0x80000000),
    deviation("D22", "fault_event_cleared_before_unmask", "irr", "10.4.10 FECTL.IP; FS 7.5",
              "so on QEMU unmasking afterwards still delivers the stale event", [0x44], []),

    deviation("D23", "inv_ccmd_granularity", "domain", "10.4.7 CCMD.CAIG; FS 6.11",
              "QEMU performs a domain-selective context invalidation globally (CAIG=1); "
              "coarser is legal, vtdsim does it per domain", 0x4800000000000005,
              0x5000000000000005),

    # PEER quirk 8: QEMU looks the IOTLB up before the context cache
    deviation("D24", "inv_context_cleared", "after_ccmd_old", "6.2.1-6.2.3, 6.5.1",
              "QEMU keeps translating through the IOTLB after the context entry was cleared "
              "and invalidated", DATA14, MARKER16),
    deviation("D25", "inv_context_cleared", "after_ccmd_fsts", "6.2.1-6.2.3, 7.1.3",
              "no context fault on QEMU", 0x0, 0x2),
    deviation("D26", "inv_context_cleared", "after_ccmd_frcd_hi", "6.2.1-6.2.3, 7.1.3",
              "no context fault on QEMU (reason 2 per the spec)", 0x0, 0x8000000200000020),

    # PEER quirk 1: SRTP and every TE change flush all of QEMU's caches
    deviation("D27", "srtp_without_invalidation", "old", "6.6 SRTP, 10.4.4",
              "QEMU flushes its caches on SRTP; the spec leaves the cached context and "
              "translation in use until software invalidates", MARKER16, DATA13),
    deviation("D28", "srtp_without_invalidation", "new", "6.6 SRTP, 10.4.4",
              "so QEMU already uses the new root table", DATA13, MARKER16),
    deviation("D29", "te_toggle_without_invalidation", "old", "10.4.4 TE, 6.5",
              "QEMU flushes its caches when TE changes; the spec keeps the stale entry",
              MARKER16, DATA13),
    deviation("D30", "te_toggle_without_invalidation", "new", "10.4.4 TE, 6.5",
              "so QEMU uses the repointed PTE", DATA13, MARKER16),

    deviation("D31", "qi_invalid_descriptor", "iqercd", "10.4 IQERCD_REG, 6.5.2; FS 7.3",
              "QEMU 7.2 has no IQERCD (reads 0); IQEI=3 means invalid descriptor type",
              0x0, 0x3),

    # PEER quirk 11: QEMU never records interrupt-remapping faults
    deviation("D32", "ir_sid_mismatch", "fsts", "5.1.4.1 IR faults; FS 7.4",
              "QEMU drops the MSI without recording fault 0x26", 0x0, 0x2),
    deviation("D33", "ir_sid_mismatch", "fectl", "7.3; FS 7.5", NO_EVENT,
              0x80000000, 0xC0000000),
    deviation("D34", "ir_sid_mismatch", "frcd_lo", "10.4.14 FI = index << 48; FS 7.2",
              NO_RECORD, 0x0, 0x0005000000000000),
    deviation("D35", "ir_sid_mismatch", "frcd_hi", "10.4.14; FS 7.2", NO_RECORD,
              0x0, 0x8000002600000020),
    deviation("D36", "ir_not_present", "fsts", "5.1.4.1 IR faults; FS 7.4",
              "QEMU drops the MSI without recording fault 0x22", 0x0, 0x2),
    deviation("D37", "ir_not_present", "fectl", "7.3; FS 7.5", NO_EVENT,
              0x80000000, 0xC0000000),
    deviation("D38", "ir_not_present", "frcd_lo", "10.4.14 FI = index << 48; FS 7.2",
              NO_RECORD, 0x0, 0x0005000000000000),
    deviation("D39", "ir_not_present", "frcd_hi", "10.4.14; FS 7.2", NO_RECORD,
              0x0, 0x8000002200000020),
    deviation("D40", "ir_index_beyond_table", "fsts", "5.1.4.1 IR faults; FS 7.4",
              "QEMU drops the MSI without recording fault 0x21", 0x0, 0x2),
    deviation("D41", "ir_index_beyond_table", "fectl", "7.3; FS 7.5", NO_EVENT,
              0x80000000, 0xC0000000),
    deviation("D42", "ir_index_beyond_table", "frcd_lo", "10.4.14 FI = index << 48; FS 7.2",
              NO_RECORD, 0x0, 0x012C000000000000),
    deviation("D43", "ir_index_beyond_table", "frcd_hi", "10.4.14; FS 7.2", NO_RECORD,
              0x0, 0x8000002100000020),
    deviation("D44", "ir_compat_blocked", "irr", "5.1.2.1 compatibility format, IRE=1, CFIS=0",
              "QEMU delivers a compatibility-format MSI although CFI was never set",
              [0x77], []),
    deviation("D45", "ir_compat_blocked", "fsts", "5.1.4.1 IR faults; FS 7.4",
              "no fault 0x25 on QEMU", 0x0, 0x2),
    deviation("D46", "ir_compat_blocked", "fectl", "7.3; FS 7.5", NO_EVENT,
              0x80000000, 0xC0000000),
    deviation("D47", "ir_compat_blocked", "frcd_hi", "10.4.14; FS 7.2", NO_RECORD,
              0x0, 0x8000002500000020),
    deviation("D48", "ir_compat_cfi", "gsts", "10.4.4-10.4.5 GCMD.CFI, GSTS.CFIS",
              "QEMU ignores CFI: GSTS.CFIS never sets", 0x03000000, 0x03800000),

    # PEER quirk 10 and what the QI scenarios found (QEMU's IQERCD is D31 above)
    deviation("D49", "qi_wait_no_flags", "iqh", WAIT_FLAGS, WAIT_FLAGS_WHAT, 0x0, 0x20),
    deviation("D50", "qi_wait_no_flags", "fsts", WAIT_FLAGS, WAIT_FLAGS_WHAT, 0x10, 0x0),
    deviation("D51", "qi_wait_no_flags", "status", WAIT_FLAGS,
              "so the wait(SW) behind it never runs on QEMU", 0x0, 0x600D),
    deviation("D52", "qi_reserved_bit", "iqercd", IQERCD, NO_IQERCD + "; IQEI=4 is a reserved "
              "field", 0x0, 0x4),
    deviation("D53", "qi_fetch_error", "iqercd", IQERCD, NO_IQERCD + "; IQEI=2 is a descriptor "
              "fetch error", 0x0, 0x2),
    deviation("D54", "qi_resume_after_iqe", "status", RESUME, RESUME_WHAT, 0x1, 0xD0D0),
    deviation("D55", "qi_resume_after_iqe", "iqh", RESUME, RESUME_WHAT, 0x10, 0x40),
    deviation("D56", "qi_status_write_fails", "iqh", STATUS_WRITE, STATUS_WRITE_WHAT, 0x0, 0x20),
    deviation("D57", "qi_status_write_fails", "fsts", STATUS_WRITE, STATUS_WRITE_WHAT,
              0x10, 0x0),
    deviation("D58", "qi_status_write_fails", "status", STATUS_WRITE,
              "so the wait(SW) behind it never runs on QEMU", 0x0, 0x600D),
    deviation("D59", "qi_disable_nonempty", "gsts", QIE_OFF, QIE_OFF_WHAT, 0x44000000,
              0x40000000),
    deviation("D60", "qi_disable_nonempty", "iqh", QIE_OFF, QIE_OFF_WHAT + " (IQH kept)",
              0x10, 0x0),
    deviation("D61", "qi_register_inv_while_enabled", "ccmd", REG_WHILE_QI,
              REG_WHILE_QI_WHAT + " (CCMD.ICC)", 0xA000000000000000, 0x2000000000000000),
    deviation("D62", "qi_register_inv_while_enabled", "iotlb_reg", REG_WHILE_QI,
              REG_WHILE_QI_WHAT + " (IOTLB_REG.IVT)", 0x9000000000000000, 0x1000000000000000),
    deviation("D63", "qi_device_tlb_reserved_bit", "iqercd", IQERCD, NO_IQERCD + "; IQEI=4 is "
              "a reserved field", 0x0, 0x4),
    deviation("D64", "qi_device_tlb_no_ats", "fsts", ITE, ITE_WHAT + " (FSTS.ITE)", 0x0, 0x40),
    deviation("D65", "qi_device_tlb_no_ats", "iqercd", ITE, ITE_WHAT + " (IQERCD.ITESID = edu)",
              0x0, 0x2000000000),
    deviation("D66", "qi_device_tlb_no_ats", "status", ITE, ITE_WHAT + " (the wait behind it is "
              "aborted: no status write)", 0x1, 0x0),
    deviation("D67", "qi_device_tlb_no_ats", "fectl", ITE, ITE_WHAT + " (the fault event, held "
              "by IM)", 0x80000000, 0xC0000000),
)

# Interrupt remapping. QEMU 7.2 records no interrupt-remapping fault (PEER 11): each blocked
# request leaves FSTS, FECTL and FRCD[0] at their reset values, where the spec records the
# reason with FI = interrupt index << 48 and raises the (masked) fault event. One row per
# key; `what` says what else QEMU does with the request.
IR_FAULT = "5.1.4.1, 7.1.3 IR faults are recorded; 10.4.14 FI = index << 48; FS 7.2, 7.4"
IR_RESERVED = "9.10 IRTE reserved fields; FS 7.4 row 0x24, 8.3"
IR_SQ = "9.10 IRTE SVT/SQ/SID; FS 8.3"
IR_EIM = "IRTA_REG EIME (valid only with ECAP.EIM), 5.1.2.1; FS 8.1-8.3"
IEC = "6.5 caching of IRTEs: a changed IRTE may be used until an IEC invalidation covers it"
IEC_WHAT = ("QEMU has no interrupt-entry cache and reads the IRTE for every request, so the "
            "change shows at once; vtdsim keeps using the cached entry")


def ir_unrecorded(first, scenario, reason, index, what, sid=0x20):
    """Four rows, ids D`first`..: the fault `reason` vtdsim records and QEMU does not."""
    record = ((0x2, 0x0), (0xC0000000, 0x80000000), (index << 48, 0x0),
              (1 << 63 | reason << 32 | sid, 0x0))
    keys = ("fsts", "fectl", "frcd_lo", "frcd_hi")
    return tuple(deviation("D%02d" % (first + n), scenario, key, IR_FAULT,
                           "%s; no fault 0x%x recorded on QEMU" % (what, reason), qemu, vtdsim)
                 for n, (key, (vtdsim, qemu)) in enumerate(zip(keys, record)))


IR_DEVIATIONS = (
    deviation("D68", "ir_fault_event", "irr", "7.3 fault event; FS 7.5",
              "no IR fault recorded on QEMU, so no fault event (vector 0x44)", [], [0x44]),
    deviation("D69", "ir_fault_event", "fsts", IR_FAULT, "no fault 0x22 recorded on QEMU",
              0x0, 0x2),
    deviation("D70", "ir_fault_event", "frcd_hi", IR_FAULT, "no fault 0x22 recorded on QEMU",
              0x0, 0x8000002200000020),
) + ir_unrecorded(71, "ir_irte_reserved_low", 0x24, 5, "QEMU drops the MSI (bit 30 reserved)") \
  + ir_unrecorded(75, "ir_irte_reserved_high", 0x24, 5, "QEMU drops the MSI (bit 100 reserved)") \
  + (deviation("D79", "ir_irte_posted_without_pi", "irr", IR_RESERVED,
               "QEMU ignores IRTE.IM (it has no posted interrupts) and delivers the entry as "
               "remapped-format; without CAP.PI the IM bit is reserved", [0x63], []),) \
  + ir_unrecorded(80, "ir_irte_posted_without_pi", 0x24, 5, "IM=1 delivered as remapped") \
  + (deviation("D84", "ir_xapic_dest_reserved", "irr", IR_RESERVED,
               "QEMU does not check the reserved destination bits of an xAPIC-mode IRTE "
               "(39:32, 63:48) and delivers to the ID in bits 47:40", [0x64], []),) \
  + ir_unrecorded(85, "ir_xapic_dest_reserved", 0x24, 5, "DST bit 32 ignored, MSI delivered") \
  + ir_unrecorded(89, "ir_svt_reserved", 0x24, 5,
                  "QEMU takes SVT=11 as a failed source-id check (its stderr: invalid IRTE "
                  "SVT) and drops the MSI; the spec reason is 0x24, QEMU's source would give "
                  "0x26, neither is visible") \
  + ir_unrecorded(93, "ir_sid_sq_masks", 0x26, 2,
                  "QEMU applies the SQ masks as the spec does (same deliveries)") \
  + (deviation("D97", "ir_svt_bus_range", "irr", IR_SQ,
               "QEMU reads SVT=10's SID the other way round (bits 15:8 as the last bus, 7:0 "
               "as the first): it blocks buses 0-5 (SID 0x0005) and passes the empty range "
               "5-0 (SID 0x0500)", [0x92], [0x91]),) \
  + ir_unrecorded(98, "ir_svt_bus_range", 0x26, 2, "bus range read reversed") \
  + ir_unrecorded(102, "ir_request_reserved_data", 0x20, 7,
                  "QEMU drops the request (data[31:16] set with SHV=1)") \
  + (deviation("D106", "ir_dma_write_sid_check", "irr", IR_SQ + "; FS 8.1 (a DWORD write into the window)",
               "QEMU gives an interrupt request that arrives as a DMA write no requester id "
               "(0xFFFF) and then skips the source-id check, so the MSI is delivered",
               [0x68], []),) \
  + ir_unrecorded(107, "ir_dma_write_sid_check", 0x26, 5, "SID check skipped, MSI delivered") \
  + (deviation("D111", "ir_x2apic_eim", "irr", "9.10 DST (x2APIC mode: 32-bit ID); FS 8.3",
               "QEMU 7.2's TCG APIC is xAPIC-only: it keeps the low 8 bits of the 32-bit "
               "destination 0x100 and delivers to APIC 0", [0xA0, 0xA2], [0xA0]),
     deviation("D112", "ir_x2apic_eim", "gsts_cfi", "10.4.4-10.4.5 GCMD.CFI, GSTS.CFIS",
               "QEMU ignores CFI: GSTS.CFIS never sets", 0x03000000, 0x03800000),
     deviation("D113", "ir_x2apic_eim", "irr_compat", IR_EIM,
               "QEMU passes compatibility-format MSIs whatever EIME and CFIS say; in x2APIC "
               "mode the spec blocks them (0x25)", [0xA0, 0xA2, 0xA3], [0xA0]),
     deviation("D114", "ir_x2apic_eim", "fsts", IR_FAULT, "no fault 0x25 recorded on QEMU",
               0x0, 0x2),
     deviation("D115", "ir_x2apic_eim", "fectl", IR_FAULT, NO_EVENT, 0x80000000, 0xC0000000),
     deviation("D116", "ir_x2apic_eim", "frcd_hi", IR_FAULT, "no fault 0x25 recorded on QEMU",
               0x0, 0x8000002500000020),
     deviation("D117", "ir_eime_without_eim", "irta", IR_EIM,
               "QEMU keeps IRTA.EIME writable and honours it without ECAP.EIM", 0x130807,
               0x130007)) \
  + ir_unrecorded(118, "ir_eime_without_eim", 0x24, 5,
                  "QEMU reads the IRTE in x2APIC mode (destination 1, no such CPU) and drops "
                  "the MSI; without ECAP.EIM the entry keeps its xAPIC layout, where DST bit "
                  "32 is reserved") \
  + (deviation("D122", "qi_iec_global", "irr_stale", IEC, IEC_WHAT,
               [0x60, 0x61, 0x70, 0x71], [0x60, 0x70]),
     deviation("D123", "qi_iec_index_mask", "irr_stale", IEC, IEC_WHAT,
               [0x40, 0x41, 0x60, 0x61, 0x70, 0x71, 0x90, 0x91], [0x40, 0x60, 0x70, 0x90]),
     deviation("D124", "qi_iec_index_mask", "irr", IEC,
               IEC_WHAT + " (entries 3 and 9, outside the invalidated block 4-7)",
               [0x40, 0x41, 0x60, 0x61, 0x70, 0x71, 0x90, 0x91],
               [0x40, 0x60, 0x61, 0x70, 0x71, 0x90]))

# vtdsim gaps (a feature QEMU has and vtdsim lacks) are listed here with what closes them.
# None is open: G01-G03, G05 and G07 (ECAP.IR/MHMV) closed when `vtdsim serve` took
# intremap=on|auto, G04 and G06 (QI) with queued invalidation.
GAPS = ()

ALL = DEVIATIONS + IR_DEVIATIONS + GAPS

