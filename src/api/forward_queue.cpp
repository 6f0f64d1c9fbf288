#include "api/forward_queue.h"

namespace stoq::detail {

ForwardQueue::Push ForwardQueue::push(const io::ReceivedDatagram& d) {
  std::lock_guard lock(mu_);
  if (items_.size() >= max_datagrams_ || d.data.size() > max_bytes_ - bytes_) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return Push::kDropped;
  }
  const bool was_empty = items_.empty();
  items_.push_back({d.remote, d.local, d.ecn, {d.data.begin(), d.data.end()}});
  bytes_ += d.data.size();
  return was_empty ? Push::kQueuedWake : Push::kQueued;
}

std::vector<ForwardQueue::Item> ForwardQueue::take() {
  std::vector<Item> out;
  std::lock_guard lock(mu_);
  out.swap(items_);
  bytes_ = 0;
  return out;
}

size_t ForwardQueue::size() const {
  std::lock_guard lock(mu_);
  return items_.size();
}

size_t ForwardQueue::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

}  // namespace stoq::detail
