// RegisterFile: masks applied per access (FS 1.3).
#include "model/registers/register_file.h"

#include <stdexcept>
#include <string>

namespace vtd {

RegisterFile::RegisterFile(std::vector<RegisterSpec> table, uint32_t block_size)
    : table_(std::move(table)), values_(table_.size()), slots_(block_size / 4),
      block_size_(block_size) {
  for (size_t i = 0; i < table_.size(); ++i) {
    const RegisterSpec& r = table_[i];
    if (r.offset % r.width != 0 || (r.width != 4 && r.width != 8) ||
        r.offset + r.width > block_size)
      throw std::logic_error("register table: bad placement of " + r.name);
    for (unsigned h = 0; h < r.width / 4u; ++h) {
      DwordSlot& s = slots_[r.offset / 4 + h];
      if (s.reg >= 0) throw std::logic_error("register table: " + r.name + " overlaps " + table_[s.reg].name);
      s.reg = int16_t(i);
      s.half = uint8_t(h);
    }
  }
  reset();
}

void RegisterFile::reset() {
  for (size_t i = 0; i < table_.size(); ++i) values_[i] = table_[i].reset;
}

const RegisterFile::DwordSlot* RegisterFile::slot(uint32_t offset) const {
  if (offset / 4 >= slots_.size()) return nullptr;
  const DwordSlot& s = slots_[offset / 4];
  return s.reg >= 0 ? &s : nullptr;
}

int RegisterFile::find(uint32_t offset) const {
  const DwordSlot* s = slot(offset & ~3u);
  return s ? s->reg : -1;
}

uint64_t RegisterFile::readDwords(uint32_t offset, unsigned size, uint64_t* unknown) const {
  uint64_t result = 0;
  for (unsigned d = 0; d < size / 4; ++d) {
    const DwordSlot* s = slot(offset + 4 * d);
    if (!s) {
      ++*unknown;
      continue;
    }
    const RegisterSpec& r = table_[s->reg];
    const uint64_t visible = values_[s->reg] & ~r.wo;
    result |= ((visible >> (32 * s->half)) & 0xFFFF'FFFFull) << (32 * d);
  }
  return result;
}

bool RegisterFile::accessible(uint32_t offset, unsigned size) const {
  return (size == 4 || size == 8) && offset % size == 0 && offset < block_size_;
}

uint64_t RegisterFile::read(uint32_t offset, unsigned size) {
  if (!accessible(offset, size)) {
    ++refused_accesses_;
    return 0;
  }
  return readDwords(offset, size, &unknown_accesses_);
}

uint64_t RegisterFile::peek(uint32_t offset, unsigned size) const {
  if (!accessible(offset, size)) return 0;
  uint64_t ignored = 0;
  return readDwords(offset, size, &ignored);
}

// Applies one dword of a write; merges into the previous Write when both dwords belong
// to the same 64-bit register, so its hook runs once with the whole value.
bool RegisterFile::applyDword(uint32_t offset, uint32_t value, WriteResult& out) {
  const DwordSlot* s = slot(offset);
  if (!s) {
    ++unknown_accesses_;
    return false;
  }
  const RegisterSpec& r = table_[s->reg];
  const uint64_t covered = 0xFFFF'FFFFull << (32 * s->half);
  const uint64_t v = uint64_t(value) << (32 * s->half);
  uint64_t& stored = values_[s->reg];
  const uint64_t old = stored;
  stored = (stored & ~(r.rw & covered)) | (v & r.rw & covered);
  stored &= ~(v & r.w1c & covered);

  Write* w = nullptr;
  if (out.count > 0 && out.writes[out.count - 1].reg == uint16_t(s->reg)) {
    w = &out.writes[out.count - 1];
  } else {
    w = &out.writes[out.count++];
    w->reg = uint16_t(s->reg);
    w->old_value = old;
  }
  w->new_value = stored;
  w->written |= v;
  w->byte_mask |= covered;
  return true;
}

RegisterFile::WriteResult RegisterFile::write(uint32_t offset, unsigned size, uint64_t value) {
  WriteResult out;
  if (!accessible(offset, size)) {
    ++refused_accesses_;
    out.refused = true;
    return out;
  }
  bool any = applyDword(offset, uint32_t(value), out);
  if (size == 8) any |= applyDword(offset + 4, uint32_t(value >> 32), out);
  out.refused = !any;
  return out;
}

}  // namespace vtd
