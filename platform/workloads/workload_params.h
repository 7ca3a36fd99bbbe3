// Parameters of the workloads an assigned device can run in `vtdsim run` (scenario.workload):
// nic.* (what the NIC does beyond the ring basics kept in scenario.*: ring layout, receive
// buffer recycling, packet sizes, line rate), nvme.* (an NVMe-like controller: queues,
// block size, queue depth, read/write mix) and accel.* (a streaming accelerator: jobs of
// large sequential reads and writes). The pcie-bench-like generator uses pcie_bench.*.
// Plain structs; each describes and validates itself with its prefix.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vtd {
class ParamRegistry;
}

namespace vtd::platform {

enum class NicRings : uint8_t {
  Shared,  // one ring whose slots the guest marks receive or transmit at setup
  Split,   // a receive ring and a transmit ring; each packet's direction drawn per packet
};
enum class RxBuffers : uint8_t {
  Fixed,     // every receive descriptor keeps its own buffer page (a copying driver)
  PagePool,  // buffers are fragments of pages recycled through a page pool (Linux page_pool)
};
enum class PacketSizes : uint8_t { Fixed, Imix, Bimodal };
enum class PoolRecycle : uint8_t {
  Direct,  // freed pages go to the pool's cache first (freed in the driver's NAPI context)
  Ring,    // freed pages always go through the pool's recycle ring (freed elsewhere)
};

struct NicParams {
  NicRings rings = NicRings::Shared;
  RxBuffers rx_buffers = RxBuffers::Fixed;
  uint32_t buffer_bytes = 2048;     // receive buffer (page_pool: fragments per page = 4096 / this)
  PacketSizes sizes = PacketSizes::Fixed;
  uint32_t small_bytes = 64;        // bimodal: the small packets
  double small_fraction = 0.6;      // bimodal: their share
  uint32_t mtu = 1500;              // largest frame written = mtu + 14 (Ethernet header)
  double line_gbps = 0;             // 0: the device runs as fast as it can
  uint32_t pool_cache = 128;        // pages in the pool's allocation cache
  uint32_t pool_ring = 1024;        // pages in its recycle ring
  uint32_t pool_refill = 64;        // pages moved into the cache at once
  PoolRecycle recycle = PoolRecycle::Direct;
  uint32_t stack_hold = 64;         // packets a received buffer stays with the stack

  void describe(ParamRegistry& r, const std::string& prefix);
  std::vector<std::string> validate(const std::string& prefix, uint32_t packet_bytes) const;
  // The largest packet the sizes can produce.
  uint32_t largestPacket(uint32_t packet_bytes) const;
};

struct NvmeParams {
  uint64_t commands = 10000;
  uint32_t queue_depth = 32;        // submission/completion queue entries (one page each)
  uint32_t block_bytes = 16384;     // bytes per command
  double read_fraction = 0.7;       // share of reads (the device writes guest memory)
  uint32_t interrupt_every = 1;     // completions per MSI (interrupt coalescing)
  uint32_t buffer_offset = 0;       // where each data buffer starts in its first page

  void describe(ParamRegistry& r, const std::string& prefix);
  std::vector<std::string> validate(const std::string& prefix) const;
};

struct AccelParams {
  uint64_t jobs = 100;
  uint64_t job_bytes = 1ull << 20;  // input bytes per job
  double output_ratio = 1.0;        // output bytes per input byte
  uint32_t chunk_bytes = 4096;      // bytes per DMA read or write of the stream
  uint32_t buffers = 4;             // input/output buffer pairs the guest rotates through
  uint32_t ring_entries = 64;       // job descriptors in the ring
  uint32_t interrupt_every = 1;     // jobs per MSI

  void describe(ParamRegistry& r, const std::string& prefix);
  std::vector<std::string> validate(const std::string& prefix) const;
  uint64_t outputBytes() const;
};

}  // namespace vtd::platform
