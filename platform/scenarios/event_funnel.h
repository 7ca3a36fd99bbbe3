// EventFunnel: one event that fires (a delta later) whenever any of a set of events fires,
// so a host program waiting for "some device finished" can wait on one event. The events
// are given at elaboration.
#pragma once

#include <systemc>
#include <vector>

namespace vtd::platform {

class EventFunnel : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(EventFunnel);
  EventFunnel(const sc_core::sc_module_name& name, const std::vector<const sc_core::sc_event*>& events)
      : sc_module(name) {
    SC_METHOD(fire);
    for (const sc_core::sc_event* e : events) sensitive << *e;
    dont_initialize();
  }
  const sc_core::sc_event& event() const { return event_; }

 private:
  void fire() { event_.notify(sc_core::SC_ZERO_TIME); }
  sc_core::sc_event event_;
};

}  // namespace vtd::platform
