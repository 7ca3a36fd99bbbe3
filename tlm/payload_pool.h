// PayloadPool: generic payloads for approximately-timed initiators (several transactions in
// flight, each needing its own payload), with the pool as their memory manager: the last
// release() (IEEE 1666-2011, generic payload memory management) hands a payload back for
// reuse, so the steady state allocates nothing. T is tlm_generic_payload or a type derived from it
// that carries the initiator's bookkeeping for that transaction (the owner static_casts back on the
// backward path: every payload it sees there came from its pool).
// Extensions: a pool never frees them. The destructor detaches every extension first (they
// belong to whoever attached them: the initiator's requester id, shallow copies an
// interconnect made), since the payload's own destructor would free() them.
#pragma once

#include <memory>
#include <tlm>
#include <vector>

namespace vtd::tlm {

template <class T>
class PayloadPool final : public ::tlm::tlm_mm_interface {
 public:
  PayloadPool() = default;
  PayloadPool(const PayloadPool&) = delete;
  PayloadPool& operator=(const PayloadPool&) = delete;
  ~PayloadPool() override {
    for (auto& p : all_) detachAll(*p);
  }

  // A payload with a reference count of one (the caller's); released back here.
  T& get() {
    if (free_.empty()) {
      all_.push_back(std::make_unique<T>(this));
      free_.push_back(all_.back().get());
    }
    T* p = free_.back();
    free_.pop_back();
    p->acquire();
    return *p;
  }
  void free(::tlm::tlm_generic_payload* p) override { free_.push_back(static_cast<T*>(p)); }
  size_t size() const { return all_.size(); }
  size_t inUse() const { return all_.size() - free_.size(); }

  static void detachAll(::tlm::tlm_generic_payload& p) {
    p.resize_extensions();
    for (unsigned i = 0; i < ::tlm::max_num_extensions(); ++i)
      if (p.get_extension(i)) p.set_extension(i, nullptr);
  }
  // Shallow copy: `to` points at `from`'s extensions (an interconnect's request carries the
  // requester id of the transaction it is part of). detachAll() undoes it.
  static void shareExtensions(const ::tlm::tlm_generic_payload& from,
                              ::tlm::tlm_generic_payload& to) {
    to.resize_extensions();
    for (unsigned i = 0; i < ::tlm::max_num_extensions(); ++i)
      to.set_extension(i, from.get_extension(i));
  }

 private:
  std::vector<std::unique_ptr<T>> all_;
  std::vector<T*> free_;
};

}  // namespace vtd::tlm
