#include "stoq/address.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/un.h>

#include <charconv>
#include <cstddef>
#include <cstring>

namespace stoq {
namespace {

Result<SocketAddress> invalid(std::string_view text, std::string_view why) {
  return {Errc::kAddressError, "invalid address '" + std::string(text) + "': " + std::string(why)};
}

std::size_t mix(std::size_t h, std::size_t v) noexcept {
  return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

Result<SocketAddress> parse_unix(std::string_view text, std::string_view path) {
  sockaddr_un un{};
  if (path.empty()) return invalid(text, "empty Unix socket path");
  if (path.size() >= sizeof(un.sun_path)) return invalid(text, "Unix socket path too long");
  if (path.find('\0') != std::string_view::npos) return invalid(text, "NUL in path");
  un.sun_family = AF_UNIX;
  std::memcpy(un.sun_path, path.data(), path.size());
  return SocketAddress(reinterpret_cast<const sockaddr*>(&un),
                       static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + 1));
}

}  // namespace

SocketAddress::SocketAddress() noexcept : ss_{}, len_(0) {}

SocketAddress::SocketAddress(const sockaddr* sa, socklen_t len) noexcept : ss_{}, len_(0) {
  if (sa != nullptr && len <= sizeof(ss_)) {
    std::memcpy(&ss_, sa, len);
    len_ = len;
  }
}

SocketAddress SocketAddress::loopback_v4(uint16_t port) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return {reinterpret_cast<sockaddr*>(&sin), sizeof(sin)};
}

SocketAddress SocketAddress::loopback_v6(uint16_t port) {
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(port);
  sin6.sin6_addr = in6addr_loopback;
  return {reinterpret_cast<sockaddr*>(&sin6), sizeof(sin6)};
}

Result<SocketAddress> SocketAddress::parse(std::string_view text) {
  std::string host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return {Errc::kAddressError, "expected [IPv6]:port, got '" + std::string(text) + "'"};
    }
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      port_text = text;
    } else {
      host = std::string(text.substr(0, colon));
      port_text = text.substr(colon + 1);
    }
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) {
    return {Errc::kAddressError, "bad port in '" + std::string(text) + "'"};
  }
  if (host.empty()) {
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(static_cast<uint16_t>(port));
    sin6.sin6_addr = in6addr_any;
    return SocketAddress(reinterpret_cast<sockaddr*>(&sin6), sizeof(sin6));
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  const std::string port_str = std::to_string(port);
  int rv = getaddrinfo(host.c_str(), port_str.c_str(), &hints, &res);
  if (rv != 0 || res == nullptr) {
    return {Errc::kAddressError, "cannot resolve '" + host + "': " + gai_strerror(rv)};
  }
  SocketAddress out(res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  return out;
}

Result<SocketAddress> SocketAddress::parse_numeric(std::string_view text) {
  constexpr std::string_view kUnixPrefix = "unix:";
  if (text.substr(0, kUnixPrefix.size()) == kUnixPrefix) {
    return parse_unix(text, text.substr(kUnixPrefix.size()));
  }
  std::string_view host;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return invalid(text, "missing ']'");
    host = text.substr(1, close - 1);
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      return invalid(text, "expected [IPv6]:port");
    }
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return invalid(text, "expected host:port");
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return invalid(text, "write IPv6 addresses in brackets, e.g. [::1]:4433");
    }
  }
  unsigned port = 0;
  const auto [ptr, ec] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || ptr != port_text.data() + port_text.size() ||
      port > 65535) {
    return invalid(text, "port must be a number from 0 to 65535");
  }
  if (host == "localhost") host = "127.0.0.1";
  const std::string host_str(host);
  sockaddr_in v4{};
  if (inet_pton(AF_INET, host_str.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(static_cast<uint16_t>(port));
    return SocketAddress(reinterpret_cast<const sockaddr*>(&v4), sizeof(v4));
  }
  sockaddr_in6 v6{};
  if (inet_pton(AF_INET6, host_str.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(static_cast<uint16_t>(port));
    return SocketAddress(reinterpret_cast<const sockaddr*>(&v6), sizeof(v6));
  }
  return invalid(text, "host must be a numeric IPv4 or IPv6 address or localhost");
}

std::string SocketAddress::unix_path() const {
  if (!is_unix() || len_ <= offsetof(sockaddr_un, sun_path)) return {};
  const auto* un = reinterpret_cast<const sockaddr_un*>(&ss_);
  return std::string(un->sun_path, strnlen(un->sun_path, len_ - offsetof(sockaddr_un, sun_path)));
}

uint16_t SocketAddress::port() const noexcept {
  if (ss_.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&ss_)->sin_port);
  if (ss_.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&ss_)->sin6_port);
  }
  return 0;
}

