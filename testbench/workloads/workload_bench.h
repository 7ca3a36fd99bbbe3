// A bench for one workload's device pattern: a platform whose unit never had translation
// enabled (DMA goes to the address the device uses), one VM's RAM whose DMA addresses are
// host-physical (as with the IOMMU off), the workload's guest side set up through a
// backdoor, and its program run on device 0 inside a Recorder that keeps every operation
// (kind, address, size, its not-before time, when the device issued and finished it).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "platform/vtd_platform.h"
#include "platform/workloads/backdoor_memory.h"
#include "platform/workloads/workload.h"

namespace vtd::test {

class Recorder final : public platform::DmaProgram {
 public:
  struct Op {
    platform::DmaOp::Kind kind;
    uint64_t address = 0;
    uint32_t size = 0;
    uint64_t not_before_ps = 0;
    uint64_t issued_ps = 0, done_ps = 0;
    bool ok = false;
  };
  explicit Recorder(platform::DmaProgram& inner) : inner_(inner) {}
  void started(uint64_t now_ps) override {
    start_ps = now_ps;
    passTime(inner_, now_ps);
    inner_.started(now_ps);
  }
  bool next(platform::DmaOp& op) override {
    passTime(inner_, nowPs());
    if (!inner_.next(op)) return false;
    ops.push_back(Op{op.kind, op.address, op.size, op.not_before_ps, nowPs(), 0, false});
    return true;
  }
  void completed(const platform::DmaOp& op, bool ok, const uint8_t* data) override {
    ops.back().ok = ok;
    ops.back().done_ps = nowPs();
    passTime(inner_, nowPs());
    inner_.completed(op, ok, data);
  }
  std::vector<Op> ops;
  uint64_t start_ps = 0;

 private:
  platform::DmaProgram& inner_;
};

class PatternTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kMiB = 1ull << 20;
  static constexpr uint64_t kBase = 128 * kMiB;  // guest RAM in host memory
  static constexpr uint64_t kControl = kMiB;     // the guest's control area

  PatternTest() {
    config.memory.size_mib = 512;
    vm.index = 0;
    vm.ram_bytes = 64 * kMiB;
    vm.host_base = kBase;
    vm.dma_offset = kBase;  // identity: the unit translates nothing
  }

  // Sets `w` up in the VM and runs its program on device 0; problems from w.finish().
  void run(platform::ProgramWorkload& w, platform::AllocPolicy policy = platform::AllocPolicy::Random,
           uint64_t seed = 1) {
    top = std::make_unique<platform::VtdPlatform>("top", config);
    top->cpu.setProgram([&](platform::HostCpu& cpu) {
      platform::BackdoorMemory memory(top->memory);
      platform::GuestRam ram(vm, memory);
      platform::GuestPageAllocator pages(vm.ram_bytes, kControl, w.controlPages(), policy);
      platform::WorkloadContext c{ram, pages, 0xFEE0'0000, 0x40, seed};
      w.setUp(c);
      recorder = std::make_unique<Recorder>(w.program());
      cpu.hal().clock.delayNs(0);
      top->devices[0]->start(*recorder);
      while (top->devices[0]->busy()) cpu.waitFor(top->devices[0]->done());
      w.finish(problems);
    });
    sc_core::sc_start();
    ASSERT_TRUE(top->cpu.hasFinished());
  }
  uint64_t dma(uint64_t gpa) const { return gpa + kBase; }
  std::vector<Recorder::Op> opsOf(platform::DmaOp::Kind kind) const {
    std::vector<Recorder::Op> v;
    for (const auto& o : recorder->ops)
      if (o.kind == kind) v.push_back(o);
    return v;
  }

  platform::SimConfig config;
  platform::GuestVm vm;
  std::unique_ptr<platform::VtdPlatform> top;
  std::unique_ptr<Recorder> recorder;
  std::vector<std::string> problems;
};

}  // namespace vtd::test
