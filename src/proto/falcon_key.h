// FALCON_KEY (0xfe000006, control stream only): announces a Falcon public key that later
// FALCON_SIG frames on this connection may name.
//
// Payload:
//   algorithm  (u8)      1 Falcon-512, 2 Falcon-1024
//   key_id     (32)      SHA-256 of the public key encoding (for a certificate: of the
//                        Falcon public key inside the end-entity certificate)
//   kind       (u8)      0 raw public key, 1 X.509 certificate chain (DER, concatenated,
//                        end-entity first)
//   data_len   (varint)  raw: exactly 897 / 1793 bytes; chain: 1..16384
//   data       (data_len)
// For kind 0 the receiver checks key_id == SHA-256(data) (check_key_id; the control stream
// does it for every frame it receives). For kind 1 the binding of key_id to the
// certificate is checked by whoever parses X.509 (not here).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "proto/result.h"
#include "proto/sha256.h"

namespace stoq::proto {

enum class FalconAlgorithm : uint8_t { kFalcon512 = 1, kFalcon1024 = 2 };
enum class KeyEncoding : uint8_t { kRawPublicKey = 0, kCertificateChain = 1 };

using KeyId = Digest;

// The key id of a raw public key encoding.
KeyId falcon_key_id(const Sha256Algorithm& sha256, std::span<const uint8_t> public_key);
// Expected raw public key size for an algorithm (897 or 1793); 0 for unknown values.
size_t falcon_public_key_size(FalconAlgorithm alg);

struct FalconKeyFrame {
  FalconAlgorithm algorithm = FalconAlgorithm::kFalcon1024;
  KeyId key_id{};
  KeyEncoding encoding = KeyEncoding::kRawPublicKey;
  std::vector<uint8_t> data;

  bool operator==(const FalconKeyFrame&) const = default;

  // A raw-key announcement with key_id computed from `public_key`.
  static FalconKeyFrame raw(const Sha256Algorithm& sha256, FalconAlgorithm alg,
                            std::span<const uint8_t> public_key);

  // Structure only: algorithm, kind, sizes. Errors: kFrameEncoding, kLimitExceeded.
  Status validate() const;
  // For a raw key: key_id is SHA-256 of the key (kFrameEncoding otherwise). Certificate
  // chains pass (their binding is the X.509 layer's).
  Status check_key_id(const Sha256Algorithm& sha256) const;
  void encode(std::vector<uint8_t>& out) const;  // whole frame; precondition validate()
  // Errors: kFrameEncoding (truncated, trailing bytes, unknown algorithm or kind, wrong
  // raw key size), kLimitExceeded (chain above 16384). The key id is not checked here
  // (check_key_id).
  // The length is checked before the key bytes are copied.
  static Result<FalconKeyFrame> decode(std::span<const uint8_t> payload);
};

}  // namespace stoq::proto
