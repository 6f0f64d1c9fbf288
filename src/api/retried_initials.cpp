#include "api/retried_initials.h"

namespace stoq::detail {

void RetriedInitials::add(const SocketAddress& remote, const quic::ConnectionId& dcid) {
  if (capacity_ == 0) return;
  auto it = by_dcid_.find(dcid);
  if (it != by_dcid_.end()) {
    it->second = remote;  // already in the ring: keep its place
    return;
  }
  if (order_.size() < capacity_) {
    order_.push_back(dcid);
  } else {
    by_dcid_.erase(order_[next_]);
    order_[next_] = dcid;
    next_ = (next_ + 1) % capacity_;
  }
  by_dcid_.emplace(dcid, remote);
}

bool RetriedInitials::contains(const SocketAddress& remote, const quic::ConnectionId& dcid) const {
  auto it = by_dcid_.find(dcid);
  return it != by_dcid_.end() && it->second == remote;
}

}  // namespace stoq::detail
