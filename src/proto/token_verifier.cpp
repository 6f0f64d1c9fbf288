#include "proto/token_verifier.h"

#include <algorithm>
#include <string>

namespace stoq::proto {

TokenVerifier::TokenVerifier(TokenVerifierConfig config)
    : window_((std::clamp<uint64_t>(config.window, 64, 65536) + 63) / 64 * 64),
      max_skew_(config.max_clock_skew_ms),
      bits_(window_ / 64, 0) {}

bool TokenVerifier::seen(uint64_t seq) const {
  const uint64_t i = seq % window_;
  return (bits_[i / 64] >> (i % 64)) & 1;
}

void TokenVerifier::mark(uint64_t seq) {
  if (highest_ && seq > *highest_) {
    // Slide the window forward: forget the slots that now belong to new sequences.
    if (seq - *highest_ >= window_) {
      std::fill(bits_.begin(), bits_.end(), 0);
    } else {
      for (uint64_t s = *highest_ + 1; s <= seq; ++s) {
        const uint64_t i = s % window_;
        bits_[i / 64] &= ~(uint64_t{1} << (i % 64));
      }
    }
  }
  if (!highest_ || seq > *highest_) highest_ = seq;
  const uint64_t i = seq % window_;
  bits_[i / 64] |= uint64_t{1} << (i % 64);
}

Status TokenVerifier::verify_digest(const TokenFrame& token, const Digest& payload_digest,
                                    uint64_t now_ms) {
  if (token.payload_hash != payload_digest) {
    ++stats_.hash_mismatch;
    return violation(Error::kTokenInvalid, "TOKEN hash does not match the payload");
  }
  if (now_ms > token.timestamp_ms && now_ms - token.timestamp_ms > max_skew_) {
    ++stats_.stale;
    return violation(Error::kTokenStale,
                     "TOKEN timestamp " + std::to_string(now_ms - token.timestamp_ms) +
                         " ms in the past, skew allows " + std::to_string(max_skew_));
  }
  if (token.timestamp_ms > now_ms && token.timestamp_ms - now_ms > max_skew_) {
    ++stats_.stale;
    return violation(Error::kTokenStale,
                     "TOKEN timestamp " + std::to_string(token.timestamp_ms - now_ms) +
                         " ms in the future, skew allows " + std::to_string(max_skew_));
  }
  if (highest_ && token.sequence <= *highest_) {
    if (*highest_ - token.sequence >= window_) {
      ++stats_.replayed;
      return violation(Error::kTokenReplay, "TOKEN sequence " + std::to_string(token.sequence) +
                                                " below the replay window");
    }
    if (seen(token.sequence)) {
      ++stats_.replayed;
      return violation(Error::kTokenReplay,
                       "TOKEN sequence " + std::to_string(token.sequence) + " already seen");
    }
  }
  mark(token.sequence);
  ++stats_.accepted;
  return Ok{};
}

}  // namespace stoq::proto
