// GCMD sequencing (FS 3.1-3.2, 9.B.4-7, 9.C.4-5, 9.D.1).
#include "firmware/global_command.h"

#include <string>

#include "firmware/vtd_regs.h"

namespace vtd::fw {

using namespace regs;

uint32_t GlobalCommand::syncFromStatus() {
  const uint32_t status = io_.read32(GSTS_REG);
  // Status and command bits share positions (FS 3.1), so the persistent status bits are
  // the persistent commands currently in force.
  shadow_ = status & gcmd::kPersistent;
  return status;
}

Status GlobalCommand::oneShot(uint32_t command, uint32_t status, bool status_when_done,
                              const char* name, const char* status_name) {
  ++stats_.gcmd_commands;
  io_.write32(GCMD_REG, shadow_ | command);
  const std::string what = std::string("GSTS.") + status_name + " = " + (status_when_done ? "1" : "0") +
                           " after GCMD." + name;
  return io_.poll32(GSTS_REG, status, status_when_done ? status : 0, what);
}

Status GlobalCommand::persistent(uint32_t command, bool on, uint32_t status, const char* name,
                                 const char* status_name) {
  const uint32_t next = on ? (shadow_ | command) : (shadow_ & ~command);
  ++stats_.gcmd_commands;
  io_.write32(GCMD_REG, next);
  shadow_ = next;
  const std::string what = std::string("GSTS.") + status_name + " = " + (on ? "1" : "0") +
                           " after GCMD." + name + " = " + (on ? "1" : "0");
  return io_.poll32(GSTS_REG, status, on ? status : 0, what);
}

// RTPS is cleared by the write and set once RTADDR is latched (FS 3.1).
Status GlobalCommand::setRootTablePointer() {
  return oneShot(gcmd::SRTP, gsts::RTPS, true, "SRTP", "RTPS");
}

// Inverted polarity: WBFS reads 1 while the flush is in progress (FS 3.1).
Status GlobalCommand::flushWriteBuffer() {
  ++stats_.write_buffer_flushes;
  return oneShot(gcmd::WBF, gsts::WBFS, false, "WBF", "WBFS");
}

Status GlobalCommand::setTranslation(bool on) {
  return persistent(gcmd::TE, on, gsts::TES, "TE", "TES");
}

Status GlobalCommand::setQueuedInvalidation(bool on) {
  return persistent(gcmd::QIE, on, gsts::QIES, "QIE", "QIES");
}

// IRTPS is cleared by the write and set once IRTA (base, EIME, S) is latched (FS 3.1, 8.2).
Status GlobalCommand::setInterruptRemapTablePointer() {
  return oneShot(gcmd::SIRTP, gsts::IRTPS, true, "SIRTP", "IRTPS");
}

Status GlobalCommand::setInterruptRemapping(bool on) {
  return persistent(gcmd::IRE, on, gsts::IRES, "IRE", "IRES");
}

// CFIS = 1 lets compatibility-format interrupts through while IRES = 1 and EIME = 0 (FS 8.1).
Status GlobalCommand::setCompatibilityFormat(bool on) {
  return persistent(gcmd::CFI, on, gsts::CFIS, "CFI", "CFIS");
}

}  // namespace vtd::fw
