// Fidelity: the TLM-2.0 coding style a bus master uses towards the remapping unit.
//  Lt  loosely timed: b_transport with temporal decoupling (a quantum keeper); the unit
//      annotates each request's completion and contention comes from resource timelines.
//      The fast default.
//  At  approximately timed: the base protocol's 4-phase nb_transport (BEGIN_REQ, END_REQ,
//      BEGIN_RESP, END_RESP); the unit withholds END_REQ while its request queue is full
//      and answers at each request's completion time in simulated time (vtd_unit.h).
// The unit's dma_in serves both at once; the choice belongs to the initiators that can use
// either (the pcie-bench generator and its PCIe link, the benchmark's initiators).
#pragma once

#include <cstdint>

namespace vtd::tlm {

enum class Fidelity : uint8_t { Lt, At };

}  // namespace vtd::tlm
