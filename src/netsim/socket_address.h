// SocketAddress: an IPv4 or IPv6 UDP endpoint (or, for the control socket, a Unix
// datagram socket path), parsed from and printed as text.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "netsim/result.h"

namespace stoq::netsim {

class SocketAddress {
 public:
  SocketAddress() = default;
  // Copies `len` bytes of `addr`; len must not exceed sizeof(sockaddr_storage).
  SocketAddress(const sockaddr* addr, socklen_t len) noexcept;

  // Accepted forms (numeric only, no DNS): "127.0.0.1:4433", "[::1]:4433",
  // "localhost:4433" (127.0.0.1), and "unix:/path/to/socket" for Unix datagram sockets.
  // Port 0 asks the system for an ephemeral port when binding.
  // Errors: Errc::kInvalidAddress with a message naming the text.
  static Expected<SocketAddress> parse(std::string_view text);

  // The same forms as parse(); "<none>" for an empty address.
  std::string to_string() const;

  const sockaddr* data() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
  sockaddr* data() noexcept { return reinterpret_cast<sockaddr*>(&storage_); }
  socklen_t size() const noexcept { return len_; }
  int family() const noexcept { return storage_.ss_family; }
  bool empty() const noexcept { return len_ == 0; }
  bool is_unix() const noexcept { return family() == AF_UNIX; }
  // 127.0.0.0/8, ::1 or ::ffff:127.0.0.0/104; false for Unix and empty addresses.
  bool is_loopback() const noexcept;
  // Port in host order; 0 for Unix addresses.
  std::uint16_t port() const noexcept;
  // The Unix socket path; empty for IP addresses.
  std::string unix_path() const;

  // Equality compares family, address and port (and path), not padding bytes.
  bool operator==(const SocketAddress& other) const noexcept;
  std::size_t hash() const noexcept;

 private:
  sockaddr_storage storage_{};
  socklen_t len_ = 0;
};

struct SocketAddressHash {
  std::size_t operator()(const SocketAddress& a) const noexcept { return a.hash(); }
};

}  // namespace stoq::netsim
