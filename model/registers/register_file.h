// RegisterFile: the engine that applies the declarative register table to software
// accesses (FS 1.3). Aligned 32-bit accesses reach one dword; aligned 64-bit accesses reach
// a whole 64-bit register, or two 32-bit registers low dword first. Read-only bits keep
// their value, write-1-to-clear bits clear only when written as 1, write-only bits read as
// 0. Unknown offsets read 0 and ignore writes; other sizes and misaligned accesses are
// refused the same way. Both are counted. Hardware-side updates use get/set (peek/poke),
// which bypass masks and hooks. The engine runs no side effects itself: write() reports
// what changed and the owner dispatches the row's hook.
#pragma once

#include <cstdint>
#include <vector>

#include "model/registers/register_table.h"

namespace vtd {

class RegisterFile {
 public:
  RegisterFile(std::vector<RegisterSpec> table, uint32_t block_size);

  // What one software write did to one register (a 64-bit access to two 32-bit registers
  // produces two of these).
  struct Write {
    uint16_t reg = 0;
    uint64_t old_value = 0;
    uint64_t new_value = 0;
    uint64_t written = 0;       // the value written, aligned to the register
    uint64_t byte_mask = 0;     // which bits the access covered
    bool upperWritten() const { return (byte_mask >> 32) != 0; }
  };
  static constexpr unsigned kMaxWrites = 2;
  struct WriteResult {
    Write writes[kMaxWrites];
    unsigned count = 0;
    bool refused = false;  // unknown offset, bad size or misaligned
  };

  uint64_t read(uint32_t offset, unsigned size);
  // Same value as read(), without counting anything (debug access, "peek").
  uint64_t peek(uint32_t offset, unsigned size) const;
  WriteResult write(uint32_t offset, unsigned size, uint64_t value);

  uint64_t get(uint16_t reg) const { return values_[reg]; }
  void set(uint16_t reg, uint64_t value) { values_[reg] = value; }
  void reset();

  const RegisterSpec& spec(uint16_t reg) const { return table_[reg]; }
  size_t count() const { return table_.size(); }
  uint32_t blockSize() const { return block_size_; }
  // Register covering `offset` (any byte of it), or -1.
  int find(uint32_t offset) const;

  uint64_t unknownAccesses() const { return unknown_accesses_; }
  uint64_t refusedAccesses() const { return refused_accesses_; }
  const uint64_t& unknownAccessesRef() const { return unknown_accesses_; }
  const uint64_t& refusedAccessesRef() const { return refused_accesses_; }

 private:
  // Per dword of the block: which register, and which half of it (0 low, 1 high).
  struct DwordSlot {
    int16_t reg = -1;
    uint8_t half = 0;
  };
  const DwordSlot* slot(uint32_t offset) const;
  bool accessible(uint32_t offset, unsigned size) const;  // aligned 4 or 8 bytes in the block
  uint64_t readDwords(uint32_t offset, unsigned size, uint64_t* unknown) const;
  bool applyDword(uint32_t offset, uint32_t value, WriteResult& out);

  std::vector<RegisterSpec> table_;
  std::vector<uint64_t> values_;
  std::vector<DwordSlot> slots_;
  uint32_t block_size_;
  uint64_t unknown_accesses_ = 0;
  uint64_t refused_accesses_ = 0;
};

}  // namespace vtd
