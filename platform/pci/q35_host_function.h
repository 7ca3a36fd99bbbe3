// Q35HostFunction: function 00:00.0 of a q35 machine, the MCH host bridge as QEMU 7.2
// shows it (8086:29C0, revision 0, class 0x060000 host bridge, QEMU's subsystem ids). Only
// its identity matters to the qtest front; the chipset registers in 0x40..0xFF keep the
// reset values QEMU shows (EXT_TSEG_MBYTES 0x50 = 16, PCIEXBAR 0x60 = 0xB0000000 disabled,
// SMRAM 0x9D = 0x02, ESMRAMC 0x9E = 0x38) and are read-only here. Not modelled: PCIEXBAR
// (MMCONFIG), PAM, SMRAM and TSEG behaviour; QEMU acts on writes to them.
#pragma once

#include "platform/pci/pci_config_space.h"
#include "platform/pci/pci_device.h"

namespace vtd::platform {

class Q35HostFunction : public PciDevice {
 public:
  static constexpr uint16_t kVendorIntel = 0x8086, kDeviceQ35Mch = 0x29C0;

  Q35HostFunction();

  uint8_t devfn() const override { return 0; }
  uint32_t configRead(unsigned offset, unsigned size) override {
    return config_.read(offset, size);
  }
  void configWrite(unsigned offset, unsigned size, uint32_t value) override {
    config_.write(offset, size, value);
  }
  bool claimsMemory(uint64_t, unsigned) const override { return false; }  // no BARs
  void memoryTransport(::tlm::tlm_generic_payload& trans, sc_core::sc_time&) override {
    trans.set_response_status(::tlm::TLM_ADDRESS_ERROR_RESPONSE);
  }

  const PciConfigSpace& config() const { return config_; }

 private:
  PciConfigSpace config_;
};

}  // namespace vtd::platform
