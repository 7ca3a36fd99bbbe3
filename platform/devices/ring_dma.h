// RingDmaDevice: vtdsim's descriptor-ring DMA engine (PCI 1234:7D01), the device a
// co-simulated guest drives through VFIO (platform/devices/ring_dma_abi.h is its
// programming interface, shared with the guest tool). A doorbell write of TAIL makes the
// engine take descriptors HEAD..TAIL-1: fetch one (a 64-byte DMA read), move its data
// (FILL writes a pattern, COPY reads then writes, CHECKSUM reads), write its result back
// and then its status (the guest polls the status, so it goes last), advance HEAD. Every
// access leaves on `dma` with requester id 00:devfn, so the VT-d unit translates and times
// it; requests are at most `burst_bytes` and never cross a 4 KiB page (as a PCIe device's
// max payload and read request sizes split them). One request is in flight at a time.
// An access answered with an error (a DMA remapping fault) ends its descriptor with status
// DMA_ERROR and the failing IOVA; a failed fetch or write-back stops the engine
// (STATUS.FETCH_ERROR) until RESET. Without COMMAND.Bus Master a doorbell is ignored; a
// TAIL outside the ring is refused (BAD_RING); the ring's base and size cannot change
// while a batch runs; RESET stops a running batch after its current descriptor.
// Not modelled: interrupts (the co-simulation route has none), PASIDs, ATS.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>

#include <cstdint>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "model/common/types.h"
#include "platform/devices/ring_dma_abi.h"
#include "platform/pci/pci_config_space.h"
#include "platform/pci/pci_device.h"

namespace vtd {
class StatRegistry;
}

namespace vtd::platform {

struct RingDmaStats {
  uint64_t doorbells = 0;
  uint64_t doorbells_ignored = 0;  // Bus Master clear, engine disabled or a bad ring
  uint64_t descriptors = 0;        // completed, any status
  uint64_t fills = 0, copies = 0, checksums = 0;
  uint64_t desc_dma_errors = 0;    // descriptors ended by an access answered with an error
  uint64_t desc_bad = 0;           // unknown op or length
  uint64_t fetch_errors = 0;       // descriptor fetches or write-backs answered with an error
  uint64_t ring_writes_while_busy = 0;  // RING_LO/HI/SIZE writes ignored during a batch
  uint64_t requests = 0;           // DMA requests issued
  uint64_t bytes_read = 0, bytes_written = 0;  // payload of requests that succeeded
  uint64_t busy_ps = 0;            // simulated time from doorbell to idle
};

class RingDmaDevice : public sc_core::sc_module, public PciDevice {
 public:
  tlm_utils::simple_initiator_socket<RingDmaDevice> dma;  // bind to the unit's dma_in

  SC_HAS_PROCESS(RingDmaDevice);
  RingDmaDevice(const sc_core::sc_module_name& name, uint8_t devfn, unsigned burst_bytes);

  // PciDevice.
  uint8_t devfn() const override { return devfn_; }
  uint32_t configRead(unsigned offset, unsigned size) override { return config_.read(offset, size); }
  void configWrite(unsigned offset, unsigned size, uint32_t value) override {
    config_.write(offset, size, value);
  }
  bool claimsMemory(uint64_t address, unsigned length) const override {
    return config_.barDecodes(0, address, length);
  }
  void memoryTransport(::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) override;

  // BAR0 registers by offset; accesses of 1-8 bytes (an 8-byte access covers a LO/HI pair).
  uint64_t registerRead(uint64_t offset, unsigned size) const;
  void registerWrite(uint64_t offset, unsigned size, uint64_t value);

  const PciConfigSpace& config() const { return config_; }
  bool busy() const { return busy_; }
  const RingDmaStats& stats() const { return stats_; }
  void describeStats(StatRegistry& r, const std::string& prefix) const;

 private:
  uint32_t register32(uint64_t offset) const;
  void write32(uint64_t offset, uint32_t value);
  bool ringValid() const;
  void doorbell(uint32_t tail);
  void engine();
  bool processDescriptor(uint32_t index);  // false: the engine must stop (fetch error)
  void runOp(vrdm_desc& d);
  // One access of `length` bytes at `iova`, split into requests; false on the first error,
  // with error_iova_ set to the failing request's IOVA.
  bool access(bool write, uint64_t iova, uint8_t* data, uint64_t length);

  uint8_t devfn_;
  unsigned burst_;
  PciConfigSpace config_;
  ::tlm::tlm_generic_payload payload_;
  sc_core::sc_event doorbell_event_;
  bool busy_ = false;
  uint32_t control_ = 0, status_ = 0, ring_size_ = 0, head_ = 0, tail_ = 0;
  uint32_t completed_ = 0, dma_errors_ = 0;
  uint64_t ring_base_ = 0, error_iova_ = 0;
  uint64_t generation_ = 0;  // RESETs so far: a running batch stops when it changes
  std::vector<uint8_t> buffer_;  // one request's data
  RingDmaStats stats_;
};

}  // namespace vtd::platform
