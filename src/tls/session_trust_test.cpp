#include "tls/session_trust.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "quic/session_ticket.h"
#include "test_pki.h"
#include "tls/spki.h"

namespace stoq::tls {
namespace {

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

X509Ptr first_cert(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return nullptr;
  X509Ptr x(PEM_read_X509(f, nullptr, nullptr, nullptr));
  std::fclose(f);
  return x;
}

class SessionTrustTest : public testing::PkiTest {};

TrustDigest digest_of(const TlsConfig& c) {
  auto d = trust_digest(c);
  EXPECT_TRUE(d.ok()) << d.message();
  return d.ok() ? d.value() : TrustDigest{};
}

TEST_F(SessionTrustTest, TheDigestChangesWithEverySettingThatDecidesTrust) {
  TlsConfig base;
  base.ca_file = pki_->ca_file;
  auto d0 = trust_digest(base);
  ASSERT_TRUE(d0.ok()) << d0.message();
  EXPECT_EQ(digest_of(base), *d0);

  std::vector<TlsConfig> variants(6, base);
  variants[0].spki_pins = {pki_->leaf_pin};
  variants[1].ca_file = pki_->other_ca_file;
  variants[2].auth = AuthPolicy::kPqRequired;
  variants[3].server_name = "example.org";
  variants[4].kex = KexPolicy::kClassical;
  variants[5].ca_file.clear();
  variants[5].insecure = true;
  for (const auto& v : variants) {
    auto d = trust_digest(v);
    ASSERT_TRUE(d.ok()) << d.message();
    EXPECT_NE(*d, *d0);
  }
  // The CA file's contents count, not its name.
  const std::string copy = pki_->dir + "/ca-copy.pem";
  {
    std::ifstream in(pki_->other_ca_file, std::ios::binary);
    std::ofstream out(copy, std::ios::binary);
    out << in.rdbuf();
  }
  TlsConfig renamed = base;
  renamed.ca_file = copy;
  EXPECT_EQ(digest_of(renamed), digest_of(variants[1]));
  // Pins compare normalised and in any order.
  TlsConfig upper = variants[0];
  for (auto& c : upper.spki_pins[0]) c = static_cast<char>(std::toupper(c));
  EXPECT_EQ(digest_of(upper), digest_of(variants[0]));

  TlsConfig missing = base;
  missing.ca_file = pki_->dir + "/does-not-exist.pem";
  auto bad = trust_digest(missing);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), make_error_code(Errc::kIoError));
}

TEST_F(SessionTrustTest, TheBindingDependsOnThePeerName) {
  auto d = trust_digest(TlsConfig{});
  ASSERT_TRUE(d.ok());
  EXPECT_NE(ticket_binding(*d, "localhost"), ticket_binding(*d, "127.0.0.1"));
  EXPECT_EQ(ticket_binding(*d, "localhost"), ticket_binding(*d, "localhost"));
}

// The SPKI pin is hashed in the library context passed in, never in OpenSSL's default
// one: a context whose only provider is the null provider cannot hash at all.
TEST_F(SessionTrustTest, APinIsHashedInTheGivenLibraryContext) {
  X509Ptr leaf = first_cert(pki_->chain_file);
  ASSERT_TRUE(leaf);
  EXPECT_EQ(spki_sha256_hex(ctx_->libctx(), leaf.get()), pki_->leaf_pin);
  OSSL_LIB_CTX* empty = OSSL_LIB_CTX_new();
  ASSERT_NE(empty, nullptr);
  OSSL_PROVIDER* null_provider = OSSL_PROVIDER_load(empty, "null");
  ASSERT_NE(null_provider, nullptr);
  EXPECT_EQ(spki_sha256_hex(empty, leaf.get()), "");
  OSSL_PROVIDER_unload(null_provider);
  OSSL_LIB_CTX_free(empty);
}

TEST_F(SessionTrustTest, AResumedServerCertificateIsCheckedAgainstPinsNamePolicyAndValidity) {
  X509Ptr leaf = first_cert(pki_->chain_file);
  ASSERT_TRUE(leaf);
  TlsConfig cfg;
  EXPECT_EQ(check_resumed_server(ctx_->libctx(), cfg, {}, leaf.get(), "localhost"), "");
  EXPECT_EQ(check_resumed_server(ctx_->libctx(), cfg, {}, leaf.get(), "127.0.0.1"), "");
  EXPECT_NE(check_resumed_server(ctx_->libctx(), cfg, {}, leaf.get(), "other.example"), "");
  EXPECT_NE(check_resumed_server(ctx_->libctx(), cfg, {}, leaf.get(), "10.1.2.3"), "");
  EXPECT_EQ(check_resumed_server(ctx_->libctx(), cfg, {pki_->leaf_pin}, leaf.get(), "localhost"),
            "");
  EXPECT_NE(
      check_resumed_server(ctx_->libctx(), cfg, {std::string(64, 'a')}, leaf.get(), "localhost")
          .find("matches no configured pin"),
      std::string::npos);
  TlsConfig pq;
  pq.auth = AuthPolicy::kPqRequired;
  EXPECT_NE(
      check_resumed_server(ctx_->libctx(), pq, {}, leaf.get(), "localhost").find("pq-required"),
      std::string::npos);
  EXPECT_NE(check_resumed_server(ctx_->libctx(), cfg, {}, nullptr, "localhost"), "");
  X509Ptr expired = first_cert(pki_->expired_chain_file);
  ASSERT_TRUE(expired);
  EXPECT_NE(
      check_resumed_server(ctx_->libctx(), cfg, {}, expired.get(), "localhost").find("expired"),
      std::string::npos);
}

TEST(SessionTicketFormat, CarriesItsTrustBindingAndRefusesTicketsWithoutOne) {
  quic::SessionTicket t;
  t.tls_session = {1, 2, 3};
  t.transport_params = {4, 5};
  t.trust_binding.fill(0xab);
  const auto bytes = quic::encode_session_ticket(t);
  auto back = quic::decode_session_ticket(bytes);
  ASSERT_TRUE(back.ok()) << back.message();
  EXPECT_EQ(back->trust_binding, t.trust_binding);
  EXPECT_EQ(back->tls_session, t.tls_session);
  // The format without a binding (session | params) is refused, as is a short binding.
  const std::vector<uint8_t> unbound = {0, 3, 1, 2, 3, 0, 2, 4, 5};
  EXPECT_FALSE(quic::decode_session_ticket(unbound).ok());
  std::vector<uint8_t> short_binding = unbound;
  short_binding.insert(short_binding.end(), {0, 1, 0xab});
  EXPECT_FALSE(quic::decode_session_ticket(short_binding).ok());
}

}  // namespace
}  // namespace stoq::tls
