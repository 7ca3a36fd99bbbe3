// The unit's approximately-timed dma_in: the base protocol's four phases against timelines
// worked out by hand (timing_bench.h: front 5 ns, reads 100 ns, 3-read walks, forwarded
// reads 100 ns), and the same completion times as b_transport for the same arrivals.
// Walkers and the queue bound are set here, not taken from the defaults (being calibrated).
#include "testbench/timing/at_initiator.h"
#include "testbench/timing/timing_bench.h"

namespace vtd::test {
namespace {

using Req = AtInitiator::Request;
constexpr uint64_t kHitDone = kFrontNs + kReadNs;  // translation + forwarded read
constexpr uint64_t kMissDone = kFrontNs + kWalkNs + kReadNs;
constexpr const char* kProtocolError = "vtdsim/tlm/base protocol";

tlm::LatencyParams latency(unsigned walkers = 8, unsigned queue = 64) {
  tlm::LatencyParams l = timingLatency();
  l.walkers = walkers;
  l.request_queue = queue;
  return l;
}

// END_REQ on the return path, BEGIN_RESP when the request is done: a hit after its lookups
// and read, a miss after its walk too; timed and counted as in LT.
TEST(AtProtocol, ResponsesComeAtTheCompletionTimes) {
  TimingBench b(timingUnitConfig(), latency());
  AtInitiator at("at");
  at.socket.bind(b.unit.dma_in);
  Req hit(kDev, b.page(0)), miss(kDev, b.page(1));
  b.run([&] {
    b.warmContexts();  // page 0 in the IOTLB
    const uint64_t t = b.nowPs();
    EXPECT_EQ(at.begin(hit), ::tlm::TLM_UPDATED);
    EXPECT_EQ(at.timeOf(hit, ::tlm::END_REQ), t);
    at.waitFor(hit, ::tlm::BEGIN_RESP);
    EXPECT_EQ(at.timeOf(hit, ::tlm::BEGIN_RESP), t + kHitDone * kNs);
    EXPECT_EQ(b.nowPs(), t + kHitDone * kNs) << "simulated time, not an annotation";
    const uint64_t t2 = b.nowPs();
    EXPECT_EQ(at.begin(miss), ::tlm::TLM_UPDATED);
    at.waitFor(miss, ::tlm::BEGIN_RESP);
    EXPECT_EQ(at.timeOf(miss, ::tlm::BEGIN_RESP), t2 + kMissDone * kNs);
    EXPECT_TRUE(miss.p.is_response_ok());
    EXPECT_EQ(miss.p.get_address(), b.page(1)) << "the payload comes back as it was sent";
  });
  EXPECT_EQ(b.stat("at_transactions"), 2);
  EXPECT_EQ(b.stat("translation_latency_hit_ns"), double(kFrontNs));
  EXPECT_EQ(b.stat("translation_latency_miss_ns"), double(kFrontNs + kWalkNs));
  EXPECT_EQ(b.stat("response_waits"), 0);
}

// Two requests in flight fill a queue of two: the third gets no END_REQ until the first
// completes, and sending a fourth before that breaks the request exclusion rule.
TEST(AtProtocol, EndRequestIsWithheldWhileTheQueueIsFull) {
  TimingBench b(timingUnitConfig(), latency(8, 2));
  AtInitiator at("at");
  at.socket.bind(b.unit.dma_in);
  Req first(kDev, b.page(1)), second(kDev, b.page(2)), third(kDev, b.page(0)),
      fourth(kDev, b.page(0));
  sc_core::sc_report_handler::set_actions(kProtocolError, sc_core::SC_DISPLAY);
  b.run([&] {
    b.warmContexts();
    const uint64_t t = b.nowPs();
    EXPECT_EQ(at.begin(first), ::tlm::TLM_UPDATED);
    EXPECT_EQ(at.begin(second), ::tlm::TLM_UPDATED);
    EXPECT_EQ(at.begin(third), ::tlm::TLM_ACCEPTED);
    const unsigned errors = sc_core::sc_report_handler::get_count(kProtocolError);
    at.begin(fourth);  // too early: reported
    EXPECT_EQ(sc_core::sc_report_handler::get_count(kProtocolError), errors + 1);
    at.waitFor(third, ::tlm::END_REQ);
    EXPECT_EQ(at.timeOf(third, ::tlm::END_REQ), t + kMissDone * kNs) << "the first completion";
    EXPECT_EQ(at.timeOf(first, ::tlm::BEGIN_RESP), t + kMissDone * kNs);
    at.waitFor(third, ::tlm::BEGIN_RESP);
    EXPECT_EQ(at.timeOf(third, ::tlm::BEGIN_RESP), t + (kMissDone + kHitDone) * kNs);
    at.waitFor(fourth, ::tlm::BEGIN_RESP);
  });
  EXPECT_EQ(b.stat("queue_full_stalls"), 2);  // the third and the fourth
  EXPECT_EQ(b.stat("queue_stall_ps"), double(2 * kMissDone * kNs));
  // The stall counts in the latency, as in LT: hits took 405 + 5 ns.
  EXPECT_EQ(b.stat("translation_latency_hit_ns"), double(kMissDone + kFrontNs));
}

// A response waits until the initiator has accepted the previous one on its socket, also
// when that END_RESP is annotated later; TLM_UPDATED with END_RESP accepts at once.
TEST(AtProtocol, ResponseWaitsForThePreviousOneToBeAccepted) {
  TimingBench b(timingUnitConfig(), latency());
  AtInitiator at("at");
  at.socket.bind(b.unit.dma_in);
  Req hit(kDev, b.page(0)), miss(kDev, b.page(1)), a(kDev, b.page(0)), c(kDev, b.page(0)),
      d(kDev, b.page(0));
  b.run([&] {
    b.warmContexts();
    const uint64_t t = b.nowPs();
    at.plan = {AtInitiator::Accept::Later};
    at.begin(hit);
    at.begin(miss);
    at.waitFor(hit, ::tlm::BEGIN_RESP);
    sc_core::wait(sc_core::sc_time(600, sc_core::SC_NS) -
                  sc_core::sc_time::from_value(b.nowPs() - t));
    EXPECT_EQ(at.timeOf(miss, ::tlm::BEGIN_RESP), AtInitiator::kNever) << "ready at 405 ns, held";
    EXPECT_EQ(at.endResponse(hit), ::tlm::TLM_COMPLETED);
    EXPECT_EQ(at.timeOf(miss, ::tlm::BEGIN_RESP), t + 600 * kNs);

    const uint64_t t2 = b.nowPs();
    at.plan = {AtInitiator::Accept::Updated, AtInitiator::Accept::Later};
    at.begin(a);
    at.begin(c);
    at.begin(d);
    at.waitFor(c, ::tlm::BEGIN_RESP);
    EXPECT_EQ(at.timeOf(a, ::tlm::BEGIN_RESP), t2 + kHitDone * kNs);
    EXPECT_EQ(at.timeOf(c, ::tlm::BEGIN_RESP), t2 + kHitDone * kNs) << "a was accepted at once";
    sc_core::wait(50, sc_core::SC_NS);
    at.endResponse(c, 30);  // END_RESP at +30 ns: d goes then
    at.waitFor(d, ::tlm::BEGIN_RESP);
    EXPECT_EQ(at.timeOf(d, ::tlm::BEGIN_RESP), t2 + (kHitDone + 50 + 30) * kNs);
  });
  EXPECT_EQ(b.stat("response_waits"), 2);
  EXPECT_EQ(b.stat("response_wait_ps"), double((600 - kMissDone + 80) * kNs));
}

// A fault is a UR completion: TLM_ADDRESS_ERROR_RESPONSE at the time b_transport gives it.
// A malformed request (no requester id) completes at once on the return path: TLM_COMPLETED
// with a generic error, no other phase.
TEST(AtProtocol, FaultsAndMalformedRequests) {
  TimingBench b(timingUnitConfig(), latency());
  AtInitiator at("at");
  at.socket.bind(b.unit.dma_in);
  Req fault(kDev, 0x4000'0000), malformed(kDev, b.page(0), 64, false);
  b.run([&] {
    b.warmContexts();
    const uint64_t t = b.nowPs();
    at.begin(fault);
    at.waitFor(fault, ::tlm::BEGIN_RESP);
    EXPECT_EQ(at.timeOf(fault, ::tlm::BEGIN_RESP), t + (kFrontNs + kReadNs + 20) * kNs);
    EXPECT_EQ(fault.p.get_response_status(), ::tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(at.begin(malformed), ::tlm::TLM_COMPLETED);
    EXPECT_EQ(malformed.p.get_response_status(), ::tlm::TLM_GENERIC_ERROR_RESPONSE);
    sc_core::wait(1, sc_core::SC_US);
    EXPECT_EQ(at.count(malformed, ::tlm::BEGIN_RESP) + at.count(malformed, ::tlm::END_REQ), 0u);
  });
  EXPECT_EQ(b.unit.model().stats().faults_recorded, 1u);
  EXPECT_EQ(b.stat("dma_blocked"), 1);
  EXPECT_EQ(b.stat("dma_bad_requests"), 1);
}

// A read across a 4 KiB boundary is two requests, the second arriving when the first is
// done (a hit on page 0, then a miss on page 1); one END_REQ, one BEGIN_RESP.
TEST(AtProtocol, TransactionAcrossAPageIsServedAsConsecutiveRequests) {
  TimingBench b(timingUnitConfig(), latency());
  AtInitiator at("at");
  at.socket.bind(b.unit.dma_in);
  Req across(kDev, b.page(0) + 4096 - 64, 128);
  b.run([&] {
    b.warmContexts();
    const uint64_t t = b.nowPs();
    EXPECT_EQ(at.begin(across), ::tlm::TLM_UPDATED);
    at.waitFor(across, ::tlm::BEGIN_RESP);
    EXPECT_EQ(at.timeOf(across, ::tlm::BEGIN_RESP), t + (kHitDone + kMissDone) * kNs);
    EXPECT_EQ(at.count(across, ::tlm::END_REQ), 1u);
    EXPECT_EQ(at.count(across, ::tlm::BEGIN_RESP), 1u);
    EXPECT_EQ(across.p.get_data_length(), 128u);
  });
  EXPECT_EQ(b.stat("dma_chunks"), 2);
}

// The same arrivals by b_transport and by nb_transport, on two sets of pages, complete at
// the same times: walker waits (2 walkers for 4 misses), merging with a walk in flight,
// hits under misses. Both go through one timing core.
TEST(AtProtocol, SameCompletionTimesAsBTransportUnderContention) {
  TimingBench b(timingUnitConfig(), latency(2));
  AtInitiator at("at");
  at.socket.bind(b.unit.dma_in);
  struct Arrival {
    uint64_t at_ns;
    unsigned page;  // of the set
  };
  const Arrival pattern[] = {{0, 1},   {10, 2},  {20, 3},  {100, 1}, {150, 0},
                             {200, 4}, {310, 2}, {400, 3}, {700, 4}};
  constexpr unsigned kSet = 8;  // the AT run uses pages 8 + i
  std::vector<std::unique_ptr<Req>> reqs;
  for (const Arrival& a : pattern)
    reqs.push_back(std::make_unique<Req>(kDev, b.page(kSet + a.page)));
  std::vector<uint64_t> lt, atd;
  double lt_merged = 0, at_merged = 0, lt_waits = 0, at_waits = 0;
  b.run([&] {
    b.warmContexts();
    b.dmaAt(0, b.page(0));  // page 0 of each set is a hit
    b.dmaAt(0, b.page(kSet));
    sc_core::wait(10, sc_core::SC_US);
    uint64_t t = b.nowPs();
    for (const Arrival& a : pattern) lt.push_back(b.dmaAt(a.at_ns, b.page(a.page)) - t);
    lt_merged = b.stat("merged_misses"), lt_waits = b.stat("walker_waits");
    sc_core::wait(10, sc_core::SC_US);
    t = b.nowPs();
    for (size_t i = 0; i < reqs.size(); ++i) at.beginAt(*reqs[i], t + pattern[i].at_ns * kNs);
    for (auto& r : reqs) at.waitFor(*r, ::tlm::BEGIN_RESP);
    for (auto& r : reqs) atd.push_back(at.timeOf(*r, ::tlm::BEGIN_RESP) - t);
    at_merged = b.stat("merged_misses") - lt_merged, at_waits = b.stat("walker_waits") - lt_waits;
  });
  EXPECT_EQ(lt, atd);
  EXPECT_EQ(lt_merged, at_merged);
  EXPECT_EQ(lt_waits, at_waits);
  EXPECT_GT(lt_merged, 0);
  EXPECT_GT(lt_waits, 0);
}

}  // namespace
}  // namespace vtd::test
