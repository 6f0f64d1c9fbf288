#include "io/segmentation.h"

#include <netinet/in.h>

#include <cstring>

namespace stoq::io::detail {
namespace {

// SocketAddress's operator== formats both addresses as text; this runs per datagram.
bool same_address(const SocketAddress& a, const SocketAddress& b) {
  if (a.family() != b.family() || a.size() != b.size()) return false;
  if (a.family() == AF_UNSPEC) return true;  // both empty (no source chosen)
  if (a.family() == AF_INET) {
    const auto* x = reinterpret_cast<const sockaddr_in*>(a.data());
    const auto* y = reinterpret_cast<const sockaddr_in*>(b.data());
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  if (a.family() == AF_INET6) {
    const auto* x = reinterpret_cast<const sockaddr_in6*>(a.data());
    const auto* y = reinterpret_cast<const sockaddr_in6*>(b.data());
    return x->sin6_port == y->sin6_port && x->sin6_scope_id == y->sin6_scope_id &&
           std::memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(in6_addr)) == 0;
  }
  return a == b;
}

}  // namespace

size_t coalescable_run(std::span<const OutgoingDatagram> batch, size_t first) {
  const OutgoingDatagram& head = batch[first];
  if (head.segment_size != 0 || head.data.empty()) return 1;
  const size_t segment = head.data.size();
  size_t n = 1;
  size_t bytes = segment;
  while (first + n < batch.size() && n < kMaxGsoSegments) {
    const OutgoingDatagram& prev = batch[first + n - 1];
    const OutgoingDatagram& next = batch[first + n];
    // A shorter datagram ends the train: only the last segment may be short.
    if (prev.data.size() != segment) break;
    if (next.segment_size != 0 || next.data.empty() || next.data.size() > segment) break;
    if (next.ecn != head.ecn || !same_address(next.remote, head.remote)) break;
    if (!same_address(next.source, head.source)) break;
    if (next.data.data() != prev.data.data() + prev.data.size()) break;
    if (bytes + next.data.size() > kMaxGsoBytes) break;
    bytes += next.data.size();
    ++n;
  }
  return n;
}

}  // namespace stoq::io::detail
