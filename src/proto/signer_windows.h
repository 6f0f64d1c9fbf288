// SignerWindows: the TOKEN replay windows of signed messages, one per verified signer, kept
// by a receiver across all its connections (docs/protocol.md, TOKEN): a signed message
// captured on one connection and replayed on another is refused as a replay, whichever
// connection or worker thread it arrives on. Thread-safe.
//
// Memory: at most max_signers windows (window / 8 bytes each, plus bookkeeping). A window
// is forgotten only once it can no longer matter: a token is accepted only within
// max_clock_skew_ms of its timestamp, so a message accepted at time t cannot be replayed
// after t + 2 * max_clock_skew_ms. A new signer that finds every slot still needed is
// refused (kLimitExceeded) rather than evicting a live window.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>

#include "proto/signature.h"
#include "proto/token_verifier.h"

namespace stoq::proto {

class SignerWindows {
 public:
  static constexpr size_t kDefaultMaxSigners = 16384;

  explicit SignerWindows(TokenVerifierConfig config, size_t max_signers = kDefaultMaxSigners);

  // TokenVerifier::verify_digest in `signer`'s window. Errors: kTokenInvalid, kTokenStale,
  // kTokenReplay, kLimitExceeded (no room for a new signer's window).
  Status verify(const KeyId& signer, const TokenFrame& token, const Digest& payload_digest,
                uint64_t now_ms);

  size_t signers() const;

 private:
  struct Entry {
    TokenVerifier verifier;
    uint64_t last_accepted_ms = 0;
  };
  // Drops windows no message could still be replayed into; true when one was dropped.
  bool forget_expired(uint64_t now_ms);

  TokenVerifierConfig config_;
  size_t max_signers_;
  mutable std::mutex mu_;
  std::map<KeyId, Entry> windows_;
};

}  // namespace stoq::proto
