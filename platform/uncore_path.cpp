// UncorePath: a read's two uncore crossings around the memory access.
#include "platform/uncore_path.h"

#include "model/common/param_registry.h"
#include "model/common/stat_registry.h"

namespace vtd::platform {

using sc_core::sc_time;

void UncoreParams::describe(ParamRegistry& r, const std::string& p) {
  r.addUInt(p + "io_read_ns", io_read_ns, 0, 100000, "ns",
            "time a read from the root complex (a DMA read the remapping unit forwards, or its "
            "own table and descriptor reads) spends between the I/O hub and the memory "
            "controller, there and back, on top of memory.read_latency_ns (ring or mesh, "
            "home agent, snoop of the other socket); writes are posted and take none. Fitted "
            "to the 290 ns IOTLB miss penalty of CALIBRATION.md (one table read per walk)");
}

UncorePath::UncorePath(const sc_core::sc_module_name& name, const UncoreParams& params)
    : sc_module(name), in("in"), out("out") {
  const uint64_t ps = uint64_t(params.io_read_ns) * 1000;
  there_ = sc_time::from_value(ps / 2);
  back_ = sc_time::from_value(ps - ps / 2);
  in.register_b_transport(this, &UncorePath::transport);
  in.register_transport_dbg(this, &UncorePath::debugTransport);
}

void UncorePath::transport(::tlm::tlm_generic_payload& trans, sc_time& delay) {
  if (!trans.is_read()) return out->b_transport(trans, delay);
  ++reads_;
  delay += there_;
  out->b_transport(trans, delay);
  delay += back_;
}

unsigned UncorePath::debugTransport(::tlm::tlm_generic_payload& trans) {
  return out->transport_dbg(trans);
}

void UncorePath::describeStats(StatRegistry& r, const std::string& p) const {
  r.addCounter(p + "io_reads", reads_, "reads",
               "reads from the root complex that crossed the uncore (uncore.io_read_ns each)");
}

}  // namespace vtd::platform
