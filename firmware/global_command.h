// GlobalCommand: issues GCMD commands by the one-command-per-write rule (FS 3.2). GCMD
// cannot be read back, so the driver keeps a shadow of the persistent controls (TE, EAFL,
// QIE, IRE, CFI), rebuilt from GSTS at probe time (FS 9.A.3), and writes either
// `shadow | one-shot bit` (SRTP, WBF) or the shadow with one persistent bit changed, then
// polls the matching GSTS bit. WBFS has the opposite polarity: the flush is done at 0.
// Interrupt remapping uses SIRTP (one-shot, IRTPS), IRE and CFI (persistent, IRES and
// CFIS); because IRE and CFI are in the shadow, a later TE or QIE write keeps them as they
// are (FS 3.2). Not covered: SFL and EAFL (no advanced fault logging in this driver).
#pragma once

#include <cstdint>

#include "firmware/register_io.h"
#include "firmware/status.h"

namespace vtd::fw {

class GlobalCommand {
 public:
  GlobalCommand(RegisterIo& io, DriverStats& stats) : io_(io), stats_(stats) {}

  // Reads GSTS and mirrors its persistent status bits into the shadow; returns GSTS.
  uint32_t syncFromStatus();
  Status setRootTablePointer();    // SRTP, then RTPS = 1
  Status flushWriteBuffer();       // WBF, then WBFS = 0
  Status setTranslation(bool on);  // TE = on, then TES = on
  Status setQueuedInvalidation(bool on);  // QIE = on, then QIES = on
  Status setInterruptRemapTablePointer();  // SIRTP, then IRTPS = 1
  Status setInterruptRemapping(bool on);   // IRE = on, then IRES = on
  Status setCompatibilityFormat(bool on);  // CFI = on, then CFIS = on
  uint32_t shadow() const { return shadow_; }

 private:
  Status oneShot(uint32_t command, uint32_t status, bool status_when_done, const char* name,
                 const char* status_name);
  Status persistent(uint32_t command, bool on, uint32_t status, const char* name,
                    const char* status_name);

  RegisterIo& io_;
  DriverStats& stats_;
  uint32_t shadow_ = 0;
};

}  // namespace vtd::fw
