// The invalidation queue: enabling, fetching, executing, errors, the invalidation wait and
// its completion event (VT-d 3.x 6.5.2, 10.4.22-10.4.28; FS 3.1, 6.1, 6.6, 6.12, 7.3, 7.5).
#include "model/invalidation/queued_invalidation.h"

#include "model/common/bits.h"
#include "model/common/stat_registry.h"
#include "model/registers/register_map.h"
#include "model/registers/register_table.h"
#include "model/unit/remapping_unit.h"

namespace vtd {

using namespace reg;

QueuedInvalidation::QueuedInvalidation(const UnitParams& params, RegisterFile& regs,
                                       GuestMemory& memory, EventInterrupt& fault_event,
                                       InvalidationHandler& handler, UnitStats& stats)
    : regs_(regs),
      memory_(memory),
      fault_event_(fault_event),
      handler_(handler),
      stats_(stats),
      decoder_(params),
      completion_event_(regs, R_IECTL, R_IEDATA, R_IEADDR, R_IEUADDR) {}

bool QueuedInvalidation::enabled() const {
  return regs_.get(R_GSTS) & gsts::QIES;
}

uint64_t QueuedInvalidation::queueBytes() const {
  return uint64_t(4096) << (regs_.get(R_IQA) & iqa::kQsMask);
}

// Enabling sets QIES and starts fetching whatever lies between IQH and IQT. Disabling
// clears QIES and resets IQH to 0 (FS 3.1). Software must disable only with an empty queue
// (IQH = IQT, FS 9.B.2); this unit processes every descriptor inside the IQT write, so a
// non-empty queue here means an error stopped it: its descriptors are dropped, and counted.
void QueuedInvalidation::setEnabled(bool on) {
  const uint64_t status = regs_.get(R_GSTS);
  if (on) {
    regs_.set(R_GSTS, status | gsts::QIES);
    process();
    return;
  }
  if ((regs_.get(R_IQH) & iq::kOffsetMask) != (regs_.get(R_IQT) & iq::kOffsetMask))
    ++stats_.inv_queue_disabled_nonempty;
  regs_.set(R_GSTS, status & ~uint64_t(gsts::QIES));
  regs_.set(R_IQH, 0);
}

// IQT may be written while QI is off (Linux writes IQT = 0 before IQA); the descriptors
// up to it are fetched once QIE is set.
void QueuedInvalidation::onTailWrite() {
  if (!enabled()) {
    ++stats_.inv_queue_tail_while_disabled;
    return;
  }
  process();
}

// Clearing IWC retires a completion event still held by IECTL.IM (IP clears, no message).
void QueuedInvalidation::onStatusWrite(uint64_t old_ics, uint64_t new_ics) {
  if ((old_ics & ics::IWC) && !(new_ics & ics::IWC)) completion_event_.clearPending();
}

void QueuedInvalidation::onEventControlWrite(uint64_t old_ctl, uint64_t new_ctl) {
  completion_event_.onControlWrite(old_ctl, new_ctl);
}

// Fetching stopped at the offending descriptor; once software clears IQE (after fixing
// the descriptor, as Linux does by copying a wait descriptor over it) it resumes from IQH.
// ITE stops fetching the same way (FS 6.12); fetching resumes when neither is set.
void QueuedInvalidation::onFaultStatusWrite(uint64_t old_fsts, uint64_t new_fsts) {
  constexpr uint64_t kStops = fsts::IQE | fsts::ITE;
  if ((old_fsts & kStops) && !(new_fsts & kStops)) process();
}

// Fetch and perform descriptors from IQH up to IQT. Checks before the first fetch: the
// descriptor width (IQEI 5) and the tail inside the queue (IQEI 1). Then per descriptor:
// the fetch (IQEI 2), the type and reserved fields (IQEI 3, 4). IQH moves past a
// descriptor only once it has been performed, so on an error it names the offender.
void QueuedInvalidation::process() {
  if (!enabled() || (regs_.get(R_FSTS) & (fsts::IQE | fsts::ITE))) return;
  const uint64_t tail = regs_.get(R_IQT) & iq::kOffsetMask;
  uint64_t head = regs_.get(R_IQH) & iq::kOffsetMask;
  if (head == tail) return;
  const uint64_t iqa = regs_.get(R_IQA);
  if (iqa & iqa::DW) return queueError(QueueError::InvalidWidth);  // 256-bit needs SMTS
  const uint64_t size = queueBytes();
  if (tail >= size) return queueError(QueueError::InvalidTail);
  const uint64_t base = iqa & iqa::kBaseMask;
  while (head != tail) {
    uint64_t qw[2];
    if (!fetch(base + head, qw)) return queueError(QueueError::FetchError);
    const DecodedDescriptor d = decoder_.decode(qw[0], qw[1]);
    if (!d.ok()) return queueError(d.error);
    const bool aborted = timeout_pending_ && d.type == kDescInvalidationWait;
    if (aborted) {
      ++stats_.inv_desc_wait;
      ++stats_.inv_device_tlb_waits_aborted;
    } else {
      execute(d);
    }
    head = (head + kDescriptorBytes) % size;
    regs_.set(R_IQH, head);
    if (aborted) return invalidationTimeout();
  }
  if (timeout_pending_) invalidationTimeout();
}

bool QueuedInvalidation::fetch(uint64_t address, uint64_t qw[2]) {
  ++stats_.inv_queue_fetches;
  uint8_t bytes[kDescriptorBytes];
  if (!memory_.read(address, bytes, sizeof bytes)) return false;
  qw[0] = qw[1] = 0;
  for (unsigned i = 0; i < 8; ++i) {  // descriptors are little-endian in memory
    qw[0] |= uint64_t(bytes[i]) << (8 * i);
    qw[1] |= uint64_t(bytes[8 + i]) << (8 * i);
  }
  return true;
}

void QueuedInvalidation::execute(const DecodedDescriptor& d) {
  switch (d.type) {
    case kDescContextCache: {
      const ContextCacheDescriptor& c = d.context;
      if (c.granularity == kGranGlobal) ++stats_.inv_desc_context_global;
      if (c.granularity == kGranDomain) ++stats_.inv_desc_context_domain;
      if (c.granularity == kGranSelective) ++stats_.inv_desc_context_device;
      handler_.invalidateContextCache(c.granularity, c.did, c.sid, c.fm);
      break;
    }
    case kDescIotlb: {
      // DR/DW: nothing is in flight in this model, so the drain is complete at once.
      const IotlbDescriptor& t = d.iotlb;
      if (t.granularity == kGranGlobal) ++stats_.inv_desc_iotlb_global;
      if (t.granularity == kGranDomain) ++stats_.inv_desc_iotlb_domain;
      if (t.granularity == kGranSelective) ++stats_.inv_desc_iotlb_page;
      IotlbInvalidation request;
      request.granularity = t.granularity;
      request.did = t.did;
      request.address = t.address;
      request.am = t.am;
      request.invalidation_hint = t.invalidation_hint;
      handler_.invalidateIotlb(request);
      break;
    }
    case kDescDeviceTlb:
      deviceTlbInvalidation(d.device_tlb);
      break;
    case kDescInterruptEntryCache:
      ++stats_.inv_desc_iec;
      handler_.invalidateInterruptEntryCache(d.iec);
      break;
    case kDescInvalidationWait:
      invalidationWait(d.wait);
      break;
    default:
      break;  // the decoder accepts no other type
  }
}

// The wait completes once every earlier descriptor has: always true here, since each was
// performed before this one was fetched, so FN (fence: nothing after it starts first) holds
// trivially. SW writes the status data before IF signals (FS 6.6). IWC is set only if it
// was clear, and only that raises a completion event (FS 6.6, 7.5). A failing status write
// is a posted memory write that went nowhere: the spec gives the queue no error code for it
// (IQERCD has none, FS 7.3), so the wait still completes; the failure is counted.
void QueuedInvalidation::invalidationWait(const WaitDescriptor& w) {
  ++stats_.inv_desc_wait;
  if (w.fence) ++stats_.inv_desc_wait_fence;
  if (w.status_write) {
    ++stats_.inv_desc_wait_sw;
    ++stats_.inv_queue_status_writes;
    uint8_t bytes[4];
    for (unsigned i = 0; i < 4; ++i) bytes[i] = uint8_t(w.status_data >> (8 * i));
    if (!memory_.write(w.status_address, bytes, sizeof bytes))
      ++stats_.inv_queue_status_write_failed;
  }
  if (w.interrupt) {
    ++stats_.inv_desc_wait_if;
    const uint64_t status = regs_.get(R_ICS);
    if (!(status & ics::IWC)) {
      regs_.set(R_ICS, status | ics::IWC);
      completion_event_.raise();
    }
  }
}

// One invalidate request to the device that owns the SID (FS 6.4). The request is sent
// once the descriptor is fetched; the unit does not wait for the completion before the
// next descriptor, only a later wait does (a time-out is acted on there, or at the end).
void QueuedInvalidation::deviceTlbInvalidation(const DeviceTlbInvalidation& request) {
  ++stats_.inv_desc_device_tlb;
  const DeviceTlbResult r =
      device_tlb_port_ ? device_tlb_port_->invalidateDeviceTlb(request) : DeviceTlbResult{};
  if (r.completed) {
    ++stats_.inv_device_tlb;
    stats_.inv_device_tlb_all += request.all ? 1 : 0;
    stats_.device_tlb_entries_invalidated += r.entries_invalidated;
    return;
  }
  ++stats_.inv_device_tlb_timeouts;
  if (!timeout_pending_) timeout_sid_ = request.sid;
  timeout_pending_ = true;
}

// FSTS.IQE with the cause in IQERCD.IQEI; a fault event unless one is already outstanding
// (FS 6.12, 7.3, 7.5). IQH stays on the descriptor that failed. A time-out already pending
// is reported too: the queue stops either way.
void QueuedInvalidation::queueError(QueueError e) {
  const uint64_t status = regs_.get(R_FSTS);
  regs_.set(R_FSTS, status | fsts::IQE);
  regs_.set(R_IQERCD, setBits(regs_.get(R_IQERCD), iqercd::kIqeiHi, iqercd::kIqeiLo, uint64_t(e)));
  ++stats_.inv_queue_errors;
  ++stats_.inv_queue_error[size_t(e)];
  if (!(status & fsts::kEventSources)) fault_event_.raise();
  if (timeout_pending_) invalidationTimeout();
}

// FSTS.ITE with the SID in IQERCD.ITESID; a fault event unless one is already outstanding
// (FS 6.12, 7.1, 7.5). Fetching stops until software clears ITE.
void QueuedInvalidation::invalidationTimeout() {
  timeout_pending_ = false;
  const uint64_t status = regs_.get(R_FSTS);
  regs_.set(R_FSTS, status | fsts::ITE);
  regs_.set(R_IQERCD,
            setBits(regs_.get(R_IQERCD), iqercd::kItesidHi, iqercd::kItesidLo, timeout_sid_.value));
  if (!(status & fsts::kEventSources)) fault_event_.raise();
}

void QueuedInvalidation::describeStats(StatRegistry& r, const std::string& p) const {
  r.addCounter(p + "inv_completion_events", completion_event_.sent(), "messages",
               "invalidation completion event messages sent (IECTL/IEDATA/IEADDR)");
  r.addCounter(p + "inv_completion_events_held", completion_event_.held(), "events",
               "invalidation completion events held pending because IECTL.IM was set");
}

}  // namespace vtd
