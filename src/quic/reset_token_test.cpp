// Stateless reset tokens: deterministic per (secret, CID), different across either, and
// equal to AES-256-CBC with a zero IV over the same 32-byte block (the CBC-MAC computed
// an independent way). AES comes from the library context passed in, never from OpenSSL's
// default one.
#include "quic/reset_token.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include <array>
#include <span>
#include <vector>

namespace stoq::quic {
namespace {

using Token = std::array<uint8_t, ResetTokens::kTokenLength>;

// A library context of its own with the default provider, as a Context has.
class LibCtx {
 public:
  LibCtx() : ctx_(OSSL_LIB_CTX_new()), prov_(OSSL_PROVIDER_load(ctx_, "default")) {}
  ~LibCtx() {
    OSSL_PROVIDER_unload(prov_);
    OSSL_LIB_CTX_free(ctx_);
  }
  LibCtx(const LibCtx&) = delete;
  LibCtx& operator=(const LibCtx&) = delete;
  OSSL_LIB_CTX* get() const { return ctx_; }

 private:
  OSSL_LIB_CTX* ctx_;
  OSSL_PROVIDER* prov_;
};

Token token(ResetTokens& t, std::vector<uint8_t> cid) {
  Token out{};
  EXPECT_TRUE(t.generate(cid, out.data()));
  return out;
}

TEST(ResetTokensTest, DeterministicAndKeyedByCidAndSecret) {
  std::vector<uint8_t> a(32, 0x11), b(32, 0x11);
  b[31] ^= 1;
  LibCtx libctx;
  auto create = [&](std::span<const uint8_t> s) { return ResetTokens::create(libctx.get(), s); };
  auto ta = create(a), ta2 = create(a), tb = create(b);
  ASSERT_TRUE(ta && ta2 && tb);
  const std::vector<uint8_t> cid(18, 0x42);
  std::vector<uint8_t> other = cid;
  other[17] ^= 0x80;
  EXPECT_EQ(token(*ta, cid), token(*ta2, cid));  // a restarted endpoint agrees
  EXPECT_EQ(token(*ta, cid), token(*ta, cid));
  EXPECT_NE(token(*ta, cid), token(*ta, other));
  EXPECT_NE(token(*ta, cid), token(*tb, cid));
  // The length is part of the input: a CID and its zero-extended form differ.
  std::vector<uint8_t> longer = cid;
  longer.push_back(0);
  EXPECT_NE(token(*ta, cid), token(*ta, longer));
}

TEST(ResetTokensTest, MatchesAes256CbcWithZeroIv) {
  std::vector<uint8_t> secret(32);
  for (size_t i = 0; i < secret.size(); ++i) secret[i] = static_cast<uint8_t>(i * 7 + 3);
  LibCtx libctx;
  auto t = ResetTokens::create(libctx.get(), secret);
  ASSERT_TRUE(t);
  std::vector<uint8_t> cid(18);
  for (size_t i = 0; i < cid.size(); ++i) cid[i] = static_cast<uint8_t>(0xa0 + i);
  uint8_t block[32] = {};
  block[0] = 18;
  std::copy(cid.begin(), cid.end(), block + 1);
  uint8_t iv[16] = {}, cbc[32];
  int n = 0, m = 0;
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  ASSERT_EQ(EVP_EncryptInit_ex(c, EVP_aes_256_cbc(), nullptr, secret.data(), iv), 1);
  EVP_CIPHER_CTX_set_padding(c, 0);
  ASSERT_EQ(EVP_EncryptUpdate(c, cbc, &n, block, 32), 1);
  ASSERT_EQ(EVP_EncryptFinal_ex(c, cbc + n, &m), 1);
  EVP_CIPHER_CTX_free(c);
  ASSERT_EQ(n + m, 32);
  Token expected{};
  std::copy(cbc + 16, cbc + 32, expected.begin());
  EXPECT_EQ(token(*t, cid), expected);
}

TEST(ResetTokensTest, RejectsBadSecretAndOverlongCid) {
  LibCtx libctx;
  EXPECT_EQ(ResetTokens::create(libctx.get(), std::vector<uint8_t>(16, 1)), nullptr);
  auto t = ResetTokens::create(libctx.get(), std::vector<uint8_t>(32, 1));
  ASSERT_TRUE(t);
  uint8_t out[16];
  EXPECT_FALSE(t->generate(std::vector<uint8_t>(21, 0), out));
  EXPECT_TRUE(t->generate(std::vector<uint8_t>(20, 0), out));
  EXPECT_TRUE(t->generate({}, out));
}

// The cipher is fetched from the given context: one without any provider has no AES, so
// creation fails even though OpenSSL's default context would have it.
TEST(ResetTokensTest, UsesTheGivenLibraryContext) {
  OSSL_LIB_CTX* empty = OSSL_LIB_CTX_new();
  ASSERT_NE(empty, nullptr);
  OSSL_PROVIDER* null_provider = OSSL_PROVIDER_load(empty, "null");
  ASSERT_NE(null_provider, nullptr);
  EXPECT_EQ(ResetTokens::create(empty, std::vector<uint8_t>(32, 1)), nullptr);
  OSSL_PROVIDER_unload(null_provider);
  OSSL_LIB_CTX_free(empty);
  LibCtx with_default;
  EXPECT_NE(ResetTokens::create(with_default.get(), std::vector<uint8_t>(32, 1)), nullptr);
}

}  // namespace
}  // namespace stoq::quic
