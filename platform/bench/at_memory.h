// AtMemory: the target of the bare approximately-timed loop of `vtdsim bench` (and of AT
// tests that need a memory): the platform's memory model behind the thinnest 4-phase
// shell. BEGIN_REQ is accepted at once (END_REQ on the return path); the access is done by
// the memory's b_transport at the request's time, and BEGIN_RESP goes back at the time the
// memory answers, through a payload event queue, after the previous response was accepted.
// So the bare AT loop costs what the paths through the unit cost, less the unit (whose
// downstream is the same memory by b_transport). Not modelled: anything of its own.
#pragma once

#include <tlm_utils/peq_with_cb_and_phase.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include <deque>
#include <systemc>
#include <tlm>

namespace vtd::platform {

class AtMemory : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<AtMemory> port;        // 4-phase, from the initiator
  tlm_utils::simple_initiator_socket<AtMemory> mem_out;  // b_transport, to the memory

  explicit AtMemory(const sc_core::sc_module_name& name)
      : sc_module(name), port("port"), mem_out("mem_out"), peq_(this, &AtMemory::due) {
    port.register_nb_transport_fw(this, &AtMemory::forward);
  }

 private:
  ::tlm::tlm_sync_enum forward(::tlm::tlm_generic_payload& trans, ::tlm::tlm_phase& phase,
                               sc_core::sc_time& delay) {
    if (phase == ::tlm::BEGIN_REQ) {
      sc_core::sc_time done = delay;
      mem_out->b_transport(trans, done);
      peq_.notify(trans, ::tlm::BEGIN_RESP, done);
      phase = ::tlm::END_REQ;
      return ::tlm::TLM_UPDATED;
    }
    awaiting_end_resp_ = false;  // END_RESP
    send();
    return ::tlm::TLM_COMPLETED;
  }
  void due(::tlm::tlm_generic_payload& trans, const ::tlm::tlm_phase&) {
    ready_.push_back(&trans);
    send();
  }
  void send() {
    if (sending_) return;  // nested (END_RESP from inside nb_transport_bw): the loop goes on
    sending_ = true;
    while (!awaiting_end_resp_ && !ready_.empty()) {
      ::tlm::tlm_generic_payload& trans = *ready_.front();
      ready_.pop_front();
      ::tlm::tlm_phase phase = ::tlm::BEGIN_RESP;
      sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
      awaiting_end_resp_ = true;
      const ::tlm::tlm_sync_enum r = port->nb_transport_bw(trans, phase, delay);
      if (r == ::tlm::TLM_COMPLETED || phase == ::tlm::END_RESP) awaiting_end_resp_ = false;
    }
    sending_ = false;
  }

  tlm_utils::peq_with_cb_and_phase<AtMemory> peq_;
  std::deque<::tlm::tlm_generic_payload*> ready_;
  bool awaiting_end_resp_ = false, sending_ = false;
};

}  // namespace vtd::platform
