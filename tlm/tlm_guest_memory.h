// GuestMemory over the unit's downstream memory socket: table reads, queue fetches and
// status writes are b_transport calls, so they take the time the memory answers. The time
// accumulates into the delay of the request being processed. An optional AccessListener
// (the shell) is told before each access, so that it can start a walk on a walker, charge
// earlier work first, or serve a read from a cache nearer than memory (the data then comes
// by debug transport: a coherent cache holds what memory holds).
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "model/common/guest_memory.h"
#include "tlm/payload.h"

namespace vtd::tlm {

struct AccessPlan {
  bool cached = false;     // a read served by a cache: no memory transaction
  uint64_t cached_ps = 0;  // its latency
};

class AccessListener {
 public:
  virtual ~AccessListener() = default;
  virtual AccessPlan beforeAccess(bool write) = 0;
};

template <class Owner>
class TlmGuestMemory final : public GuestMemory {
 public:
  // `delay` points at the delay of the transaction being served (null between them, when
  // the time is dropped); the owner updates it, this adapter only reads it.
  TlmGuestMemory(tlm_utils::simple_initiator_socket<Owner>& socket, sc_core::sc_time* const& delay)
      : socket_(socket), delay_(delay) {}

  void setListener(AccessListener* listener) { listener_ = listener; }

  bool read(uint64_t address, void* data, size_t length) override {
    return access(::tlm::TLM_READ_COMMAND, address, static_cast<unsigned char*>(data), length);
  }
  bool write(uint64_t address, const void* data, size_t length) override {
    return access(::tlm::TLM_WRITE_COMMAND, address,
                  static_cast<unsigned char*>(const_cast<void*>(data)), length);
  }
  // Debug transport: the checker's re-reads take no time and count in no statistics.
  bool peek(uint64_t address, void* data, size_t length) override {
    ::tlm::tlm_generic_payload p;
    p.set_command(::tlm::TLM_READ_COMMAND);
    p.set_address(address);
    p.set_data_ptr(static_cast<unsigned char*>(data));
    p.set_data_length(unsigned(length));
    return socket_->transport_dbg(p) == length;
  }
  uint64_t accesses() const { return accesses_; }

 private:
  bool access(::tlm::tlm_command cmd, uint64_t address, unsigned char* data, size_t length) {
    ++accesses_;
    if (listener_) {
      const AccessPlan plan = listener_->beforeAccess(cmd == ::tlm::TLM_WRITE_COMMAND);
      if (plan.cached) {
        if (delay_) *delay_ += sc_core::sc_time::from_value(plan.cached_ps);
        return peek(address, data, length);
      }
    }
    fillPayload(payload_, cmd, address, data, unsigned(length));
    sc_core::sc_time local = sc_core::SC_ZERO_TIME;
    socket_->b_transport(payload_, delay_ ? *delay_ : local);
    return payload_.is_response_ok();
  }

  tlm_utils::simple_initiator_socket<Owner>& socket_;
  ::tlm::tlm_generic_payload payload_;
  sc_core::sc_time* const& delay_;
  AccessListener* listener_ = nullptr;
  uint64_t accesses_ = 0;
};

}  // namespace vtd::tlm
