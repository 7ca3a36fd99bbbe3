// NicWorkload: ring layout, the driver's poll, page-pool refills.
#include "platform/workloads/nic_workload.h"

#include "model/common/stat_registry.h"

namespace vtd::platform {

namespace {
constexpr size_t kProblemsKept = 5;
// The device's draws (directions, sizes) use their own stream, apart from the guest's.
constexpr uint64_t kDeviceStream = 0x6e69635f64657631ull;
}  // namespace

NicWorkload::NicWorkload(const ScenarioParams& params, DmaMaster* master)
    : ProgramWorkload(master), params_(params) {}

void NicWorkload::writeDescriptor(unsigned ring, uint32_t slot, uint64_t buffer_gpa, uint16_t length,
                                  uint8_t flags) {
  RingDescriptor d;
  d.buffer = ram_->vm().deviceAddress(buffer_gpa);
  d.length = length;
  d.flags = flags;
  ram_->write(ring_gpa_[ring] + 16ull * slot, &d, sizeof d);
  posted_[ring][slot] = buffer_gpa;
}

void NicWorkload::setUp(WorkloadContext& c) {
  ram_ = &c.ram;
  rng_.seed(c.seed);
  const NicParams& nic = params_.nic;
  const uint32_t entries = params_.ring_entries;
  const bool pool = nic.rx_buffers == RxBuffers::PagePool;
  if (pool) {
    PagePoolConfig pc{nic.buffer_bytes, nic.pool_cache, nic.pool_ring, nic.pool_refill,
                      nic.recycle == PoolRecycle::Direct};
    pool_.emplace(pc, c.pages, rng_);
  }
  const uint16_t rx_length = uint16_t(pool ? nic.buffer_bytes : params_.packet_bytes);
  const unsigned rings = controlPages();
  for (unsigned r = 0; r < rings; ++r) {
    ring_gpa_[r] = c.pages.controlPage();
    posted_[r].assign(entries, 0);
  }
  std::bernoulli_distribution rx(params_.rx_fraction);
  for (uint32_t i = 0; i < entries; ++i) {
    if (nic.rings == NicRings::Shared) {
      // One buffer per slot on a page of its own, then the slot's direction (the order the
      // draws were always made in, so fixed-buffer runs place the same pages).
      if (!pool) {
        const uint64_t page = c.pages.allocate(rng_);
        const bool is_rx = rx(rng_);
        writeDescriptor(0, i, page, uint16_t(params_.packet_bytes), is_rx ? RingDescriptor::kRx : 0);
      } else {
        const bool is_rx = rx(rng_);
        if (is_rx) writeDescriptor(0, i, pool_->allocate(), rx_length, RingDescriptor::kRx);
        else writeDescriptor(0, i, c.pages.allocate(rng_), uint16_t(params_.packet_bytes), 0);
      }
    } else {
      writeDescriptor(0, i, pool ? pool_->allocate() : c.pages.allocate(rng_), rx_length, RingDescriptor::kRx);
      writeDescriptor(1, i, c.pages.allocate(rng_), uint16_t(params_.packet_bytes), 0);
    }
  }
  NicRingSetup s;
  s.ring = c.ram.vm().deviceAddress(ring_gpa_[0]);
  s.tx_ring = rings > 1 ? c.ram.vm().deviceAddress(ring_gpa_[1]) : 0;
  s.ring_entries = entries;
  s.rings = nic.rings;
  s.rx_fraction = params_.rx_fraction;
  s.packets = params_.packets;
  s.packet_bytes = params_.packet_bytes;
  s.nic = nic;
  s.interrupt_every = params_.interrupt_every;
  s.msi_address = c.msi_address;
  s.msi_data = c.msi_data;
  s.seed = c.seed ^ kDeviceStream;
  s.guest = this;
  program_ = std::make_unique<NicRingProgram>(s);
}

void NicWorkload::problem(const std::string& what) {
  if (problems_.size() < kProblemsKept) problems_.push_back(what);
  ++bad_;
}

// The driver's poll of one written-back descriptor: what the device says it did must be
// in guest memory; a received buffer then goes up the stack and the slot is refilled.
void NicWorkload::packetDone(unsigned ring, uint32_t slot, uint64_t packet, bool rx, uint32_t bytes) {
  ++checked_;
  const uint64_t buffer = posted_[ring][slot];
  RingDescriptor d;
  ram_->read(ring_gpa_[ring] + 16ull * slot, &d, sizeof d);
  const std::string where = "NIC ring " + std::to_string(ring) + " slot " + std::to_string(slot);
  if (!(d.flags & RingDescriptor::kDone) || d.sequence != uint32_t(packet) || d.length != bytes ||
      d.buffer != ram_->vm().deviceAddress(buffer)) {
    problem(where + ": descriptor of packet " + std::to_string(packet) + " was not written back as expected");
    return;
  }
  if (rx && !ram_->holds(buffer, bytes, uint8_t(packet)))
    problem(where + ": receive buffer does not hold packet " + std::to_string(packet));
  if (!rx || !pool_) return;
  stack_.push_back(buffer);
  while (stack_.size() > params_.nic.stack_hold) {
    pool_->free(stack_.front());
    stack_.pop_front();
  }
  writeDescriptor(ring, slot, pool_->allocate(), uint16_t(params_.nic.buffer_bytes), RingDescriptor::kRx);
}

uint64_t NicWorkload::payloadBytes() const {
  return program_ ? program_->rxBytes() + program_->txBytes() : 0;
}

void NicWorkload::finish(std::vector<std::string>& problems) {
  if (!program_) return problems.push_back("NIC workload was never set up");
  const NicRingProgram& p = *program_;
  if (p.unexpectedErrors()) problems.push_back(std::to_string(p.unexpectedErrors()) + " NIC DMAs failed inside guest RAM");
  if (p.malformedDescriptors()) problems.push_back(std::to_string(p.malformedDescriptors()) + " NIC descriptors had no buffer");
  if (p.packetsDone() != params_.packets)
    problems.push_back("the NIC moved " + std::to_string(p.packetsDone()) + " of " + std::to_string(params_.packets) + " packets");
  for (const std::string& s : problems_) problems.push_back(s);
  if (bad_ > problems_.size()) problems.push_back("... and " + std::to_string(bad_ - problems_.size()) + " more NIC check failures");
}

void NicWorkload::describeStats(StatRegistry& r, const std::string& p) const {
  static const NicRingProgram kNone{NicRingSetup{}};
  static const PagePoolStats kNoPool{};
  const NicRingProgram& d = program_ ? *program_ : kNone;
  const PagePoolStats& s = pool_ ? pool_->stats() : kNoPool;
  r.addDerived(p + "rx_packets", [&d] { return double(d.rxPackets()); }, "packets", "packets the NIC received (wrote into guest buffers)");
  r.addDerived(p + "tx_packets", [&d] { return double(d.txPackets()); }, "packets", "packets the NIC sent (read from guest buffers)");
  r.addDerived(p + "rx_bytes", [&d] { return double(d.rxBytes()); }, "bytes", "bytes of received packets");
  r.addDerived(p + "tx_bytes", [&d] { return double(d.txBytes()); }, "bytes", "bytes of sent packets");
  r.addCounter(p + "checked", checked_, "packets", "written-back descriptors the guest driver checked (and received bytes)");
  r.addCounter(p + "pool_buffers", s.buffers, "buffers", "page_pool: buffers handed out (initial fill and refills)");
  r.addCounter(p + "pool_fresh_pages", s.fresh_pages, "pages", "page_pool: pages allocated from guest RAM");
  r.addCounter(p + "pool_ring_refills", s.ring_refills, "refills", "page_pool: cache refills from the recycle ring");
  r.addCounter(p + "pool_recycled_cache", s.recycled_cache, "pages", "page_pool: freed pages recycled straight into the cache");
  r.addCounter(p + "pool_recycled_ring", s.recycled_ring, "pages", "page_pool: freed pages recycled through the ring");
  r.addCounter(p + "pool_released", s.released, "pages", "page_pool: freed pages given back to the guest (ring full)");
}

}  // namespace vtd::platform
