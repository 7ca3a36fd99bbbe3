// Workload parameters: descriptions and checks.
#include "platform/workloads/workload_params.h"

#include <algorithm>
#include <cmath>

#include "model/common/param_registry.h"

namespace vtd::platform {

namespace {
constexpr uint32_t kEthernetHeader = 14;
constexpr uint32_t kImixLargest = 1514;  // the 1518-byte IMIX frame without its FCS
bool powerOfTwo(uint64_t v) { return v && !(v & (v - 1)); }
}  // namespace

void NicParams::describe(ParamRegistry& r, const std::string& p) {
  r.addChoice(p + "rings", rings, {{"shared", NicRings::Shared}, {"split", NicRings::Split}},
              "descriptor rings: shared (one ring, each slot marked receive or transmit by the guest at setup) or split (a receive ring and a transmit ring of scenario.ring_entries each; the direction of each packet is drawn with scenario.rx_fraction)");
  r.addChoice(p + "rx_buffers", rx_buffers, {{"fixed", RxBuffers::Fixed}, {"page_pool", RxBuffers::PagePool}},
              "receive buffers: fixed (each descriptor keeps one buffer page, as a driver that copies packets out) or page_pool (the guest refills each used descriptor with a fragment of a page from a page pool, and pages come back to the pool when the stack frees them, as Linux drivers using page_pool do)");
  r.addUInt(p + "buffer_bytes", buffer_bytes, 256, 4096, "bytes", "receive buffer size; with page_pool a 4 KiB page holds 4096 / buffer_bytes of them (2048: two half-page buffers per page)");
  r.addChoice(p + "sizes", sizes, {{"fixed", PacketSizes::Fixed}, {"imix", PacketSizes::Imix}, {"bimodal", PacketSizes::Bimodal}},
              "packet sizes: fixed (scenario.packet_bytes), imix (simple IMIX 7:4:1 of 64, 594 and 1518-byte frames, written without the 4-byte FCS: 60, 590, 1514 bytes) or bimodal (nic.small_bytes with probability nic.small_fraction, else scenario.packet_bytes)");
  r.addUInt(p + "small_bytes", small_bytes, 1, 9000, "bytes", "bimodal sizes: the small packets");
  r.addReal(p + "small_fraction", small_fraction, 0.0, 1.0, "ratio", "bimodal sizes: share of small packets");
  r.addUInt(p + "mtu", mtu, 68, 9000, "bytes", "MTU: the largest packet the device writes or reads is mtu + 14 bytes (the Ethernet header)");
  r.addReal(p + "line_gbps", line_gbps, 0.0, 1000.0, "Gb/s", "line rate each direction's wire runs at: a packet is handled no earlier than its frame (plus FCS, preamble and inter-frame gap: 24 bytes; frames padded to 64 bytes) has crossed the wire at this rate, frames back to back; 0: no pacing (the device runs as fast as DMA allows)");
  r.addUInt(p + "pool_cache", pool_cache, 1, 65536, "pages", "page_pool: pages held in the pool's allocation cache (Linux: 128)");
  r.addUInt(p + "pool_ring", pool_ring, 1, 1u << 20, "pages", "page_pool: pages held in its recycle ring (Linux: ptr_ring of 1024 by default); a page freed into a full ring goes back to the guest's allocator");
  r.addUInt(p + "pool_refill", pool_refill, 1, 65536, "pages", "page_pool: pages moved from the recycle ring into an empty cache at once, or allocated at once when the ring is empty too (Linux: 64)");
  r.addChoice(p + "recycle", recycle, {{"direct", PoolRecycle::Direct}, {"ring", PoolRecycle::Ring}},
              "page_pool: where a freed page goes: direct (into the cache while it has room, as pages freed in the driver's NAPI context) or ring (always into the recycle ring, as pages freed on another CPU)");
  r.addUInt(p + "stack_hold", stack_hold, 0, 1u << 20, "packets", "page_pool: the stack frees a received buffer this many received packets later");
}

uint32_t NicParams::largestPacket(uint32_t packet_bytes) const {
  switch (sizes) {
    case PacketSizes::Fixed: return packet_bytes;
    case PacketSizes::Imix: return kImixLargest;
    case PacketSizes::Bimodal: return std::max(packet_bytes, small_bytes);
  }
  return packet_bytes;
}

std::vector<std::string> NicParams::validate(const std::string& p, uint32_t packet_bytes) const {
  std::vector<std::string> e;
  const uint32_t largest = largestPacket(packet_bytes);
  if (largest > mtu + kEthernetHeader)
    e.push_back(p + "mtu " + std::to_string(mtu) + " is too small for " + std::to_string(largest) +
                "-byte packets (scenario.packet_bytes, nic.sizes, nic.small_bytes): the largest packet is mtu + 14");
  if (!powerOfTwo(buffer_bytes)) e.push_back(p + "buffer_bytes must be a power of two");
  if (rx_buffers == RxBuffers::PagePool && largest > buffer_bytes)
    e.push_back(p + "buffer_bytes " + std::to_string(buffer_bytes) + " is smaller than the largest packet (" +
                std::to_string(largest) + " bytes)");
  if (pool_refill > pool_cache) e.push_back(p + "pool_refill must not exceed nic.pool_cache");
  return e;
}

void NvmeParams::describe(ParamRegistry& r, const std::string& p) {
  r.addUInt(p + "commands", commands, 1, 1ull << 40, "commands", "commands each NVMe-workload device completes");
  r.addUInt(p + "queue_depth", queue_depth, 2, 64, "entries", "entries of the submission and the completion queue (one 4 KiB page each); the guest keeps them all in flight, one data buffer per entry");
  r.addUInt(p + "block_bytes", block_bytes, 512, 2u << 20, "bytes", "bytes each command transfers (a multiple of 512); more than two pages need a PRP list");
  r.addReal(p + "read_fraction", read_fraction, 0.0, 1.0, "ratio", "share of read commands (the device writes guest memory); the rest are writes");
  r.addUInt(p + "interrupt_every", interrupt_every, 0, 1u << 20, "completions", "completions per MSI (interrupt coalescing; 0: none)");
  r.addUInt(p + "buffer_offset", buffer_offset, 0, 4092, "bytes", "offset of each data buffer in its first page (a multiple of 4, as PRP entries require); non-zero offsets make a transfer touch one more page");
}

std::vector<std::string> NvmeParams::validate(const std::string& p) const {
  std::vector<std::string> e;
  if (block_bytes % 512) e.push_back(p + "block_bytes must be a multiple of 512 (the logical block size)");
  if (buffer_offset % 4) e.push_back(p + "buffer_offset must be a multiple of 4 (PRP entries are dword aligned)");
  return e;
}

void AccelParams::describe(ParamRegistry& r, const std::string& p) {
  r.addUInt(p + "jobs", jobs, 1, 1ull << 40, "jobs", "jobs each accelerator-workload device runs");
  r.addUInt(p + "job_bytes", job_bytes, 64, 1ull << 30, "bytes", "input bytes of each job, read sequentially");
  r.addReal(p + "output_ratio", output_ratio, 0.0, 4.0, "ratio", "output bytes written per input byte (1: a copy or a cipher, below 1: compression)");
  r.addUInt(p + "chunk_bytes", chunk_bytes, 64, 65536, "bytes", "bytes per DMA read or write of the stream (the PCIe link splits them further)");
  r.addUInt(p + "buffers", buffers, 1, 1024, "buffer pairs", "input/output buffer pairs the guest rotates its jobs through");
  r.addUInt(p + "ring_entries", ring_entries, 1, 64, "descriptors", "job descriptors in the ring (64 bytes each, one page)");
  r.addUInt(p + "interrupt_every", interrupt_every, 0, 1u << 20, "jobs", "jobs per MSI (0: none)");
}

uint64_t AccelParams::outputBytes() const { return uint64_t(std::floor(double(job_bytes) * output_ratio)); }

std::vector<std::string> AccelParams::validate(const std::string& p) const {
  std::vector<std::string> e;
  if (outputBytes() > (4ull << 30)) e.push_back(p + "job_bytes x accel.output_ratio exceeds 4 GiB");
  return e;
}

}  // namespace vtd::platform
