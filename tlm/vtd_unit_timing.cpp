// VtdUnit: DMA and ATS translation requests and their loosely-timed timing (issue 6,
// item 1). A request arriving at time A (sc_time_stamp() + the annotated delay) goes
// through, in absolute picoseconds:
//   queue     admitted at A, or later when latency.request_queue requests are in flight
//   lookup    request, context-cache and IOTLB lookup cycles (CostTimer::frontPicoseconds)
//   walker    on the first table read, the pool's walker free at that time (or the first
//             to free up: the walk waits); the walk's reads then run one after the other,
//             each taking what the memory socket answers (or latency.walk_llc_ns when a
//             coherent walk's read hits the last-level cache); the walker is held until
//             the last read ends
//   rest      the Cost's remaining cycles (paging-structure cache lookups, fault records)
// then the forwarded access. A request that hits in the IOTLB waits for no walker
// (hit-under-miss) unless its page's walk is still in flight at its arrival (it merges with
// it: resource_timelines.h). When nothing is contended this is the Cost's time plus the
// memory time of the reads, as before the timelines existed. Register writes that
// invalidate are charged latency.invalidation_entry_cycles per cache entry removed, at the
// point the entries go, so a wait descriptor's status write and event come after the
// invalidations before it. Interrupt requests are not queued (vtd_unit.cpp).
// The approximately-timed path (vtd_unit_at.cpp) uses the same core through atServe(): it
// admits a request in simulated time and times it from there as an LT request arriving at
// that moment, so both fidelities share the walkers, merging, lookups and statistics.
#include <algorithm>
#include <cstring>
#include <systemc>

#include "model/translation/ats.h"
#include "tlm/vtd_unit.h"

