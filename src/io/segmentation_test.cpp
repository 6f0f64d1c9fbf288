#include "io/segmentation.h"

#include <gtest/gtest.h>

#include <vector>

namespace stoq::io::detail {
namespace {

std::vector<OutgoingDatagram> packed(const std::vector<size_t>& sizes, std::vector<uint8_t>& buf,
                                     const SocketAddress& to, uint8_t ecn = 0) {
  size_t total = 0;
  for (size_t s : sizes) total += s;
  buf.assign(total, 0);
  std::vector<OutgoingDatagram> out;
  size_t off = 0;
  for (size_t s : sizes) {
    out.push_back({to, {buf.data() + off, s}, ecn});
    off += s;
  }
  return out;
}

TEST(Segmentation, RunOfEqualSizesWithShortLast) {
  std::vector<uint8_t> buf;
  auto b = packed({1200, 1200, 1200, 700, 1200}, buf, SocketAddress::loopback_v4(1));
  EXPECT_EQ(coalescable_run(b, 0), 4u);  // the short one ends the run
  EXPECT_EQ(coalescable_run(b, 4), 1u);
}

TEST(Segmentation, RunBreaksOnAddressEcnGapOrLargerNext) {
  std::vector<uint8_t> buf;
  auto b = packed({1000, 1000, 1000}, buf, SocketAddress::loopback_v4(1));
  b[1].remote = SocketAddress::loopback_v4(2);
  EXPECT_EQ(coalescable_run(b, 0), 1u);
  b = packed({1000, 1000, 1000}, buf, SocketAddress::loopback_v4(1));
  b[2].ecn = kEcnEct0;
  EXPECT_EQ(coalescable_run(b, 0), 2u);
  b = packed({1000, 1000}, buf, SocketAddress::loopback_v4(1));
  std::vector<uint8_t> other(1000);
  b[1].data = other;  // not contiguous
  EXPECT_EQ(coalescable_run(b, 0), 1u);
  b = packed({1000, 1100}, buf, SocketAddress::loopback_v4(1));
  EXPECT_EQ(coalescable_run(b, 0), 1u);
  b = packed({1000, 1000}, buf, SocketAddress::loopback_v4(1));
  b[1].source = SocketAddress::loopback_v4(7);  // another source address
  EXPECT_EQ(coalescable_run(b, 0), 1u);
  b = packed({1000, 1000}, buf, SocketAddress::loopback_v4(1));
  b[1].segment_size = 500;  // an explicit train never joins a run
  EXPECT_EQ(coalescable_run(b, 0), 1u);
}

TEST(Segmentation, RunRespectsKernelLimits) {
  std::vector<uint8_t> buf;
  auto b = packed(std::vector<size_t>(100, 100), buf, SocketAddress::loopback_v6(1));
  EXPECT_EQ(coalescable_run(b, 0), kMaxGsoSegments);
  b = packed(std::vector<size_t>(60, 1400), buf, SocketAddress::loopback_v6(1));
  EXPECT_EQ(coalescable_run(b, 0), kMaxGsoBytes / 1400);
}

// extend_train forms the same trains coalescable_run finds, one packet at a time.
TEST(Segmentation, ExtendTrainAppendsWhatOneGsoSendCanCarry) {
  std::vector<uint8_t> buf(200'000);
  const auto to = SocketAddress::loopback_v4(1);
  OutgoingDatagram train{to, {buf.data(), 1200}, 0};
  size_t used = 1200;
  auto next = [&](size_t n) { return std::span<const uint8_t>(buf.data() + used, n); };
  ASSERT_TRUE(extend_train(train, next(1200), to, 0));
  used += 1200;
  EXPECT_EQ(train.segment_size, 1200u);
  EXPECT_EQ(train.data.size(), 2400u);
  EXPECT_FALSE(extend_train(train, next(1300), to, 0));  // longer than a segment
  EXPECT_FALSE(extend_train(train, next(1200), SocketAddress::loopback_v4(2), 0));
  EXPECT_FALSE(extend_train(train, next(1200), to, kEcnEct0));
  EXPECT_FALSE(extend_train(train, std::span<const uint8_t>(buf.data() + used + 1, 1200), to, 0));
  EXPECT_EQ(train.data.size(), 2400u);                 // refusals leave it unchanged
  ASSERT_TRUE(extend_train(train, next(700), to, 0));  // a short one may end it...
  used += 700;
  EXPECT_FALSE(extend_train(train, next(700), to, 0));  // ...and nothing follows it
  // Kernel limits: at most kMaxGsoSegments segments and kMaxGsoBytes bytes.
  OutgoingDatagram small{to, {buf.data(), 100}, 0};
  size_t n = 1;
  while (extend_train(small, std::span<const uint8_t>(buf.data() + n * 100, 100), to, 0)) ++n;
  EXPECT_EQ(n, kMaxGsoSegments);
  OutgoingDatagram big{to, {buf.data(), 1400}, 0};
  n = 1;
  while (extend_train(big, std::span<const uint8_t>(buf.data() + n * 1400, 1400), to, 0)) ++n;
  EXPECT_EQ(n, kMaxGsoBytes / 1400);
  // A datagram with a chosen source address is never extended.
  OutgoingDatagram sourced{to, {buf.data(), 1000}, 0};
  sourced.source = SocketAddress::loopback_v4(7);
  EXPECT_FALSE(extend_train(sourced, std::span<const uint8_t>(buf.data() + 1000, 1000), to, 0));
}

TEST(Segmentation, TrainArithmetic) {
  EXPECT_EQ(segment_count(5300, 1000), 6u);
  EXPECT_EQ(segment_count(5000, 1000), 5u);
  EXPECT_EQ(segment_count(0, 1000), 1u);
  EXPECT_EQ(max_gso_train(1000), 64000u);
  EXPECT_EQ(max_gso_train(1400), 64400u);
  EXPECT_EQ(max_gso_train(100), 6400u);
}

TEST(Segmentation, SplitsCoalescedBufferWithShortLast) {
  std::vector<uint8_t> buf(5300);
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<uint8_t>(i);
  std::vector<std::span<const uint8_t>> parts;
  for_each_segment(std::span<const uint8_t>(buf), 1000,
                   [&](std::span<const uint8_t> s) { parts.push_back(s); });
  ASSERT_EQ(parts.size(), 6u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_EQ(parts[i].size(), 1000u);
    EXPECT_EQ(parts[i].data(), buf.data() + i * 1000);
  }
  EXPECT_EQ(parts[5].size(), 300u);
  parts.clear();
  for_each_segment(std::span<const uint8_t>(buf), 0,
                   [&](std::span<const uint8_t> s) { parts.push_back(s); });
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0].size(), 5300u);
}

}  // namespace
}  // namespace stoq::io::detail
