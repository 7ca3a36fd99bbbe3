// GuestRam: the guest's RAM as QEMU shares it with the device process. QEMU sends the
// file descriptors of its RAM with each SYNC_SYSMEM (guest RAM must come from a shared
// memory backend: memory-backend-memfd or -file with share=on); GuestRam maps the file
// once and checks the layout each time: every region must come from that one file at
// offset == guest-physical address, which q35 guarantees for RAM below its PCI hole
// (-m up to 2815 MiB). Above that, q35 moves RAM to 4 GiB and up and the offset differs;
// that layout is refused with a message rather than served wrongly. The memory between
// regions (the legacy VGA window) reads and writes the file's bytes, which the guest
// never sees. SystemC-free.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "platform/cosim/mpqemu_link.h"

namespace vtd::cosim {

class GuestRamError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class GuestRam {
 public:
  struct Region {
    uint64_t gpa, size;
  };

  GuestRam() = default;
  ~GuestRam();
  GuestRam(const GuestRam&) = delete;
  GuestRam& operator=(const GuestRam&) = delete;

  // Takes the regions of one SYNC_SYSMEM (closing every descriptor); true when this is the
  // first table (the RAM got mapped). GuestRamError when the layout cannot be served.
  bool sync(const std::vector<SysmemRegion>& regions);

  bool mapped() const { return bytes_ != nullptr; }
  uint8_t* bytes() const { return bytes_; }
  uint64_t size() const { return size_; }
  const std::vector<Region>& regions() const { return regions_; }
  uint64_t syncs() const { return syncs_; }
  // True when [gpa, gpa + length) lies inside one region of the current table.
  bool isRam(uint64_t gpa, uint64_t length) const;

 private:
  uint8_t* bytes_ = nullptr;
  uint64_t size_ = 0;
  dev_t device_ = 0;
  ino_t inode_ = 0;
  std::vector<Region> regions_;
  uint64_t syncs_ = 0;
};

}  // namespace vtd::cosim
