// SHARD (0xfe000002): this stream carries one slice of a larger message.
//
// Payload:
//   message_id    (u64)     sender-chosen, unique per connection while in flight
//   index         (varint)  0 .. count-1
//   count         (varint)  1 .. max_shard_count
//   total_length  (varint)  whole message payload, <= max_message_size
//   offset        (varint)  where this shard's bytes start in the message
//   length        (varint)  bytes of payload on this stream; offset + length <= total
//   message_hash  (32)      SHA-256 of the whole message payload
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "proto/result.h"
#include "proto/sha256.h"

namespace stoq::proto {

struct ShardFrame {
  uint64_t message_id = 0;
  uint64_t index = 0;
  uint64_t count = 1;
  uint64_t total_length = 0;
  uint64_t offset = 0;
  uint64_t length = 0;
  Digest message_hash{};

  bool operator==(const ShardFrame&) const = default;

  // Structural checks (index < count, count >= 1, offset + length <= total_length, count
  // <= kMaxShardCountLimit, values <= kVarintMax). Errors: kFrameEncoding / kLimitExceeded.
  Status validate() const;

  void encode(std::vector<uint8_t>& out) const;  // whole frame; precondition validate()
  // Errors: kFrameEncoding (truncated, trailing bytes, inconsistent fields),
  // kLimitExceeded (count above kMaxShardCountLimit).
  static Result<ShardFrame> decode(std::span<const uint8_t> payload);
};

// Splits a message into `n` shards of near-equal size (the first total % n shards one
// byte longer) and returns their SHARD frames; shard i covers
// payload.subspan(frames[i].offset, frames[i].length). Errors: kLimitExceeded when n is 0,
// above kMaxShardCountLimit, or larger than the payload (no empty shards; an empty payload
// takes n == 1). `sha256` hashes the whole message (message_hash).
Result<std::vector<ShardFrame>> split_message(const Sha256Algorithm& sha256,
                                              std::span<const uint8_t> payload, uint64_t n,
                                              uint64_t message_id);

}  // namespace stoq::proto
