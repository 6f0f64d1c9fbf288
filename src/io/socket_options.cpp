#include "io/socket_options.h"

#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <string>

namespace stoq::io::detail {
namespace {

bool set_int(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof(value)) == 0;
}

size_t get_buffer(int fd, int name) {
  int value = 0;
  socklen_t len = sizeof(value);
  if (getsockopt(fd, SOL_SOCKET, name, &value, &len) != 0 || value < 0) return 0;
  return static_cast<size_t>(value);
}

void request_buffer(int fd, int name, int force_name, size_t bytes) {
  if (bytes == 0) return;
  // The kernel doubles the value it is given; INT_MAX / 2 keeps that from overflowing.
  int value = static_cast<int>(std::min<size_t>(bytes, INT_MAX / 2));
  // The FORCE variant ignores net.core.{r,w}mem_max but needs CAP_NET_ADMIN; without it
  // the plain option is clamped to the sysctl maximum, which is still worth having.
  if (!set_int(fd, SOL_SOCKET, force_name, value)) set_int(fd, SOL_SOCKET, name, value);
}

Result<ConfiguredSocket> socket_error(const std::string& what) {
  return {Errc::kSocketError, what + ": " + std::strerror(errno)};
}

}  // namespace

Result<ConfiguredSocket> open_udp_socket(const SocketAddress& addr, const DatapathConfig& config) {
  if (addr.family() != AF_INET && addr.family() != AF_INET6) {
    return {Errc::kInvalidArgument, "datapath: bind address is neither IPv4 nor IPv6"};
  }
  ConfiguredSocket s;
  s.fd = UniqueFd(::socket(addr.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!s.fd.valid()) return socket_error("socket");
  const int fd = s.fd.get();
  const bool v6 = addr.family() == AF_INET6;
  // On a dual-stack socket IPv4 peers use the IPv4 stack, which reads IPPROTO_IP options;
  // those are set on IPv6 sockets too (the kernel accepts them there for exactly this).
  bool dual = false;
  if (v6) {
    dual = config.dual_stack && set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0);
    if (!config.dual_stack) set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
  }
  const bool want_v4 = !v6 || dual;

  Capability caps = Capability::kNone;
  if (config.batch_syscalls) caps = caps | Capability::kBatchSyscalls;

  if (config.ecn) {
    bool ok = true;
    if (v6) ok = set_int(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, 1);
    if (want_v4) ok = set_int(fd, IPPROTO_IP, IP_RECVTOS, 1) && ok;
    if (ok) caps = caps | Capability::kEcn;
  }
  if (config.pktinfo) {
    bool ok = true;
    if (v6) ok = set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
    if (want_v4) ok = set_int(fd, IPPROTO_IP, IP_PKTINFO, 1) && ok;
    if (ok) caps = caps | Capability::kPktInfo;
  }
  // UDP_SEGMENT with size 0 changes nothing but only succeeds where GSO exists (4.18+);
  // the segment size itself is given per send as a control message.
  if (config.gso && set_int(fd, SOL_UDP, UDP_SEGMENT, 0)) caps = caps | Capability::kGsoSend;
  if (config.gro && set_int(fd, SOL_UDP, UDP_GRO, 1)) caps = caps | Capability::kGroReceive;
  if (config.rx_overflow_count && set_int(fd, SOL_SOCKET, SO_RXQ_OVFL, 1)) {
    caps = caps | Capability::kRxOverflowCount;
  }
  if (config.pmtud) {
    // PROBE, not DO: DF is set and the kernel never fragments, but it also does not clamp
    // our sends to an ICMP-learned MTU, so QUIC's own probes (DPLPMTUD) go out as sized.
    if (v6) {
      set_int(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_PROBE);
      set_int(fd, IPPROTO_IPV6, IPV6_DONTFRAG, 1);
    }
    if (want_v4) set_int(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_PROBE);
  }
  request_buffer(fd, SO_RCVBUF, SO_RCVBUFFORCE, config.receive_buffer);
  request_buffer(fd, SO_SNDBUF, SO_SNDBUFFORCE, config.send_buffer);
  s.buffers.receive = get_buffer(fd, SO_RCVBUF);
  s.buffers.send = get_buffer(fd, SO_SNDBUF);

  if (config.reuse_port && !set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1)) {
    return socket_error("SO_REUSEPORT on " + addr.to_string());
  }
  if (::bind(fd, addr.data(), addr.size()) != 0) return socket_error("bind " + addr.to_string());
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
    return socket_error("getsockname");
  }
  s.local = SocketAddress(reinterpret_cast<const sockaddr*>(&ss), len);
  s.capabilities = caps;
  return s;
}

}  // namespace stoq::io::detail
