#include "stoq/context.h"

#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto_ossl.h>
#include <openssl/crypto.h>
#include <openssl/provider.h>

#include <string>

#include "provider/stoq_provider.h"

namespace stoq {

Context::Context(ContextOptions options, OSSL_LIB_CTX* libctx, OSSL_PROVIDER* default_provider,
                 OSSL_PROVIDER* stoq_provider) noexcept
    : options_(std::move(options)),
      libctx_(libctx),
      default_provider_(default_provider),
      stoq_provider_(stoq_provider) {}

Context::~Context() {
  // A provider holds a reference that OSSL_LIB_CTX_free alone does not drop. stoqprov first:
  // its child library context mirrors the default provider.
  OSSL_PROVIDER_unload(stoq_provider_);
  OSSL_PROVIDER_unload(default_provider_);
  OSSL_LIB_CTX_free(libctx_);
}

Result<std::shared_ptr<Context>> Context::create(ContextOptions options) {
  // The binary may have been linked against the project's OpenSSL but be loading Debian's
  // 3.0 at run time (a missing RPATH, LD_LIBRARY_PATH): refuse clearly instead of failing
  // later inside the QUIC TLS API.
  if (OpenSSL_version_num() < 0x30500000L) {
    return {Errc::kUnsupported, std::string("STOQ needs OpenSSL >= 3.5 at run time, got ") +
                                    OpenSSL_version(OPENSSL_VERSION) +
                                    " (run scripts/bootstrap and use the project's build)"};
  }
  // ngtcp2's OpenSSL backend fetches its ciphers once per process; the call is idempotent.
  if (ngtcp2_crypto_ossl_init() != 0) {
    return {Errc::kTlsError, "ngtcp2_crypto_ossl_init failed"};
  }
  OSSL_LIB_CTX* libctx = OSSL_LIB_CTX_new();
  if (libctx == nullptr) return {Errc::kTlsError, "OSSL_LIB_CTX_new failed"};
  OSSL_PROVIDER* provider = OSSL_PROVIDER_load(libctx, "default");
  if (provider == nullptr) {
    OSSL_LIB_CTX_free(libctx);
    return {Errc::kTlsError, "cannot load OpenSSL's default provider"};
  }
  // Falcon and the hybrid Falcon+ECDSA signatures, built in (src/provider). Registered for
  // this library context only; the registration dies with it.
  OSSL_PROVIDER* stoq = nullptr;
  if (OSSL_PROVIDER_add_builtin(libctx, provider::kProviderName, stoq_provider_init) == 1) {
    stoq = OSSL_PROVIDER_load(libctx, provider::kProviderName);
  }
  if (stoq == nullptr) {
    OSSL_PROVIDER_unload(provider);
    OSSL_LIB_CTX_free(libctx);
    return {Errc::kTlsError, "cannot load STOQ's Falcon provider (stoqprov)"};
  }
  return std::shared_ptr<Context>(new Context(std::move(options), libctx, provider, stoq));
}

void Context::log(LogLevel level, std::string_view message) const {
  if (log_enabled(level)) options_.log(level, message);
}

std::string Context::library_versions() const {
  const ngtcp2_info* ng = ngtcp2_version(0);
  return std::string(OpenSSL_version(OPENSSL_VERSION)) + ", ngtcp2 " +
         (ng != nullptr ? ng->version_str : "?");
}

}  // namespace stoq
