// RemappingUnit: construction, register access and hook dispatch, reset, statistics.
#include "model/unit/remapping_unit.h"

#include <stdexcept>

#include "model/common/param_registry.h"
#include "model/common/stat_registry.h"
#include "model/registers/register_map.h"

namespace vtd {

void UnitConfig::describe(ParamRegistry& r) {
  unit.describe(r, "unit.");
  iotlb.describe(r, "iotlb.", "IOTLB");
  iotlb_organisation.describe(r, "iotlb.");
  psc.describe(r, "psc.");
  context_cache.describe(r, "context_cache.", "context cache");
  interrupt_cache.describe(r, "iec.", "interrupt-entry cache");
  checker.describe(r, "checker.");
}

std::vector<std::string> UnitConfig::validate() const {
  std::vector<std::string> errors = unit.validate();
  for (auto& e : iotlb.validate("iotlb.")) errors.push_back(e);
  for (auto& e : iotlb_organisation.validate("iotlb.")) errors.push_back(e);
  for (auto& e : psc.validate("psc.")) errors.push_back(e);
  for (auto& e : context_cache.validate("context_cache.")) errors.push_back(e);
  for (auto& e : interrupt_cache.validate("iec.")) errors.push_back(e);
  return errors;
}

namespace {
const UnitConfig& checked(const UnitConfig& c) {
  auto errors = c.validate();
  if (!errors.empty()) {
    std::string text = "invalid remapping-unit configuration:";
    for (auto& e : errors) text += "\n  " + e;
    throw std::invalid_argument(text);
  }
  return c;
}
}  // namespace

const std::array<RemappingUnit::Hook, size_t(RegHook::kCount)> RemappingUnit::kHooks = {
    nullptr,                          // None
    &RemappingUnit::onGcmdWrite,      // Gcmd
    &RemappingUnit::onCcmdWrite,      // Ccmd
    &RemappingUnit::onIotlbWrite,     // IotlbInvalidate
    &RemappingUnit::onFstsWrite,      // Fsts
    &RemappingUnit::onFectlWrite,     // Fectl
    &RemappingUnit::onFrcdHighWrite,  // FrcdHigh
    &RemappingUnit::onIqtWrite,       // Iqt
    &RemappingUnit::onIcsWrite,       // Ics
    &RemappingUnit::onIectlWrite,     // Iectl
};

RemappingUnit::RemappingUnit(const UnitConfig& config, GuestMemory& memory)
    : config_(checked(config)), memory_(memory),
      regs_(buildRegisterTable(config_.unit), config_.unit.registerBlockSize()),
      fault_event_(regs_, R_FECTL, R_FEDATA, R_FEADDR, R_FEUADDR),
      recorder_(regs_, fault_event_, config_.unit.fault_records,
                config_.unit.collapse_same_source_faults, config_.unit.device_tlb),
      context_reader_(config_.unit), walker_(config_.unit), iotlb_(config_.iotlb, config_.iotlb_organisation),
      context_cache_(config_.context_cache),
      input_limit_mask_(~addressMask(config_.unit.mgaw_bits)),
      zero_length_reads_(config_.unit.zero_length_reads),
      qi_(config_.unit, regs_, memory_, fault_event_, *this, stats_), psc_(config_.psc),
      checker_(config_.checker), iec_(config_.interrupt_cache), remapper_(memory_, iec_),
      check_translations_(config_.checker.any()) {
  ir_.posted_supported = config_.unit.posted_interrupts;
}

uint64_t RemappingUnit::mmioRead(uint32_t offset, unsigned size) {
  ++stats_.mmio_reads;
  return regs_.read(offset, size);
}

void RemappingUnit::mmioWrite(uint32_t offset, unsigned size, uint64_t value) {
  ++stats_.mmio_writes;
  // A 64-bit write over two 32-bit registers is two accesses, low dword first, each with
  // its side effects before the next (FS 1.3).
  if (size == 8 && offset % 8 == 0 && regs_.find(offset) != regs_.find(offset + 4)) {
    applyWrite(offset, 4, value & 0xFFFF'FFFFull);
    applyWrite(offset + 4, 4, value >> 32);
    return;
  }
  applyWrite(offset, size, value);
}

void RemappingUnit::applyWrite(uint32_t offset, unsigned size, uint64_t value) {
  const RegisterFile::WriteResult r = regs_.write(offset, size, value);
  for (unsigned i = 0; i < r.count; ++i) {
    const RegisterFile::Write& w = r.writes[i];
    const Hook hook = kHooks[size_t(regs_.spec(w.reg).hook)];
    if (hook) (this->*hook)(w);
  }
}

void RemappingUnit::onFstsWrite(const RegisterFile::Write& w) {
  recorder_.onFstsWrite();
  qi_.onFaultStatusWrite(w.old_value, w.new_value);  // clearing IQE resumes the queue
}

void RemappingUnit::onFectlWrite(const RegisterFile::Write& w) {
  fault_event_.onControlWrite(w.old_value, w.new_value);
}

void RemappingUnit::onFrcdHighWrite(const RegisterFile::Write& w) {
  recorder_.onFrcdHighWrite(w.old_value, w.new_value);
}

void RemappingUnit::reset() {
  regs_.reset();
  recorder_.reset();
  iotlb_.invalidateAll();
  psc_.invalidateAll();
  context_cache_.invalidateAll();
  root_table_ = 0;
  ttm_ = 0;
  root_latched_ = false;
  ir_ = InterruptRemapState{};
  ir_.posted_supported = config_.unit.posted_interrupts;
  iec_.invalidateAll();
  checker_.clearState();
}

void RemappingUnit::resetStats() {
  stats_ = UnitStats{};
  fault_event_.resetStats();
  qi_.resetStats();
}

void RemappingUnit::describeStats(StatRegistry& r, const std::string& prefix) const {
  stats_.describe(r, prefix);
  r.addCounter(prefix + "fault_events", fault_event_.sent(), "messages",
               "fault event messages sent (FECTL/FEDATA/FEADDR)");
  r.addCounter(prefix + "fault_events_held", fault_event_.held(), "events",
               "fault events held pending because FECTL.IM was set");
  qi_.describeStats(r, prefix);
  checker_.log.describeStats(r, prefix + "checker.");
  r.addCounter(prefix + "mmio_unknown", regs_.unknownAccessesRef(), "accesses",
               "accesses to offsets with no register (read 0, write ignored)");
  r.addCounter(prefix + "mmio_refused", regs_.refusedAccessesRef(), "accesses",
               "accesses of a size other than 4/8 bytes or misaligned (read 0, write ignored)");
}

}  // namespace vtd
