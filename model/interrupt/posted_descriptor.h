// Posted-interrupt descriptor (VT-d 3.x 9.12, FS 8.5): 64 bytes, 64-byte aligned, holding
// PIR (one request bit per vector, bits 255:0), ON (256), SN (257), NV (279:272) and NDST
// (319:288). postInterrupt() performs the hardware's update of one descriptor for one
// posted-format IRTE: set PIR[VV], then, if ON = 0 and (URG = 1 or SN = 0), set ON and
// send the notification event NV to NDST (FS 8.5 "Posting semantics", marked [inferred]
// there: no verbatim spec text was found; it is how Linux, KVM and Xen drive the fields).
// Atomicity: the update is one 64-byte read and one 64-byte write through GuestMemory with
// nothing in between; the TLM layer must carry them as one locked access so that a vCPU
// clearing PIR or ON cannot interleave (on hardware this is a locked read-modify-write).
// Not modelled: the reserved-bit check of the descriptor (fault 0x28, named by one source
// only, FS 7.4), write-back caching of the descriptor.
#pragma once

#include <array>
#include <cstdint>

#include "model/common/guest_memory.h"
#include "model/interrupt/interrupt_request.h"

namespace vtd {

struct PostedDescriptor {
  static constexpr uint64_t kBytes = 64;
  std::array<uint64_t, 8> qw{};  // little-endian quadwords as in memory

  bool pir(uint8_t vector) const { return (qw[vector / 64] >> (vector % 64)) & 1; }
  void setPir(uint8_t vector) { qw[vector / 64] |= 1ull << (vector % 64); }
  bool on() const { return qw[4] & 1; }
  bool sn() const { return (qw[4] >> 1) & 1; }
  uint8_t nv() const { return uint8_t(qw[4] >> 16); }
  uint32_t ndst() const { return uint32_t(qw[4] >> 32); }
  void setOn(bool v) { qw[4] = v ? qw[4] | 1 : qw[4] & ~1ull; }
  void setSn(bool v) { qw[4] = v ? qw[4] | 2 : qw[4] & ~2ull; }
  void setNv(uint8_t v) { qw[4] = (qw[4] & ~(0xFFull << 16)) | uint64_t(v) << 16; }
  void setNdst(uint32_t v) { qw[4] = (qw[4] & 0xFFFF'FFFFull) | uint64_t(v) << 32; }
  // The notification destination as an APIC ID: x2APIC the full NDST, xAPIC NDST[15:8]
  // (FS 8.5; Xen's PI_xAPIC_NDST_MASK 0xFF00).
  uint32_t notificationDestination(bool x2apic) const {
    return x2apic ? ndst() : (ndst() >> 8) & 0xFF;
  }

  bool read(GuestMemory& m, uint64_t address) { return m.read(address, qw.data(), kBytes); }
  bool write(GuestMemory& m, uint64_t address) const { return m.write(address, qw.data(), kBytes); }
};

enum class PostOutcome : uint8_t {
  Notified,        // ON was 0 and (URG or SN = 0): ON set, notification sent
  AlreadyPending,  // ON was 1: PIR updated, no notification (one is outstanding)
  Suppressed,      // ON was 0, SN = 1, URG = 0: PIR updated, no notification
  ReadError,       // the descriptor could not be read: nothing changed (fault 0x27)
  WriteError,      // read but not written back (reported as 0x27 as well) [inferred]
};

struct PostResult {
  PostOutcome outcome = PostOutcome::ReadError;
  bool pir_was_set = false;    // PIR[VV] was already 1 (coalesced with a pending request)
  ApicInterrupt notification;  // valid when outcome == Notified: fixed, edge, physical
  uint8_t descriptor_reads = 0;
  uint8_t descriptor_writes = 0;

  bool ok() const {
    return outcome != PostOutcome::ReadError && outcome != PostOutcome::WriteError;
  }
  bool notified() const { return outcome == PostOutcome::Notified; }
};

// Posts `vector` into the descriptor at `address` (64-byte aligned); `x2apic` selects how
// NDST is read (IRTA.EIME).
PostResult postInterrupt(GuestMemory& memory, uint64_t address, uint8_t vector, bool urgent,
                         bool x2apic);

}  // namespace vtd
