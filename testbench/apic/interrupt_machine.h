// The interrupt path as VtdPlatform is to wire it, for the end-to-end apic tests: memory,
// a VT-d unit with the given configuration, an I/O APIC whose requests enter the unit's
// dma_in, the ApicFabric on the unit's msi_out, two vCPUs (APIC IDs 0 and 1) reading
// memory directly, and a register initiator on the unit's MMIO socket. Tests add their
// own wiring (EOI broadcast, posted-interrupt descriptors) and start the simulation.
#pragma once

#include "platform/apic/apic_fabric.h"
#include "platform/apic/ioapic.h"
#include "platform/apic/vcpu.h"
#include "platform/memory.h"
#include "testbench/apic/apic_bench.h"
#include "tlm/vtd_unit.h"

namespace vtd::test {

inline platform::MemoryParams sixteenMiB() {
  platform::MemoryParams p;
  p.size_mib = 16;
  return p;
}

struct InterruptMachine {
  platform::Memory memory{"memory", sixteenMiB()};
  vtd::tlm::VtdUnit vtd;
  platform::IoApic ioapic{"ioapic"};
  platform::ApicFabric fabric{"fabric"};
  platform::Vcpu vcpu0{"vcpu0", 0}, vcpu1{"vcpu1", 1};
  MmioInitiator registers{"registers"};

  explicit InterruptMachine(const UnitConfig& unit) : vtd("vtd", unit, vtd::tlm::LatencyParams{}) {
    registers.out.bind(vtd.mmio_in);
    vtd.mem_out.bind(memory.port);
    vtd.msi_out.bind(fabric.msi_in);
    ioapic.irq_out.bind(vtd.dma_in);
    for (platform::Vcpu* v : {&vcpu0, &vcpu1}) {
      v->mem_out.bind(memory.port);
      fabric.attach(*v);
    }
  }
};

}  // namespace vtd::test
