// The TLS-SIGALG capability: one entry per algorithm, named like its key manager and
// signature (libssl only uses a provider sigalg whose KEYMGMT of the same name comes from
// the same provider), with the OQS code point and OID, TLS 1.3 only. No hash or sig-name:
// the signature implementation handles the whole message itself.
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/prov_ssl.h>

#include <cstring>
#include <string>

#include "provider/algorithm.h"
#include "provider/operations.h"

namespace stoq::provider {

int get_capabilities(void*, const char* capability, OSSL_CALLBACK* cb, void* arg) {
  // Other capabilities (TLS-GROUP, ...): nothing to report, which is not an error — libssl
  // refuses to create an SSL_CTX when any provider fails a capability query.
  if (capability == nullptr || std::strcmp(capability, "TLS-SIGALG") != 0) return 1;
  for (const Algorithm& a : algorithms()) {
    const std::string name(a.name);
    unsigned int code_point = a.code_point;
    unsigned int security_bits = static_cast<unsigned int>(a.security_bits);
    int min_tls = TLS1_3_VERSION;
    int max_tls = 0;  // no upper bound
    int min_dtls = -1;
    int max_dtls = -1;  // never DTLS
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_CAPABILITY_TLS_SIGALG_IANA_NAME,
                                         const_cast<char*>(name.c_str()), 0),
        OSSL_PARAM_construct_utf8_string(OSSL_CAPABILITY_TLS_SIGALG_NAME,
                                         const_cast<char*>(name.c_str()), 0),
        OSSL_PARAM_construct_utf8_string(OSSL_CAPABILITY_TLS_SIGALG_OID, const_cast<char*>(a.oid),
                                         0),
        OSSL_PARAM_construct_uint(OSSL_CAPABILITY_TLS_SIGALG_CODE_POINT, &code_point),
        OSSL_PARAM_construct_uint(OSSL_CAPABILITY_TLS_SIGALG_SECURITY_BITS, &security_bits),
        OSSL_PARAM_construct_int(OSSL_CAPABILITY_TLS_SIGALG_MIN_TLS, &min_tls),
        OSSL_PARAM_construct_int(OSSL_CAPABILITY_TLS_SIGALG_MAX_TLS, &max_tls),
        OSSL_PARAM_construct_int(OSSL_CAPABILITY_TLS_SIGALG_MIN_DTLS, &min_dtls),
        OSSL_PARAM_construct_int(OSSL_CAPABILITY_TLS_SIGALG_MAX_DTLS, &max_dtls),
        OSSL_PARAM_construct_end()};
    if (!cb(params, arg)) return 0;
  }
  return 1;
}

}  // namespace stoq::provider
