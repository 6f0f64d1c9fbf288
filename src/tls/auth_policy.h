// The authentication policy (TlsConfig::auth): which kinds of signatures may authenticate
// the peer, and the check of a verified chain against it.
#pragma once

#include <openssl/x509.h>

#include <string>
#include <string_view>

#include "stoq/config.h"

namespace stoq::tls {

enum class SignatureKind { kClassical, kPostQuantum, kHybrid };

const char* to_string(SignatureKind k) noexcept;
// By algorithm name ("falcon1024", "p521_falcon1024", "ML-DSA-65", "ED25519", ...).
SignatureKind classify_algorithm(std::string_view name) noexcept;
bool allowed(AuthPolicy policy, SignatureKind kind) noexcept;

// The key's algorithm as users know it: "falcon1024", "ML-DSA-65", "ED25519", "EC P-256".
std::string key_type_name(const EVP_PKEY* key);
// The algorithm that signed `cert` ("falcon1024", "ML-DSA-87", "ED25519", "ecdsa-with-SHA256").
std::string signature_algorithm_name(const X509* cert);

// Checks a verified chain (leaf first, trust anchor last) against `policy`: the leaf key
// (it makes the CertificateVerify) and the signature on every certificate but the last.
// `peer` ("server" / "client") goes into the message. Empty when allowed, otherwise a
// sentence naming the policy, the certificate and the algorithm.
std::string check_peer_chain(AuthPolicy policy, STACK_OF(X509) * chain, std::string_view peer);

}  // namespace stoq::tls
