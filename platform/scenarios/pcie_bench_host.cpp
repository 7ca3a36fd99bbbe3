// PcieBenchHost: the three host setups through the firmware library.
#include "platform/scenarios/pcie_bench_host.h"

#include "firmware/passthrough.h"
#include "firmware/phys_allocator.h"
#include "firmware/vtd_driver.h"

namespace vtd::platform {

namespace {
constexpr uint64_t kFirmwareBase = 16ull << 20;  // host memory for the unit's tables
constexpr uint64_t kFirmwareSize = 48ull << 20;
constexpr uint64_t k2M = 2ull << 20;
}  // namespace

struct PcieBenchHost::Firmware {
  explicit Firmware(HostCpu& cpu)
      : allocator(cpu.hal().memory, kFirmwareBase, kFirmwareSize),
        driver(cpu.hal(), allocator),
        manager(driver) {}
  fw::PhysAllocator allocator;
  fw::VtdDriver driver;
  fw::PassthroughManager manager;
};

PcieBenchHost::PcieBenchHost(HostCpu& cpu) : fw_(std::make_unique<Firmware>(cpu)) {}
PcieBenchHost::~PcieBenchHost() = default;

std::string PcieBenchHost::setUp(BenchIommu mode, uint16_t sid, uint64_t host_base, uint64_t bytes,
                                 uint64_t& device_base) {
  fw::VtdDriver& drv = fw_->driver;
  if (!drv.probed())
    if (auto s = drv.probe(); !s) return "probe: " + s.error;
  device_base = host_base;
  if (mode == BenchIommu::Off) {
    if (drv.enabled())
      if (auto s = drv.disable(); !s) return "disable: " + s.error;
    return "";
  }
  if (has_vm_) return "the window is mapped already (setups go off -> passthrough -> on)";
  if (!drv.enabled())
    if (auto s = drv.enable(); !s) return "enable: " + s.error;
  if (has_passthrough_) {
    if (mode == BenchIommu::PassThrough) return "";
    if (auto s = drv.detach(sid); !s) return "detach: " + s.error;
    has_passthrough_ = false;
  }
  if (mode == BenchIommu::PassThrough) {
    if (!drv.caps().pt) return "the unit has no pass-through (unit.pass_through=false)";
    fw::Domain& domain = drv.createDomain();
    if (auto s = drv.attach(sid, domain, fw::ContextMode::PassThrough); !s)
      return "attach: " + s.error;
    has_passthrough_ = true;
    return "";
  }
  // A VM whose RAM is the buffer (rounded up to 2 MiB), 4 KiB leaves only.
  const uint64_t ram = (bytes + k2M - 1) / k2M * k2M;
  fw::Vm& vm = fw_->manager.createVm(ram, host_base, fw::LeafSize::k4K);
  if (auto s = fw_->manager.assignDevice(vm, sid); !s) return "assign device: " + s.error;
  has_vm_ = true;
  device_base = 0;  // IOVA = guest-physical 0
  return "";
}

}  // namespace vtd::platform
