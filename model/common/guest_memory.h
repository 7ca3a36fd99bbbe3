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
  // A read with no side effects and no cost (no time, no memory statistics): what the
  // driver checker uses to compare a cache hit with the tables in memory. Memories whose
  // reads have no side effects need not override it.
  virtual bool peek(uint64_t address, void* data, size_t length) { return read(address, data, length); }
};

}  // namespace vtd
