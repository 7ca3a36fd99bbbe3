// NicWorkload: a NIC assigned to a guest. The guest driver lays out its descriptor ring(s)
// in the VM's control area and gives every descriptor a buffer: a page of its own (fixed),
// or for receive with nic.rx_buffers=page_pool a fragment from a PagePool. The device runs
// NicRingProgram. After each write-back the driver's poll (NicGuestHook) checks the
// descriptor (DONE, packet number, buffer, length) and a received packet's bytes; with the
// page pool it hands the buffer to the stack, which frees it nic.stack_hold received
// packets later, and refills the slot with a new buffer from the pool. Transmit buffers
// stay fixed per slot. Parameters: scenario.packets, packet_bytes, ring_entries,
// rx_fraction, interrupt_every and nic.*.
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "platform/scenario_params.h"
#include "platform/scenarios/nic_ring_program.h"
#include "platform/workloads/page_pool.h"
#include "platform/workloads/workload.h"

namespace vtd::platform {

class NicWorkload final : public ProgramWorkload, private NicGuestHook {
 public:
  NicWorkload(const ScenarioParams& params, DmaMaster* master);

  const char* kind() const override { return "nic"; }
  const char* unitName() const override { return "packets"; }
  uint32_t controlPages() const override { return params_.nic.rings == NicRings::Split ? 2 : 1; }
  void setUp(WorkloadContext& context) override;
  void finish(std::vector<std::string>& problems) override;
  uint64_t units() const override { return program_ ? program_->packetsDone() : 0; }
  uint64_t payloadBytes() const override;
  void describeStats(StatRegistry& r, const std::string& prefix) const override;

  uint64_t rxPackets() const { return program_ ? program_->rxPackets() : 0; }
  uint64_t txPackets() const { return program_ ? program_->txPackets() : 0; }
  const PagePool* pool() const { return pool_ ? &*pool_ : nullptr; }
  // Guest-physical address of the shared or receive ring (0) and the transmit ring (1).
  uint64_t ringGpa(unsigned ring) const { return ring_gpa_[ring]; }
  // The buffer (guest-physical) each slot of a ring holds now.
  const std::vector<uint64_t>& posted(unsigned ring) const { return posted_[ring]; }

  DmaProgram& program() override { return *program_; }

 private:
  void packetDone(unsigned ring, uint32_t slot, uint64_t packet, bool rx, uint32_t bytes) override;
  void writeDescriptor(unsigned ring, uint32_t slot, uint64_t buffer_gpa, uint16_t length, uint8_t flags);
  void problem(const std::string& what);

  ScenarioParams params_;
  GuestRam* ram_ = nullptr;
  std::mt19937_64 rng_;
  std::optional<PagePool> pool_;
  std::unique_ptr<NicRingProgram> program_;
  uint64_t ring_gpa_[2] = {0, 0};
  std::vector<uint64_t> posted_[2];  // guest-physical buffer of each slot
  std::deque<uint64_t> stack_;       // received buffers the stack still holds, oldest first
  uint64_t checked_ = 0, bad_ = 0;
  std::vector<std::string> problems_;  // the first few, with the count of the rest in bad_
};

}  // namespace vtd::platform
