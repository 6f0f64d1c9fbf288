// Key generation, signing and verification through the EVP API, per algorithm.
#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <string>
#include <vector>

#include "provider/algorithm.h"
#include "provider/test_libctx.h"

namespace stoq::provider {
namespace {

using Bytes = std::vector<unsigned char>;

class SignatureTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { ASSERT_TRUE(ctx_.ok()) << test::drain_errors(); }

  EVP_PKEY* generate() {
    EVP_PKEY* pkey = EVP_PKEY_Q_keygen(ctx_.get(), nullptr, GetParam().c_str());
    EXPECT_NE(pkey, nullptr) << test::drain_errors();
    return pkey;
  }

  Bytes sign(EVP_PKEY* pkey, const Bytes& msg) {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    Bytes sig;
    std::size_t len = 0;
    if (EVP_DigestSignInit_ex(md, nullptr, nullptr, ctx_.get(), nullptr, pkey, nullptr) == 1 &&
        EVP_DigestSign(md, nullptr, &len, msg.data(), msg.size()) == 1) {
      sig.resize(len);
      if (EVP_DigestSign(md, sig.data(), &len, msg.data(), msg.size()) == 1) {
        sig.resize(len);
      } else {
        sig.clear();
      }
    }
    EVP_MD_CTX_free(md);
    return sig;
  }

  bool verify(EVP_PKEY* pkey, const Bytes& msg, const Bytes& sig) {
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    const bool ok =
        EVP_DigestVerifyInit_ex(md, nullptr, nullptr, ctx_.get(), nullptr, pkey, nullptr) == 1 &&
        EVP_DigestVerify(md, sig.data(), sig.size(), msg.data(), msg.size()) == 1;
    EVP_MD_CTX_free(md);
    test::drain_errors();
    return ok;
  }

  const Algorithm& alg() const { return *find_algorithm(GetParam()); }

