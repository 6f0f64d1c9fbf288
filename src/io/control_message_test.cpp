#include "io/control_message.h"

#include "io/datapath.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#include <cstring>

namespace stoq::io::detail {
namespace {

SocketAddress mapped(const char* v4, uint16_t port) {
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(port);
  std::string text = std::string("::ffff:") + v4;
  inet_pton(AF_INET6, text.c_str(), &sa.sin6_addr);
  return {reinterpret_cast<sockaddr*>(&sa), sizeof(sa)};
}

struct ControlBuffer {
  alignas(cmsghdr) char bytes[kReceiveControlBytes] = {};
  msghdr msg{};
  size_t used = 0;
  ControlBuffer() {
    msg.msg_control = bytes;
    msg.msg_controllen = sizeof(bytes);
  }
  template <typename T>
  void add(int level, int type, const T& value) {
    auto* c = reinterpret_cast<cmsghdr*>(bytes + used);
    c->cmsg_level = level;
    c->cmsg_type = type;
    c->cmsg_len = CMSG_LEN(sizeof(T));
    std::memcpy(CMSG_DATA(c), &value, sizeof(T));
    used += CMSG_SPACE(sizeof(T));
    msg.msg_controllen = used;
  }
};

TEST(ControlMessage, ParsesV4TosPktinfoGroAndOverflow) {
  ControlBuffer b;
  b.add(IPPROTO_IP, IP_TOS, static_cast<uint8_t>(0xb8 | kEcnCe));
  in_pktinfo info{};
  inet_pton(AF_INET, "10.1.2.3", &info.ipi_addr);
  b.add(IPPROTO_IP, IP_PKTINFO, info);
  b.add(SOL_UDP, UDP_GRO, 1200);
  b.add(SOL_SOCKET, SO_RXQ_OVFL, uint32_t{7});
  auto a = parse_receive_ancillary(b.msg, SocketAddress::loopback_v4(4433));
  EXPECT_EQ(a.ecn, kEcnCe);  // DSCP bits are not ECN
  ASSERT_TRUE(a.local.has_value());
  EXPECT_EQ(a.local->to_string(), "10.1.2.3:4433");
  EXPECT_EQ(a.gro_segment, 1200);
  ASSERT_TRUE(a.overflow.has_value());
  EXPECT_EQ(*a.overflow, 7u);
}

TEST(ControlMessage, V4PacketOnIpv6SocketGivesMappedLocal) {
  ControlBuffer b;
  in_pktinfo info{};
  inet_pton(AF_INET, "127.0.0.1", &info.ipi_addr);
  b.add(IPPROTO_IP, IP_PKTINFO, info);
  auto a = parse_receive_ancillary(b.msg, SocketAddress::loopback_v6(9));
  ASSERT_TRUE(a.local.has_value());
  EXPECT_TRUE(*a.local == mapped("127.0.0.1", 9));
}

TEST(ControlMessage, ParsesV6TclassAndPktinfo) {
  ControlBuffer b;
  b.add(IPPROTO_IPV6, IPV6_TCLASS, int{kEcnEct1});
  in6_pktinfo info{};
  info.ipi6_addr = in6addr_loopback;
  b.add(IPPROTO_IPV6, IPV6_PKTINFO, info);
  auto a = parse_receive_ancillary(b.msg, SocketAddress::loopback_v6(443));
  EXPECT_EQ(a.ecn, kEcnEct1);
  ASSERT_TRUE(a.local.has_value());
  EXPECT_EQ(a.local->to_string(), "[::1]:443");
  EXPECT_EQ(a.gro_segment, 0);
  EXPECT_FALSE(a.overflow.has_value());
}

TEST(ControlMessage, SendAncillaryPicksTheStackOfThePeer) {
  alignas(cmsghdr) char buf[kSendControlBytes];
  msghdr msg{};
  set_send_ancillary(msg, buf, SocketAddress::loopback_v4(1), 0, 0);
  EXPECT_EQ(msg.msg_controllen, 0u);
  EXPECT_EQ(msg.msg_control, nullptr);

  set_send_ancillary(msg, buf, mapped("192.0.2.1", 1), kEcnEct0, 1200);
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->cmsg_level, SOL_UDP);
  EXPECT_EQ(c->cmsg_type, UDP_SEGMENT);
  uint16_t seg = 0;
  std::memcpy(&seg, CMSG_DATA(c), sizeof(seg));
  EXPECT_EQ(seg, 1200);
  c = CMSG_NXTHDR(&msg, c);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->cmsg_level, IPPROTO_IP);  // v4-mapped: the IPv4 stack reads IP_TOS
  EXPECT_EQ(c->cmsg_type, IP_TOS);
  int tos = 0;
  std::memcpy(&tos, CMSG_DATA(c), sizeof(tos));
  EXPECT_EQ(tos, kEcnEct0);

