// FlatMemory: a GuestMemory over a byte array [base, base + size). Used by unit tests and
// by the firmware's direct-call backend. Accesses outside the array fail (the model turns
// that into read-error faults); nothing outside it is ever touched.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

#include "model/common/guest_memory.h"

namespace vtd {

class FlatMemory final : public GuestMemory {
 public:
  // calloc: large arrays come from zero pages the OS maps lazily, so a big, mostly unused
  // test memory costs nothing until touched.
  explicit FlatMemory(uint64_t size, uint64_t base = 0)
      : base_(base), size_(size), bytes_(static_cast<uint8_t*>(std::calloc(size ? size : 1, 1))) {
    if (!bytes_) throw std::bad_alloc();
  }

  bool read(uint64_t address, void* data, size_t length) override {
    if (!contains(address, length)) return false;
    std::memcpy(data, &bytes_[address - base_], length);
    ++reads_;
    return true;
  }
  bool write(uint64_t address, const void* data, size_t length) override {
    if (!contains(address, length)) return false;
    std::memcpy(&bytes_[address - base_], data, length);
    ++writes_;
    return true;
  }

  bool contains(uint64_t address, uint64_t length) const {
    return address >= base_ && length <= size_ && address - base_ <= size_ - length;
  }
  uint64_t read64(uint64_t address) const {
    uint64_t v = 0;
    if (contains(address, 8)) std::memcpy(&v, &bytes_[address - base_], 8);
    return v;
  }
  void write64(uint64_t address, uint64_t v) {
    if (contains(address, 8)) std::memcpy(&bytes_[address - base_], &v, 8);
  }
  uint8_t* data() { return bytes_.get(); }
  uint64_t base() const { return base_; }
  uint64_t size() const { return size_; }
  uint64_t readCount() const { return reads_; }
  uint64_t writeCount() const { return writes_; }

 private:
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  uint64_t base_;
  uint64_t size_;
  std::unique_ptr<uint8_t[], Free> bytes_;
  uint64_t reads_ = 0;
  uint64_t writes_ = 0;
};

}  // namespace vtd
