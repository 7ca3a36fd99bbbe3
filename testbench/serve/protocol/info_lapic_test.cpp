// `info lapic` text against golden output captured from qemu-system-x86_64 7.2.22 (q35, TCG,
// -bios of HLT opcodes so CPU 0 never leaves its reset state). IRR contents were produced with
// an edu device's MSI (data 0x44, then 0x55, then 0xc0ee = level-triggered assert of 0xee) and
// read through QMP `human-monitor-command` "info lapic". QEMU's monitor sends each "\n" as
// "\r\n"; formatInfoLapic returns the "\n" form (QmpSession converts, see qmp_session_test).
#include <gtest/gtest.h>

#include "platform/serve/protocol/info_lapic.h"

namespace vtd::serve {
namespace {

// The lines up to ESR are the same in every capture (nothing but interrupts arrived).
const std::string kResetHead =
    "dumping local APIC state for CPU 0 \n"
    "\n"
    "LVT0\t 0x00010000 active-hi edge  masked                      Fixed  (vec 0)\n"
    "LVT1\t 0x00010000 active-hi edge  masked                      Fixed  (vec 0)\n"
    "LVTPC\t 0x00010000 active-hi edge  masked                      Fixed  (vec 0)\n"
    "LVTERR\t 0x00010000 active-hi edge  masked                      Fixed  (vec 0)\n"
    "LVTTHMR\t 0x00010000 active-hi edge  masked                      Fixed  (vec 0)\n"
    "LVTT\t 0x00010000 active-hi edge  masked         one-shot     Fixed  (vec 0)\n"
    "Timer\t DCR=0x0 (divide by 2) initial_count = 0 current_count = 0\n"
    "SPIV\t 0x000000ff APIC disabled, focus=off, spurious vec 255\n"
    "ICR\t 0x00000000 physical edge de-assert no-shorthand\n"
    "ICR2\t 0x00000000 cpu 0 (APIC ID)\n"
    "ESR\t 0x00000000\n";
const std::string kResetTail =
    "\n"
    "APR 0x00 TPR 0x00 DFR 0x0f LDR 0x00 PPR 0x00\n";

void setVector(std::array<uint32_t, 8>& bitmap, unsigned vector) {
  bitmap[vector / 32] |= 1u << (vector % 32);
}

TEST(InfoLapic, ResetStateMatchesQemu) {
  EXPECT_EQ(formatInfoLapic(LapicState{}, 0), kResetHead +
                                                  "ISR\t (none)\n"
                                                  "IRR\t (none)\n" +
                                                  kResetTail);
}

TEST(InfoLapic, OnePendingVectorMatchesQemu) {
  LapicState state;
  setVector(state.irr, 0x44);
  // Each listed vector is followed by a space, so the line ends in " \n" (captured).
  EXPECT_EQ(formatInfoLapic(state, 0), kResetHead +
                                           "ISR\t (none)\n"
                                           "IRR\t 68 \n" +
                                           kResetTail);
}

TEST(InfoLapic, TwoPendingVectorsMatchQemu) {
  LapicState state;
  setVector(state.irr, 0x44);
  setVector(state.irr, 0x55);
  EXPECT_EQ(formatInfoLapic(state, 0), kResetHead +
                                           "ISR\t (none)\n"
                                           "IRR\t 68 85 \n" +
                                           kResetTail);
}

TEST(InfoLapic, LevelTriggeredVectorIsMarkedLikeQemu) {
  LapicState state;
  setVector(state.irr, 0x44);
  setVector(state.irr, 0x55);
  setVector(state.irr, 0xee);
  setVector(state.tmr, 0xee);  // a level-triggered MSI sets the TMR bit
  EXPECT_EQ(formatInfoLapic(state, 0), kResetHead +
                                           "ISR\t (none)\n"
                                           "IRR\t 68 85 238(level) \n" +
                                           kResetTail);
}

// The cases below were not captured (a halted CPU never accepts an interrupt); they follow
// QEMU's format strings and its PPR rule (TPR, or the highest in-service class when higher).
TEST(InfoLapic, InServiceVectorRaisesPpr) {
  LapicState state;
  setVector(state.isr, 0x31);
  state.tpr = 0x20;
  const std::string text = formatInfoLapic(state, 0);
  EXPECT_NE(text.find("ISR\t 49 \nIRR\t (none)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("APR 0x00 TPR 0x20 DFR 0x0f LDR 0x00 PPR 0x30\n"), std::string::npos) << text;
}

TEST(InfoLapic, TprAboveInServiceClassIsThePpr) {
  LapicState state;
  setVector(state.isr, 0x31);
  state.tpr = 0x45;
  EXPECT_NE(formatInfoLapic(state, 0).find("PPR 0x45\n"), std::string::npos);
}

TEST(InfoLapic, ClusterModePrintsTheLogicalId) {
  LapicState state;
  state.dest_mode = 0;
  state.log_dest = 0x23;
  EXPECT_NE(formatInfoLapic(state, 0).find("DFR 0x00 LDR 0x23(cluster 2: id 3) PPR 0x00\n"),
            std::string::npos);
}

TEST(InfoLapic, LvtFieldsAndNmiDeliveryMode) {
  LapicState state;
  state.lvt_lint1 = 0x400;                    // NMI, unmasked: no "(vec N)"
  state.lvt_timer = 0x20000 | 0x1000 | 0xef;  // periodic, delivery pending
  state.lvt_lint0 = 0x700 | 0x8000 | 0x2000;  // ExtINT, level, active low
  const std::string text = formatInfoLapic(state, 1);
  EXPECT_EQ(text.rfind("dumping local APIC state for CPU 1 \n", 0), 0u);
  EXPECT_NE(text.find("LVT1\t 0x00000400 active-hi edge                              NMI   \n"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find("LVTT\t 0x000210ef active-hi edge         pending periodic     Fixed  (vec 239)\n"),
      std::string::npos)
      << text;
  EXPECT_NE(
      text.find("LVT0\t 0x0000a700 active-lo level                             ExtINT (vec 0)\n"),
      std::string::npos)
      << text;
}

TEST(InfoLapic, TimerAndSpuriousFields) {
  LapicState state;
  state.divide_conf = 0xb;  // divide by 1
  state.initial_count = 1000;
  state.current_count = 250;
  state.spurious_vec = 0x1ff;
  const std::string text = formatInfoLapic(state, 0);
  EXPECT_NE(text.find("Timer\t DCR=0xb (divide by 1) initial_count = 1000 current_count = 250\n"),
            std::string::npos);
  EXPECT_NE(text.find("SPIV\t 0x000001ff APIC enabled, focus=off, spurious vec 255\n"),
            std::string::npos);
}

TEST(InfoLapic, IcrDestinations) {
  LapicState state;
  state.icr_low = 0x4000 | 0x44;  // physical, assert
  state.icr_high = 0x03000000;
  EXPECT_NE(formatInfoLapic(state, 0).find("ICR\t 0x00004044 physical edge assert no-shorthand\n"
                                           "ICR2\t 0x03000000 cpu 3 (APIC ID)\n"),
            std::string::npos);
  state.icr_low = 0x800;  // logical, flat model
  EXPECT_NE(formatInfoLapic(state, 0).find("ICR2\t 0x03000000 mask 00000011 (APIC ID)\n"),
            std::string::npos);
  state.icr_low = 0xc0000;  // all-including-self shorthand: no destination decoded
  EXPECT_NE(formatInfoLapic(state, 0).find("all\nICR2\t 0x03000000\nESR"), std::string::npos);
}

}  // namespace
}  // namespace vtd::serve
