// Fault reason codes (VT-d 3.x 7.1.3 / fact sheet 7.4) and which of them are *qualified*,
// i.e. suppressed from recording by FPD (fact sheet 7.5). Legacy-mode DMA and interrupt-
// remapping codes only; scalable-mode codes arrive with scalable mode.
#pragma once

#include <cstdint>

namespace vtd {

enum class FaultReason : uint8_t {
  None = 0x00,
  RootNotPresent = 0x01,           // LRT.2
  ContextNotPresent = 0x02,        // LCT.2
  ContextInvalid = 0x03,           // LCT.4.x: TT reserved/unsupported, AW not in SAGAW
  AddressBeyondWidth = 0x04,       // LGN.1.x: input above MGAW or AGAW
  WriteNotPermitted = 0x05,        // LGN.2
  ReadNotPermitted = 0x06,         // LGN.3
  PagingEntryReadError = 0x07,     // LSL.1
  RootReadError = 0x08,            // LRT.1
  ContextReadError = 0x09,         // LCT.1
  RootReserved = 0x0A,             // LRT.3
  ContextReserved = 0x0B,          // LCT.3
  PagingEntryReserved = 0x0C,      // LSL.2
  TranslationTypeBlocked = 0x0D,   // LCT.5: ATS request blocked by context TT
  InterruptRangeOutput = 0x0E,     // LGN.4: output in 0xFEEx_xxxx
  // Interrupt remapping (chapter 5 / 7): used once interrupt remapping lands.
  IrReservedRequest = 0x20,
  IrIndexOutOfRange = 0x21,
  IrEntryNotPresent = 0x22,
  IrEntryReadError = 0x23,
  IrEntryReserved = 0x24,
  IrCompatBlocked = 0x25,
  IrSourceCheckFailed = 0x26,
  IrPostedDescriptorError = 0x27,  // reading (or writing back) the posted-interrupt descriptor
  // Root-table-address faults (scalable-mode numbering, also reported in legacy mode).
  RootTableModeInvalid = 0x30,     // RTA.1.x: TTM reserved or not supported
  PasidInLegacyMode = 0x31,        // RTA.2: request with PASID while TTM = legacy
};

// Qualified faults may be silenced by the FPD bit of the governing entry (fact sheet 7.5);
// the others are detected before that entry has been read and are always recorded.
constexpr bool isQualified(FaultReason r) {
  switch (r) {
    case FaultReason::ContextNotPresent:
    case FaultReason::ContextInvalid:
    case FaultReason::AddressBeyondWidth:
    case FaultReason::WriteNotPermitted:
    case FaultReason::ReadNotPermitted:
    case FaultReason::PagingEntryReadError:
    case FaultReason::PagingEntryReserved:
    case FaultReason::TranslationTypeBlocked:
    case FaultReason::InterruptRangeOutput:
    case FaultReason::IrEntryNotPresent:
    case FaultReason::IrEntryReserved:
    case FaultReason::IrSourceCheckFailed:
    case FaultReason::IrPostedDescriptorError:
      return true;
    default:
      return false;
  }
}

const char* faultReasonName(FaultReason r);

}  // namespace vtd
