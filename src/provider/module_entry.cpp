// Entry point of the loadable module stoqprov.so (the only exported symbol).
#include <openssl/core.h>

#include "provider/stoq_provider.h"

extern "C" __attribute__((visibility("default"))) int OSSL_provider_init(
    const OSSL_CORE_HANDLE* handle, const OSSL_DISPATCH* in, const OSSL_DISPATCH** out,
    void** provctx) {
  return stoq_provider_init(handle, in, out, provctx);
}
