#include "netsim/udp_socket.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace stoq::netsim {
namespace {

// Large buffers absorb bursts the relay releases at once (e.g. after a blackhole); the
// kernel clamps them to net.core.{r,w}mem_max.
constexpr int kSocketBufferBytes = 4 * 1024 * 1024;

Expected<DatagramSocket> finish(int fd, DatagramSocket (*wrap)(int)) {
  const int flags = fcntl(fd, F_GETFL, 0);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    Error e = socket_error("fcntl(O_NONBLOCK)");
    ::close(fd);
    return e;
  }
  return wrap(fd);
}

int open_socket(int family) {
  const int type = SOCK_DGRAM | SOCK_CLOEXEC;
  const int fd = ::socket(family, type, 0);
  if (fd < 0) return -1;
  if (family != AF_UNIX) {
    int size = kSocketBufferBytes;
    // Best effort: a smaller buffer only makes the relay drop earlier under overload.
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  }
  if (family == AF_INET6) {
    int on = 1;
    (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  }
  return fd;
}

}  // namespace

Error socket_error(const char* call) {
  const int err = errno;
  return make_error(Errc::kSocketError, std::string(call) + ": " + std::strerror(err));
}

DatagramSocket::~DatagramSocket() {
  close();
}

DatagramSocket::DatagramSocket(DatagramSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)) {}

DatagramSocket& DatagramSocket::operator=(DatagramSocket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

void DatagramSocket::close() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Expected<DatagramSocket> DatagramSocket::bind(const SocketAddress& local) {
  const int fd = open_socket(local.family());
  if (fd < 0) return socket_error("socket");
  if (::bind(fd, local.data(), local.size()) < 0) {
    Error e = socket_error(("bind " + local.to_string()).c_str());
    ::close(fd);
    return e;
  }
  return finish(fd, [](int f) { return DatagramSocket(f); });
}

Expected<DatagramSocket> DatagramSocket::connect(const SocketAddress& remote) {
  const int fd = open_socket(remote.family());
  if (fd < 0) return socket_error("socket");
  if (::connect(fd, remote.data(), remote.size()) < 0) {
    Error e = socket_error(("connect " + remote.to_string()).c_str());
    ::close(fd);
    return e;
  }
  return finish(fd, [](int f) { return DatagramSocket(f); });
}

Expected<SocketAddress> DatagramSocket::local_address() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) < 0) {
    return socket_error("getsockname");
  }
  return SocketAddress(reinterpret_cast<const sockaddr*>(&ss), len);
}

ssize_t DatagramSocket::receive(std::span<std::uint8_t> buffer, SocketAddress* from) noexcept {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  const ssize_t n = ::recvfrom(fd_, buffer.data(), buffer.size(), 0,
                               from != nullptr ? reinterpret_cast<sockaddr*>(&ss) : nullptr,
                               from != nullptr ? &len : nullptr);
  if (n >= 0 && from != nullptr) *from = SocketAddress(reinterpret_cast<const sockaddr*>(&ss), len);
  return n;
}

ssize_t DatagramSocket::send(std::span<const std::uint8_t> data, const SocketAddress* to) noexcept {
  return ::sendto(fd_, data.data(), data.size(), MSG_NOSIGNAL, to != nullptr ? to->data() : nullptr,
                  to != nullptr ? to->size() : 0);
}

}  // namespace stoq::netsim
