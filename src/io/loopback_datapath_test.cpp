#include "io/loopback_datapath.h"

#include <gtest/gtest.h>
#include <poll.h>

#include "io/datapath_test_util.h"
#include "io/event_loop.h"

namespace stoq::io {
namespace {

using test::pattern;
using test::receive_some;

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 0) == 1;
}

TEST(LoopbackDatapath, RoundTripWithEcnAndAddresses) {
  const auto a_addr = SocketAddress::loopback_v4(1000);
  const auto b_addr = SocketAddress::loopback_v6(2000);
  auto pair = LoopbackDatapath::create_pair(a_addr, b_addr);
  ASSERT_TRUE(pair) << pair.message();
  Datapath& a = *pair->first;
  Datapath& b = *pair->second;
  EXPECT_TRUE(has(a.capabilities(), Capability::kEcn));
  EXPECT_FALSE(readable(b.fd()));

  auto p1 = pattern(1200, 1);
  auto p2 = pattern(17, 2);
  OutgoingDatagram out[] = {{b_addr, p1, kEcnEct0}, {b_addr, p2, kEcnCe}};
  auto sent = a.send(out);
  ASSERT_TRUE(sent);
  EXPECT_EQ(*sent, 2u);
  EXPECT_TRUE(readable(b.fd()));
  auto got = receive_some(b, 2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].data, p1);
  EXPECT_EQ(got[0].ecn, kEcnEct0);
  EXPECT_TRUE(got[0].remote == a_addr);
  EXPECT_TRUE(got[0].local == b_addr);
  EXPECT_EQ(got[1].data, p2);
  EXPECT_EQ(got[1].ecn, kEcnCe);
  EXPECT_FALSE(readable(b.fd()));

  // And back.
  OutgoingDatagram reply[] = {{got[0].remote, p2}};
  ASSERT_TRUE(b.send(reply));
  auto back = receive_some(a, 1);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].data, p2);
  EXPECT_EQ(a.stats().datagrams_sent, 2u);
  EXPECT_EQ(a.stats().datagrams_received, 1u);
}

TEST(LoopbackDatapath, SplitsTrainsAndDropsUnknownAddresses) {
  const auto a_addr = SocketAddress::loopback_v4(1);
  const auto b_addr = SocketAddress::loopback_v4(2);
  auto pair = LoopbackDatapath::create_pair(a_addr, b_addr);
  ASSERT_TRUE(pair);
  auto train = pattern(2500, 3);
  OutgoingDatagram out[] = {{SocketAddress::loopback_v4(3), train}, {b_addr, train, 0, 1000}};
  auto sent = pair->first->send(out);
  ASSERT_TRUE(sent);
  EXPECT_EQ(*sent, 2u);
  EXPECT_EQ(pair->first->stats().send_errors, 1u);
  auto got = receive_some(*pair->second, 3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[2].data.size(), 500u);
  std::vector<uint8_t> joined;
  for (auto& g : got) joined.insert(joined.end(), g.data.begin(), g.data.end());
  EXPECT_EQ(joined, train);
}

TEST(LoopbackDatapath, FullInboxStopsTheSenderAndCounts) {
  const auto a_addr = SocketAddress::loopback_v4(1);
  const auto b_addr = SocketAddress::loopback_v4(2);
  auto pair = LoopbackDatapath::create_pair(a_addr, b_addr, 100);
  ASSERT_TRUE(pair);
  auto bytes = pattern(100, 4);
  std::vector<OutgoingDatagram> out(150, OutgoingDatagram{b_addr, bytes});
  auto sent = pair->first->send(out);
  ASSERT_TRUE(sent);
  EXPECT_EQ(*sent, 100u);
  EXPECT_EQ(pair->first->stats().send_would_block, 50u);
  auto got = receive_some(*pair->second, 100);
  EXPECT_EQ(got.size(), 100u);
  // Room again.
  sent = pair->first->send(std::span(out).subspan(100));
  ASSERT_TRUE(sent);
  EXPECT_EQ(*sent, 50u);
}

// fd() is the readiness hook: the event loop calls back when datagrams wait.
TEST(LoopbackDatapath, DrivenByTheEventLoop) {
  const auto a_addr = SocketAddress::loopback_v4(1);
  const auto b_addr = SocketAddress::loopback_v4(2);
  auto pair = LoopbackDatapath::create_pair(a_addr, b_addr);
  ASSERT_TRUE(pair);
  auto loop = EventLoop::create();
  ASSERT_TRUE(loop);
  size_t received = 0;
  Datapath& b = *pair->second;
  ASSERT_TRUE((*loop)->add(b.fd(), [&] {
    auto r = b.receive();
    if (r) received += r->size();
  }));
  auto bytes = pattern(10, 1);
  std::vector<OutgoingDatagram> out(100, OutgoingDatagram{b_addr, bytes});
  ASSERT_TRUE(pair->first->send(out));
  for (int i = 0; i < 10 && received < 100; ++i) (*loop)->run_one(std::chrono::milliseconds(100));
  EXPECT_EQ(received, 100u);
  // Drained: the fd is no longer readable, so the loop stays idle.
  EXPECT_EQ((*loop)->run_one(std::chrono::milliseconds(10)), 0u);
  (*loop)->remove(b.fd());
}

}  // namespace
}  // namespace stoq::io
