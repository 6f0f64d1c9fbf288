#include "proto/sha256.h"

#include <openssl/evp.h>

#include <new>
#include <utility>

namespace stoq::proto {
namespace {

// With SHA-256 fetched, an EVP digest call fails only when OpenSSL cannot allocate its
// context; report that as the allocation failure it is.
void check(int rc) {
  if (rc != 1) throw std::bad_alloc();
}

}  // namespace

Result<Sha256Algorithm> Sha256Algorithm::fetch(OSSL_LIB_CTX* libctx) {
  EVP_MD* md = EVP_MD_fetch(libctx, "SHA2-256", nullptr);
  if (md == nullptr)
    return violation(Error::kInternal, "SHA-256 is not available in the OpenSSL library context");
  return Sha256Algorithm(md);
}

Sha256Algorithm::~Sha256Algorithm() {
  EVP_MD_free(md_);
}

Sha256Algorithm::Sha256Algorithm(const Sha256Algorithm& other) : md_(other.md_) {
  check(EVP_MD_up_ref(md_));
}

Sha256Algorithm& Sha256Algorithm::operator=(const Sha256Algorithm& other) {
  if (this != &other) {
    check(EVP_MD_up_ref(other.md_));
    EVP_MD_free(md_);
    md_ = other.md_;
  }
  return *this;
}

Digest Sha256Algorithm::digest(std::span<const uint8_t> data) const {
  Digest out{};
  unsigned int len = 0;
  check(EVP_Digest(data.data(), data.size(), out.data(), &len, md_, nullptr));
  return out;
}

Sha256 Sha256Algorithm::start() const {
  return Sha256(md_);
}

Sha256::Sha256(const EVP_MD* md) : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) throw std::bad_alloc();
  check(EVP_DigestInit_ex2(ctx_, md, nullptr));
}

Sha256::~Sha256() {
  EVP_MD_CTX_free(ctx_);
}

Sha256::Sha256(Sha256&& other) noexcept : ctx_(std::exchange(other.ctx_, nullptr)) {}

Sha256& Sha256::operator=(Sha256&& other) noexcept {
  if (this != &other) {
    EVP_MD_CTX_free(ctx_);
    ctx_ = std::exchange(other.ctx_, nullptr);
  }
  return *this;
}

void Sha256::update(std::span<const uint8_t> data) {
  if (!data.empty()) check(EVP_DigestUpdate(ctx_, data.data(), data.size()));
}

Digest Sha256::finish() {
  Digest out{};
  unsigned int len = 0;
  check(EVP_DigestFinal_ex(ctx_, out.data(), &len));
  // Same algorithm again (NULL type): reuses the provider context, no allocation.
  check(EVP_DigestInit_ex2(ctx_, nullptr, nullptr));
  return out;
}

}  // namespace stoq::proto
