// io::DatagramSocket on loopback: one datagram per call, UDP and Unix, errors named.
#include "io/datagram_socket.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace stoq::io {
namespace {

SocketAddress at(std::string_view text) {
  auto a = SocketAddress::parse_numeric(text);
  EXPECT_TRUE(a.ok()) << a.message();
  return a.ok() ? *a : SocketAddress();
}

std::span<const std::uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Waits at most 2 s for one datagram.
std::string receive(DatagramSocket& s, SocketAddress* from) {
  pollfd p{s.fd(), POLLIN, 0};
  if (::poll(&p, 1, 2000) != 1) return "<timeout>";
  std::array<std::uint8_t, 2048> buf{};
  const ssize_t n = s.receive(buf, from);
  return n < 0 ? "<error>" : std::string(buf.begin(), buf.begin() + n);
}

TEST(DatagramSocketTest, UdpRoundTripThroughAConnectedSocket) {
  auto server = DatagramSocket::bind(at("127.0.0.1:0"), 1 << 20);
  ASSERT_TRUE(server.ok()) << server.message();
  auto server_address = server->local_address();
  ASSERT_TRUE(server_address.ok());
  EXPECT_NE(server_address->port(), 0);
  auto client = DatagramSocket::connect(*server_address);
  ASSERT_TRUE(client.ok()) << client.message();
  ASSERT_EQ(client->send(bytes("ping"), nullptr), 4);
  SocketAddress from;
  EXPECT_EQ(receive(*server, &from), "ping");
  EXPECT_EQ(from, client->local_address().value());
  ASSERT_EQ(server->send(bytes("pong"), &from), 4);
  EXPECT_EQ(receive(*client, nullptr), "pong");
  std::array<std::uint8_t, 16> buf{};
  EXPECT_EQ(client->receive(buf, nullptr), -1);  // non-blocking: nothing more waiting
  EXPECT_TRUE(errno == EAGAIN || errno == EWOULDBLOCK);
}

TEST(DatagramSocketTest, UnixDatagramSockets) {
  const std::string base = "/tmp/stoq_dgram_" + std::to_string(::getpid());
  const SocketAddress a = at("unix:" + base + "_a");
  const SocketAddress b = at("unix:" + base + "_b");
  ::unlink(a.unix_path().c_str());
  ::unlink(b.unix_path().c_str());
  {
    auto sa = DatagramSocket::bind(a);
    auto sb = DatagramSocket::bind(b);
    ASSERT_TRUE(sa.ok() && sb.ok()) << sa.message() << sb.message();
    ASSERT_EQ(sb->send(bytes("hello"), &a), 5);
    SocketAddress from;
    EXPECT_EQ(receive(*sa, &from), "hello");
    EXPECT_TRUE(from.is_unix());
    EXPECT_EQ(from, b);
  }
  ::unlink(a.unix_path().c_str());
  ::unlink(b.unix_path().c_str());
}

TEST(DatagramSocketTest, Ipv6SocketsAreIpv6Only) {
  // The wildcard: binding a specific IPv6 address makes the kernel set the flag itself.
  auto s = DatagramSocket::bind(at("[::]:0"));
  if (!s.ok()) GTEST_SKIP() << "no IPv6: " << s.message();
  int on = 0;
  socklen_t len = sizeof on;
  ASSERT_EQ(::getsockopt(s->fd(), IPPROTO_IPV6, IPV6_V6ONLY, &on, &len), 0);
  EXPECT_EQ(on, 1);
}

TEST(DatagramSocketTest, BindFailureNamesTheCallAndAddress) {
  auto first = DatagramSocket::bind(at("127.0.0.1:0"));
  ASSERT_TRUE(first.ok());
  const SocketAddress taken = first->local_address().value();
  auto second = DatagramSocket::bind(taken);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error(), Errc::kSocketError);
  EXPECT_EQ(second.reason().rfind("bind " + taken.to_string() + ": ", 0), 0u) << second.reason();
}

}  // namespace
}  // namespace stoq::io
