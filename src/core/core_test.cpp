#include <gtest/gtest.h>

#include <memory>

#include "core/fifo.h"

#include "stoq/address.h"
#include "stoq/error.h"

namespace stoq {
namespace {

TEST(Error, CategoryAndMessages) {
  std::error_code ec = Errc::kPolicyViolation;
  EXPECT_STREQ(ec.category().name(), "stoq");
  EXPECT_EQ(ec.message(), "security policy not met");
  Result<int> r(Errc::kWouldBlock, "later");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Errc::kWouldBlock);
  EXPECT_EQ(r.message(), "operation would block: later");
  Result<int> v(5);
  EXPECT_EQ(*v, 5);
}

TEST(Address, ParsesV4V6AndPortOnly) {
  auto a = SocketAddress::parse("127.0.0.1:4433");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->to_string(), "127.0.0.1:4433");
  EXPECT_EQ(a->host(), "127.0.0.1");
  auto b = SocketAddress::parse("[::1]:99");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->to_string(), "[::1]:99");
  auto c = SocketAddress::parse(":4433");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->is_any());
  EXPECT_EQ(c->family(), AF_INET6);
}

TEST(Address, RecognisesLoopbackPeers) {
  for (const char* text : {"127.0.0.1:1", "127.200.3.4:1", "[::1]:1", "[::ffff:127.0.0.2]:1"}) {
    auto a = SocketAddress::parse(text);
    ASSERT_TRUE(a.ok()) << text;
    EXPECT_TRUE(a->is_loopback()) << text;
  }
  for (const char* text : {"128.0.0.1:1", "10.0.0.1:1", "0.0.0.0:1", "[::]:1", "[::2]:1",
                           "[::ffff:10.0.0.1]:1", "[fe80::1]:1"}) {
    auto a = SocketAddress::parse(text);
    ASSERT_TRUE(a.ok()) << text;
    EXPECT_FALSE(a->is_loopback()) << text;
  }
  EXPECT_FALSE(SocketAddress().is_loopback());
}

TEST(Address, RejectsGarbage) {
  EXPECT_FALSE(SocketAddress::parse("1.2.3.4:99999").ok());
  EXPECT_FALSE(SocketAddress::parse("[::1:5").ok());
  EXPECT_FALSE(SocketAddress::parse("host:port").ok());
  EXPECT_EQ(SocketAddress::parse("1.2.3.4:x").error(), Errc::kAddressError);
}

}  // namespace
}  // namespace stoq

// ---------------------------------------------------------------------------- Fifo

TEST(FifoTest, KeepsOrderAcrossCompaction) {
  stoq::Fifo<int> q;
  EXPECT_TRUE(q.empty());
  int next_in = 0, next_out = 0;
  // Interleave pushes and pops so the consumed prefix is reclaimed many times.
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < 7; ++i) q.push_back(next_in++);
    for (int i = 0; i < 5; ++i) {
      ASSERT_FALSE(q.empty());
      EXPECT_EQ(q.front(), next_out++);
      q.pop_front();
    }
    EXPECT_EQ(q.size(), static_cast<size_t>(next_in - next_out));
    EXPECT_EQ(q.back(), next_in - 1);
  }
  int expect = next_out;
  for (int v : q) EXPECT_EQ(v, expect++);
  while (!q.empty()) {
    EXPECT_EQ(q.front(), next_out++);
    q.pop_front();
  }
  EXPECT_EQ(next_out, next_in);
}

TEST(FifoTest, PopReleasesTheElementAtOnce) {
  stoq::Fifo<std::shared_ptr<int>> q;
  auto a = std::make_shared<int>(1);
  q.push_back(a);
  q.push_back(std::make_shared<int>(2));
  EXPECT_EQ(a.use_count(), 2);
  q.pop_front();
  EXPECT_EQ(a.use_count(), 1);  // not kept until the queue compacts
  EXPECT_EQ(*q.front(), 2);
  q.clear();
  EXPECT_TRUE(q.empty());
}

// ---------------------------------------------------------------------------- SocketAddress ==

TEST(SocketAddressTest, EqualityComparesFamilyAddressPortAndScope) {
  auto a = stoq::SocketAddress::parse("127.0.0.1:4433");
  auto b = stoq::SocketAddress::parse("127.0.0.1:4433");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(*a == *b);
  EXPECT_TRUE(*a == stoq::SocketAddress::loopback_v4(4433));
  EXPECT_FALSE(*a == stoq::SocketAddress::loopback_v4(4434));
  auto other_host = stoq::SocketAddress::parse("127.0.0.2:4433");
  auto v6 = stoq::SocketAddress::parse("[::1]:9");
  ASSERT_TRUE(other_host.ok() && v6.ok());
  EXPECT_FALSE(*a == *other_host);
  EXPECT_FALSE(*a == stoq::SocketAddress::loopback_v6(4433));
  EXPECT_TRUE(stoq::SocketAddress::loopback_v6(9) == *v6);
  auto scoped = stoq::SocketAddress::parse("[fe80::1]:9");
  ASSERT_TRUE(scoped.ok());
  auto other_scope = *scoped;
  reinterpret_cast<sockaddr_in6*>(other_scope.data())->sin6_scope_id = 3;
  EXPECT_FALSE(*scoped == other_scope);
  EXPECT_TRUE(stoq::SocketAddress() == stoq::SocketAddress());
  EXPECT_FALSE(stoq::SocketAddress() == *a);
}
