// The remapping unit behind `vtdsim serve`, built from `-device intel-iommu,<properties>`.
// Profile qemu-7.2 (the default): CAP/ECAP and reset values equal QEMU 7.2's for the same
// properties (VER 1.0, one fault record at 0x220, IVA/IOTLB at 0xF0, MAMV 18, no ZLR, not
// coherent, no snoop control, same-source fault collapsing, no posted interrupts), with
// intremap/eim resolved and validated as QEMU does (interrupt remapping on by default
// outside a KVM in-kernel irqchip; EIM only with KVM kernel-irqchip=split or x-buggy-eim),
// except where vtdsim does not have the feature yet (scalable mode): refused by name,
// never advertised without behaviour.
// Profile vtdsim: the model's own richer defaults (8 fault records, 4-level tables, ...),
// with the same properties applied on top (intremap/eim=auto keep the model's choice).
// Behaviour follows the spec in both profiles.
#pragma once

#include <string>
#include <vector>

#include "model/unit/unit_params.h"
#include "platform/serve/qemu_command_line.h"

namespace vtd::serve {

// Sets `unit` from the profile and the intel-iommu properties; false with a message naming
// the property when one is unknown, malformed or asks for something vtdsim lacks.
bool applyIommuProfile(const ServeOptions& options, UnitParams& unit, std::string& error);

}  // namespace vtd::serve
