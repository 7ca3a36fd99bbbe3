// HostCpu: HAL accesses as bus transactions.
#include "platform/host_cpu.h"

#include <algorithm>
#include <stdexcept>

#include "tlm/payload.h"

namespace vtd::platform {

using sc_core::sc_time;

HostCpu::HostCpu(const sc_core::sc_module_name& name, uint64_t dmar_base)
    : sc_module(name), socket("socket"), dmar_base_(dmar_base),
      hal_{static_cast<fw::MmioPort&>(*this), static_cast<fw::PhysMemory&>(*this),
           static_cast<fw::Clock&>(*this)} {
  payload_.set_byte_enable_ptr(nullptr);
  payload_.set_dmi_allowed(false);
  SC_THREAD(run);
}

void HostCpu::run() {
  keeper_.reset();
  if (program_) program_(*this);
  keeper_.sync();
  has_finished_ = true;
  finished_.notify(sc_core::SC_ZERO_TIME);
}

bool HostCpu::access(::tlm::tlm_command cmd, uint64_t address, void* data, unsigned length) {
  tlm::fillPayload(payload_, cmd, address, static_cast<unsigned char*>(data), length);
  sc_time delay = keeper_.get_local_time();
  socket->b_transport(payload_, delay);
  keeper_.set(delay);
  if (!payload_.is_response_ok()) {
    ++bus_errors_;
    return false;
  }
  return true;
}

// Register accesses are uncached and strongly ordered: the CPU waits for each one.
uint32_t HostCpu::read32(uint32_t offset) {
  uint32_t v = 0;
  if (!access(::tlm::TLM_READ_COMMAND, dmar_base_ + offset, &v, 4)) v = ~0u;  // master abort
  keeper_.sync();
  return v;
}
uint64_t HostCpu::read64(uint32_t offset) {
  uint64_t v = 0;
  if (!access(::tlm::TLM_READ_COMMAND, dmar_base_ + offset, &v, 8)) v = ~0ull;
  keeper_.sync();
  return v;
}
void HostCpu::write32(uint32_t offset, uint32_t value) {
  access(::tlm::TLM_WRITE_COMMAND, dmar_base_ + offset, &value, 4);
  keeper_.sync();
}
void HostCpu::write64(uint32_t offset, uint64_t value) {
  access(::tlm::TLM_WRITE_COMMAND, dmar_base_ + offset, &value, 8);
  keeper_.sync();
}

// Memory accesses run ahead within the quantum (write-back caches would hide most of
// their latency; the model charges the memory latency but lets the CPU run on).
void HostCpu::read(uint64_t address, void* data, size_t length) {
  auto* bytes = static_cast<uint8_t*>(data);
  for (size_t done = 0; done < length;) {
    const unsigned chunk = unsigned(std::min<size_t>(length - done, 4096));
    if (!access(::tlm::TLM_READ_COMMAND, address + done, bytes + done, chunk))
      throw std::runtime_error("host CPU: read outside memory");
    done += chunk;
  }
  if (keeper_.need_sync()) keeper_.sync();
}
void HostCpu::write(uint64_t address, const void* data, size_t length) {
  auto* bytes = static_cast<uint8_t*>(const_cast<void*>(data));
  for (size_t done = 0; done < length;) {
    const unsigned chunk = unsigned(std::min<size_t>(length - done, 4096));
    if (!access(::tlm::TLM_WRITE_COMMAND, address + done, bytes + done, chunk))
      throw std::runtime_error("host CPU: write outside memory");
    done += chunk;
  }
  if (keeper_.need_sync()) keeper_.sync();
}

uint64_t HostCpu::nowNs() { return uint64_t(now().to_seconds() * 1e9 + 0.5); }

void HostCpu::delayNs(uint64_t ns) {
  keeper_.inc(sc_time(double(ns), sc_core::SC_NS));
  keeper_.sync();
}

void HostCpu::waitFor(const sc_core::sc_event& e) {
  keeper_.sync();
  sc_core::wait(e);
}
void HostCpu::waitFor(const sc_core::sc_event& a, const sc_core::sc_event& b) {
  keeper_.sync();
  sc_core::wait(a | b);
}

void HostCpu::waitUntil(const std::function<bool()>& ready, const sc_core::sc_event& a,
                        const sc_core::sc_event& b) {
  keeper_.sync();
  while (!ready()) sc_core::wait(a | b);
}

}  // namespace vtd::platform
