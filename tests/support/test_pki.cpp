#include "test_pki.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>

namespace stoq::testing {

TestPki::~TestPki() {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

std::shared_ptr<Context> test_context() {
  ContextOptions o;
  if (std::getenv("STOQ_TEST_LOG") != nullptr) {
    o.log_level = LogLevel::kDebug;
    o.log = [](LogLevel l, std::string_view m) {
      std::fprintf(stderr, "[%s] %.*s\n", std::string(to_string(l)).c_str(),
                   static_cast<int>(m.size()), m.data());
    };
  }
  auto c = Context::create(o);
  EXPECT_TRUE(c.ok()) << c.message();
  return c ? *c : nullptr;
}

std::unique_ptr<TestPki> make_test_pki(const Context& ctx, KeyType type) {
  auto pki = std::make_unique<TestPki>();
  std::string tmpl = (std::filesystem::temp_directory_path() / "stoq-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return nullptr;
  }
  pki->dir = tmpl;
  CertRequest ca_req;
  ca_req.key_type = type;
  ca_req.is_ca = true;
  ca_req.common_name = "test CA";
  auto ca = make_certificate(ctx, ca_req, nullptr);
  auto other = make_certificate(ctx, ca_req, nullptr);
  CertRequest leaf_req;
  leaf_req.key_type = type;
  leaf_req.common_name = "localhost";
  leaf_req.dns_names = {"localhost"};
  leaf_req.ip_addresses = {"127.0.0.1", "::1"};
  auto leaf = make_certificate(ctx, leaf_req, ca ? &*ca : nullptr);
  leaf_req.not_before = -std::chrono::hours(48);
  leaf_req.not_after = -std::chrono::hours(24);
  auto expired = make_certificate(ctx, leaf_req, ca ? &*ca : nullptr);
  if (!ca || !other || !leaf || !expired) {
    ADD_FAILURE() << "certificate generation failed: " << leaf.message() << ca.message();
    return nullptr;
  }
  const std::string d = pki->dir + "/";
  pki->ca_file = d + "ca.pem";
  pki->chain_file = d + "chain.pem";
  pki->key_file = d + "key.pem";
  pki->expired_chain_file = d + "expired.pem";
  pki->expired_key_file = d + "expired.key";
  pki->other_ca_file = d + "other-ca.pem";
  bool ok =
      write_file(pki->ca_file, ca->certificate, false).ok() &&
      write_file(pki->chain_file, leaf->certificate + ca->certificate, false).ok() &&
      write_file(pki->key_file, leaf->private_key, true).ok() &&
      write_file(pki->expired_chain_file, expired->certificate + ca->certificate, false).ok() &&
      write_file(pki->expired_key_file, expired->private_key, true).ok() &&
      write_file(pki->other_ca_file, other->certificate, false).ok();
  auto pin = spki_pin(ctx, leaf->certificate);
  if (!ok || !pin) {
    ADD_FAILURE() << "writing the test PKI failed";
    return nullptr;
  }
  pki->leaf_pin = *pin;
  return pki;
}

}  // namespace stoq::testing
