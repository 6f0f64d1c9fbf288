// Test helper: a library context with OpenSSL's default provider and the STOQ provider
// built in, as src/runtime/context.cpp sets it up. Tests use the public EVP API only.
#pragma once

#include <gtest/gtest.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/provider.h>

#include <string>
#include <vector>

#include "provider/algorithm.h"
#include "provider/stoq_provider.h"

namespace stoq::provider::test {

class LibCtx {
 public:
  LibCtx() {
    libctx_ = OSSL_LIB_CTX_new();
    default_ = OSSL_PROVIDER_load(libctx_, "default");
    if (OSSL_PROVIDER_add_builtin(libctx_, kProviderName, stoq_provider_init) == 1) {
      stoq_ = OSSL_PROVIDER_load(libctx_, kProviderName);
    }
  }
  ~LibCtx() {
    OSSL_PROVIDER_unload(stoq_);
    OSSL_PROVIDER_unload(default_);
    OSSL_LIB_CTX_free(libctx_);
  }
  LibCtx(const LibCtx&) = delete;
  LibCtx& operator=(const LibCtx&) = delete;

  bool ok() const { return libctx_ != nullptr && default_ != nullptr && stoq_ != nullptr; }
  OSSL_LIB_CTX* get() const { return libctx_; }

 private:
  OSSL_LIB_CTX* libctx_ = nullptr;
  OSSL_PROVIDER* default_ = nullptr;
  OSSL_PROVIDER* stoq_ = nullptr;
};

// All of OpenSSL's queued error text (and clears the queue).
inline std::string drain_errors() {
  std::string out;
  unsigned long e;
  const char* data = nullptr;
  int flags = 0;
  while ((e = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags)) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += buf;
    if ((flags & ERR_TXT_STRING) != 0 && data != nullptr) out += std::string(" (") + data + ")";
    out += "\n";
  }
  return out;
}

inline std::vector<std::string> algorithm_names() {
  std::vector<std::string> v;
  for (const auto& a : algorithms()) v.emplace_back(a.name);
  return v;
}

}  // namespace stoq::provider::test
