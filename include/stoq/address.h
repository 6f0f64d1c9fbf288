// Socket addresses (IPv4 / IPv6, and Unix datagram paths for local control sockets) as a
// value type.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "stoq/error.h"

namespace stoq {

class SocketAddress {
 public:
  SocketAddress() noexcept;
  SocketAddress(const sockaddr* sa, socklen_t len) noexcept;

  // Parses "127.0.0.1:4433", "[::1]:4433", "localhost:4433" (numeric lookup first, then
  // the resolver), or ":4433" / "4433" (IPv6 any, dual-stack).
  static Result<SocketAddress> parse(std::string_view text);
  // Strict and resolver-free, for text from files and the network (the netsim relay and
  // its control protocol): "127.0.0.1:4433", "[::1]:4433", "localhost:4433" (127.0.0.1)
  // or "unix:/path/to/socket" (a Unix datagram socket). The port is required; port 0 asks
  // for an ephemeral one when binding. kAddressError with "invalid address '<text>': why".
  static Result<SocketAddress> parse_numeric(std::string_view text);
  static SocketAddress loopback_v4(uint16_t port);
  static SocketAddress loopback_v6(uint16_t port);

  const sockaddr* data() const noexcept { return reinterpret_cast<const sockaddr*>(&ss_); }
  sockaddr* data() noexcept { return reinterpret_cast<sockaddr*>(&ss_); }
  socklen_t size() const noexcept { return len_; }
  void set_size(socklen_t len) noexcept { len_ = len; }
  int family() const noexcept { return ss_.ss_family; }
  bool empty() const noexcept { return len_ == 0; }  // default-constructed: no address
  uint16_t port() const noexcept;
  void set_port(uint16_t port) noexcept;
  bool is_any() const noexcept;
  // 127.0.0.0/8, ::1 or an IPv4-mapped 127.x address: the peer is on this host.
  bool is_loopback() const noexcept;
  bool is_unix() const noexcept { return family() == AF_UNIX; }
  std::string unix_path() const;  // empty unless a named Unix socket
  std::string to_string() const;  // "127.0.0.1:4433" / "[::1]:4433" / "unix:/path"
  std::string host() const;       // "127.0.0.1" / "::1"

  friend bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept;

 private:
  sockaddr_storage ss_;
  socklen_t len_;
};

}  // namespace stoq

// Hashes what operator== compares, so addresses can key unordered containers.
template <>
struct std::hash<stoq::SocketAddress> {
  std::size_t operator()(const stoq::SocketAddress& a) const noexcept;
};
