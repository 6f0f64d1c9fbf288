// The Context owns everything that would otherwise be process-global: the OpenSSL library
// context (with the providers STOQ needs loaded into it: OpenSSL's default provider and
// STOQ's own "stoqprov" with Falcon and hybrid signatures, docs/pq-auth.md) and the log
// callback.
//
// Threading: a Context is immutable after creation and may be shared by endpoints on
// different threads. Keep it alive (it is reference-counted) as long as any endpoint uses it.
#pragma once

#include <memory>
#include <string>

#include "stoq/error.h"
#include "stoq/log.h"

typedef struct ossl_lib_ctx_st OSSL_LIB_CTX;
typedef struct ossl_provider_st OSSL_PROVIDER;

namespace stoq {

struct ContextOptions {
  LogCallback log;  // empty: no logging
  LogLevel log_level = LogLevel::kWarn;
};

class Context {
 public:
  // Fails with Errc::kUnsupported when the process was linked against OpenSSL < 3.5 at run
  // time (e.g. Debian 12's libssl3 picked up instead of the project prefix).
  static Result<std::shared_ptr<Context>> create(ContextOptions options = {});
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  OSSL_LIB_CTX* libctx() const noexcept { return libctx_; }
  bool log_enabled(LogLevel level) const noexcept {
    return static_cast<bool>(options_.log) && level <= options_.log_level;
  }
  void log(LogLevel level, std::string_view message) const;
  // "OpenSSL 3.6.3 9 Jun 2026, ngtcp2 1.24.0"
  std::string library_versions() const;

 private:
  Context(ContextOptions options, OSSL_LIB_CTX* libctx, OSSL_PROVIDER* default_provider,
          OSSL_PROVIDER* stoq_provider) noexcept;
  ContextOptions options_;
  OSSL_LIB_CTX* libctx_;
  OSSL_PROVIDER* default_provider_;
  OSSL_PROVIDER* stoq_provider_;
};

}  // namespace stoq
