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
// For kind 0 the receiver checks key_id == SHA-256(data) when decoding. For kind 1 the
// binding of key_id to the certificate is checked by whoever parses X.509 (not here).
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
KeyId falcon_key_id(std::span<const uint8_t> public_key);
// Expected raw public key size for an algorithm (897 or 1793); 0 for unknown values.
size_t falcon_public_key_size(FalconAlgorithm alg);

struct FalconKeyFrame {
  FalconAlgorithm algorithm = FalconAlgorithm::kFalcon1024;
  KeyId key_id{};
  KeyEncoding encoding = KeyEncoding::kRawPublicKey;
  std::vector<uint8_t> data;

  bool operator==(const FalconKeyFrame&) const = default;

  // A raw-key announcement with key_id computed from `public_key`.
  static FalconKeyFrame raw(FalconAlgorithm alg, std::span<const uint8_t> public_key);

  Status validate() const;
  void encode(std::vector<uint8_t>& out) const;  // whole frame; precondition validate()
  // Errors: kFrameEncoding (truncated, trailing bytes, unknown algorithm or kind, wrong
  // raw key size, key id not matching a raw key), kLimitExceeded (chain above 16384).
  // The length is checked before the key bytes are copied.
  static Result<FalconKeyFrame> decode(std::span<const uint8_t> payload);
};

}  // namespace stoq::proto
