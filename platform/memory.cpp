// Memory: transports and lazily backed storage.
#include "platform/memory.h"

#include <sys/mman.h>

#include <cmath>
#include <cstring>
#include <new>

#include "model/common/param_registry.h"
#include "model/common/stat_registry.h"

namespace vtd::platform {

using sc_core::sc_time;

void MemoryParams::describe(ParamRegistry& r, const std::string& p) {
  r.addUInt(p + "size_mib", size_mib, 16, 1u << 20, "MiB", "DRAM size (host physical memory from address 0)");
  r.addUInt(p + "read_latency_ns", read_latency_ns, 0, 100000, "ns", "DRAM read latency");
  r.addUInt(p + "write_latency_ns", write_latency_ns, 0, 100000, "ns", "DRAM write latency");
  r.addReal(p + "bytes_per_ns", bytes_per_ns, 0.01, 10000.0, "B/ns", "DRAM transfer rate per access");
  r.addReal(p + "channel_bytes_per_ns", channel_bytes_per_ns, 0.0, 100000.0, "B/ns",
            "peak DRAM bandwidth of all channels together, shared by every access (64-byte bursts; "
            "0: unlimited). Default: 4 channels of DDR4-2133");
}

Memory::Memory(const sc_core::sc_module_name& name, const MemoryParams& params)
    : sc_module(name),
      port("port"),
      size_(params.size_mib << 20),
      read_latency_(double(params.read_latency_ns), sc_core::SC_NS),
      write_latency_(double(params.write_latency_ns), sc_core::SC_NS),
      ps_per_byte_q10_(uint64_t(std::llround(1000.0 * 1024.0 / params.bytes_per_ns))),
      channel_ps_per_burst_(
          params.channel_bytes_per_ns > 0
              ? uint64_t(std::llround(64.0 * 1000.0 / params.channel_bytes_per_ns))
              : 0) {
  void* p = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  bytes_ = own_bytes_ = static_cast<uint8_t*>(p);
  own_size_ = size_;
  port.register_b_transport(this, &Memory::transport);
  port.register_transport_dbg(this, &Memory::debugTransport);
}

Memory::~Memory() {
  if (own_bytes_) munmap(own_bytes_, own_size_);
}

void Memory::useHostMemory(uint8_t* bytes, uint64_t size) {
  if (own_bytes_) munmap(own_bytes_, own_size_);
  own_bytes_ = nullptr;
  bytes_ = bytes;
  size_ = size;
}

uint8_t* Memory::hostPointer(uint64_t address, uint64_t length) {
  if (address >= size_ || length > size_ - address) return nullptr;
  return bytes_ + address;
}

void Memory::transport(int, ::tlm::tlm_generic_payload& trans, sc_time& delay) {
  const uint64_t a = trans.get_address();
  const unsigned n = trans.get_data_length();
  if (a >= size_ || n > size_ - a || trans.get_byte_enable_ptr() || trans.get_streaming_width() < n) {
    ++errors_;
    trans.set_response_status(::tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  // sc_time::from_value is costly on this path: the transfer time is kept for the last size.
  if (n != transfer_size_) {
    transfer_size_ = n;
    transfer_time_ = sc_time::from_value((uint64_t(n) * ps_per_byte_q10_) >> 10);
  }
  if (channel_ps_per_burst_ && (trans.is_read() || trans.is_write())) {
    const uint64_t now = sc_core::sc_time_stamp().value();
    const uint64_t arrival = now + delay.value();
    const uint64_t bursts = (uint64_t(n) + 63) / 64;
    const uint64_t start = channel_.reserve(arrival, bursts * channel_ps_per_burst_, now);
    if (start > arrival) {
      ++queued_;
      queue_ps_ += start - arrival;
      delay += sc_time::from_value(start - arrival);
    }
  }
  if (trans.is_read()) {
    std::memcpy(trans.get_data_ptr(), bytes_ + a, n);
    delay += read_latency_ + transfer_time_;
    ++reads_;
    bytes_read_ += n;
  } else if (trans.is_write()) {
    std::memcpy(bytes_ + a, trans.get_data_ptr(), n);
    delay += write_latency_ + transfer_time_;
    ++writes_;
    bytes_written_ += n;
  }
  trans.set_response_status(::tlm::TLM_OK_RESPONSE);
}

unsigned Memory::debugTransport(int, ::tlm::tlm_generic_payload& trans) {
  const uint64_t a = trans.get_address();
  const unsigned n = trans.get_data_length();
  if (a >= size_ || n > size_ - a) return 0;
  if (trans.is_read()) std::memcpy(trans.get_data_ptr(), bytes_ + a, n);
  else if (trans.is_write()) std::memcpy(bytes_ + a, trans.get_data_ptr(), n);
  return n;
}

void Memory::describeStats(StatRegistry& r, const std::string& p) const {
  r.addCounter(p + "reads", reads_, "accesses", "memory read accesses");
  r.addCounter(p + "writes", writes_, "accesses", "memory write accesses");
  r.addCounter(p + "bytes_read", bytes_read_, "bytes", "bytes read");
  r.addCounter(p + "bytes_written", bytes_written_, "bytes", "bytes written");
  r.addCounter(p + "errors", errors_, "accesses", "accesses outside memory (address error)");
  r.addCounter(p + "queued", queued_, "accesses",
               "accesses that waited for the channel (bandwidth)");
  r.addCounter(p + "queue_ps", queue_ps_, "ps", "time accesses waited for the channel");
  r.addCounter(
      p + "channel_busy_ps", channel_.bookedPs(), "ps",
      "time the channel was booked by accesses (64-byte bursts at memory.channel_bytes_per_ns)");
}

void Memory::resetStats() {
  reads_ = writes_ = bytes_read_ = bytes_written_ = errors_ = 0;
  queued_ = queue_ps_ = 0;
  channel_.resetStats();
}

}  // namespace vtd::platform
