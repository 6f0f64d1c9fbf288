#include "proto/signer_windows.h"

namespace stoq::proto {

SignerWindows::SignerWindows(TokenVerifierConfig config, size_t max_signers)
    : config_(config), max_signers_(max_signers) {}

bool SignerWindows::forget_expired(uint64_t now_ms) {
  const uint64_t keep = 2 * config_.max_clock_skew_ms;
  const size_t before = windows_.size();
  std::erase_if(windows_, [&](const auto& kv) {
    return now_ms > kv.second.last_accepted_ms && now_ms - kv.second.last_accepted_ms > keep;
  });
  return windows_.size() < before;
}

Status SignerWindows::verify(const KeyId& signer, const TokenFrame& token,
                             const Digest& payload_digest, uint64_t now_ms) {
  std::lock_guard lock(mu_);
  auto it = windows_.find(signer);
  if (it == windows_.end()) {
    if (windows_.size() >= max_signers_ && !forget_expired(now_ms))
      return violation(Error::kLimitExceeded, "too many signers with live replay windows");
    it = windows_.emplace(signer, Entry{TokenVerifier(config_), 0}).first;
  }
  Status st = it->second.verifier.verify_digest(token, payload_digest, now_ms);
  if (st) {
    it->second.last_accepted_ms = now_ms;
  } else if (!it->second.verifier.highest_sequence()) {
    windows_.erase(it);  // never accepted anything: nothing to remember
  }
  return st;
}

size_t SignerWindows::signers() const {
  std::lock_guard lock(mu_);
  return windows_.size();
}

}  // namespace stoq::proto
