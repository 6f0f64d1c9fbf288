// The OSSL_ALGORITHM tables of each operation, assembled in provider.cpp.
#pragma once

#include <openssl/core.h>

namespace stoq::provider {

// Each is terminated by an all-null entry.
const OSSL_ALGORITHM* keymgmt_algorithms();
const OSSL_ALGORITHM* signature_algorithms();
const OSSL_ALGORITHM* encoder_algorithms();
const OSSL_ALGORITHM* decoder_algorithms();

// Exports a key's "pub" / "priv" encodings to `cb` (keymgmt and decoder export_object).
int keymgmt_export(void* keydata, int selection, OSSL_CALLBACK* cb, void* cbarg);

// The TLS-SIGALG capability (and nothing else).
int get_capabilities(void* provctx, const char* capability, OSSL_CALLBACK* cb, void* arg);

}  // namespace stoq::provider
