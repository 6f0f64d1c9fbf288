#include "io/control_message.h"

#include <netinet/in.h>
#include <netinet/udp.h>

#include <cstring>

namespace stoq::io::detail {
namespace {

// IP_TOS arrives as one byte, IPV6_TCLASS as an int; read whichever length came.
uint8_t read_traffic_class(const cmsghdr* c) {
  int value = 0;
  size_t len = c->cmsg_len - CMSG_LEN(0);
  if (len >= sizeof(int)) {
    std::memcpy(&value, CMSG_DATA(c), sizeof(int));
  } else if (len >= 1) {
    value = *CMSG_DATA(c);
  }
  return static_cast<uint8_t>(value & 0x3);
}

SocketAddress local_from_v4(const in_addr& addr, const SocketAddress& bound) {
  if (bound.family() == AF_INET6) {
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(bound.port());
    sa.sin6_addr.s6_addr[10] = 0xff;
    sa.sin6_addr.s6_addr[11] = 0xff;
    std::memcpy(&sa.sin6_addr.s6_addr[12], &addr, 4);
    return {reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)};
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(bound.port());
  sa.sin_addr = addr;
  return {reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)};
}

SocketAddress local_from_v6(const in6_pktinfo& info, const SocketAddress& bound) {
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(bound.port());
  sa.sin6_addr = info.ipi6_addr;
  // A link-local destination is only meaningful with its interface.
  if (IN6_IS_ADDR_LINKLOCAL(&info.ipi6_addr)) sa.sin6_scope_id = info.ipi6_ifindex;
  return {reinterpret_cast<const sockaddr*>(&sa), sizeof(sa)};
}

}  // namespace

ReceiveAncillary parse_receive_ancillary(const msghdr& msg, const SocketAddress& bound) {
  ReceiveAncillary out;
  auto& m = const_cast<msghdr&>(msg);  // the CMSG_* macros take non-const pointers
  for (cmsghdr* c = CMSG_FIRSTHDR(&m); c != nullptr; c = CMSG_NXTHDR(&m, c)) {
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS) {
      out.ecn = read_traffic_class(c);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS) {
      out.ecn = read_traffic_class(c);
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
               c->cmsg_len >= CMSG_LEN(sizeof(in_pktinfo))) {
      in_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof(info));
      // ipi_addr is the header's destination (ipi_spec_dst is the route's local address).
      out.local = local_from_v4(info.ipi_addr, bound);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
               c->cmsg_len >= CMSG_LEN(sizeof(in6_pktinfo))) {
      in6_pktinfo info;
      std::memcpy(&info, CMSG_DATA(c), sizeof(info));
      out.local = local_from_v6(info, bound);
    } else if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO &&
               c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      int segment = 0;
      std::memcpy(&segment, CMSG_DATA(c), sizeof(segment));
      if (segment > 0 && segment <= 0xffff) out.gro_segment = static_cast<uint16_t>(segment);
    } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL &&
               c->cmsg_len >= CMSG_LEN(sizeof(uint32_t))) {
      uint32_t drops = 0;
      std::memcpy(&drops, CMSG_DATA(c), sizeof(drops));
      out.overflow = drops;
    }
  }
  return out;
}

bool is_ipv4_path(const SocketAddress& remote) noexcept {
  if (remote.family() == AF_INET) return true;
  if (remote.family() != AF_INET6) return false;
  const auto* sa = reinterpret_cast<const sockaddr_in6*>(remote.data());
  return IN6_IS_ADDR_V4MAPPED(&sa->sin6_addr);
}

bool set_send_ancillary(msghdr& msg, char* buffer, const SocketAddress& remote, uint8_t ecn,
                        uint16_t segment, const SocketAddress* source) {
  const bool v4 = is_ipv4_path(remote);
  std::optional<in_addr> source4;
  std::optional<in6_pktinfo> source6;
  if (source != nullptr && !source->is_any()) {
    if (v4 && source->family() == AF_INET) {
      source4 = reinterpret_cast<const sockaddr_in*>(source->data())->sin_addr;
    } else if (source->family() == AF_INET6) {
      const auto* sa = reinterpret_cast<const sockaddr_in6*>(source->data());
      const bool mapped = IN6_IS_ADDR_V4MAPPED(&sa->sin6_addr);
      if (v4 && mapped) {
        in_addr a;
        std::memcpy(&a, &sa->sin6_addr.s6_addr[12], sizeof(a));
        source4 = a;
      } else if (!v4 && !mapped) {
        in6_pktinfo info{};
        info.ipi6_addr = sa->sin6_addr;
        info.ipi6_ifindex = IN6_IS_ADDR_LINKLOCAL(&sa->sin6_addr) ? sa->sin6_scope_id : 0;
        source6 = info;
      }
    }
  }
  size_t used = 0;
  if (segment > 0) used += CMSG_SPACE(sizeof(uint16_t));
  if (ecn != 0) used += CMSG_SPACE(sizeof(int));
  if (source4) used += CMSG_SPACE(sizeof(in_pktinfo));
  if (source6) used += CMSG_SPACE(sizeof(in6_pktinfo));
  if (used == 0) {
    msg.msg_control = nullptr;
    msg.msg_controllen = 0;
    return false;
  }
  std::memset(buffer, 0, used);
  msg.msg_control = buffer;
  msg.msg_controllen = used;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  if (segment > 0) {
    c->cmsg_level = SOL_UDP;
    c->cmsg_type = UDP_SEGMENT;
    c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
    std::memcpy(CMSG_DATA(c), &segment, sizeof(segment));
    c = CMSG_NXTHDR(&msg, c);
  }
  if (ecn != 0) {
    // A v4-mapped peer on a dual-stack socket goes through the IPv4 stack, which only
    // reads IPPROTO_IP options: IPV6_TCLASS would be ignored there.
    c->cmsg_level = v4 ? IPPROTO_IP : IPPROTO_IPV6;
    c->cmsg_type = v4 ? IP_TOS : IPV6_TCLASS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    int value = ecn & 0x3;
    std::memcpy(CMSG_DATA(c), &value, sizeof(value));
    c = CMSG_NXTHDR(&msg, c);
  }
  if (source4) {
    in_pktinfo info{};
    info.ipi_spec_dst = *source4;  // the source address; ipi_addr is unused on send
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(info));
    std::memcpy(CMSG_DATA(c), &info, sizeof(info));
  } else if (source6) {
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in6_pktinfo));
    std::memcpy(CMSG_DATA(c), &*source6, sizeof(in6_pktinfo));
  }
  return source4.has_value() || source6.has_value();
}

}  // namespace stoq::io::detail
