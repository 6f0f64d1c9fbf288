// libFuzzer target for the provider's key decoders through OpenSSL's decoder framework
// (entry in src/provider/fuzz_entries.cpp). Seed corpus: fuzz/corpus/provider_decoder/.
// The same entry runs in provider_test (corpus replay).
#include <openssl/crypto.h>
#include <openssl/provider.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "provider/fuzz_entries.h"
#include "provider/stoq_provider.h"

namespace {

// One library context for the whole fuzzing run (harness state, not library state).
OSSL_LIB_CTX* fuzz_libctx() {
  static OSSL_LIB_CTX* libctx = [] {
    OSSL_LIB_CTX* ctx = OSSL_LIB_CTX_new();
    if (ctx == nullptr || OSSL_PROVIDER_load(ctx, "default") == nullptr ||
        OSSL_PROVIDER_add_builtin(ctx, stoq::provider::kProviderName, stoq_provider_init) != 1 ||
        OSSL_PROVIDER_load(ctx, stoq::provider::kProviderName) == nullptr) {
      std::abort();
    }
    return ctx;
  }();
  return libctx;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return stoq::provider::fuzz::decoder(fuzz_libctx(), data, size);
}
