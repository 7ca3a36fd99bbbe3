// GuestRam: mapping QEMU's RAM file and checking its layout (see the header).
#include "platform/cosim/guest_ram.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

namespace vtd::cosim {

namespace {
std::string hex(uint64_t v) {
  std::ostringstream o;
  o << "0x" << std::hex << v;
  return o.str();
}
}  // namespace

GuestRam::~GuestRam() {
  if (bytes_) munmap(bytes_, size_);
}

bool GuestRam::sync(const std::vector<SysmemRegion>& regions) {
  struct Closer {
    const std::vector<SysmemRegion>& r;
    ~Closer() {
      for (const auto& x : r) ::close(x.fd);
    }
  } closer{regions};
  ++syncs_;
  bool first = false;
  std::vector<Region> table;
  for (const SysmemRegion& r : regions) {
    struct stat st {};
    if (fstat(r.fd, &st) != 0)
      throw GuestRamError(std::string("guest RAM descriptor: fstat failed: ") + std::strerror(errno));
    if (!bytes_) {
      if (st.st_size <= 0) throw GuestRamError("guest RAM file is empty");
      void* p = mmap(nullptr, uint64_t(st.st_size), PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, 0);
      if (p == MAP_FAILED)
        throw GuestRamError(std::string("cannot map guest RAM: ") + std::strerror(errno));
      bytes_ = static_cast<uint8_t*>(p);
      size_ = uint64_t(st.st_size);
      device_ = st.st_dev;
      inode_ = st.st_ino;
      first = true;
    } else if (st.st_dev != device_ || st.st_ino != inode_) {
      throw GuestRamError("QEMU sent a second guest RAM file (region at gpa " + hex(r.gpa) +
                          "); vtdsim cosim serves one RAM backend");
    }
    if (r.offset < 0 || uint64_t(r.offset) != r.gpa)
      throw GuestRamError("guest RAM at gpa " + hex(r.gpa) + " comes from file offset " +
                          hex(uint64_t(r.offset)) +
                          ": only RAM below q35's PCI hole (-m up to 2815 MiB) is served");
    if (r.size > size_ || r.gpa > size_ - r.size)
      throw GuestRamError("guest RAM region " + hex(r.gpa) + "+" + hex(r.size) +
                          " lies beyond the RAM file (" + hex(size_) + " bytes)");
    table.push_back({r.gpa, r.size});
  }
  regions_ = std::move(table);
  return first;
}

bool GuestRam::isRam(uint64_t gpa, uint64_t length) const {
  for (const Region& r : regions_)
    if (gpa >= r.gpa && length <= r.size && gpa - r.gpa <= r.size - length) return true;
  return false;
}

}  // namespace vtd::cosim
