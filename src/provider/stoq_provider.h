// The STOQ OpenSSL provider ("stoqprov"): Falcon-512/1024 and the hybrids p256_falcon512 /
// p521_falcon1024 as key management, signature, encoders, decoders and TLS-SIGALG
// capabilities (docs/pq-auth.md).
//
// Built in: OSSL_PROVIDER_add_builtin(libctx, kProviderName, stoq_provider_init), then
// OSSL_PROVIDER_load(libctx, kProviderName) — src/runtime/context.cpp does this for STOQ's own
// library context. As a module for the `openssl` program: stoqprov.so, whose only exported
// symbol is OSSL_provider_init.
//
// The provider keeps no global state: each loaded instance owns a child library context
// (for ECDSA and randomness), freed when the provider is unloaded. Load OpenSSL's default
// provider in the same library context too (EC, SHA-2, randomness, PEM decoding).
#pragma once

#include <openssl/core.h>

namespace stoq::provider {

inline constexpr const char* kProviderName = "stoqprov";

}  // namespace stoq::provider

extern "C" int stoq_provider_init(const OSSL_CORE_HANDLE* handle, const OSSL_DISPATCH* in,
                                  const OSSL_DISPATCH** out, void** provctx);
