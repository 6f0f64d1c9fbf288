#include "proto/shard.h"

#include <string>

#include "proto/bytes.h"
#include "proto/frame.h"
#include "proto/limits.h"

namespace stoq::proto {

Status ShardFrame::validate() const {
  if (count == 0) return violation(Error::kFrameEncoding, "SHARD count is 0");
  if (count > kMaxShardCountLimit)
    return violation(Error::kLimitExceeded, "SHARD count " + std::to_string(count) + " exceeds " +
                                                std::to_string(kMaxShardCountLimit));
  if (index >= count)
    return violation(Error::kFrameEncoding, "SHARD index " + std::to_string(index) +
                                                " not below count " + std::to_string(count));
  if (total_length > kVarintMax || offset > total_length || length > total_length - offset)
    return violation(Error::kFrameEncoding, "SHARD range [" + std::to_string(offset) + ", +" +
                                                std::to_string(length) + ") outside total " +
                                                std::to_string(total_length));
  return Ok{};
}

void ShardFrame::encode(std::vector<uint8_t>& out) const {
  std::vector<uint8_t> p;
  ByteWriter w(p);
  w.u64(message_id);
  w.varint(index);
  w.varint(count);
  w.varint(total_length);
  w.varint(offset);
  w.varint(length);
  w.bytes(message_hash);
  append_frame(out, to_wire(FrameType::kShard), p);
}

Result<ShardFrame> ShardFrame::decode(std::span<const uint8_t> payload) {
  ShardFrame s;
  ByteReader r(payload);
  if (!r.u64(s.message_id) || !r.varint(s.index) || !r.varint(s.count) ||
      !r.varint(s.total_length) || !r.varint(s.offset) || !r.varint(s.length) ||
      !r.array(s.message_hash))
    return violation(Error::kFrameEncoding, "SHARD truncated");
  if (!r.empty()) return violation(Error::kFrameEncoding, "SHARD has trailing bytes");
  if (auto v = s.validate(); !v) return v.error();
  return s;
}

Result<std::vector<ShardFrame>> split_message(const Sha256Algorithm& sha256,
                                              std::span<const uint8_t> payload, uint64_t n,
                                              uint64_t message_id) {
  if (n == 0 || n > kMaxShardCountLimit)
    return violation(Error::kLimitExceeded, "shard count " + std::to_string(n) + " outside [1, " +
                                                std::to_string(kMaxShardCountLimit) + "]");
  const uint64_t total = payload.size();
  if (n > (total == 0 ? 1 : total))
    return violation(Error::kLimitExceeded, "cannot split " + std::to_string(total) +
                                                " bytes into " + std::to_string(n) + " shards");
  const Digest hash = sha256.digest(payload);
  std::vector<ShardFrame> frames;
  frames.reserve(n);
  const uint64_t base = total / n, extra = total % n;
  uint64_t offset = 0;
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t len = base + (i < extra ? 1 : 0);
    frames.push_back(ShardFrame{message_id, i, n, total, offset, len, hash});
    offset += len;
  }
  return frames;
}

}  // namespace stoq::proto
