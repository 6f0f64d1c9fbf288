#include "proto/signature.h"

#include <algorithm>
#include <utility>

#include "proto/bytes.h"
#include "proto/limits.h"

namespace stoq::proto {

std::vector<uint8_t> signed_bytes(const KeyId& key_id, const TokenFrame& token,
                                  const ShardFrame* shard) {
  std::vector<uint8_t> out;
  out.reserve(kSignatureLabel.size() + 1 + 32 + 48 + 1 + 48);
  ByteWriter w(out);
  w.bytes({reinterpret_cast<const uint8_t*>(kSignatureLabel.data()), kSignatureLabel.size()});
  w.u8(0);
  w.bytes(key_id);
  w.bytes(token.payload_hash);
  w.u64(token.sequence);
  w.u64(token.timestamp_ms);
  w.u8(shard ? 1 : 0);
  if (shard) {
    w.u64(shard->message_id);
    w.u64(shard->total_length);
    w.bytes(shard->message_hash);
  }
  return out;
}

Status sign_header(MessageHeader& header, const KeyId& key_id, const SignFunction& sign) {
  if (!header.token) return violation(Error::kFrameUnexpected, "signing requires a TOKEN");
  const auto msg = signed_bytes(key_id, *header.token, header.shard ? &*header.shard : nullptr);
  auto sig = sign ? sign(msg) : std::nullopt;
  if (!sig) return violation(Error::kInternal, "Falcon signing failed");
  FalconSigFrame f{key_id, std::move(*sig)};
  if (auto s = f.validate(); !s) return s;
  header.signature = std::move(f);
  return Ok{};
}

SignatureVerifier::SignatureVerifier(Sha256Algorithm sha256, VerifyFunction verify)
    : sha256_(std::move(sha256)), verify_(std::move(verify)) {}

void SignatureVerifier::trust(const KeyId& key_id) {
  if (std::find(trusted_.begin(), trusted_.end(), key_id) == trusted_.end())
    trusted_.push_back(key_id);
}

Status SignatureVerifier::add_key(const FalconKeyFrame& key) {
  if (key.encoding != KeyEncoding::kRawPublicKey)
    return violation(Error::kUntrustedKey, "certificate keys need X.509 validation first");
  if (auto s = key.validate(); !s) return s;
  if (auto s = key.check_key_id(sha256_); !s) return s;
  return add_public_key(key.algorithm, key.key_id, key.data);
}

Status SignatureVerifier::add_public_key(FalconAlgorithm algorithm, const KeyId& key_id,
                                         std::span<const uint8_t> public_key) {
  for (Key& k : keys_)
    if (k.id == key_id) return Ok{};  // re-announcement of the same key
  if (keys_.size() >= kMaxAnnouncedKeys + trusted_.size())
    return violation(Error::kLimitExceeded, "too many signing keys");
  keys_.push_back({algorithm, key_id, {public_key.begin(), public_key.end()}});
  return Ok{};
}

Result<KeyId> SignatureVerifier::verify(const MessageHeader& header) const {
  if (!header.signature) return violation(Error::kSignatureInvalid, "message is not signed");
  if (!header.token) return violation(Error::kSignatureInvalid, "FALCON_SIG without TOKEN");
  const KeyId& id = header.signature->key_id;
  if (!trusted_.empty() && std::find(trusted_.begin(), trusted_.end(), id) == trusted_.end())
    return violation(Error::kUntrustedKey, "signer key is not on the trust list");
  auto it = std::find_if(keys_.begin(), keys_.end(), [&](const Key& k) { return k.id == id; });
  if (it == keys_.end()) return violation(Error::kUntrustedKey, "signer key was not announced");
  const auto msg = signed_bytes(id, *header.token, header.shard ? &*header.shard : nullptr);
  if (!verify_ || !verify_(it->algorithm, it->public_key, msg, header.signature->signature))
    return violation(Error::kSignatureInvalid, "Falcon signature does not verify");
  return id;
}

}  // namespace stoq::proto
