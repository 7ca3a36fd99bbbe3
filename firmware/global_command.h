// GlobalCommand: issues GCMD commands by the one-command-per-write rule (FS 3.2). GCMD
// cannot be read back, so the driver keeps a shadow of the persistent controls (TE, EAFL,
// QIE, IRE, CFI), rebuilt from GSTS at probe time (FS 9.A.3), and writes either
// `shadow | one-shot bit` (SRTP, WBF) or the shadow with one persistent bit changed, then
// polls the matching GSTS bit. WBFS has the opposite polarity: the flush is done at 0.
// Not covered yet: SIRTP, SFL, IRE, CFI (no interrupt remapping or advanced fault
// logging in this driver yet); QIE only to switch off a queue left on by earlier software.
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
