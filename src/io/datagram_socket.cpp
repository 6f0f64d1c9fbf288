#include "io/datagram_socket.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <string>
#include <utility>

namespace stoq::io {
namespace {

Result<DatagramSocket> socket_error(const std::string& call) {
  const int err = errno;
  return {Errc::kSocketError, call + ": " + std::strerror(err)};
}

UniqueFd open_socket(int family, std::size_t buffer_bytes) {
  UniqueFd fd(::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fd;
  if (family != AF_UNIX && buffer_bytes > 0) {
    const int size = static_cast<int>(std::min<std::size_t>(buffer_bytes, INT_MAX / 2));
    // Best effort: a smaller buffer only means drops come earlier under overload.
    (void)setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    (void)setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  }
  if (family == AF_INET6) {
    const int on = 1;
    (void)setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  }
  return fd;
}

}  // namespace

Result<DatagramSocket> DatagramSocket::bind(const SocketAddress& local, std::size_t buffer_bytes) {
  UniqueFd fd = open_socket(local.family(), buffer_bytes);
  if (!fd.valid()) return socket_error("socket");
  if (::bind(fd.get(), local.data(), local.size()) < 0) {
    return socket_error("bind " + local.to_string());
  }
  return DatagramSocket(std::move(fd));
}

Result<DatagramSocket> DatagramSocket::connect(const SocketAddress& remote,
                                               std::size_t buffer_bytes) {
  UniqueFd fd = open_socket(remote.family(), buffer_bytes);
  if (!fd.valid()) return socket_error("socket");
  if (::connect(fd.get(), remote.data(), remote.size()) < 0) {
    return socket_error("connect " + remote.to_string());
  }
  return DatagramSocket(std::move(fd));
}

Result<SocketAddress> DatagramSocket::local_address() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&ss), &len) < 0) {
    return {Errc::kSocketError, std::string("getsockname: ") + std::strerror(errno)};
  }
  return SocketAddress(reinterpret_cast<const sockaddr*>(&ss), len);
}

ssize_t DatagramSocket::receive(std::span<std::uint8_t> buffer, SocketAddress* from) noexcept {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  const ssize_t n = ::recvfrom(fd_.get(), buffer.data(), buffer.size(), 0,
                               from != nullptr ? reinterpret_cast<sockaddr*>(&ss) : nullptr,
                               from != nullptr ? &len : nullptr);
  if (n >= 0 && from != nullptr) *from = SocketAddress(reinterpret_cast<const sockaddr*>(&ss), len);
  return n;
}

ssize_t DatagramSocket::send(std::span<const std::uint8_t> data, const SocketAddress* to) noexcept {
  return ::sendto(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL,
                  to != nullptr ? to->data() : nullptr, to != nullptr ? to->size() : 0);
}

}  // namespace stoq::io
