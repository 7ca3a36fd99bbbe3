// Descriptor decoding and the reserved-field rules (VT-d 3.x 6.5.2.1-6.5.2.8, FS 6.1-6.6,
// IQEI codes FS 7.3).
#include "model/invalidation/invalidation_descriptor.h"

#include "model/common/bits.h"
#include "model/registers/register_map.h"
#include "model/translation/ats.h"
#include "model/unit/unit_params.h"

namespace vtd {

DescriptorDecoder::DescriptorDecoder(const UnitParams& p)
    : iotlb_qw0_(kIotlbQw0 | (p.drain_writes ? 0 : bit(6)) | (p.drain_reads ? 0 : bit(7))),
      interrupt_remapping_(p.interrupt_remapping),
      device_tlb_(p.device_tlb) {}

DecodedDescriptor DescriptorDecoder::decode(uint64_t qw0, uint64_t qw1) const {
  DecodedDescriptor d;
  d.type = typeOf(qw0);
  switch (d.type) {
    case kDescContextCache:
      decodeContext(qw0, qw1, d);
      break;
    case kDescIotlb:
      decodeIotlb(qw0, qw1, d);
      break;
    case kDescDeviceTlb:
      if (device_tlb_) {
        decodeDeviceTlb(qw0, qw1, d);
      } else {
        d.error = QueueError::InvalidType;  // no device-TLBs without ECAP.DT
      }
      break;
    case kDescInterruptEntryCache:
      if (interrupt_remapping_) {
        decodeIec(qw0, qw1, d);
      } else {
        d.error = QueueError::InvalidType;  // no interrupt-entry cache without ECAP.IR
      }
      break;
    case kDescInvalidationWait:
      decodeWait(qw0, qw1, d);
      break;
    default:
      // The PASID-based and page-response types (no scalable mode, ECAP.SMTS = 0), and
      // types the architecture does not define.
      d.error = QueueError::InvalidType;
  }
  return d;
}

// FS 6.2: G in 5:4 (00 reserved), DID 31:16, SID 47:32, FM 49:48; qword 1 reserved.
void DescriptorDecoder::decodeContext(uint64_t qw0, uint64_t qw1, DecodedDescriptor& d) const {
  ContextCacheDescriptor& c = d.context;
  c.granularity = unsigned(getBits(qw0, 5, 4));
  c.did = uint16_t(getBits(qw0, 31, 16));
  c.sid = SourceId{uint16_t(getBits(qw0, 47, 32))};
  c.fm = unsigned(getBits(qw0, 49, 48));
  if ((qw0 & kContextQw0) || qw1 || c.granularity == reg::kGranReserved)
    d.error = QueueError::ReservedField;
}

// FS 6.3: G 5:4 (00 reserved), DW 6, DR 7, DID 31:16; AM qw1 5:0, IH qw1 6, ADDR qw1 63:12.
void DescriptorDecoder::decodeIotlb(uint64_t qw0, uint64_t qw1, DecodedDescriptor& d) const {
  IotlbDescriptor& t = d.iotlb;
  t.granularity = unsigned(getBits(qw0, 5, 4));
  t.drain_writes = testBit(qw0, 6);
  t.drain_reads = testBit(qw0, 7);
  t.did = uint16_t(getBits(qw0, 31, 16));
  t.am = unsigned(getBits(qw1, 5, 0));
  t.invalidation_hint = testBit(qw1, 6);
  t.address = qw1 & ~0xFFFull;
  if ((qw0 & iotlb_qw0_) || (qw1 & kIotlbQw1) || t.granularity == reg::kGranReserved)
    d.error = QueueError::ReservedField;
}

// FS 6.4: MIP 20:16 (0 means 32), SID 47:32; S qw1 0, ADDR qw1 63:12 (with S=1 the size
// is folded into ADDR's low bits, model/translation/ats.h). PFSID is reserved without DIT.
void DescriptorDecoder::decodeDeviceTlb(uint64_t qw0, uint64_t qw1, DecodedDescriptor& d) const {
  DeviceTlbInvalidation& v = d.device_tlb;
  const unsigned mip = unsigned(getBits(qw0, 20, 16));
  v.max_pending = mip ? mip : 32;
  v.sid = SourceId{uint16_t(getBits(qw0, 47, 32))};
  const ats::Range r = ats::decodeRange(qw1 & ~0xFFFull, testBit(qw1, 0));
  v.address = r.base;
  v.bytes = r.bytes;
  v.all = r.all;
  if ((qw0 & kDeviceTlbQw0) || (qw1 & kDeviceTlbQw1)) d.error = QueueError::ReservedField;
}

// FS 6.5: G 4 (0 global, 1 index-selective), IM 31:27, IIDX 47:32; qword 1 reserved.
void DescriptorDecoder::decodeIec(uint64_t qw0, uint64_t qw1, DecodedDescriptor& d) const {
  IecInvalidation& e = d.iec;
  e.index_selective = testBit(qw0, 4);
  e.index_mask = unsigned(getBits(qw0, 31, 27));
  e.index = uint16_t(getBits(qw0, 47, 32));
  if ((qw0 & kIecQw0) || qw1) d.error = QueueError::ReservedField;
}

// FS 6.6: IF 4, SW 5, FN 6, PD 7 (reserved without ECAP.PDS), status data 63:32, status
// address qw1 63:2. Neither IF nor SW is legal: the wait then only orders (a fence).
void DescriptorDecoder::decodeWait(uint64_t qw0, uint64_t qw1, DecodedDescriptor& d) const {
  WaitDescriptor& w = d.wait;
  w.interrupt = testBit(qw0, 4);
  w.status_write = testBit(qw0, 5);
  w.fence = testBit(qw0, 6);
  w.status_data = uint32_t(qw0 >> 32);
  w.status_address = qw1 & ~0x3ull;
  if ((qw0 & kWaitQw0) || (qw1 & kWaitQw1)) d.error = QueueError::ReservedField;
}

}  // namespace vtd
