// CAP_REG and ECAP_REG (VT-d 3.x 10.4.2-10.4.3, fact sheet 2) encoded from UnitParams.
// Only the semantic parameters decide the bits; nothing here is raw hex from a vendor.
#pragma once

#include <cstdint>

namespace vtd {

struct UnitParams;

uint64_t encodeCap(const UnitParams& p);
uint64_t encodeEcap(const UnitParams& p);
uint32_t encodeVersion(const UnitParams& p);

}  // namespace vtd
