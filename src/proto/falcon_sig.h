// FALCON_SIG (0xfe000005): an end-to-end Falcon signature over the message's signed
// portion (signature.h: signed_bytes). Requires a TOKEN in the same message header.
//
// Payload:
//   key_id     (32)      id of a key announced with FALCON_KEY (or known out of band)
//   sig_len    (varint)  1..1462
//   signature  (sig_len) Falcon detached signature (header byte, nonce, compressed s2)
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "proto/falcon_key.h"
#include "proto/result.h"

namespace stoq::proto {

struct FalconSigFrame {
  KeyId key_id{};
  std::vector<uint8_t> signature;

  bool operator==(const FalconSigFrame&) const = default;

  Status validate() const;  // kFrameEncoding (empty) / kLimitExceeded (above 1462)
  void encode(std::vector<uint8_t>& out) const;  // whole frame; precondition validate()
  // Errors: kFrameEncoding (truncated, trailing, empty signature), kLimitExceeded.
  static Result<FalconSigFrame> decode(std::span<const uint8_t> payload);
};

}  // namespace stoq::proto
