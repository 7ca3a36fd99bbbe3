// Interrupt-request decoding (FS 8.1) and the MSI form of an interrupt sent to the LAPICs.
#include "model/interrupt/interrupt_request.h"

#include "model/common/bits.h"

namespace vtd {

namespace {
constexpr uint64_t kInterruptPrefix = 0xFEE;  // address bits 31:20
}

InterruptRequestFields decodeInterruptRequest(uint64_t address, uint32_t data) {
  InterruptRequestFields f;
  f.format = testBit(address, 4) ? InterruptFormat::Remappable : InterruptFormat::Compatibility;
  if (!f.remappable()) return f;
  // FS 8.1 remappable address: HANDLE[14:0] in 19:5, HANDLE[15] in bit 2, SHV in bit 3.
  f.handle = uint16_t(getBits(address, 19, 5) | getBits(address, 2, 2) << 15);
  f.shv = testBit(address, 3);
  f.subhandle = f.shv ? uint16_t(data & 0xFFFF) : 0;
  f.index = uint32_t(f.handle) + f.subhandle;
  // FS 7.4 row 0x20: high dword set, a prefix other than 0xFEE, or data[31:16] with SHV=1.
  const bool high_dword = (address >> 32) != 0;
  const bool prefix = getBits(address, 31, 20) != kInterruptPrefix;
  const bool data_reserved = f.shv && (data >> 16) != 0;
  if (high_dword || prefix || data_reserved) f.reason = FaultReason::IrReservedRequest;
  return f;
}

MsiMessage encodeRemappableRequest(uint16_t handle, bool shv, uint16_t subhandle) {
  MsiMessage m;
  m.address = kInterruptPrefix << 20 | uint64_t(handle & 0x7FFF) << 5 | bit(4) |
              (shv ? bit(3) : 0) | uint64_t(handle >> 15) << 2;
  m.data = shv ? subhandle : 0;
  return m;
}

MsiMessage ApicInterrupt::message() const {
  MsiMessage m;
  m.address = kInterruptPrefix << 20 | uint64_t(destination & 0xFF) << 12 | (rh ? bit(3) : 0) |
              (dm ? bit(2) : 0);
  if (x2apic) m.address |= uint64_t(destination >> 8) << 40;
  m.data = uint32_t(vector) | uint32_t(dlm & 7) << 8 | uint32_t(bit(14)) | (tm ? 1u << 15 : 0);
  return m;
}

ApicInterrupt ApicInterrupt::fromCompatibility(uint64_t address, uint32_t data) {
  ApicInterrupt a;
  a.destination = uint32_t(getBits(address, 19, 12));
  a.rh = testBit(address, 3);
  a.dm = testBit(address, 2);
  a.vector = uint8_t(data & 0xFF);
  a.dlm = uint8_t(getBits(data, 10, 8));
  a.tm = testBit(data, 15);
  return a;
}

}  // namespace vtd
