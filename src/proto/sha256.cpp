#include "proto/sha256.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace stoq::proto {
namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "stoq::proto: OpenSSL SHA-256 failed in %s\n", what);
  std::abort();
}

}  // namespace

Digest sha256(std::span<const uint8_t> data) {
  Digest out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 ||
      len != out.size())
    die("EVP_Digest");
  return out;
}

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) die("EVP_DigestInit_ex");
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
  if (!ctx_) {  // moved-from: start again rather than crash
    ctx_ = EVP_MD_CTX_new();
    if (!ctx_ || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) die("EVP_DigestInit_ex");
  }
  if (!data.empty() && EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1)
    die("EVP_DigestUpdate");
}

Digest Sha256::finish() {
  update({});
  Digest out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_, out.data(), &len) != 1 || len != out.size())
    die("EVP_DigestFinal_ex");
  if (EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) die("EVP_DigestInit_ex");
  return out;
}

}  // namespace stoq::proto
