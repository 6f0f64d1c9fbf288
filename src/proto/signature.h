// End-to-end message signatures (FALCON_SIG) without a Falcon dependency: the Falcon
// sign/verify operations are plugged in as callables by the layer that owns the keys.
//
// Signed portion (exact bytes, see docs/protocol.md "Message signatures"):
//   "STOQ-v1 message signature" (25 ASCII bytes) | 0x00
//   | key_id (32) | TOKEN payload_hash (32) | TOKEN sequence (u64) | TOKEN timestamp_ms (u64)
//   | has_shard (u8: 0 or 1)
//   [ | SHARD message_id (u64) | SHARD total_length (u64) | SHARD message_hash (32) ]
// Only fields that relays never change are covered; HOP (rewritten per hop) and SEED
// (per-destination advice) are not, and neither are SHARD index/offset/length, which
// differ per shard stream of the same message.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "proto/falcon_key.h"
#include "proto/falcon_sig.h"
#include "proto/message.h"

namespace stoq::proto {

inline constexpr std::string_view kSignatureLabel = "STOQ-v1 message signature";

std::vector<uint8_t> signed_bytes(const KeyId& key_id, const TokenFrame& token,
                                  const ShardFrame* shard);

// Produces a detached Falcon signature over `message`, or nullopt on failure.
using SignFunction = std::function<std::optional<std::vector<uint8_t>>(std::span<const uint8_t>)>;
// True when `signature` is a valid signature of `message` under `public_key`.
using VerifyFunction =
    std::function<bool(FalconAlgorithm algorithm, std::span<const uint8_t> public_key,
                       std::span<const uint8_t> message, std::span<const uint8_t> signature)>;

// Builds the FALCON_SIG for `header` (which must carry a TOKEN; SHARD if sharded) and
// stores it in header.signature. Errors: kFrameUnexpected (no TOKEN), kInternal (the sign
// function failed), kLimitExceeded (signature above 1462 bytes).
Status sign_header(MessageHeader& header, const KeyId& key_id, const SignFunction& sign);

// Keys a receiver accepts signatures from, and the check itself. Holds at most
// kMaxAnnouncedKeys + the trust list size keys. Not thread-safe.
class SignatureVerifier {
 public:
  // `sha256` checks the key ids of raw keys given to add_key.
  SignatureVerifier(Sha256Algorithm sha256, VerifyFunction verify);

  // Restricts accepted signers to the listed key ids (an empty list = any announced key).
  void trust(const KeyId& key_id);
  // Records an announced key (PeerKeyEvent). Raw keys only: certificate announcements must
  // be validated by the X.509 layer, which then calls add_public_key. Errors:
  // kUntrustedKey (certificate encoding), kFrameEncoding (malformed, or a key id that is not
  // the key's SHA-256), kLimitExceeded (too many keys).
  Status add_key(const FalconKeyFrame& key);
  Status add_public_key(FalconAlgorithm algorithm, const KeyId& key_id,
                        std::span<const uint8_t> public_key);

  // Verifies header.signature. Errors: kSignatureInvalid (no signature, no TOKEN, or the
  // signature does not verify), kUntrustedKey (key id not announced, or not on the trust
  // list). Returns the signer's key id.
  Result<KeyId> verify(const MessageHeader& header) const;

 private:
  struct Key {
    FalconAlgorithm algorithm;
    KeyId id;
    std::vector<uint8_t> public_key;
  };
  Sha256Algorithm sha256_;
  VerifyFunction verify_;
  std::vector<KeyId> trusted_;
  std::vector<Key> keys_;
};

}  // namespace stoq::proto
