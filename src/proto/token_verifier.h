// TokenVerifier: receiver-side TOKEN checks for one sender (one per connection, or per
// origin when messages are relayed). Sans-IO: the caller passes the current time.
//
// Checks, in order: payload hash (kTokenInvalid), timestamp within +/- max_clock_skew_ms
// of now (kTokenStale), sequence not seen before and not older than the window
// (kTokenReplay). Only a token that passes all three is recorded in the window, so a
// rejected message never blocks a later genuine one. Rejections concern one message: the
// caller drops it (and may reset its stream with the code); the connection stays up.
// Memory: window / 8 bytes. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "proto/result.h"
#include "proto/token.h"

namespace stoq::proto {

struct TokenVerifierConfig {
  uint64_t window = 1024;  // sequences remembered; rounded up to a multiple of 64, 64..65536
  uint64_t max_clock_skew_ms = 30000;
};

struct TokenStats {
  uint64_t accepted = 0;
  uint64_t hash_mismatch = 0;
  uint64_t replayed = 0;
  uint64_t stale = 0;
};

class TokenVerifier {
 public:
  explicit TokenVerifier(TokenVerifierConfig config = {});

  // Verifies `token` for a payload whose SHA-256 is `payload_digest` (MessageReader::
  // payload_digest, or a reassembled shard message whose hash was verified). Errors:
  // kTokenInvalid, kTokenStale, kTokenReplay.
  Status verify_digest(const TokenFrame& token, const Digest& payload_digest, uint64_t now_ms);

  const TokenStats& stats() const { return stats_; }
  // Highest accepted sequence so far; nullopt before the first.
  std::optional<uint64_t> highest_sequence() const { return highest_; }
  uint64_t window() const { return window_; }

 private:
  bool seen(uint64_t seq) const;
  void mark(uint64_t seq);

  uint64_t window_;
  uint64_t max_skew_;
  std::vector<uint64_t> bits_;  // ring bitmap indexed by seq % window_
  std::optional<uint64_t> highest_;
  TokenStats stats_;
};

}  // namespace stoq::proto
