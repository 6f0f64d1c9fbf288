#include "io/udp_socket.h"

#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace stoq::io {
namespace {

template <typename T = Unit>
Result<T> socket_error(const std::string& what) {
  return {Errc::kSocketError, what + ": " + std::strerror(errno)};
}

void set_buffer(int fd, int opt, int force_opt, int bytes) {
  // As root the FORCE variant ignores net.core.*mem_max; otherwise take what is allowed.
  if (setsockopt(fd, SOL_SOCKET, force_opt, &bytes, sizeof(bytes)) != 0) {
    setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof(bytes));
  }
}

}  // namespace

UdpSocket::UdpSocket(UdpSocket&& o) noexcept
    : fd_(o.fd_), local_(o.local_), rx_buf_(std::move(o.rx_buf_)), rx_(std::move(o.rx_)) {
  o.fd_ = -1;
}

UdpSocket& UdpSocket::operator=(UdpSocket&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    local_ = o.local_;
    rx_buf_ = std::move(o.rx_buf_);
    rx_ = std::move(o.rx_);
    o.fd_ = -1;
  }
  return *this;
}

UdpSocket::~UdpSocket() {
  if (fd_ >= 0) ::close(fd_);
}

Result<UdpSocket> UdpSocket::bind(const SocketAddress& addr) {
  UdpSocket s;
  s.fd_ = ::socket(addr.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s.fd_ < 0) return socket_error<UdpSocket>("socket");
  int on = 1, off = 0;
  if (addr.family() == AF_INET6) {
    setsockopt(s.fd_, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
    setsockopt(s.fd_, IPPROTO_IPV6, IPV6_RECVTCLASS, &on, sizeof(on));
  } else {
    setsockopt(s.fd_, IPPROTO_IP, IP_RECVTOS, &on, sizeof(on));
    // Path MTU discovery is QUIC's job: set DF and never fragment.
    int pmtu = IP_PMTUDISC_DO;
    setsockopt(s.fd_, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
  }
  set_buffer(s.fd_, SO_RCVBUF, SO_RCVBUFFORCE, 8 << 20);
  set_buffer(s.fd_, SO_SNDBUF, SO_SNDBUFFORCE, 8 << 20);
  if (::bind(s.fd_, addr.data(), addr.size()) != 0) {
    return socket_error<UdpSocket>("bind " + addr.to_string());
  }
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  getsockname(s.fd_, reinterpret_cast<sockaddr*>(&ss), &len);
  s.local_ = SocketAddress(reinterpret_cast<sockaddr*>(&ss), len);
  s.rx_buf_.resize(kBatch * kMaxDatagram);
  s.rx_.reserve(kBatch);
  return s;
}

Result<std::span<const ReceivedDatagram>> UdpSocket::receive() {
  mmsghdr msgs[kBatch];
  iovec iov[kBatch];
  sockaddr_storage addrs[kBatch];
  alignas(cmsghdr) char ctrl[kBatch][64];
  for (size_t i = 0; i < kBatch; ++i) {
    iov[i] = {rx_buf_.data() + i * kMaxDatagram, kMaxDatagram};
    msgs[i] = {};
    msgs[i].msg_hdr.msg_name = &addrs[i];
    msgs[i].msg_hdr.msg_namelen = sizeof(addrs[i]);
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
    msgs[i].msg_hdr.msg_control = ctrl[i];
    msgs[i].msg_hdr.msg_controllen = sizeof(ctrl[i]);
  }
  rx_.clear();
  int n;
  do {
    n = recvmmsg(fd_, msgs, kBatch, MSG_DONTWAIT, nullptr);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return std::span<const ReceivedDatagram>{};
    // ICMP errors (port unreachable) surface here on the next receive; they are not fatal.
    if (errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH) {
      return std::span<const ReceivedDatagram>{};
    }
    return socket_error<std::span<const ReceivedDatagram>>("recvmmsg");
  }
  for (int i = 0; i < n; ++i) {
    ReceivedDatagram d;
    d.remote = SocketAddress(reinterpret_cast<sockaddr*>(&addrs[i]), msgs[i].msg_hdr.msg_namelen);
    d.data = {rx_buf_.data() + i * kMaxDatagram, msgs[i].msg_len};
    for (cmsghdr* c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c != nullptr;
         c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
      if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS) ||
          (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS)) {
        int v = 0;
        std::memcpy(&v, CMSG_DATA(c), c->cmsg_len > CMSG_LEN(1) ? sizeof(int) : 1);
        d.ecn = static_cast<uint8_t>(v & 3);
      }
    }
    rx_.push_back(d);
  }
  return std::span<const ReceivedDatagram>(rx_);
}

