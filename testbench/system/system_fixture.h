// Fixture for SystemC system tests: one platform per test (gtest_discover_tests runs each
// test in its own process, since SystemC allows one elaboration per process), a host
// program run by the CPU, and a scripted device program.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <stdexcept>
#include <systemc>
#include <vector>

#include "firmware/phys_allocator.h"
#include "firmware/vtd_driver.h"
#include "platform/dma_master.h"
#include "platform/vtd_platform.h"

namespace vtd::test {

// Runs a fixed list of operations and keeps each result and the data read.
class ScriptedProgram final : public platform::DmaProgram {
 public:
  explicit ScriptedProgram(std::vector<platform::DmaOp> ops) : ops_(std::move(ops)) {}
  bool next(platform::DmaOp& op) override {
    if (i_ >= ops_.size()) return false;
    op = ops_[i_];
    return true;
  }
  void completed(const platform::DmaOp& op, bool ok, const uint8_t* data) override {
    ok_.push_back(ok);
    data_.emplace_back(data, data + (op.kind == platform::DmaOp::Read ? op.size : 0));
    ++i_;
  }
  bool ok(size_t i) const { return ok_.at(i); }
  const std::vector<uint8_t>& data(size_t i) const { return data_.at(i); }

 private:
  std::vector<platform::DmaOp> ops_;
  size_t i_ = 0;
  std::vector<bool> ok_;
  std::vector<std::vector<uint8_t>> data_;
};

class SystemTest : public ::testing::Test {
 protected:
  SystemTest() {
    config.memory.size_mib = 256;
    config.scenario.host_base_mib = 64;
    config.scenario.vm_ram_mib = 64;
    config.platform.devices = 2;
  }
  void elaborate() { top = std::make_unique<platform::VtdPlatform>("top", config); }

  // Runs `program` on the host CPU with a probed and enabled driver (tables in 16..64 MiB).
  void runHost(const std::function<void(platform::HostCpu&, fw::VtdDriver&)>& program) {
    if (!top) elaborate();
    top->cpu.setProgram([&](platform::HostCpu& cpu) {
      fw::PhysAllocator allocator(cpu.hal().memory, 16ull << 20, 48ull << 20);
      fw::VtdDriver driver(cpu.hal(), allocator, driver_options);
      ASSERT_TRUE(driver.probe()) << "probe";
      auto s = driver.enable();
      ASSERT_TRUE(s) << s.error;
      program(cpu, driver);
    });
    sc_core::sc_start();
    EXPECT_TRUE(top->cpu.hasFinished());
  }

  // Starts `program` on device `index` and waits until it is done (from the host program).
  void runDevice(platform::HostCpu& cpu, unsigned index, platform::DmaProgram& program) {
    // The host's local time first: waitFor() syncs before it waits, and a device started
    // ahead of that sync could finish inside it, its done() then missed.
    cpu.hal().clock.delayNs(0);
    top->devices[index]->start(program);
    while (top->devices[index]->busy()) cpu.waitFor(top->devices[index]->done());
  }

  // Host memory at a physical address (throws outside memory, so a test cannot crash).
  uint8_t* host(uint64_t address, uint64_t length = 1) {
    uint8_t* p = top->memory.hostPointer(address, length);
    if (!p) throw std::out_of_range("test reads outside memory");
    return p;
  }

  platform::SimConfig config;
  fw::DriverOptions driver_options;  // runHost's driver (e.g. queued invalidation)
  std::unique_ptr<platform::VtdPlatform> top;
};

}  // namespace vtd::test
