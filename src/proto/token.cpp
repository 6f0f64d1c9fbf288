#include "proto/token.h"

#include <string>

#include "proto/bytes.h"
#include "proto/frame.h"

namespace stoq::proto {

TokenFrame TokenFrame::make(const Sha256Algorithm& sha256, std::span<const uint8_t> payload,
                            uint64_t sequence, uint64_t now_ms) {
  return TokenFrame{sha256.digest(payload), sequence, now_ms};
}

void TokenFrame::encode(std::vector<uint8_t>& out) const {
  append_frame_header(out, to_wire(FrameType::kToken), kTokenPayloadSize);
  ByteWriter w(out);
  w.bytes(payload_hash);
  w.u64(sequence);
  w.u64(timestamp_ms);
}

Result<TokenFrame> TokenFrame::decode(std::span<const uint8_t> payload) {
  if (payload.size() != kTokenPayloadSize)
    return violation(Error::kFrameEncoding,
                     "TOKEN payload must be 48 bytes, got " + std::to_string(payload.size()));
  TokenFrame t;
  ByteReader r(payload);
  (void)r.array(t.payload_hash);
  (void)r.u64(t.sequence);
  (void)r.u64(t.timestamp_ms);
  return t;
}

}  // namespace stoq::proto
