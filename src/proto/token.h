// TOKEN (0xfe000001): integrity, ordering and freshness of one message.
//
// Payload, exactly 48 bytes:
//   payload_hash  (32)  SHA-256 of the whole message payload
//   sequence      (u64) per-sender message sequence number, big-endian
//   timestamp_ms  (u64) sender's clock, milliseconds since the Unix epoch, big-endian
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "proto/result.h"
#include "proto/sha256.h"

namespace stoq::proto {

struct TokenFrame {
  Digest payload_hash{};
  uint64_t sequence = 0;
  uint64_t timestamp_ms = 0;

  bool operator==(const TokenFrame&) const = default;

  // Token for `payload` (hashes it).
  static TokenFrame make(const Sha256Algorithm& sha256, std::span<const uint8_t> payload,
                         uint64_t sequence, uint64_t now_ms);

  void encode(std::vector<uint8_t>& out) const;  // whole frame
  // Errors: kFrameEncoding unless the payload is exactly 48 bytes.
  static Result<TokenFrame> decode(std::span<const uint8_t> payload);
};

}  // namespace stoq::proto
