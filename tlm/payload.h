// Filling a generic payload for a plain memory-mapped access, as the initiators here issue
// them: one command, address and contiguous buffer, no byte enables, no streaming (the width
// is the length), response INCOMPLETE until the target answers, and the DMI hint cleared
// (targets may set it; nothing here reads it). Extensions are left as they are: a payload
// reused across accesses keeps the ones its owner attached. IEEE 1666-2011, generic payload.
#pragma once

#include <cstdint>
#include <tlm>

namespace vtd::tlm {

inline void fillPayload(::tlm::tlm_generic_payload& p, ::tlm::tlm_command command, uint64_t address,
                        unsigned char* data, unsigned length) {
  p.set_command(command);
  p.set_address(address);
  p.set_data_ptr(data);
  p.set_data_length(length);
  p.set_streaming_width(length);
  p.set_byte_enable_ptr(nullptr);
  p.set_response_status(::tlm::TLM_INCOMPLETE_RESPONSE);
  p.set_dmi_allowed(false);
}

}  // namespace vtd::tlm