  set_send_ancillary(msg, buf, SocketAddress::loopback_v6(1), kEcnCe, 0);
  c = CMSG_FIRSTHDR(&msg);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->cmsg_level, IPPROTO_IPV6);
  EXPECT_EQ(c->cmsg_type, IPV6_TCLASS);
  EXPECT_EQ(CMSG_NXTHDR(&msg, c), nullptr);
}

const cmsghdr* find(msghdr& msg, int level, int type) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == level && c->cmsg_type == type) return c;
  }
  return nullptr;
}

TEST(ControlMessage, SendSourceAddressMatchesThePeersStack) {
  alignas(cmsghdr) char buf[kSendControlBytes];
  msghdr msg{};
  const auto src4 = SocketAddress::loopback_v4(1);
  EXPECT_TRUE(set_send_ancillary(msg, buf, SocketAddress::loopback_v4(2), kEcnCe, 1200, &src4));
  const cmsghdr* c = find(msg, IPPROTO_IP, IP_PKTINFO);
  ASSERT_NE(c, nullptr);
  in_pktinfo info{};
  std::memcpy(&info, CMSG_DATA(c), sizeof(info));
  EXPECT_EQ(info.ipi_spec_dst.s_addr, htonl(INADDR_LOOPBACK));
  EXPECT_NE(find(msg, SOL_UDP, UDP_SEGMENT), nullptr);
  EXPECT_NE(find(msg, IPPROTO_IP, IP_TOS), nullptr);

  // A v4-mapped source for a v4-mapped peer: IP_PKTINFO with the embedded address.
  const auto src_mapped = mapped("127.0.0.3", 0);
  EXPECT_TRUE(set_send_ancillary(msg, buf, mapped("127.0.0.1", 9), 0, 0, &src_mapped));
  c = find(msg, IPPROTO_IP, IP_PKTINFO);
  ASSERT_NE(c, nullptr);
  std::memcpy(&info, CMSG_DATA(c), sizeof(info));
  EXPECT_EQ(info.ipi_spec_dst.s_addr, htonl(0x7f000003));

  const auto src6 = SocketAddress::loopback_v6(0);
  EXPECT_TRUE(set_send_ancillary(msg, buf, SocketAddress::loopback_v6(9), 0, 0, &src6));
  c = find(msg, IPPROTO_IPV6, IPV6_PKTINFO);
  ASSERT_NE(c, nullptr);
  in6_pktinfo info6{};
  std::memcpy(&info6, CMSG_DATA(c), sizeof(info6));
  EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&info6.ipi6_addr));

  // Mismatched stacks, wildcards and empty addresses write nothing.
  EXPECT_FALSE(set_send_ancillary(msg, buf, SocketAddress::loopback_v6(9), 0, 0, &src4));
  EXPECT_EQ(msg.msg_controllen, 0u);
  EXPECT_FALSE(set_send_ancillary(msg, buf, SocketAddress::loopback_v4(9), 0, 0, &src6));
  const SocketAddress empty;
  EXPECT_FALSE(set_send_ancillary(msg, buf, SocketAddress::loopback_v4(9), 0, 0, &empty));
  auto any = SocketAddress::parse("0.0.0.0:0");
  ASSERT_TRUE(any);
  EXPECT_FALSE(set_send_ancillary(msg, buf, SocketAddress::loopback_v4(9), 0, 0, &*any));
}

TEST(ControlMessage, Ipv4PathDetection) {
  EXPECT_TRUE(is_ipv4_path(SocketAddress::loopback_v4(1)));
  EXPECT_TRUE(is_ipv4_path(mapped("10.0.0.1", 1)));
  EXPECT_FALSE(is_ipv4_path(SocketAddress::loopback_v6(1)));
}

}  // namespace
}  // namespace stoq::io::detail
