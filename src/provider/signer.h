// Signing and verification with a provider key. Falcon signs the message itself (no
// pre-hash); the signature is the compressed detached format. A hybrid signature is
//   BE32(len(C)) || C || F
// where C is the DER ECDSA signature over SHA-256 (P-256) or SHA-512 (P-521) of the
// message and F the Falcon signature of the message (docs/pq-auth.md). Both must verify.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "provider/key.h"

namespace stoq::provider {

// Requires key.has_private(). False with a reason on failure.
bool sign(const Key& key, std::span<const std::uint8_t> message, std::vector<std::uint8_t>& sig,
          std::string& why);
// Requires key.has_public(). False with a reason when the signature is malformed or wrong.
bool verify(const Key& key, std::span<const std::uint8_t> message,
            std::span<const std::uint8_t> sig, std::string& why);

}  // namespace stoq::provider
