// X.509 with Falcon and hybrid keys: a CA signs a leaf, OpenSSL's verifier accepts the
// chain and refuses tampered certificates and foreign issuers.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <string>
#include <tuple>
#include <vector>

#include "provider/algorithm.h"
#include "provider/test_libctx.h"

namespace stoq::provider {
namespace {

using Bytes = std::vector<unsigned char>;

class X509Test : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {
 protected:
  void SetUp() override { ASSERT_TRUE(ctx_.ok()) << test::drain_errors(); }

  EVP_PKEY* key(const std::string& alg) {
    EVP_PKEY* k = EVP_PKEY_Q_keygen(ctx_.get(), nullptr, alg.c_str());
    EXPECT_NE(k, nullptr) << test::drain_errors();
    return k;
  }

  // A certificate for `subject_key`, signed by `issuer_key` (self-signed when the issuer
  // certificate is null).
  X509* certificate(const char* cn, EVP_PKEY* subject_key, X509* issuer, EVP_PKEY* issuer_key,
                    bool ca) {
    X509* x = X509_new_ex(ctx_.get(), nullptr);
    X509_set_version(x, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial_++);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                               -1, -1, 0);
    X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer) : name);
    EXPECT_EQ(X509_set_pubkey(x, subject_key), 1) << test::drain_errors();
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer != nullptr ? issuer : x, x, nullptr, nullptr, 0);
    X509_EXTENSION* bc = X509V3_EXT_conf_nid(nullptr, &v3, NID_basic_constraints,
                                             ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    X509_add_ext(x, bc, -1);
    X509_EXTENSION_free(bc);
    if (ca) {
      X509_EXTENSION* ku =
          X509V3_EXT_conf_nid(nullptr, &v3, NID_key_usage, "critical,keyCertSign,cRLSign");
      X509_add_ext(x, ku, -1);
      X509_EXTENSION_free(ku);
    }
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    EXPECT_EQ(EVP_DigestSignInit_ex(md, nullptr, nullptr, ctx_.get(), nullptr, issuer_key, nullptr),
              1)
        << test::drain_errors();
    EXPECT_GT(X509_sign_ctx(x, md), 0) << test::drain_errors();
    EVP_MD_CTX_free(md);
    return x;
  }

  int verify(X509* leaf, X509* trusted) {
    X509_STORE* store = X509_STORE_new();
    X509_STORE_add_cert(store, trusted);
    X509_STORE_CTX* sctx = X509_STORE_CTX_new_ex(ctx_.get(), nullptr);
    X509_STORE_CTX_init(sctx, store, leaf, nullptr);
    const int ok = X509_verify_cert(sctx);
    last_error_ = X509_STORE_CTX_get_error(sctx);
    X509_STORE_CTX_free(sctx);
    X509_STORE_free(store);
    test::drain_errors();
    return ok;
  }

  test::LibCtx ctx_;
  long serial_ = 1;
  int last_error_ = 0;
};

TEST_P(X509Test, CaSignsLeafAndVerifierChecksIt) {
  const auto& [ca_alg, leaf_alg] = GetParam();
  EVP_PKEY* ca_key = key(ca_alg);
  EVP_PKEY* leaf_key = key(leaf_alg);
  ASSERT_NE(ca_key, nullptr);
  ASSERT_NE(leaf_key, nullptr);
  X509* ca = certificate("STOQ test CA", ca_key, nullptr, ca_key, true);
  X509* leaf = certificate("leaf", leaf_key, ca, ca_key, false);

  // The signature algorithm is the CA key's OID (no parameters).
  const X509_ALGOR* sig_alg = nullptr;
  X509_get0_signature(nullptr, &sig_alg, leaf);
  const ASN1_OBJECT* oid = nullptr;
  int param_type = 0;
  X509_ALGOR_get0(&oid, &param_type, nullptr, sig_alg);
  char txt[64];
  OBJ_obj2txt(txt, sizeof txt, oid, 1);
  EXPECT_STREQ(txt, find_algorithm(ca_alg)->oid);
  EXPECT_EQ(param_type, V_ASN1_UNDEF);

  EXPECT_EQ(X509_verify(leaf, ca_key), 1) << test::drain_errors();
  EXPECT_EQ(verify(leaf, ca), 1) << X509_verify_cert_error_string(last_error_);

  // The leaf's public key decodes back to the same key.
  EVP_PKEY* from_cert = X509_get0_pubkey(leaf);
  ASSERT_NE(from_cert, nullptr);
  EXPECT_EQ(EVP_PKEY_eq(from_cert, leaf_key), 1);

  // Round trip through DER keeps the certificate verifiable.
  unsigned char* der = nullptr;
  const int len = i2d_X509(leaf, &der);
  ASSERT_GT(len, 0);
  X509* reparsed = X509_new_ex(ctx_.get(), nullptr);
  const unsigned char* p = der;
  ASSERT_NE(d2i_X509(&reparsed, &p, len), nullptr) << test::drain_errors();
  EXPECT_EQ(verify(reparsed, ca), 1) << X509_verify_cert_error_string(last_error_);

  // A tampered certificate body (one byte of the subject's public key) is refused.
  Bytes tampered(der, der + len);
  OPENSSL_free(der);
  tampered[len / 2] ^= 0x01;
  p = tampered.data();
  X509* bad = X509_new_ex(ctx_.get(), nullptr);
  if (d2i_X509(&bad, &p, len) != nullptr) {
    EXPECT_NE(verify(bad, ca), 1);
  }
  X509_free(bad);

  // A leaf whose issuer name matches but whose signature comes from another CA key.
  EVP_PKEY* rogue_key = key(ca_alg);
  X509* forged = certificate("leaf", leaf_key, ca, rogue_key, false);
  EXPECT_NE(verify(forged, ca), 1);
  EXPECT_EQ(last_error_, X509_V_ERR_CERT_SIGNATURE_FAILURE)
      << X509_verify_cert_error_string(last_error_);

  X509_free(forged);
  EVP_PKEY_free(rogue_key);
  X509_free(reparsed);
  X509_free(leaf);
  X509_free(ca);
  EVP_PKEY_free(leaf_key);
  EVP_PKEY_free(ca_key);
}

INSTANTIATE_TEST_SUITE_P(Chains, X509Test,
                         ::testing::Values(std::make_tuple("falcon1024", "falcon1024"),
                                           std::make_tuple("falcon512", "falcon512"),
                                           std::make_tuple("p521_falcon1024", "p521_falcon1024"),
                                           std::make_tuple("p256_falcon512", "falcon1024"),
                                           std::make_tuple("falcon1024", "ED25519")),
                         [](const auto& info) {
                           return std::get<0>(info.param) + "_signs_" + std::get<1>(info.param);
                         });

}  // namespace
}  // namespace stoq::provider
