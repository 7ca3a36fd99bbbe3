// GuestMemory: the only way the remapping model reaches physical memory (table walks,
// later queue fetches and status writes). The TLM layer implements it with b_transport on
// the unit's memory socket so walks cost memory time; tests use FlatMemory.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vtd {

class GuestMemory {
 public:
  virtual ~GuestMemory() = default;
  // false: the access failed (no memory there, bus error); the model turns that into the
  // spec's "error reading ..." fault of the structure being read.
  virtual bool read(uint64_t address, void* data, size_t length) = 0;
  virtual bool write(uint64_t address, const void* data, size_t length) = 0;
};

}  // namespace vtd
