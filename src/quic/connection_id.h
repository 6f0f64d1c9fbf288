// QUIC connection IDs as hashable values.
#pragma once

#include <ngtcp2/ngtcp2.h>

#include <cstring>
#include <functional>
#include <string_view>

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

struct ConnectionIdHash {
  size_t operator()(const ConnectionId& c) const noexcept {
    return std::hash<std::string_view>{}(
        std::string_view(reinterpret_cast<const char*>(c.data), c.len));
  }
};

}  // namespace stoq::quic
