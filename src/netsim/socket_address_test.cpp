#include "netsim/socket_address.h"

#include <gtest/gtest.h>

#include <unordered_set>

namespace stoq::netsim {
namespace {

TEST(SocketAddressTest, ParsesAndPrints) {
  for (const char* text :
       {"127.0.0.1:4433", "[::1]:4433", "0.0.0.0:0", "[fe80::1]:1", "unix:/tmp/netsim.sock"}) {
    auto a = SocketAddress::parse(text);
    ASSERT_TRUE(a) << text << ": " << a.error().message;
    EXPECT_EQ(a->to_string(), text);
  }
  auto local = SocketAddress::parse("localhost:80");
  ASSERT_TRUE(local);
  EXPECT_EQ(local->to_string(), "127.0.0.1:80");
  EXPECT_EQ(local->port(), 80);
  EXPECT_EQ(local->family(), AF_INET);
  EXPECT_EQ(SocketAddress::parse("[::1]:9")->family(), AF_INET6);
  EXPECT_TRUE(SocketAddress::parse("unix:/x")->is_unix());
}

TEST(SocketAddressTest, RejectsBadInput) {
  for (const char* text :
       {"", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "::1:80", "[::1]80",
        "[::1", "example.com:80", "1.2.3:4", "127.0.0.1:80x", "unix:"}) {
    auto a = SocketAddress::parse(text);
    EXPECT_FALSE(a) << text;
    if (!a) {
      EXPECT_EQ(a.error().code, make_error_code(Errc::kInvalidAddress));
    }
  }
}

TEST(SocketAddressTest, Loopback) {
  for (const char* text : {"127.0.0.1:1", "127.255.0.9:1", "[::1]:1", "[::ffff:127.0.0.1]:1"}) {
    EXPECT_TRUE(SocketAddress::parse(text)->is_loopback()) << text;
  }
  for (const char* text : {"0.0.0.0:1", "10.0.0.1:1", "[::]:1", "[fe80::1]:1", "unix:/x"}) {
    EXPECT_FALSE(SocketAddress::parse(text)->is_loopback()) << text;
  }
}

TEST(SocketAddressTest, EqualityAndHash) {
  const auto a = *SocketAddress::parse("127.0.0.1:1000");
  const auto b = *SocketAddress::parse("127.0.0.1:1000");
  const auto c = *SocketAddress::parse("127.0.0.1:1001");
  const auto d = *SocketAddress::parse("[::1]:1000");
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a == c);
  EXPECT_FALSE(a == d);
  EXPECT_EQ(a.hash(), b.hash());
  std::unordered_set<SocketAddress, SocketAddressHash> set{a, b, c, d};
  EXPECT_EQ(set.size(), 3u);
}

}  // namespace
}  // namespace stoq::netsim
