// `info lapic` text in QEMU 7.2's layout (target/i386 CPU dump, checked against the output of
// qemu-system-x86_64 7.2.22 on q35). Only formatting: the state comes from the LAPIC model.
// Field widths, the trailing spaces and QEMU's quirks (the xAPIC physical destination printed
// masked to 4 bits, no line end after ICR2 for a logical destination in a DFR model other than
// flat or cluster) are reproduced, since clients compare or parse this text.
#include "platform/serve/protocol/info_lapic.h"

#include <cstdarg>
#include <cstdio>

namespace vtd::serve {

namespace {

// Bits of an LVT entry (Intel SDM Vol. 3A, 11.5.1).
constexpr uint32_t kLvtDeliveryModeShift = 8;
constexpr uint32_t kLvtDeliveryPending = 1u << 12;
constexpr uint32_t kLvtActiveLow = 1u << 13;
constexpr uint32_t kLvtLevelTriggered = 1u << 15;
constexpr uint32_t kLvtMasked = 1u << 16;
constexpr uint32_t kLvtTimerPeriodic = 1u << 17;
constexpr uint32_t kLvtTimerTscDeadline = 2u << 17;
constexpr uint32_t kDeliveryModeNmi = 4;

// Bits of the ICR low word (11.6.1).
constexpr uint32_t kIcrLogical = 1u << 11;
constexpr uint32_t kIcrAssert = 1u << 14;
constexpr uint32_t kIcrLevel = 1u << 15;
constexpr uint32_t kIcrShorthandShift = 18;

constexpr uint32_t kSvrEnabled = 1u << 8;
// SDM: set = focus processor checking disabled; QEMU prints the raw bit as "focus=on".
constexpr uint32_t kSvrFocusBit = 1u << 9;

// printf into a std::string (all of QEMU's monitor printing is printf-formatted).
void appendf(std::string& out, const char* format, ...) __attribute__((format(printf, 2, 3)));
void appendf(std::string& out, const char* format, ...) {
  char buffer[256];
  va_list args;
  va_start(args, format);
  const int length = std::vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  if (length > 0)
    out.append(buffer, size_t(length) < sizeof buffer ? size_t(length) : sizeof buffer - 1);
}

bool vectorBit(const std::array<uint32_t, 8>& bitmap, unsigned vector) {
  return (bitmap[vector / 32] >> (vector % 32)) & 1;
}

void appendLvt(std::string& out, const char* name, uint32_t lvt, bool is_timer) {
  static constexpr const char* kDeliveryModes[] = {"Fixed", "...",  "SMI", "...",
                                                   "NMI",   "INIT", "...", "ExtINT"};
  const uint32_t mode = (lvt >> kLvtDeliveryModeShift) & 7;
  const char* timer_mode = !is_timer                      ? ""
                           : (lvt & kLvtTimerPeriodic)    ? "periodic"
                           : (lvt & kLvtTimerTscDeadline) ? "tsc-deadline"
                                                          : "one-shot";
  appendf(out, "%s\t 0x%08x %s %-5s %-6s %-7s %-12s %-6s", name, lvt,
          (lvt & kLvtActiveLow) ? "active-lo" : "active-hi",
          (lvt & kLvtLevelTriggered) ? "level" : "edge", (lvt & kLvtMasked) ? "masked" : "",
          (lvt & kLvtDeliveryPending) ? "pending" : "", timer_mode, kDeliveryModes[mode]);
  if (mode == kDeliveryModeNmi) {
    out += "\n";
  } else {
    appendf(out, " (vec %u)\n", lvt & 0xff);
  }
}

// Divide value of the timer DCR: bits 3,1:0; 0b111 means divide by 1.
unsigned timerDivisor(uint32_t divide_conf) {
  const uint32_t code = ((divide_conf & 0x8) >> 1) | (divide_conf & 0x3);
  return code == 7 ? 1 : 2u << code;
}

std::string bitString(uint32_t value, unsigned width) {
  std::string bits;
  while (width--) bits += ((value >> width) & 1) ? '1' : '0';
  return bits;
}

void appendIcr(std::string& out, const LapicState& s) {
  static constexpr const char* kShorthands[] = {"no-shorthand", "self", "all-self", "all"};
  const uint32_t shorthand = (s.icr_low >> kIcrShorthandShift) & 3;
  const bool logical = s.icr_low & kIcrLogical;
  appendf(out, "ICR\t 0x%08x %s %s %s %s\n", s.icr_low, logical ? "logical" : "physical",
          (s.icr_low & kIcrLevel) ? "level" : "edge",
          (s.icr_low & kIcrAssert) ? "assert" : "de-assert", kShorthands[shorthand]);
  appendf(out, "ICR2\t 0x%08x", s.icr_high);
  if (shorthand != 0) {
    out += "\n";
    return;
  }
  const uint32_t destination = s.cpuid_x2apic ? s.icr_high : s.icr_high >> 24;
  if (!logical) {
    if (s.cpuid_x2apic) {
      appendf(out, " cpu %u (X2APIC ID)\n", destination);
    } else {
      appendf(out, " cpu %u (APIC ID)\n", destination & 0xf);
    }
  } else if (s.dest_mode == 0xf) {
    appendf(out, " mask %s (APIC ID)\n", bitString(s.icr_high >> 24, 8).c_str());
  } else if (s.dest_mode == 0) {
    if (s.cpuid_x2apic) {
      appendf(out, " cluster %u mask %s (X2APIC ID)\n", destination >> 16,
              bitString(destination & 0xffff, 16).c_str());
    } else {
      appendf(out, " cluster %u mask %s (APIC ID)\n", destination >> 4,
              bitString(destination & 0xf, 4).c_str());
    }
  }
}

// "ISR\t 68 85(level) " style: every set vector, "(level)" when its TMR bit is set.
void appendVectorList(std::string& out, const char* name, const std::array<uint32_t, 8>& bitmap,
                      const std::array<uint32_t, 8>& tmr) {
  appendf(out, "%s\t ", name);
  bool empty = true;
  for (unsigned vector = 0; vector < 256; ++vector) {
    if (!vectorBit(bitmap, vector)) continue;
    appendf(out, "%u%s ", vector, vectorBit(tmr, vector) ? "(level)" : "");
    empty = false;
  }
  out += empty ? "(none)\n" : "\n";
}

// Processor priority (11.8.3.1): TPR, or the class of the highest in-service vector when that
// class is higher.
unsigned processorPriority(const LapicState& s) {
  unsigned highest_in_service = 0;
  for (unsigned vector = 256; vector-- > 0;) {
    if (vectorBit(s.isr, vector)) {
      highest_in_service = vector;
      break;
    }
  }
  if ((s.tpr >> 4) >= (highest_in_service >> 4)) return s.tpr;
  return highest_in_service & 0xf0;
}

}  // namespace

std::string formatInfoLapic(const LapicState& s, unsigned cpu_index) {
  std::string out;
  appendf(out, "dumping local APIC state for CPU %-2u\n\n", cpu_index);
  appendLvt(out, "LVT0", s.lvt_lint0, false);
  appendLvt(out, "LVT1", s.lvt_lint1, false);
  appendLvt(out, "LVTPC", s.lvt_perf, false);
  appendLvt(out, "LVTERR", s.lvt_error, false);
  appendLvt(out, "LVTTHMR", s.lvt_thermal, false);
  appendLvt(out, "LVTT", s.lvt_timer, true);
  appendf(out, "Timer\t DCR=0x%x (divide by %u) initial_count = %u current_count = %u\n",
          s.divide_conf & 0xf, timerDivisor(s.divide_conf), s.initial_count, s.current_count);
  appendf(out, "SPIV\t 0x%08x APIC %s, focus=%s, spurious vec %u\n", s.spurious_vec,
          (s.spurious_vec & kSvrEnabled) ? "enabled" : "disabled",
          (s.spurious_vec & kSvrFocusBit) ? "on" : "off", s.spurious_vec & 0xff);
  appendIcr(out, s);
  appendf(out, "ESR\t 0x%08x\n", s.esr);
  appendVectorList(out, "ISR", s.isr, s.tmr);
  appendVectorList(out, "IRR", s.irr, s.tmr);
  appendf(out, "\nAPR 0x%02x TPR 0x%02x DFR 0x%02x LDR 0x%02x", s.arb_id, s.tpr, s.dest_mode,
          s.log_dest);
  if (s.dest_mode == 0) appendf(out, "(cluster %u: id %u)", s.log_dest >> 4, s.log_dest & 0xf);
  appendf(out, " PPR 0x%02x\n", processorPriority(s));
  return out;
}

}  // namespace vtd::serve
