#include "proto/seed.h"

#include <string>

#include "proto/bytes.h"
#include "proto/frame.h"
#include "proto/limits.h"

namespace stoq::proto {

Status SeedFrame::validate() const {
  if (static_cast<uint8_t>(op) > static_cast<uint8_t>(SeedOp::kHave))
    return violation(Error::kFrameEncoding, "SEED unknown op " + std::to_string(int(op)));
  if (replication_factor > kMaxReplicationFactor)
    return violation(Error::kLimitExceeded,
                     "SEED replication factor " + std::to_string(replication_factor) + " above 64");
  if (op == SeedOp::kStore && replication_factor == 0)
    return violation(Error::kFrameEncoding, "SEED store with replication factor 0");
  if (content_length > kVarintMax) return violation(Error::kFrameEncoding, "SEED length too big");
  return Ok{};
}

void SeedFrame::encode(std::vector<uint8_t>& out) const {
  std::vector<uint8_t> p;
  ByteWriter w(p);
  w.u8(static_cast<uint8_t>(op));
  w.bytes(content_hash);
  w.varint(replication_factor);
  w.u8(priority);
  w.varint(content_length);
  append_frame(out, to_wire(FrameType::kSeed), p);
}

Result<SeedFrame> SeedFrame::decode(std::span<const uint8_t> payload) {
  SeedFrame s;
  ByteReader r(payload);
  uint8_t op = 0;
  if (!r.u8(op) || !r.array(s.content_hash) || !r.varint(s.replication_factor) ||
      !r.u8(s.priority) || !r.varint(s.content_length))
    return violation(Error::kFrameEncoding, "SEED truncated");
  if (!r.empty()) return violation(Error::kFrameEncoding, "SEED has trailing bytes");
  s.op = static_cast<SeedOp>(op);
  if (auto v = s.validate(); !v) return v.error();
  return s;
}

}  // namespace stoq::proto
