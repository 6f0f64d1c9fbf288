#include "api/retried_initials.h"

#include <netinet/in.h>
#include <openssl/rand.h>

#include <cstring>
#include <functional>
#include <string_view>

namespace stoq::detail {

RetriedInitials::RetriedInitials(size_t capacity) : capacity_(capacity) {
  // Without randomness the salt stays 0: fingerprints are then predictable, which costs at
  // most needless Retries.
  (void)RAND_bytes(reinterpret_cast<unsigned char*>(&salt_), sizeof(salt_));
}

uint64_t RetriedInitials::fingerprint(const SocketAddress& remote,
                                      const quic::ConnectionId& dcid) const {
  // salt | family | port | address bytes | DCID
  uint8_t buf[8 + 2 + 2 + 16 + sizeof(dcid.data)] = {};
  size_t n = 0;
  std::memcpy(buf, &salt_, sizeof(salt_));
  n += sizeof(salt_);
  const auto family = static_cast<uint16_t>(remote.family());
  const uint16_t port = remote.port();
  std::memcpy(buf + n, &family, 2);
  std::memcpy(buf + n + 2, &port, 2);
  n += 4;
  if (remote.family() == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(remote.data());
    std::memcpy(buf + n, &a->sin_addr, sizeof(a->sin_addr));
    n += sizeof(a->sin_addr);
  } else if (remote.family() == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(remote.data());
    std::memcpy(buf + n, &a->sin6_addr, sizeof(a->sin6_addr));
    n += sizeof(a->sin6_addr);
  }
  std::memcpy(buf + n, dcid.data, dcid.len);
  n += dcid.len;
  return std::hash<std::string_view>{}(std::string_view(reinterpret_cast<const char*>(buf), n));
}

void RetriedInitials::add(const SocketAddress& remote, const quic::ConnectionId& dcid) {
  if (capacity_ == 0) return;
  const uint64_t f = fingerprint(remote, dcid);
  if (!seen_.insert(f).second) return;  // already in the ring: keeps its place
  if (order_.size() < capacity_) {
    order_.push_back(f);
    return;
  }
  seen_.erase(order_[next_]);
  order_[next_] = f;
  next_ = (next_ + 1) % capacity_;
}

bool RetriedInitials::contains(const SocketAddress& remote, const quic::ConnectionId& dcid) const {
  return capacity_ > 0 && seen_.count(fingerprint(remote, dcid)) > 0;
}

}  // namespace stoq::detail
