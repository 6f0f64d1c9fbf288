// SEED (0xfe000004): content-addressed replication to seed nodes.
//
// Payload:
//   op                  (u8)      0 store, 1 fetch, 2 have
//   content_hash        (32)      SHA-256 of the content object
//   replication_factor  (varint)  1..64 (store); 0 allowed for fetch/have
//   priority            (u8)      0 (lowest) .. 255
//   content_length      (varint)  bytes of content; 0 when unknown (fetch)
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "proto/result.h"
#include "proto/sha256.h"

namespace stoq::proto {

enum class SeedOp : uint8_t { kStore = 0, kFetch = 1, kHave = 2 };

struct SeedFrame {
  SeedOp op = SeedOp::kStore;
  Digest content_hash{};
  uint64_t replication_factor = 1;
  uint8_t priority = 0;
  uint64_t content_length = 0;

  bool operator==(const SeedFrame&) const = default;

  Status validate() const;                       // kFrameEncoding / kLimitExceeded
  void encode(std::vector<uint8_t>& out) const;  // whole frame; precondition validate()
  // Errors: kFrameEncoding (truncated, trailing bytes, unknown op, store with factor 0),
  // kLimitExceeded (replication factor above 64).
  static Result<SeedFrame> decode(std::span<const uint8_t> payload);
};

}  // namespace stoq::proto
