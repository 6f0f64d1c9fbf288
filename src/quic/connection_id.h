// QUIC connection IDs as hashable values.
#pragma once

#include <ngtcp2/ngtcp2.h>

#include <cstring>

#include "core/siphash.h"

namespace stoq::quic {

inline constexpr size_t kCidLength = 18;

struct ConnectionId {
  uint8_t data[NGTCP2_MAX_CIDLEN] = {};
  size_t len = 0;

  ConnectionId() = default;
  ConnectionId(const uint8_t* d, size_t n) noexcept : len(n > sizeof(data) ? 0 : n) {
    if (len > 0) std::memcpy(data, d, len);
  }
  explicit ConnectionId(const ngtcp2_cid& c) noexcept : ConnectionId(c.data, c.datalen) {}
  friend bool operator==(const ConnectionId& a, const ConnectionId& b) noexcept {
    return a.len == b.len && std::memcmp(a.data, b.data, a.len) == 0;
  }
};

// Connection IDs are chosen by peers: an unkeyed hash would let a client pick IDs that
// all land in one bucket. Each endpoint hashes with SipHash-2-4 under its own random key
// (std::unordered_map keeps this stateful hasher by value); there is no default key.
class ConnectionIdHash {
 public:
  explicit ConnectionIdHash(const detail::SipHashKey& key) noexcept : key_(key) {}
  size_t operator()(const ConnectionId& c) const noexcept {
    return static_cast<size_t>(detail::siphash24(key_, {c.data, c.len}));
  }

 private:
  detail::SipHashKey key_;
};

}  // namespace stoq::quic
