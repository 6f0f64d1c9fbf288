#include "api/forward_queue.h"

#include <gtest/gtest.h>

#include <vector>

namespace stoq::detail {
namespace {

io::ReceivedDatagram datagram(const std::vector<uint8_t>& bytes) {
  io::ReceivedDatagram d;
  d.remote = SocketAddress::loopback_v4(1234);
  d.local = SocketAddress::loopback_v4(4433);
  d.data = bytes;
  d.ecn = 2;
  return d;
}

TEST(ForwardQueue, DropsAndCountsBeyondTheDatagramBoundWithoutGrowing) {
  ForwardQueue q;
  const std::vector<uint8_t> bytes(100, 0x42);
  EXPECT_EQ(q.push(datagram(bytes)), ForwardQueue::Push::kQueuedWake);
  for (size_t i = 1; i < ForwardQueue::kMaxDatagrams; ++i) {
    ASSERT_EQ(q.push(datagram(bytes)), ForwardQueue::Push::kQueued) << i;
  }
  EXPECT_EQ(q.dropped(), 0u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(q.push(datagram(bytes)), ForwardQueue::Push::kDropped);
  EXPECT_EQ(q.dropped(), 1000u);
  EXPECT_EQ(q.size(), ForwardQueue::kMaxDatagrams);
  EXPECT_EQ(q.bytes(), ForwardQueue::kMaxDatagrams * bytes.size());

  const auto items = q.take();
  ASSERT_EQ(items.size(), ForwardQueue::kMaxDatagrams);
  EXPECT_EQ(items.front().data, bytes);
  EXPECT_EQ(items.front().ecn, 2);
  EXPECT_EQ(items.front().remote.port(), 1234);
  EXPECT_EQ(q.size(), 0u);
  EXPECT_EQ(q.bytes(), 0u);
  // Drained: the next push wakes the target again.
  EXPECT_EQ(q.push(datagram(bytes)), ForwardQueue::Push::kQueuedWake);
}

TEST(ForwardQueue, DropsBeyondTheByteBound) {
  ForwardQueue q;
  const std::vector<uint8_t> big(65527, 1);
  size_t queued = 0;
  for (int i = 0; i < 1000; ++i) {
    if (q.push(datagram(big)) != ForwardQueue::Push::kDropped) ++queued;
  }
  EXPECT_EQ(queued, ForwardQueue::kMaxBytes / big.size());
  EXPECT_LE(q.bytes(), ForwardQueue::kMaxBytes);
  EXPECT_EQ(q.dropped(), 1000u - queued);
}

}  // namespace
}  // namespace stoq::detail
