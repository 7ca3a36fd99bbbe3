// ApicFabric: the system's interrupt-message delivery (the APIC bus / the uncore's message
// routing) between the interrupt window and the local APICs. Its target socket takes the
// 4-byte writes into 0xFEEx_xxxx that the VT-d unit sends on msi_out (remapped interrupts,
// posted-interrupt notifications, the unit's own event messages), decodes them as ApicMessage
// (apic_message.h) and routes them to the attached targets (vCPUs): physical by APIC ID or
// broadcast, logical by each APIC's logical destination (xAPIC flat, x2APIC cluster), each APIC
// interpreting the destination in its own mode (LocalApic::matches). Fixed delivery goes to
// every match; lowest priority to one of them: the lowest PPR, ties to the first attached
// (real chipsets leave the choice to the implementation, SDM Vol. 3A 11.6.2.4). A message
// that matches no target is counted (and the last one kept), never dropped silently.
// Not modelled: bus arbitration time (delivery adds no delay), focus processor checking,
// remappable-format messages (with IR off the unit forwards them; their address bit 4 and
// bits 11:5 are reserved to an APIC, so they are routed by bits 19:12 like any other).
#pragma once

#include <tlm_utils/multi_passthrough_target_socket.h>
#include <cstdint>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "platform/apic/apic_message.h"
#include "platform/apic/local_apic.h"

namespace vtd {
class StatRegistry;
}

namespace vtd::platform {

struct ApicFabricStats {
  uint64_t messages = 0;         // decoded interrupt messages
  uint64_t deliveries = 0;       // message deliveries to targets (a broadcast counts per target)
  uint64_t unmatched = 0;        // messages no target accepted
  uint64_t malformed = 0;        // writes that were not 4-byte writes into 0xFEEx_xxxx
  uint64_t broadcasts = 0;       // physical broadcast destinations (0xFF xAPIC, 0xFFFFFFFF x2APIC)
  uint64_t logical = 0;          // logical-destination messages
  uint64_t lowest_priority = 0;  // lowest-priority messages (delivered to one target)
  uint64_t x2apic_destinations = 0;  // destinations above 0xFF (carried in address bits 63:40)
};

class ApicFabric : public sc_core::sc_module {
 public:
  // Any number of senders (the VT-d unit's msi_out; later CPUs' IPIs, a second unit); none
  // is fine for a fabric driven through route() only.
  tlm_utils::multi_passthrough_target_socket<ApicFabric, 32, ::tlm::tlm_base_protocol_types, 0,
                                             sc_core::SC_ZERO_OR_MORE_BOUND>
      msi_in;

  explicit ApicFabric(const sc_core::sc_module_name& name);

  // Targets are routed to in attachment order (the tie-break of lowest priority).
  void attach(ApicTarget& target) { targets_.push_back(&target); }
  size_t targets() const { return targets_.size(); }
  // Routes one decoded message; returns the number of targets it was delivered to. Also the
  // entry point for senders that are not on a TLM socket (tests, a CPU's IPIs).
  unsigned route(const ApicMessage& m, const sc_core::sc_time& delay);

  const ApicFabricStats& stats() const { return stats_; }
  // The last message that matched no target (valid when stats().unmatched > 0).
  const ApicMessage& lastUnmatched() const { return last_unmatched_; }
  void describeStats(StatRegistry& r, const std::string& prefix) const;
  void resetStats() { stats_ = {}; }

 private:
  void transport(int port, ::tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  std::vector<ApicTarget*> targets_;
  ApicMessage last_unmatched_;
  ApicFabricStats stats_;
};

}  // namespace vtd::platform
