#include "api/address_validation.h"

#include <gtest/gtest.h>

#include <array>
#include <new>

namespace stoq::detail {
namespace {

using Verdict = AddressValidator::Verdict;

ngtcp2_pkt_hd initial_to(uint8_t dcid_byte) {
  ngtcp2_pkt_hd hd{};
  hd.version = NGTCP2_PROTO_VER_V1;
  hd.type = NGTCP2_PKT_INITIAL;
  hd.dcid.datalen = 8;
  hd.dcid.data[0] = dcid_byte;
  hd.scid.datalen = 8;
  return hd;
}

AddressValidator validator(RetryPolicy policy, size_t threshold = 4) {
  TransportConfig t;
  t.retry = policy;
  t.retry_auto_threshold = threshold;
  std::array<uint8_t, 32> secret{};
  secret.fill(7);
  return AddressValidator(secret, t);
}

TEST(AddressValidator, AutoRetriesUnderLoadAndRetriesTheSameInitialAgainWhenTheLoadFell) {
  auto v = validator(RetryPolicy::kAuto);
  const auto client = SocketAddress::loopback_v4(40000);
  const uint64_t now = 1'000'000'000;
  EXPECT_EQ(v.check(initial_to(1), client, now, 3).verdict, Verdict::kAccept);
  EXPECT_EQ(v.check(initial_to(2), client, now, 4).verdict, Verdict::kSendRetry);
  // The client's retransmission of the retried Initial, read after the load fell: a Retry
  // again (accepting it would start a connection the client has already left).
  EXPECT_EQ(v.check(initial_to(2), client, now + NGTCP2_SECONDS, 0).verdict, Verdict::kSendRetry);
  // Another Initial, or the same connection ID from another address: the load decides.
  EXPECT_EQ(v.check(initial_to(3), client, now, 0).verdict, Verdict::kAccept);
  EXPECT_EQ(v.check(initial_to(2), SocketAddress::loopback_v4(40001), now, 0).verdict,
            Verdict::kAccept);
}

TEST(AddressValidator, NeverAndAlwaysIgnoreTheLoad) {
  auto never = validator(RetryPolicy::kNever);
  auto always = validator(RetryPolicy::kAlways);
  const auto client = SocketAddress::loopback_v4(40000);
  for (size_t load : {0, 4, 1000}) {
    EXPECT_EQ(never.check(initial_to(1), client, 1, load).verdict, Verdict::kAccept);
    EXPECT_EQ(always.check(initial_to(1), client, 1, load).verdict, Verdict::kSendRetry);
  }
}

TEST(RetriedInitials, ForgetsTheOldestBeyondItsCapacity) {
  RetriedInitials r(3);
  const auto a = SocketAddress::loopback_v4(1);
  auto cid = [](uint8_t b) {
    const uint8_t bytes[4] = {b, 0, 0, b};
    return quic::ConnectionId(bytes, sizeof(bytes));
  };
  r.add(a, cid(1));
  r.add(a, cid(2));
  r.add(a, cid(1));  // again: still one entry, keeps its place
  r.add(a, cid(3));
  EXPECT_EQ(r.size(), 3u);
  r.add(a, cid(4));  // evicts 1, the oldest
  EXPECT_FALSE(r.contains(a, cid(1)));
  EXPECT_TRUE(r.contains(a, cid(2)));
  EXPECT_TRUE(r.contains(a, cid(4)));
  for (uint8_t b = 10; b < 100; ++b) r.add(a, cid(b));
  EXPECT_EQ(r.size(), 3u);
  EXPECT_TRUE(r.contains(a, cid(99)));
  EXPECT_FALSE(r.contains(a, cid(96)));
  EXPECT_FALSE(r.contains(SocketAddress::loopback_v4(2), cid(99)));
  RetriedInitials none(0);
  none.add(a, cid(1));
  EXPECT_FALSE(none.contains(a, cid(1)));
}

TEST(AddressValidator, DestructorWipesTheSecret) {
  alignas(AddressValidator) unsigned char storage[sizeof(AddressValidator)];
  std::array<uint8_t, 32> secret{};
  secret.fill(0xA5);
  auto* v = new (storage) AddressValidator(secret, TransportConfig{});
  const uint8_t* held = v->secret_for_test().data();
  ASSERT_EQ(held[0], 0xA5);
  const size_t offset = static_cast<size_t>(held - storage);
  v->~AddressValidator();
  for (size_t i = 0; i < secret.size(); ++i) ASSERT_EQ(storage[offset + i], 0) << i;
}

}  // namespace
}  // namespace stoq::detail