namespace vtd::tlm {

using sc_core::sc_time;
using ::tlm::tlm_generic_payload;

inline DmaRequest VtdUnit::dmaRequestOf(const RequesterExtension& req,
                                        const tlm_generic_payload& trans) const {
  DmaRequest r;
  r.source = req.source;
  r.kind = trans.is_write() ? AccessKind::Write : AccessKind::Read;
  r.at = req.at;
  r.pasid_present = req.pasid_present;
  r.pasid = req.pasid;
  r.privileged = req.privileged;
  r.execute = req.execute;
  return r;
}

void VtdUnit::dmaTransport(int, tlm_generic_payload& trans, sc_time& delay) {
  ++stats_.dma_transactions;
  const RequesterExtension* req = trans.get_extension<RequesterExtension>();
  const DmaKind kind = kindOf(req, trans);
  if (kind == DmaKind::Malformed) {
    ++stats_.dma_bad_requests;
    trans.set_response_status(::tlm::TLM_GENERIC_ERROR_RESPONSE);
    return;
  }
  trans.set_dmi_allowed(false);  // every access must be translated
  if (kind == DmaKind::TranslationRequest) return translationRequest(*req, trans, delay);
  if (kind == DmaKind::Interrupt) return interruptRequest(*req, trans, delay);

  DmaRequest r = dmaRequestOf(*req, trans);
  const uint64_t address = trans.get_address();
  const unsigned length = trans.get_data_length();
  unsigned char* const data = trans.get_data_ptr();
  const uint64_t now = simcontext_->time_stamp().value();  // no target here waits
  // PCIe requests never cross a 4 KiB boundary: translate and forward chunk by chunk,
  // reusing the caller's payload (restored before returning). A zero-length request is
  // one chunk of length 0: it is still translated and checked (CAP.ZLR). Each chunk is one
  // request of the queue, arriving when the previous one completed.
  unsigned done = 0;
  ::tlm::tlm_response_status status = ::tlm::TLM_OK_RESPONSE;
  TimedRequest timed;
  beginTranslations(timed, delay);
  do {
    const uint64_t in = address + done;
    const unsigned chunk = unsigned(std::min<uint64_t>(length - done, 4096 - (in & 0xFFF)));
    r.address = in;
    timed.arrival_ps = now + delay.value();
    const bool ok = forwardChunk(r, trans, data + done, chunk, timed, now, delay, status);
    queue_.add(timed.admitted_ps, now + delay.value());
    if (!ok) break;
    done += chunk;
  } while (done < length);
  endTranslations();
  trans.set_address(address);
  trans.set_data_ptr(data);
  trans.set_data_length(length);
  trans.set_streaming_width(length);
  trans.set_response_status(status);
}

// One chunk at r.address (arriving at timed.arrival_ps): translated, then forwarded on
// mem_out with the caller's payload (its address, data and length are left changed).
// False when the transaction ends here, with `status` set: a UR/CA completion (a fault
// has been recorded as the spec says; a request into the interrupt window is simply not
// DMA), or the memory's error.
inline bool VtdUnit::forwardChunk(DmaRequest& r, tlm_generic_payload& trans, unsigned char* data,
                                  unsigned chunk, TimedRequest& timed, uint64_t now,
                                  sc_time& delay, ::tlm::tlm_response_status& status) {
  r.size = chunk;
  const Translation t = translateTimed(r, timed, now, delay);
  ++stats_.dma_chunks;
  if (!t.ok()) {
    status = ::tlm::TLM_ADDRESS_ERROR_RESPONSE;
    ++stats_.dma_blocked;
    return false;
  }
  trans.set_address(t.output);
  trans.set_data_ptr(data);
  trans.set_data_length(chunk);
  trans.set_streaming_width(chunk);
  trans.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
  mem_out->b_transport(trans, delay);
  if (!trans.is_response_ok()) {
    status = trans.get_response_status();
    return false;
  }
  return true;
}

// An ATS translation request (AT=01): one completion entry in the data (see vtd_unit.h).
void VtdUnit::translationRequest(const RequesterExtension& req, tlm_generic_payload& trans,
                                 sc_time& delay) {
  ++stats_.translation_requests;
  const uint64_t now = simcontext_->time_stamp().value();
  TimedRequest timed;
  beginTranslations(timed, delay);
  timed.arrival_ps = now + delay.value();
  translateAts(req, trans, timed, now, delay);
  endTranslations();
  queue_.add(timed.admitted_ps, now + delay.value());
}

void VtdUnit::translateAts(const RequesterExtension& req, tlm_generic_payload& trans,
                           TimedRequest& timed, uint64_t now, sc_time& delay) {
  DmaRequest r;
  r.source = req.source;
  r.address = trans.get_address();
  r.size = 8;
  r.kind = AccessKind::Read;
  r.at = AddressType::TranslationRequest;
  const Translation t = translateTimed(r, timed, now, delay);
  const AtsCompletion c = completionOf(t);
  switch (c.status) {
    case AtsStatus::Success: {
      const uint64_t entry = ats::encodeEntry(c);
      std::memcpy(trans.get_data_ptr(), &entry, 8);  // little-endian hosts, as the bus
      trans.set_response_status(::tlm::TLM_OK_RESPONSE);
      break;
    }
    case AtsStatus::UnsupportedRequest:
      trans.set_response_status(::tlm::TLM_ADDRESS_ERROR_RESPONSE);
      break;
    case AtsStatus::CompleterAbort:
      trans.set_response_status(::tlm::TLM_GENERIC_ERROR_RESPONSE);
      break;
  }
}

// The approximately-timed path's use of the same core (vtd_unit_at.cpp decides when): the
// current request of `a`, admitted now after waiting a.arrival_ps..now for the queue, is
// timed exactly as a loosely-timed request arriving now with nothing annotated; the wait
// counts in its latency as the LT queue stall does. Returns when it completes.
uint64_t VtdUnit::atServe(AtRequest& a) {
  tlm_generic_payload& trans = *a.trans;
  const RequesterExtension& req = *a.requester;
  const uint64_t now = simcontext_->time_stamp().value();
  sc_time delay = sc_core::SC_ZERO_TIME;
  if (a.kind == DmaKind::Interrupt) {  // not queued (as in LT)
    interruptRequest(req, trans, delay);
    a.last = true;
    return now + delay.value();
  }
  TimedRequest timed;
  timed.arrival_ps = now;
  timed.queued_ps = now - a.arrival_ps;
  beginTranslations(timed, delay);
  if (a.kind == DmaKind::TranslationRequest) {
    translateAts(req, trans, timed, now, delay);
    a.status = trans.get_response_status();
    a.last = true;
  } else {
    const uint64_t address = trans.get_address();
    const unsigned length = trans.get_data_length();
    unsigned char* const data = trans.get_data_ptr();
    const uint64_t in = address + a.done;
    const unsigned chunk = unsigned(std::min<uint64_t>(length - a.done, 4096 - (in & 0xFFF)));
    DmaRequest r = dmaRequestOf(req, trans);
    r.address = in;
    const bool ok = forwardChunk(r, trans, data + a.done, chunk, timed, now, delay, a.status);
    trans.set_address(address);
    trans.set_data_ptr(data);
    trans.set_data_length(length);
    trans.set_streaming_width(length);
    a.done += chunk;
    a.last = !ok || a.done >= length;
  }
  endTranslations();
  return now + delay.value();
}

// Before translating a transaction's requests (timed and delay are the ones passed to
// translateTimed): what a walk that starts, or a fault event, is timed from.
void VtdUnit::beginTranslations(const TimedRequest& timed, const sc_time& delay) {
  walk_.request = &timed;
  walk_.arrival_delay = &delay;
  current_delay_ = &walk_delay_;  // set when a walk starts (or an event is sent)
}

void VtdUnit::endTranslations() {
  mode_ = Mode::None;
  current_delay_ = nullptr;
}

// Translates `r`, arriving at timed.arrival_ps; sets timed.admitted_ps and advances `delay`
// (= arrival - now on entry) to the translation's end. Kept in this file so that it inlines
// into the transports: it is the IOTLB-hit path's only addition.
inline Translation VtdUnit::translateTimed(const DmaRequest& r, TimedRequest& timed, uint64_t now,
                                           sc_time& delay) {
  const uint64_t arrival = timed.arrival_ps;
  const uint64_t admitted =
      __builtin_expect(queue_.mayBeFull(), 0) ? admitWhenFull(arrival, now) : arrival;
  timed.admitted_ps = admitted;
  mode_ = Mode::Translate;  // back to None when the transaction ends (endTranslations)
  const Translation t = unit_.translate(r);
  bool miss = mode_ == Mode::Walking;
  const uint64_t cost_ps = cost_timer_.picoseconds(t.cost);
  uint64_t done;
  if (__builtin_expect(!miss, 1)) {
    done = admitted + cost_ps;
    if (__builtin_expect(walks_.mayMerge(admitted), 0)) miss = mergeWithWalk(r, t, admitted, done);
  } else {
    done = finishWalk(r, t, admitted, cost_ps, now);
  }
  const uint64_t latency = done - arrival;
  timing_.addLatency(miss, latency + timed.queued_ps);
  delay += latency_time_.get(latency);
  return t;
}

// A request arriving with the queue full: admitted later; the requester sees the stall.
uint64_t VtdUnit::admitWhenFull(uint64_t arrival, uint64_t now) {
  const uint64_t admitted = queue_.admitWhenFull(arrival, now);
  if (admitted != arrival) {
    ++timing_.queue_full_stalls;
    timing_.queue_stall_ps += admitted - arrival;
  }
  return admitted;
}

// A hit on a page whose walk (by an earlier call) is not done at `admitted`: ready when
// that walk's request got it, and never later than walking itself as that request did.
bool VtdUnit::mergeWithWalk(const DmaRequest& r, const Translation& t, uint64_t admitted,
                            uint64_t& done) {
  if (!t.cost.iotlb_hits) return false;
  const InFlightWalk* w = walks_.find(t.cost.iotlb_did, r.address, admitted);
  if (!w) return false;
  done = std::max(done, std::min(w->done_ps, admitted + (w->done_ps - w->arrival_ps)));
  ++timing_.merged_misses;
  return true;
}

// After the model's walk: release the walker, record the walk for merging, and return
// when the translation is done (the Cost's cycles after the lookups come after the walk).
uint64_t VtdUnit::finishWalk(const DmaRequest& r, const Translation& t, uint64_t admitted,
                             uint64_t cost_ps, uint64_t now) {
  const uint64_t walk_end = now + walk_delay_.value();
  walkers_.hold(walk_.walker, walk_end);
  timing_.walker_busy_ps += walk_end - walk_.start_ps;
  walk_horizon_ps_ = std::max(walk_horizon_ps_, walk_end);
  const uint64_t done = walk_end + cost_ps - front_ps_;  // walk_end >= admitted + front
  if (t.cost.walk_reads && t.ok())
    walks_.add(t.cost.iotlb_did, r.address, t.page_size, admitted, done, now);
  return done;
}

// The first table read of a translation: take a walker (waiting for one if all are busy).
inline void VtdUnit::startWalk() {
  mode_ = Mode::Walking;
  const uint64_t want = walk_.request->admitted_ps + front_ps_;
  const WalkerPool::Grant g = walkers_.acquire(want);
  walk_.walker = g.walker;
  walk_.start_ps = g.start_ps;
  if (g.start_ps > want) {
    ++timing_.walker_waits;
    timing_.walker_wait_ps += g.start_ps - want;
  }
  // From now: the request's delay to its arrival, then to the walk's start (usually just
  // the lookups: the converted time is reused).
  walk_delay_ = *walk_.arrival_delay;
  walk_delay_ += walk_start_time_.get(g.start_ps - walk_.request->arrival_ps);
}

// Called by the guest-memory adapter before each access the model makes.
AccessPlan VtdUnit::beforeAccess(bool write) {
  if (mode_ == Mode::Translate) startWalk();
  if (mode_ == Mode::Walking) {
    if (!write && llc_threshold_ && (llc_always_ || nextRandom() < llc_threshold_)) {
      ++timing_.walk_llc_hits;
      return AccessPlan{true, llc_ps_};
    }
  } else if (mode_ == Mode::Register) {
    chargeInvalidations();
  }
  return AccessPlan{};
}

// The end of the request's lookups, from now (for a fault event before any table read).
sc_time VtdUnit::lookupsEnd() const {
  sc_time t = *walk_.arrival_delay;
  t += sc_time::from_value(walk_.request->admitted_ps + front_ps_ - walk_.request->arrival_ps);
  return t;
}

// Entries the model removed since the last charge (all caches), at entry_ps_ each.
void VtdUnit::chargeInvalidations() {
  const uint64_t removed = entriesInvalidated();
  const uint64_t fresh = removed - inv_entries_seen_;
  inv_entries_seen_ = removed;
  if (!fresh || !current_delay_) return;
  timing_.invalidation_entries_timed += fresh;
  timing_.invalidation_ps += fresh * entry_ps_;
  *current_delay_ += sc_time::from_value(fresh * entry_ps_);
}

uint64_t VtdUnit::entriesInvalidated() const {
  const UnitStats& s = unit_.stats();
  return s.ctxt_cache_entries_invalidated + s.iotlb_entries_invalidated +
         s.psc_entries_invalidated + s.iec_entries_invalidated;
}

void VtdUnit::beginRegisterWrite(sc_time& delay) {
  inv_entries_seen_ = entriesInvalidated();
  current_delay_ = &delay;
  mode_ = Mode::Register;
}

void VtdUnit::endRegisterWrite() {
  chargeInvalidations();
  mode_ = Mode::None;
  current_delay_ = nullptr;
}

// splitmix64: deterministic for a given latency.walk_llc_seed on every host.
uint64_t VtdUnit::nextRandom() {
  uint64_t z = (rng_state_ += 0x9E37'79B9'7F4A'7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58'476D'1CE4'E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D0'49BB'1331'11EBull;
  return z ^ (z >> 31);
}

uint64_t VtdUnit::elapsedPs() const {
  return std::max<uint64_t>(simcontext_->time_stamp().value(), walk_horizon_ps_) - stats_reset_ps_;
}

}  // namespace vtd::tlm
