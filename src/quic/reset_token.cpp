#include "quic/reset_token.h"

#include <openssl/evp.h>

#include <cstring>

namespace stoq::quic {

std::unique_ptr<ResetTokens> ResetTokens::create(OSSL_LIB_CTX* libctx,
                                                 std::span<const uint8_t> secret) {
  if (secret.size() != 32) return nullptr;
  std::unique_ptr<ResetTokens> t(new ResetTokens());
  t->ctx_ = EVP_CIPHER_CTX_new();
  if (t->ctx_ == nullptr) return nullptr;
  EVP_CIPHER* aes = EVP_CIPHER_fetch(libctx, "AES-256-ECB", nullptr);
  const bool ok = aes != nullptr &&
                  EVP_EncryptInit_ex2(t->ctx_, aes, secret.data(), nullptr, nullptr) == 1 &&
                  EVP_CIPHER_CTX_set_padding(t->ctx_, 0) == 1;
  EVP_CIPHER_free(aes);
  if (!ok) return nullptr;
  return t;
}

ResetTokens::~ResetTokens() {
  EVP_CIPHER_CTX_free(ctx_);
}

bool ResetTokens::generate(std::span<const uint8_t> cid, uint8_t* out) {
  constexpr size_t kMaxCid = 20;
  if (cid.size() > kMaxCid) return false;
  uint8_t block[32] = {};
  block[0] = static_cast<uint8_t>(cid.size());
  if (!cid.empty()) std::memcpy(block + 1, cid.data(), cid.size());
  uint8_t chain[16];
  int n = 0;
  if (EVP_EncryptUpdate(ctx_, chain, &n, block, 16) != 1 || n != 16) return false;
  for (size_t i = 0; i < 16; ++i) chain[i] ^= block[16 + i];
  if (EVP_EncryptUpdate(ctx_, out, &n, chain, 16) != 1 || n != 16) return false;
  return true;
}

}  // namespace stoq::quic
