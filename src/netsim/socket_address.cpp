#include "netsim/socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <charconv>
#include <cstring>

namespace stoq::netsim {
namespace {

Error address_error(std::string_view text, std::string_view why) {
  return make_error(Errc::kInvalidAddress,
                    "invalid address '" + std::string(text) + "': " + std::string(why));
}

std::size_t mix(std::size_t h, std::size_t v) noexcept {
  return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

}  // namespace

SocketAddress::SocketAddress(const sockaddr* addr, socklen_t len) noexcept {
  if (len > sizeof(storage_)) len = sizeof(storage_);
  std::memcpy(&storage_, addr, len);
  len_ = len;
}

bool SocketAddress::is_loopback() const noexcept {
  if (family() == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&storage_);
    return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
  }
  if (family() == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&storage_);
    if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr)) return true;
    return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127;
  }
  return false;
}

Expected<SocketAddress> SocketAddress::parse(std::string_view text) {
  constexpr std::string_view kUnixPrefix = "unix:";
  if (text.substr(0, kUnixPrefix.size()) == kUnixPrefix) {
    const std::string_view path = text.substr(kUnixPrefix.size());
    sockaddr_un un{};
    if (path.empty()) return address_error(text, "empty Unix socket path");
    if (path.size() >= sizeof(un.sun_path)) return address_error(text, "Unix socket path too long");
    if (path.find('\0') != std::string_view::npos) return address_error(text, "NUL in path");
    un.sun_family = AF_UNIX;
    std::memcpy(un.sun_path, path.data(), path.size());
    return SocketAddress(reinterpret_cast<const sockaddr*>(&un),
                         static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1));
  }

  std::string_view host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return address_error(text, "missing ']'");
    host = text.substr(1, close - 1);
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      return address_error(text, "expected [IPv6]:port");
    }
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return address_error(text, "expected host:port");
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return address_error(text, "write IPv6 addresses in brackets, e.g. [::1]:4433");
    }
  }
  unsigned port = 0;
  const auto [ptr, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || ptr != port_text.data() + port_text.size() ||
      port > 65535) {
    return address_error(text, "port must be a number from 0 to 65535");
  }
  if (host == "localhost") host = "127.0.0.1";
  const std::string host_str(host);

  sockaddr_in v4{};
  if (inet_pton(AF_INET, host_str.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(static_cast<std::uint16_t>(port));
    return SocketAddress(reinterpret_cast<const sockaddr*>(&v4), sizeof(v4));
  }
  sockaddr_in6 v6{};
  if (inet_pton(AF_INET6, host_str.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(static_cast<std::uint16_t>(port));
    return SocketAddress(reinterpret_cast<const sockaddr*>(&v6), sizeof(v6));
  }
  return address_error(text, "host must be a numeric IPv4 or IPv6 address or localhost");
}

std::string SocketAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  switch (family()) {
    case AF_INET: {
      const auto* a = reinterpret_cast<const sockaddr_in*>(&storage_);
      inet_ntop(AF_INET, &a->sin_addr, buf, sizeof buf);
      return std::string(buf) + ":" + std::to_string(ntohs(a->sin_port));
    }
    case AF_INET6: {
      const auto* a = reinterpret_cast<const sockaddr_in6*>(&storage_);
      inet_ntop(AF_INET6, &a->sin6_addr, buf, sizeof buf);
      return "[" + std::string(buf) + "]:" + std::to_string(ntohs(a->sin6_port));
    }
    case AF_UNIX:
      return "unix:" + unix_path();
    default:
      return "<none>";
  }
}

std::uint16_t SocketAddress::port() const noexcept {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  }
  return 0;
}

std::string SocketAddress::unix_path() const {
  if (family() != AF_UNIX || len_ <= offsetof(sockaddr_un, sun_path)) return {};
  const auto* un = reinterpret_cast<const sockaddr_un*>(&storage_);
  const std::size_t max = len_ - offsetof(sockaddr_un, sun_path);
  return std::string(un->sun_path, strnlen(un->sun_path, max));
}

bool SocketAddress::operator==(const SocketAddress& other) const noexcept {
  if (family() != other.family()) return false;
  switch (family()) {
    case AF_INET: {
      const auto* a = reinterpret_cast<const sockaddr_in*>(&storage_);
      const auto* b = reinterpret_cast<const sockaddr_in*>(&other.storage_);
      return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
    }
    case AF_INET6: {
      const auto* a = reinterpret_cast<const sockaddr_in6*>(&storage_);
      const auto* b = reinterpret_cast<const sockaddr_in6*>(&other.storage_);
      return a->sin6_port == b->sin6_port && a->sin6_scope_id == b->sin6_scope_id &&
             std::memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(in6_addr)) == 0;
    }
    case AF_UNIX:
      return unix_path() == other.unix_path();
    default:
      return len_ == other.len_;
  }
}

std::size_t SocketAddress::hash() const noexcept {
  std::size_t h = static_cast<std::size_t>(family());
  switch (family()) {
    case AF_INET: {
      const auto* a = reinterpret_cast<const sockaddr_in*>(&storage_);
      h = mix(h, a->sin_port);
      h = mix(h, a->sin_addr.s_addr);
      break;
    }
    case AF_INET6: {
      const auto* a = reinterpret_cast<const sockaddr_in6*>(&storage_);
      h = mix(h, a->sin6_port);
      std::uint64_t halves[2];
      std::memcpy(halves, &a->sin6_addr, sizeof halves);
      h = mix(h, static_cast<std::size_t>(halves[0]));
      h = mix(h, static_cast<std::size_t>(halves[1]));
      break;
    }
    case AF_UNIX:
      h = mix(h, std::hash<std::string>{}(unix_path()));
      break;
    default:
      break;
  }
  return h;
}

}  // namespace stoq::netsim
