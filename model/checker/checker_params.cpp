// CheckerParams: description.
#include "model/checker/checker_params.h"

#include "model/common/param_registry.h"

namespace vtd {

void CheckerParams::describe(ParamRegistry& r, const std::string& p) {
  r.addBool(p + "stale", stale,
            "on every context-cache, IOTLB, paging-structure-cache or interrupt-entry-cache "
            "hit, re-resolve the request from the tables in memory and report a difference (a "
            "missed or misdirected invalidation)");
  r.addBool(p + "ordering", ordering,
            "report programming-order mistakes (TE before SRTP, IRE before SIRTP, no global "
            "invalidation after SRTP or SIRTP, QIE with a non-empty queue, register "
            "invalidation while QI is on, ...)");
  r.addString(p + "log", log, "file the checker's reports are written to; empty: standard error");
  r.addUInt(p + "max_reports", max_reports, 0, 1u << 30, "reports",
            "reports written to the log; later findings are still counted");
  r.addUInt(p + "keep", keep, 0, 1u << 20, "reports", "reports kept in memory (for tests and tools)");
}

}  // namespace vtd