void SocketAddress::set_port(uint16_t port) noexcept {
  if (ss_.ss_family == AF_INET) reinterpret_cast<sockaddr_in*>(&ss_)->sin_port = htons(port);
  if (ss_.ss_family == AF_INET6) reinterpret_cast<sockaddr_in6*>(&ss_)->sin6_port = htons(port);
}

bool SocketAddress::is_any() const noexcept {
  if (ss_.ss_family == AF_INET) {
    return reinterpret_cast<const sockaddr_in*>(&ss_)->sin_addr.s_addr == htonl(INADDR_ANY);
  }
  if (ss_.ss_family == AF_INET6) {
    return IN6_IS_ADDR_UNSPECIFIED(&reinterpret_cast<const sockaddr_in6*>(&ss_)->sin6_addr);
  }
  return false;
}

bool SocketAddress::is_loopback() const noexcept {
  if (ss_.ss_family == AF_INET) {
    const uint32_t a = ntohl(reinterpret_cast<const sockaddr_in*>(&ss_)->sin_addr.s_addr);
    return (a >> 24) == 127;
  }
  if (ss_.ss_family == AF_INET6) {
    const in6_addr& a = reinterpret_cast<const sockaddr_in6*>(&ss_)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&a)) return true;
    return IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127;
  }
  return false;
}

std::string SocketAddress::to_string() const {
  if (ss_.ss_family == AF_INET) return host() + ":" + std::to_string(port());
  if (ss_.ss_family == AF_INET6) return "[" + host() + "]:" + std::to_string(port());
  if (ss_.ss_family == AF_UNIX) return "unix:" + unix_path();
  return "(none)";
}

std::string SocketAddress::host() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss_.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&ss_)->sin_addr, buf, sizeof(buf));
  } else if (ss_.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&ss_)->sin6_addr, buf, sizeof(buf));
  }
  return buf;
}

// Field by field, no text: the datapath and the endpoint compare addresses per packet.
bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept {
  if (a.len_ != b.len_ || a.family() != b.family()) return false;
  if (a.family() == AF_INET) {
    const auto* x = reinterpret_cast<const sockaddr_in*>(&a.ss_);
    const auto* y = reinterpret_cast<const sockaddr_in*>(&b.ss_);
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  if (a.family() == AF_INET6) {
    const auto* x = reinterpret_cast<const sockaddr_in6*>(&a.ss_);
    const auto* y = reinterpret_cast<const sockaddr_in6*>(&b.ss_);
    return x->sin6_port == y->sin6_port && x->sin6_scope_id == y->sin6_scope_id &&
           std::memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(in6_addr)) == 0;
  }
  // Unix paths (the bytes after the NUL are zero: the storage starts zeroed), empty
  // addresses and other families.
  return std::memcmp(&a.ss_, &b.ss_, a.len_) == 0;
}

}  // namespace stoq

std::size_t std::hash<stoq::SocketAddress>::operator()(
    const stoq::SocketAddress& a) const noexcept {
  std::size_t h = static_cast<std::size_t>(a.family());
  if (a.family() == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(a.data());
    h = stoq::mix(h, in->sin_port);
    h = stoq::mix(h, in->sin_addr.s_addr);
  } else if (a.family() == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(a.data());
    uint64_t halves[2];
    std::memcpy(halves, &in6->sin6_addr, sizeof halves);
    h = stoq::mix(h, in6->sin6_port);
    h = stoq::mix(h, static_cast<std::size_t>(halves[0]));
    h = stoq::mix(h, static_cast<std::size_t>(halves[1]));
    h = stoq::mix(h, in6->sin6_scope_id);
  } else if (a.family() == AF_UNIX) {
    h = stoq::mix(h, std::hash<std::string>{}(a.unix_path()));
  }
  return h;
}
