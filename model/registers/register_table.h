// The declarative register table: one row per register of the VT-d register block
// (fact sheet 1.1-1.3): offset, width, reset value, software-writable / write-1-to-clear /
// write-only masks, the named side-effect hook and the spec section. Features the unit does
// not advertise leave their registers in place as reserved locations (read 0, writes
// ignored). register_file.h is the engine that applies it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vtd {

struct UnitParams;

// Side effects run after the engine has applied a software write (remapping_unit.cpp
// registers one handler per hook).
enum class RegHook : uint8_t {
  None,
  Gcmd,             // GCMD_REG: one command per write (3.2)
  Ccmd,             // CCMD_REG: context-cache invalidation when ICC is written
  IotlbInvalidate,  // IOTLB_REG: IOTLB invalidation when IVT is written
  Fsts,             // FSTS_REG: W1C may retire the fault event
  Fectl,            // FECTL_REG: clearing IM sends a pending event
  FrcdHigh,         // FRCD high qword: clearing F updates PPF
  Iqt,              // IQT_REG: process the invalidation queue up to the new tail
  Ics,              // ICS_REG: clearing IWC retires a held completion event
  Iectl,            // IECTL_REG: clearing IM sends a pending completion event
  kCount
};

// Index of each fixed register in the table; FRCD pairs follow kFirstFrcd.
enum RegId : uint16_t {
  R_VER, R_CAP, R_ECAP, R_GCMD, R_GSTS, R_RTADDR, R_CCMD, R_FSTS, R_FECTL, R_FEDATA, R_FEADDR,
  R_FEUADDR, R_AFLOG, R_PMEN, R_PLMBASE, R_PLMLIMIT, R_PHMBASE, R_PHMLIMIT, R_IQH, R_IQT, R_IQA,
  R_ICS, R_IECTL, R_IEDATA, R_IEADDR, R_IEUADDR, R_IQERCD, R_IRTA, R_PQH, R_PQT, R_PQA, R_PRS,
  R_PECTL, R_PEDATA, R_PEADDR, R_PEUADDR, R_IVA, R_IOTLB, kFirstFrcd
};
constexpr uint16_t frcdLow(unsigned i) { return uint16_t(kFirstFrcd + 2 * i); }
constexpr uint16_t frcdHigh(unsigned i) { return uint16_t(kFirstFrcd + 2 * i + 1); }

struct RegisterSpec {
  std::string name;
  uint32_t offset = 0;
  uint8_t width = 4;  // bytes: 4 or 8
  uint64_t reset = 0;
  uint64_t rw = 0;   // bits software writes
  uint64_t w1c = 0;  // bits software clears by writing 1
  uint64_t wo = 0;   // bits that read as 0 (write-only)
  RegHook hook = RegHook::None;
  const char* section = "";  // where the behaviour is specified
  const char* summary = "";
};

// Rows in RegId order, then IVA/IOTLB and the FRCD array placed by the capabilities.
std::vector<RegisterSpec> buildRegisterTable(const UnitParams& p);

}  // namespace vtd
