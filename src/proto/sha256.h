// SHA-256, the only OpenSSL use in the proto layer, from an OpenSSL library context the
// caller passes in (the Context's, so no provider outside it is used).
//
// The algorithm is fetched once, by Sha256Algorithm::fetch, and that is where a missing
// SHA-256 is reported. After a successful fetch hashing cannot fail except when memory
// runs out, which is reported like every other allocation in proto: std::bad_alloc.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "proto/limits.h"
#include "proto/result.h"

typedef struct evp_md_st EVP_MD;
typedef struct evp_md_ctx_st EVP_MD_CTX;
typedef struct ossl_lib_ctx_st OSSL_LIB_CTX;

namespace stoq::proto {

using Digest = std::array<uint8_t, kSha256Size>;

class Sha256;

// SHA-256 fetched from one library context. Copies share the fetched algorithm; an object
// may be used from several threads at once (OpenSSL's EVP_MD is immutable once fetched).
class Sha256Algorithm {
 public:
  // Errors: kInternal when `libctx` has no SHA-256 (no provider offering it is loaded).
  // nullptr is OpenSSL's default context: only tests and tools should pass it.
  static Result<Sha256Algorithm> fetch(OSSL_LIB_CTX* libctx);
  ~Sha256Algorithm();
  Sha256Algorithm(const Sha256Algorithm& other);
  Sha256Algorithm& operator=(const Sha256Algorithm& other);

  // One-shot digest.
  Digest digest(std::span<const uint8_t> data) const;
  // An incremental digest, for payloads that arrive in pieces.
  Sha256 start() const;

 private:
  explicit Sha256Algorithm(EVP_MD* md) : md_(md) {}
  EVP_MD* md_;  // never null
};

// Incremental digest (Sha256Algorithm::start). Move-only; a moved-from object may only be
// destroyed or assigned to.
class Sha256 {
 public:
  ~Sha256();
  Sha256(Sha256&& other) noexcept;
  Sha256& operator=(Sha256&& other) noexcept;
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::span<const uint8_t> data);
  // Returns the digest and resets the object for a new message.
  Digest finish();

 private:
  friend class Sha256Algorithm;
  explicit Sha256(const EVP_MD* md);
  EVP_MD_CTX* ctx_ = nullptr;
};

}  // namespace stoq::proto
