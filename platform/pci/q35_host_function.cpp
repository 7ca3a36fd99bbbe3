// Q35HostFunction: identity and the chipset registers' reset values.
#include "platform/pci/q35_host_function.h"

namespace vtd::platform {

namespace {
PciIdentity mchIdentity() {
  PciIdentity id;
  id.vendor_id = Q35HostFunction::kVendorIntel;
  id.device_id = Q35HostFunction::kDeviceQ35Mch;
  id.revision = 0;
  id.class_code = 0x060000;  // bridge device, host bridge
  return id;
}
}  // namespace

Q35HostFunction::Q35HostFunction() : config_(mchIdentity()) {
  // The chipset registers are not modelled, so software may not change them.
  for (unsigned i = pci::kDeviceSpecific; i < pci::kConfigSize; i += 4)
    config_.setWriteMask(i, 4, 0);
  config_.poke(0x50, 2, 16);           // EXT_TSEG_MBYTES (QEMU's ext-tseg-mbytes default)
  config_.poke(0x60, 4, 0xB0000000u);  // PCIEXBAR base, enable bit clear
  config_.poke(0x9D, 1, 0x02);         // SMRAM
  config_.poke(0x9E, 1, 0x38);         // ESMRAMC
}

}  // namespace vtd::platform
