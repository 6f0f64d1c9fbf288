// SubjectPublicKeyInfo digests, used for certificate pinning.
#pragma once

#include <string>

typedef struct x509_st X509;
typedef struct ossl_lib_ctx_st OSSL_LIB_CTX;

namespace stoq::tls {

// Lower-case hex SHA-256 of the DER SubjectPublicKeyInfo of `cert`, hashed in `libctx` (the
// Context's); empty on failure.
std::string spki_sha256_hex(OSSL_LIB_CTX* libctx, X509* cert);

// Normalises a user-given pin (hex, optional "sha256/" prefix and ':' separators) to
// lower-case hex; empty if it is not 64 hex digits.
std::string normalize_pin(std::string_view pin);

}  // namespace stoq::tls
