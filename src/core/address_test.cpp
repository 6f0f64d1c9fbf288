// SocketAddress::parse_numeric (the resolver-free form the netsim relay and its control
// protocol take), Unix paths, and hashing consistent with operator==.
#include <gtest/gtest.h>

#include <sys/un.h>

#include <cstddef>
#include <functional>
#include <unordered_set>

#include "stoq/address.h"

namespace stoq {
namespace {

SocketAddress numeric(const char* text) {
  auto a = SocketAddress::parse_numeric(text);
  EXPECT_TRUE(a.ok()) << text << ": " << a.message();
  return a.ok() ? *a : SocketAddress();
}

TEST(SocketAddressTest, ParseNumericRoundTrips) {
  for (const char* text :
       {"127.0.0.1:4433", "[::1]:4433", "0.0.0.0:0", "[fe80::1]:1", "unix:/tmp/netsim.sock"}) {
    EXPECT_EQ(numeric(text).to_string(), text);
  }
  const SocketAddress local = numeric("localhost:80");
  EXPECT_EQ(local.to_string(), "127.0.0.1:80");
  EXPECT_EQ(local.port(), 80);
  EXPECT_EQ(local.family(), AF_INET);
  EXPECT_EQ(numeric("[::1]:9").family(), AF_INET6);
  const SocketAddress unix_socket = numeric("unix:/x");
  EXPECT_TRUE(unix_socket.is_unix());
  EXPECT_EQ(unix_socket.unix_path(), "/x");
  EXPECT_EQ(unix_socket.port(), 0);
  EXPECT_FALSE(local.is_unix());
  EXPECT_EQ(local.unix_path(), "");
  EXPECT_FALSE(local.empty());
  EXPECT_TRUE(SocketAddress().empty());
}

TEST(SocketAddressTest, ParseNumericRejectsNamesBarePortsAndBadInput) {
  for (const char* text :
       {"", "4433", ":4433", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "::1:80",
        "[::1]80", "[::1", "example.com:80", "1.2.3:4", "127.0.0.1:80x", "unix:"}) {
    auto a = SocketAddress::parse_numeric(text);
    EXPECT_FALSE(a.ok()) << text;
    if (!a.ok()) {
      EXPECT_EQ(a.error(), Errc::kAddressError) << text;
      EXPECT_EQ(a.reason().rfind("invalid address '" + std::string(text) + "': ", 0), 0u)
          << a.reason();
    }
  }
  const std::string long_path = "unix:/" + std::string(sizeof(sockaddr_un::sun_path), 'a');
  EXPECT_FALSE(SocketAddress::parse_numeric(long_path).ok());
  EXPECT_FALSE(SocketAddress::parse_numeric(std::string("unix:/a\0b", 9)).ok());
}

TEST(SocketAddressTest, UnixPathsAreNotLoopback) {
  for (const char* text : {"127.255.0.9:1", "[::ffff:127.0.0.1]:1"}) {
    EXPECT_TRUE(numeric(text).is_loopback()) << text;
  }
  for (const char* text : {"[::]:1", "[fe80::1]:1", "unix:/x"}) {
    EXPECT_FALSE(numeric(text).is_loopback()) << text;
  }
}

TEST(SocketAddressTest, HashAgreesWithEquality) {
  const SocketAddress a = numeric("127.0.0.1:1000");
  const SocketAddress b = numeric("127.0.0.1:1000");
  const SocketAddress c = numeric("127.0.0.1:1001");
  const SocketAddress d = numeric("[::1]:1000");
  const SocketAddress e = numeric("unix:/tmp/a");
  const SocketAddress f = numeric("unix:/tmp/b");
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a == c);
  EXPECT_FALSE(a == d);
  EXPECT_EQ(e, numeric("unix:/tmp/a"));
  EXPECT_FALSE(e == f);
  const std::hash<SocketAddress> hash;
  EXPECT_EQ(hash(a), hash(b));
  EXPECT_EQ(hash(e), hash(numeric("unix:/tmp/a")));
  EXPECT_EQ(hash(a), hash(SocketAddress::loopback_v4(1000)));
  std::unordered_set<SocketAddress> set{a, b, c, d, e, f, numeric("unix:/tmp/a")};
  EXPECT_EQ(set.size(), 5u);
}

}  // namespace
}  // namespace stoq
