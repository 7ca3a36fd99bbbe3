// Human-readable names of the fault reasons, for logs, stats and the fault handler.
#include "model/faults/fault_reason.h"

namespace vtd {

const char* faultReasonName(FaultReason r) {
  switch (r) {
    case FaultReason::None: return "none";
    case FaultReason::RootNotPresent: return "root entry not present";
    case FaultReason::ContextNotPresent: return "context entry not present";
    case FaultReason::ContextInvalid: return "context entry invalid (TT or AW)";
    case FaultReason::AddressBeyondWidth: return "address beyond MGAW/AGAW";
    case FaultReason::WriteNotPermitted: return "write not permitted";
    case FaultReason::ReadNotPermitted: return "read not permitted";
    case FaultReason::PagingEntryReadError: return "paging entry read error";
    case FaultReason::RootReadError: return "root entry read error";
    case FaultReason::ContextReadError: return "context entry read error";
    case FaultReason::RootReserved: return "root entry reserved bit set";
    case FaultReason::ContextReserved: return "context entry reserved bit set";
    case FaultReason::PagingEntryReserved: return "paging entry reserved bit set";
    case FaultReason::TranslationTypeBlocked: return "request blocked by translation type";
    case FaultReason::InterruptRangeOutput: return "output address in interrupt range";
    case FaultReason::IrReservedRequest: return "interrupt request reserved field";
    case FaultReason::IrIndexOutOfRange: return "interrupt index out of range";
    case FaultReason::IrEntryNotPresent: return "IRTE not present";
    case FaultReason::IrEntryReadError: return "IRTE read error";
    case FaultReason::IrEntryReserved: return "IRTE reserved bit set";
    case FaultReason::IrCompatBlocked: return "compatibility interrupt blocked";
    case FaultReason::IrSourceCheckFailed: return "interrupt source-id check failed";
    case FaultReason::IrPostedDescriptorError: return "error accessing the posted-interrupt descriptor";
    case FaultReason::RootTableModeInvalid: return "root table mode (TTM) invalid";
    case FaultReason::PasidInLegacyMode: return "request with PASID in legacy mode";
  }
  return "unknown";
}

}  // namespace vtd
