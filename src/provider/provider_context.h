// What every provider object shares: the core handle and the provider's own child library
// context. The child context mirrors the providers loaded in the application's (or STOQ's)
// library context, so the classical halves of hybrid keys (ECDSA) and the randomness come
// from there — never from OpenSSL's global default context.
#pragma once

#include <openssl/core.h>
#include <openssl/types.h>

namespace stoq::provider {

struct ProviderContext {
  const OSSL_CORE_HANDLE* handle = nullptr;
  OSSL_LIB_CTX* libctx = nullptr;  // child library context, owned (freed at teardown)
};

inline const ProviderContext& context_of(void* provctx) {
  return *static_cast<const ProviderContext*>(provctx);
}

}  // namespace stoq::provider
