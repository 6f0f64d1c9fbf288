// Falcon signatures for STOQ messages: a MessageSigner and a MessageVerifier backed by
// STOQ's Falcon library (src/crypto/falcon). Builds without that library keep these
// functions, which then return Errc::kUnsupported / a verifier that rejects everything;
// falcon_available() says which build this is.
#pragma once

#include <memory>
#include <span>

#include "stoq/error.h"
#include "stoq/message.h"

namespace stoq {

bool falcon_available() noexcept;

// A signer from raw Falcon-512/1024 key encodings (as written by `stoq keygen`: public key
// 0x00+logn || h, secret key 0x50+logn || f || g || F). Errors: kInvalidArgument (a key
// does not decode, or the two keys are of different levels), kUnsupported (no Falcon in
// this build). The secret key bytes are copied into the library's key object.
Result<std::shared_ptr<MessageSigner>> make_falcon_signer(std::span<const uint8_t> public_key,
                                                          std::span<const uint8_t> secret_key);

// Verifies FALCON_SIG signatures (MessagingConfig::verifier).
MessageVerifier falcon_message_verifier();

}  // namespace stoq
