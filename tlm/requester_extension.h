// RequesterExtension: what a PCIe request carries besides address and data, attached to
// DMA transactions on the unit's upstream socket: the requester id (bus:dev.fn), an
// optional PASID with its privileged/execute flags, and the ATS address type.
#pragma once

#include <cstdint>
#include <tlm>

#include "model/common/types.h"

namespace vtd::tlm {

class RequesterExtension : public ::tlm::tlm_extension<RequesterExtension> {
 public:
  SourceId source;
  bool pasid_present = false;
  uint32_t pasid = 0;
  bool privileged = false;
  bool execute = false;
  AddressType at = AddressType::Untranslated;

  ::tlm::tlm_extension_base* clone() const override { return new RequesterExtension(*this); }
  void copy_from(const ::tlm::tlm_extension_base& other) override {
    *this = static_cast<const RequesterExtension&>(other);
  }
};

}  // namespace vtd::tlm
