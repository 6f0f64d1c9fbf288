// A STOQ message header: the optional header frames that precede the payload on a
// message stream or in a message datagram, and the receive limits that bound them.
#pragma once

#include <cstdint>
#include <optional>

#include "proto/falcon_sig.h"
#include "proto/hop.h"
#include "proto/seed.h"
#include "proto/settings.h"
#include "proto/shard.h"
#include "proto/token.h"

namespace stoq::proto {

// Header frames appear at most once each, in this order, before any DATA frame:
// TOKEN, SHARD, HOP, SEED, FALCON_SIG. FALCON_SIG requires TOKEN.
struct MessageHeader {
  std::optional<TokenFrame> token;
  std::optional<ShardFrame> shard;
  std::optional<HopFrame> hop;
  std::optional<SeedFrame> seed;
  std::optional<FalconSigFrame> signature;

  bool operator==(const MessageHeader&) const = default;

  // Appends the header frames in canonical order. Precondition: validate() passed.
  void encode(std::vector<uint8_t>& out) const;
};

// What a receiver accepts: built from the SETTINGS it announced.
struct MessageLimits {
  uint64_t max_frame_size = Settings{}.max_frame_size;
  uint64_t max_message_size = Settings{}.max_message_size;
  uint64_t max_shard_count = Settings{}.max_shard_count;
  uint64_t max_hop_count = Settings{}.max_hop_count;
  uint64_t extensions = kAllExtensions;

  static MessageLimits from(const Settings& s) {
    return {s.max_frame_size, s.max_message_size, s.max_shard_count, s.max_hop_count, s.extensions};
  }
};

// Checks a header against limits (used by both reader and writer): each frame valid, its
// extension enabled, counts within the advertised limits, FALCON_SIG only with TOKEN,
// SHARD total_length within max_message_size. Errors: kFrameUnexpected (extension not
// enabled, FALCON_SIG without TOKEN), kLimitExceeded, kFrameEncoding.
Status validate_header(const MessageHeader& header, const MessageLimits& limits);

}  // namespace stoq::proto