  test::LibCtx ctx_;
  const Bytes msg_ = Bytes{'s', 't', 'o', 'q', ' ', 'h', 'a', 'n', 'd', 's', 'h', 'a', 'k', 'e'};
};

TEST_P(SignatureTest, SignVerifyAndRejectTampering) {
  EVP_PKEY* pkey = generate();
  ASSERT_NE(pkey, nullptr);
  const Bytes sig = sign(pkey, msg_);
  ASSERT_FALSE(sig.empty()) << test::drain_errors();
  EXPECT_LE(sig.size(), max_signature_size(alg()));
  EXPECT_TRUE(verify(pkey, msg_, sig));

  Bytes other = msg_;
  other[0] ^= 1;
  EXPECT_FALSE(verify(pkey, other, sig)) << "another message";

  // A flipped bit anywhere in the Falcon signature (last byte: inside comp(s2)).
  Bytes bad = sig;
  bad.back() ^= 0x01;
  EXPECT_FALSE(verify(pkey, msg_, bad)) << "tampered Falcon part";
  const std::size_t pq_start = alg().is_hybrid() ? 4 + ((sig[2] << 8) | sig[3]) : 0;
  bad = sig;
  bad[pq_start + 5] ^= 0x10;
  EXPECT_FALSE(verify(pkey, msg_, bad)) << "tampered nonce";
  bad = sig;
  bad[pq_start] ^= 0x01;
  EXPECT_FALSE(verify(pkey, msg_, bad)) << "wrong Falcon header";
  bad = sig;
  bad.resize(sig.size() - 1);
  EXPECT_FALSE(verify(pkey, msg_, bad)) << "truncated";
  EXPECT_FALSE(verify(pkey, msg_, Bytes{})) << "empty";

  if (alg().is_hybrid()) {
    bad = sig;
    bad[10] ^= 0x01;  // inside the ECDSA signature
    EXPECT_FALSE(verify(pkey, msg_, bad)) << "tampered ECDSA part";
    bad = sig;
    bad[3] = 0xff;  // classical length beyond its maximum
    EXPECT_FALSE(verify(pkey, msg_, bad)) << "bad classical length";
  }

  EVP_PKEY* stranger = generate();
  ASSERT_NE(stranger, nullptr);
  EXPECT_FALSE(verify(stranger, msg_, sig)) << "another key";
  EVP_PKEY_free(stranger);
  EVP_PKEY_free(pkey);
}

TEST_P(SignatureTest, PlainSignAndVerifyOperations) {
  EVP_PKEY* pkey = generate();
  ASSERT_NE(pkey, nullptr);
  EVP_PKEY_CTX* sctx = EVP_PKEY_CTX_new_from_pkey(ctx_.get(), pkey, nullptr);
  ASSERT_EQ(EVP_PKEY_sign_init(sctx), 1) << test::drain_errors();
  std::size_t len = 0;
  ASSERT_EQ(EVP_PKEY_sign(sctx, nullptr, &len, msg_.data(), msg_.size()), 1);
  EXPECT_EQ(len, max_signature_size(alg()));
  Bytes sig(len);
  ASSERT_EQ(EVP_PKEY_sign(sctx, sig.data(), &len, msg_.data(), msg_.size()), 1)
      << test::drain_errors();
  sig.resize(len);
  EVP_PKEY_CTX_free(sctx);

  EVP_PKEY_CTX* vctx = EVP_PKEY_CTX_new_from_pkey(ctx_.get(), pkey, nullptr);
  ASSERT_EQ(EVP_PKEY_verify_init(vctx), 1);
  EXPECT_EQ(EVP_PKEY_verify(vctx, sig.data(), sig.size(), msg_.data(), msg_.size()), 1);
  sig[sig.size() / 2] ^= 0x40;
  EXPECT_NE(EVP_PKEY_verify(vctx, sig.data(), sig.size(), msg_.data(), msg_.size()), 1);
  EVP_PKEY_CTX_free(vctx);
  test::drain_errors();
  // Streaming digest-sign gives a signature the one-shot verify accepts.
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  ASSERT_EQ(EVP_DigestSignInit_ex(md, nullptr, nullptr, ctx_.get(), nullptr, pkey, nullptr), 1);
  ASSERT_EQ(EVP_DigestSignUpdate(md, msg_.data(), 4), 1);
  ASSERT_EQ(EVP_DigestSignUpdate(md, msg_.data() + 4, msg_.size() - 4), 1);
  len = 0;
  ASSERT_EQ(EVP_DigestSignFinal(md, nullptr, &len), 1);
  Bytes streamed(len);
  ASSERT_EQ(EVP_DigestSignFinal(md, streamed.data(), &len), 1) << test::drain_errors();
  streamed.resize(len);
  EVP_MD_CTX_free(md);
  EXPECT_TRUE(verify(pkey, msg_, streamed));
  EVP_PKEY_free(pkey);
}

TEST_P(SignatureTest, DigestIsRefused) {
  EVP_PKEY* pkey = generate();
  ASSERT_NE(pkey, nullptr);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EXPECT_NE(EVP_DigestSignInit_ex(md, nullptr, "SHA256", ctx_.get(), nullptr, pkey, nullptr), 1);
  const std::string errors = test::drain_errors();
  EXPECT_NE(errors.find("signs the message itself"), std::string::npos) << errors;
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(pkey);
}

TEST_P(SignatureTest, KeyParameters) {
  EVP_PKEY* pkey = generate();
  ASSERT_NE(pkey, nullptr);
  EXPECT_TRUE(EVP_PKEY_is_a(pkey, GetParam().c_str()));
  EXPECT_TRUE(EVP_PKEY_is_a(pkey, alg().oid));
  EXPECT_EQ(EVP_PKEY_get_security_bits(pkey), alg().security_bits);
  EXPECT_EQ(static_cast<std::size_t>(EVP_PKEY_get_size(pkey)), max_signature_size(alg()));
  EXPECT_EQ(static_cast<std::size_t>(EVP_PKEY_get_bits(pkey)), 8 * public_encoding_size(alg()));
  // No digest, and it is mandatory (2): OpenSSL reports the empty name as "UNDEF".
  char mdname[32] = "x";
  EXPECT_EQ(EVP_PKEY_get_default_digest_name(pkey, mdname, sizeof mdname), 2);
  EXPECT_STREQ(mdname, "UNDEF");
  EVP_PKEY_free(pkey);
}

TEST_P(SignatureTest, RawImportExport) {
  EVP_PKEY* pkey = generate();
  ASSERT_NE(pkey, nullptr);
  Bytes pub(8192), priv(8192);
  std::size_t pub_len = 0, priv_len = 0;
  ASSERT_EQ(EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, pub.data(), pub.size(),
                                            &pub_len),
            1);
  ASSERT_EQ(EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, priv.data(),
                                            priv.size(), &priv_len),
            1);
  pub.resize(pub_len);
  priv.resize(priv_len);
  EXPECT_EQ(pub.size(), public_encoding_size(alg()));

  auto import = [&](const Bytes* pub_bytes, const Bytes* priv_bytes, int selection) {
    EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(ctx_.get(), GetParam().c_str(), nullptr);
    std::vector<OSSL_PARAM> params;
    if (pub_bytes != nullptr) {
      params.push_back(OSSL_PARAM_construct_octet_string(
          OSSL_PKEY_PARAM_PUB_KEY, const_cast<unsigned char*>(pub_bytes->data()),
          pub_bytes->size()));
    }
    if (priv_bytes != nullptr) {
      params.push_back(OSSL_PARAM_construct_octet_string(
          OSSL_PKEY_PARAM_PRIV_KEY, const_cast<unsigned char*>(priv_bytes->data()),
          priv_bytes->size()));
    }
    params.push_back(OSSL_PARAM_construct_end());
    EVP_PKEY* out = nullptr;
    if (EVP_PKEY_fromdata_init(pctx) != 1 ||
        EVP_PKEY_fromdata(pctx, &out, selection, params.data()) != 1) {
      out = nullptr;
    }
    EVP_PKEY_CTX_free(pctx);
    return out;
  };

  EVP_PKEY* pub_only = import(&pub, nullptr, EVP_PKEY_PUBLIC_KEY);
  ASSERT_NE(pub_only, nullptr) << test::drain_errors();
  EXPECT_EQ(EVP_PKEY_eq(pkey, pub_only), 1);
  EVP_PKEY* priv_only = import(nullptr, &priv, EVP_PKEY_KEYPAIR);
  ASSERT_NE(priv_only, nullptr) << test::drain_errors();
  EXPECT_EQ(EVP_PKEY_eq(pkey, priv_only), 1);
  // A signature by the re-imported private key verifies with the re-imported public key.
  EXPECT_TRUE(verify(pub_only, msg_, sign(priv_only, msg_)));
  EXPECT_TRUE(verify(pkey, msg_, sign(priv_only, msg_)));
  EVP_PKEY* dup = EVP_PKEY_dup(priv_only);
  ASSERT_NE(dup, nullptr);
  EXPECT_TRUE(verify(pkey, msg_, sign(dup, msg_)));
  EVP_PKEY_free(dup);

  // A public key that does not belong to the private key is refused.
  EVP_PKEY* other = generate();
  Bytes other_pub(8192);
  std::size_t other_len = 0;
  ASSERT_EQ(EVP_PKEY_get_octet_string_param(other, OSSL_PKEY_PARAM_PUB_KEY, other_pub.data(),
                                            other_pub.size(), &other_len),
            1);
  other_pub.resize(other_len);
  EXPECT_EQ(import(&other_pub, &priv, EVP_PKEY_KEYPAIR), nullptr);
  EXPECT_EQ(EVP_PKEY_eq(pkey, other), 0);
  // Wrong lengths and corrupted encodings are refused.
  Bytes short_pub(pub.begin(), pub.end() - 1);
  EXPECT_EQ(import(&short_pub, nullptr, EVP_PKEY_PUBLIC_KEY), nullptr);
  Bytes bad_header = pub;
  bad_header[alg().is_hybrid() ? 4 + alg().classical_public_size : 0] ^= 0x01;
  EXPECT_EQ(import(&bad_header, nullptr, EVP_PKEY_PUBLIC_KEY), nullptr);
  const std::string errors = test::drain_errors();
  EXPECT_NE(errors.find(GetParam()), std::string::npos) << errors;

  EVP_PKEY_free(other);
  EVP_PKEY_free(priv_only);
  EVP_PKEY_free(pub_only);
  EVP_PKEY_free(pkey);
}

INSTANTIATE_TEST_SUITE_P(AllAlgorithms, SignatureTest, ::testing::ValuesIn(test::algorithm_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace stoq::provider
