// Helpers shared by the OpenSSL dispatch glue: error reporting and the exception barrier
// (OpenSSL calls the provider through C function pointers, so nothing may escape).
#pragma once

#include <openssl/core_dispatch.h>
#include <openssl/err.h>
#include <openssl/proverr.h>

#include <exception>
#include <string>

namespace stoq::provider {

inline void raise_error(int reason, const std::string& why) {
  ERR_raise_data(ERR_LIB_PROV, reason, "%s", why.c_str());
}

// Runs `body`; an exception (std::bad_alloc in practice) becomes an OpenSSL error and
// `failure` is returned.
template <class R, class F>
R guarded(R failure, F&& body) noexcept {
  try {
    return body();
  } catch (const std::exception& e) {
    raise_error(ERR_R_INTERNAL_ERROR, std::string("stoqprov: ") + e.what());
  } catch (...) {
    raise_error(ERR_R_INTERNAL_ERROR, "stoqprov: unknown exception");
  }
  return failure;
}

// OSSL_DISPATCH entries take a generic function pointer.
template <class Fn>
inline void (*as_fn(Fn* f))(void) {
  return reinterpret_cast<void (*)(void)>(f);
}

}  // namespace stoq::provider
