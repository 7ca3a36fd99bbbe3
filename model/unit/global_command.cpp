// GCMD_REG handling (VT-d 3.x 10.4.4, FS 3.1-3.3). Persistent controls (TE, QIE; later
// IRE, CFI) act only when the written value differs from the GSTS state; one-shot commands
// (SRTP, WBF; later SIRTP, SFL) act whenever written as 1, so rewriting a status bit that
// reads 1 is harmless. A write that changes more than one control breaks the
// one-command-per-write rule: every command is still carried out (in bit order, like
// hardware that decodes the bits independently) and the write is counted.
#include <bitset>

#include "model/registers/register_map.h"
#include "model/unit/remapping_unit.h"

namespace vtd {

using namespace reg;

void RemappingUnit::onGcmdWrite(const RegisterFile::Write& w) {
  ++stats_.gcmd_writes;
  const uint32_t supported = uint32_t(regs_.spec(R_GCMD).rw);
  const uint32_t value = uint32_t(w.written) & supported;
  const uint32_t status = gsts();
  const uint32_t toggled = (value ^ status) & gcmd::kPersistent & supported;
  const uint32_t fired = value & gcmd::kOneShot;
  if (std::bitset<32>(toggled | fired).count() > 1) ++stats_.gcmd_multiple_commands;

  if (toggled & gcmd::TE) setTranslationEnable(value & gcmd::TE);
  if (fired & gcmd::SRTP) latchRootTable();
  if (fired & gcmd::WBF) flushWriteBuffer();
  if (fired & gcmd::SIRTP) latchInterruptRemapTable();
  if (toggled & gcmd::IRE) {  // FS 3.1: remapping starts/stops at a request boundary
    ir_.enabled = value & gcmd::IRE;
    if (ir_.enabled) noteInterruptRemappingEnable();
    regs_.set(R_GSTS, ir_.enabled ? (gsts() | gsts::IRES) : (gsts() & ~gsts::IRES));
  }
  if (toggled & gcmd::CFI) {  // compatibility-format requests pass (CFIS) or fault 0x25
    ir_.compat_pass = value & gcmd::CFI;
    regs_.set(R_GSTS, ir_.compat_pass ? (gsts() | gsts::CFIS) : (gsts() & ~gsts::CFIS));
  }
  if (toggled & gcmd::QIE) {
    noteQueueEnable(value & gcmd::QIE);
    qi_.setEnabled(value & gcmd::QIE);
  }
}

// SRTP latches RTADDR (address and TTM); RTPS reads 1 once the latch is done, which in
// a model without time is immediately. Caches are not flushed: unless CAP.ESRTPS (not
// advertised), software must invalidate globally afterwards (FS 3.1, 9.C.5).
void RemappingUnit::latchRootTable() {
  const uint64_t rtaddr = regs_.get(R_RTADDR);
  root_table_ = rtaddr & rtaddr::kAddressMask & addressMask(config_.unit.haw_bits);
  ttm_ = uint8_t(getBits(rtaddr, rtaddr::kTtmHi, rtaddr::kTtmLo));
  root_latched_ = true;
  regs_.set(R_GSTS, gsts() | gsts::RTPS);
  noteRootTableLatched();
}

// SIRTP latches IRTA (table, size, EIME); IRTPS reads 1 once done, at once here. The
// interrupt-entry cache is not flushed: without CAP.ESIRTPS (not advertised) software
// invalidates it globally afterwards (FS 3.1, 9.B.5).
void RemappingUnit::latchInterruptRemapTable() {
  ir_.latchIrta(regs_.get(R_IRTA), config_.unit.extended_interrupt_mode);
  regs_.set(R_GSTS, gsts() | gsts::IRTPS);
  noteInterruptTableLatched();
}

// TE switches translation at a request boundary; the model has no requests in flight.
void RemappingUnit::setTranslationEnable(bool on) {
  if (on && !root_latched_) {
    ++stats_.te_enabled_without_root;
    reportOrdering(DiagnosticKind::TranslationEnabledWithoutRootTable,
                   "GCMD.TE set before GCMD.SRTP latched a root table: every DMA request now faults");
  }
  regs_.set(R_GSTS, on ? (gsts() | gsts::TES) : (gsts() & ~gsts::TES));
}

// WBFS is set while the flush runs and clears when it is done (inverse polarity): with
// no buffered writes in the model, the flush completes at once and WBFS reads 0.
void RemappingUnit::flushWriteBuffer() {
  ++stats_.write_buffer_flushes;
  regs_.set(R_GSTS, gsts() & ~gsts::WBFS);
}

}  // namespace vtd