namespace {

constexpr size_t kMaxGsoSegments = 64;
constexpr size_t kMaxGsoBytes = 65000;

// How many datagrams starting at batch[i] can share one GSO send.
size_t gso_run(std::span<const OutgoingDatagram> batch, size_t i) {
  const auto& first = batch[i];
  size_t n = 1, bytes = first.data.size();
  while (i + n < batch.size() && n < kMaxGsoSegments) {
    const auto& prev = batch[i + n - 1];
    const auto& next = batch[i + n];
    if (!(next.remote == first.remote) || next.ecn != first.ecn ||
        next.data.data() != prev.data.data() + prev.data.size() ||
        prev.data.size() != first.data.size() || next.data.size() > first.data.size() ||
        bytes + next.data.size() > kMaxGsoBytes) {
      break;
    }
    bytes += next.data.size();
    ++n;
  }
  return n;
}

}  // namespace

Result<size_t> UdpSocket::send(std::span<const OutgoingDatagram> batch) {
  size_t sent = 0;
  while (sent < batch.size()) {
    mmsghdr msgs[kBatch];
    iovec iov[kBatch];
    size_t counts[kBatch];
    alignas(cmsghdr) char ctrl[kBatch][CMSG_SPACE(sizeof(uint16_t))];
    size_t nmsg = 0;
    for (size_t i = sent; i < batch.size() && nmsg < kBatch;) {
      const auto& d = batch[i];
      size_t run = gso_ ? gso_run(batch, i) : 1;
      size_t bytes = 0;
      for (size_t k = 0; k < run; ++k) bytes += batch[i + k].data.size();
      iov[nmsg] = {const_cast<uint8_t*>(d.data.data()), bytes};
      msgs[nmsg] = {};
      msgs[nmsg].msg_hdr.msg_name = const_cast<sockaddr*>(d.remote.data());
      msgs[nmsg].msg_hdr.msg_namelen = d.remote.size();
      msgs[nmsg].msg_hdr.msg_iov = &iov[nmsg];
      msgs[nmsg].msg_hdr.msg_iovlen = 1;
      if (run > 1) {
        msgs[nmsg].msg_hdr.msg_control = ctrl[nmsg];
        msgs[nmsg].msg_hdr.msg_controllen = sizeof(ctrl[nmsg]);
        cmsghdr* c = CMSG_FIRSTHDR(&msgs[nmsg].msg_hdr);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        uint16_t seg = static_cast<uint16_t>(d.data.size());
        std::memcpy(CMSG_DATA(c), &seg, sizeof(seg));
      }
      counts[nmsg] = run;
      ++nmsg;
      i += run;
    }
    int rv = sendmmsg(fd_, msgs, static_cast<unsigned>(nmsg), 0);
    if (rv < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) return sent;
      if (gso_ && counts[0] > 1 && (errno == EIO || errno == EINVAL || errno == EOPNOTSUPP)) {
        // The kernel or the device refuses segmentation offload: plain datagrams from now.
        gso_ = false;
        continue;
      }
      // A datagram the kernel refuses (EMSGSIZE, unreachable) is dropped like a lost packet;
      // QUIC's loss recovery handles it.
      if (errno == EMSGSIZE || errno == ECONNREFUSED || errno == EHOSTUNREACH ||
          errno == ENETUNREACH || errno == EINVAL) {
        sent += counts[0];
        continue;
      }
      return socket_error<size_t>("sendmmsg");
    }
    for (int k = 0; k < rv; ++k) sent += counts[k];
  }
  return sent;
}

}  // namespace stoq::io
