#include "proto/shard_reassembler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "test_util.h"

namespace stoq::proto {
namespace {

using test::sha256;
using test::test_sha256;

using test::pattern;

MessageHeader header_for(const ShardFrame& s) {
  MessageHeader h;
  h.shard = s;
  return h;
}

// Sends every shard of `payload` (split in n) in a shuffled, interleaved order.
void deliver(ShardReassembler& r, std::span<const uint8_t> payload, uint64_t n, uint64_t id,
             uint64_t now, uint32_t seed, std::optional<size_t> corrupt_at = std::nullopt,
             std::optional<uint64_t> skip_shard = std::nullopt) {
  auto shards = split_message(test_sha256(), payload, n, id).value();
  std::mt19937 rng(seed);
  std::vector<uint64_t> order(n);
  for (uint64_t i = 0; i < n; ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<uint64_t> sent(n, 0);
  for (uint64_t i : order) {
    if (i == skip_shard) continue;
    MessageHeader h = header_for(shards[i]);
    if (i == 0) h.token = TokenFrame::make(test_sha256(), payload, 1, 2);
    ASSERT_TRUE(r.on_shard_begin(h, now).ok());
  }
  // Interleave pieces of every shard.
  bool more = true;
  while (more) {
    more = false;
    for (uint64_t i : order) {
      if (i == skip_shard || sent[i] == shards[i].length) continue;
      const uint64_t piece = std::min<uint64_t>(1 + rng() % 700, shards[i].length - sent[i]);
      std::vector<uint8_t> bytes(payload.begin() + shards[i].offset + sent[i],
                                 payload.begin() + shards[i].offset + sent[i] + piece);
      if (corrupt_at && *corrupt_at >= shards[i].offset + sent[i] &&
          *corrupt_at < shards[i].offset + sent[i] + piece)
        bytes[*corrupt_at - shards[i].offset - sent[i]] ^= 0x01;
      ASSERT_TRUE(r.on_shard_data(id, i, bytes, now).ok());
      sent[i] += piece;
      more = true;
    }
  }
  for (uint64_t i : order) {
    if (i == skip_shard) continue;
    auto s = r.on_shard_end(id, i, now);
    (void)s;  // the last end may report the integrity failure
  }
}

TEST(ShardReassembler, ReassemblesInAnyOrder) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    ShardReassembler r(test_sha256());
    const auto payload = pattern(10000 + seed * 37, uint8_t(seed));
    deliver(r, payload, 1 + seed % 16, seed, 0, seed);
    auto e = r.poll_event();
    ASSERT_TRUE(e && std::holds_alternative<ReassembledMessage>(*e));
    auto& m = std::get<ReassembledMessage>(*e);
    EXPECT_EQ(m.message_id, seed);
    ASSERT_EQ(m.payload.size(), payload.size());
    EXPECT_TRUE(std::equal(payload.begin(), payload.end(), m.payload.span().begin()));
    EXPECT_EQ(m.digest, sha256(payload));
    ASSERT_TRUE(m.header.token);  // shard 0's header travels with the message
    EXPECT_EQ(r.memory_reserved(), 0u);
    EXPECT_EQ(r.messages_in_progress(), 0u);
    EXPECT_EQ(r.stats().completed, 1u);
  }
}

TEST(ShardReassembler, CorruptedShardIsReportedNotDelivered) {
  ShardReassembler r(test_sha256());
  const auto payload = pattern(5000);
  deliver(r, payload, 4, 9, 0, 3, /*corrupt_at=*/2500);
  auto e = r.poll_event();
  ASSERT_TRUE(e && std::holds_alternative<FailedMessage>(*e));
  EXPECT_EQ(std::get<FailedMessage>(*e).code, Error::kShardIntegrity);
  EXPECT_FALSE(r.poll_event());
  EXPECT_EQ(r.stats().corrupted, 1u);
  EXPECT_EQ(r.memory_reserved(), 0u);
  // Late shards of the failed message are refused.
  auto late =
      r.on_shard_begin(header_for(split_message(test_sha256(), payload, 4, 9).value()[0]), 1);
  EXPECT_FALSE(late.ok());
}

TEST(ShardReassembler, MissingShardTimesOut) {
  ShardReassemblerConfig c;
  c.idle_timeout_ms = 100;
  c.max_lifetime_ms = 1000;
  ShardReassembler r(test_sha256(), c);
  const auto payload = pattern(3000);
  deliver(r, payload, 3, 4, 50, 7, std::nullopt, /*skip_shard=*/1);
  EXPECT_FALSE(r.poll_event());
  ASSERT_EQ(r.next_expiry(), 150u);
  r.on_timer(149);
  EXPECT_FALSE(r.poll_event());
  r.on_timer(150);
  auto e = r.poll_event();
  ASSERT_TRUE(e && std::holds_alternative<FailedMessage>(*e));
  const auto& f = std::get<FailedMessage>(*e);
  EXPECT_EQ(f.code, Error::kShardTimeout);
  EXPECT_EQ(f.missing, std::vector<uint64_t>{1});
  EXPECT_EQ(r.memory_reserved(), 0u);
  EXPECT_FALSE(r.next_expiry());
}

TEST(ShardReassembler, LifetimeBoundsATricklingPeer) {
  ShardReassemblerConfig c;
  c.idle_timeout_ms = 100;
  c.max_lifetime_ms = 250;
  ShardReassembler r(test_sha256(), c);
  auto shards = split_message(test_sha256(), pattern(1000), 2, 1).value();
  ASSERT_TRUE(r.on_shard_begin(header_for(shards[0]), 0).ok());
  const uint8_t b = 0;
  for (uint64_t t = 50; t < 250; t += 50) {
    ASSERT_TRUE(r.on_shard_data(1, 0, {&b, 1}, t).ok());
    r.on_timer(t);
  }
  EXPECT_EQ(r.next_expiry(), 250u);
  r.on_timer(250);
  EXPECT_EQ(r.stats().timed_out, 1u);
}

TEST(ShardReassembler, MemoryStaysUnderTheCapWhenMessagesNeverComplete) {
  ShardReassemblerConfig c;
  c.memory_cap = 1 << 20;
  c.max_messages = 1000;
  ShardReassembler r(test_sha256(), c);
  uint64_t rejected = 0;
  for (uint64_t id = 0; id < 500; ++id) {
    ShardFrame s{id, 0, 2, 100000, 0, 50000, test::digest_filled(1)};
    auto st = r.on_shard_begin(header_for(s), id);
    if (!st.ok()) {
      EXPECT_EQ(st.error().code, Error::kLimitExceeded);
      ++rejected;
    } else {
      const auto junk = pattern(1000);
      ASSERT_TRUE(r.on_shard_data(id, 0, junk, id).ok());
    }
    ASSERT_LE(r.memory_reserved(), c.memory_cap);
  }
  EXPECT_GT(rejected, 400u);
  EXPECT_EQ(r.stats().rejected, rejected);
  r.on_timer(1u << 30);
  EXPECT_EQ(r.memory_reserved(), 0u);
  EXPECT_EQ(r.messages_in_progress(), 0u);
}

TEST(ShardReassembler, ConcurrentMessageLimit) {
  ShardReassemblerConfig c;
  c.max_messages = 2;
  ShardReassembler r(test_sha256(), c);
  for (uint64_t id = 0; id < 2; ++id)
    ASSERT_TRUE(r.on_shard_begin(header_for(ShardFrame{id, 0, 2, 10, 0, 5, {}}), 0).ok());
  EXPECT_EQ(r.on_shard_begin(header_for(ShardFrame{7, 0, 2, 10, 0, 5, {}}), 0).code(),
            Error::kLimitExceeded);
  EXPECT_EQ(r.on_shard_begin(header_for(ShardFrame{1, 0, 1, 10, 0, 10, {}}), 0).code(),
            Error::kShardIntegrity);  // disagrees with the first shard on count
}

TEST(ShardReassembler, InconsistentShards) {
  auto fresh = [] { return std::make_unique<ShardReassembler>(test_sha256()); };
  auto r = fresh();
  ASSERT_TRUE(r->on_shard_begin(header_for(ShardFrame{1, 0, 2, 10, 0, 5, {}}), 0).ok());
  EXPECT_EQ(r->on_shard_begin(header_for(ShardFrame{1, 0, 2, 10, 5, 5, {}}), 0).code(),
            Error::kShardIntegrity);  // index twice
  r = fresh();
  ASSERT_TRUE(r->on_shard_begin(header_for(ShardFrame{1, 0, 2, 10, 0, 6, {}}), 0).ok());
  EXPECT_EQ(r->on_shard_begin(header_for(ShardFrame{1, 1, 2, 10, 5, 5, {}}), 0).code(),
            Error::kShardIntegrity);  // overlap
  r = fresh();
  ASSERT_TRUE(r->on_shard_begin(header_for(ShardFrame{1, 0, 2, 10, 0, 4, {}}), 0).ok());
  ASSERT_TRUE(r->on_shard_begin(header_for(ShardFrame{1, 1, 2, 10, 5, 5, {}}), 0).ok());
  const auto four = pattern(4), five = pattern(5);
  ASSERT_TRUE(r->on_shard_data(1, 0, four, 0).ok());
  ASSERT_TRUE(r->on_shard_data(1, 1, five, 0).ok());
  ASSERT_TRUE(r->on_shard_end(1, 0, 0).ok());
  EXPECT_EQ(r->on_shard_end(1, 1, 0).code(), Error::kShardIntegrity);  // a gap at byte 4
  r = fresh();
  ASSERT_TRUE(r->on_shard_begin(header_for(ShardFrame{1, 0, 1, 10, 0, 10, {}}), 0).ok());
  EXPECT_EQ(r->on_shard_data(1, 0, pattern(11), 0).code(), Error::kShardIntegrity);
  r = fresh();
  ASSERT_TRUE(r->on_shard_begin(header_for(ShardFrame{1, 0, 1, 10, 0, 10, {}}), 0).ok());
  EXPECT_EQ(r->on_shard_end(1, 0, 0).code(), Error::kMessageIncomplete);
  r = fresh();
  EXPECT_EQ(r->on_shard_begin(header_for(ShardFrame{1, 0, 2, 10, 0, 0, {}}), 0).code(),
            Error::kShardIntegrity);  // empty shard of a non-empty message
  EXPECT_EQ(r->on_shard_data(99, 0, four, 0).code(), Error::kInternal);
  EXPECT_EQ(r->on_shard_begin(MessageHeader{}, 0).code(), Error::kInternal);
}

TEST(ShardReassembler, AbandonedAndEmptyMessages) {
  ShardReassembler r(test_sha256());
  ASSERT_TRUE(r.on_shard_begin(header_for(ShardFrame{1, 0, 2, 10, 0, 5, {}}), 0).ok());
  r.on_shard_abandoned(1, 0);
  auto e = r.poll_event();
  ASSERT_TRUE(e && std::holds_alternative<FailedMessage>(*e));
  EXPECT_EQ(r.stats().abandoned, 1u);
  EXPECT_EQ(r.stats().corrupted, 0u);
  EXPECT_EQ(r.memory_reserved(), 0u);

  auto empty = split_message(test_sha256(), {}, 1, 5).value();
  ASSERT_TRUE(r.on_shard_begin(header_for(empty[0]), 0).ok());
  e = r.poll_event();
  ASSERT_TRUE(e && std::holds_alternative<ReassembledMessage>(*e));
  EXPECT_EQ(std::get<ReassembledMessage>(*e).payload.size(), 0u);
}

TEST(ShardReassembler, ShardCountAboveOurSetting) {
  ShardReassemblerConfig c;
  c.max_shard_count = 4;
  ShardReassembler r(test_sha256(), c);
  EXPECT_EQ(r.on_shard_begin(header_for(ShardFrame{1, 0, 5, 10, 0, 2, {}}), 0).code(),
            Error::kLimitExceeded);
}

}  // namespace
}  // namespace stoq::proto
