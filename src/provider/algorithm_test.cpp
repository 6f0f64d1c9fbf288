// The algorithm table and how libssl sees the TLS-SIGALG capability.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>

#include <cstring>

#include "provider/algorithm.h"
#include "provider/test_libctx.h"

namespace stoq::provider {
namespace {

TEST(ProviderAlgorithms, OqsIdentifiers) {
  ASSERT_EQ(algorithms().size(), kAlgorithmCount);
  EXPECT_EQ(algorithms()[kFalcon512].code_point, 0xfed7);
  EXPECT_EQ(algorithms()[kP256Falcon512].code_point, 0xfed8);
  EXPECT_EQ(algorithms()[kFalcon1024].code_point, 0xfeda);
  EXPECT_EQ(algorithms()[kP521Falcon1024].code_point, 0xfedb);
  EXPECT_STREQ(algorithms()[kFalcon1024].oid, "1.3.9999.3.14");
  EXPECT_EQ(find_algorithm("FALCON1024"), &algorithms()[kFalcon1024]);
  EXPECT_EQ(find_algorithm("falcon2048"), nullptr);
}

TEST(ProviderAlgorithms, OidBytesMatchDottedForm) {
  test::LibCtx ctx;
  ASSERT_TRUE(ctx.ok()) << test::drain_errors();
  for (const auto& a : algorithms()) {
    ASN1_OBJECT* obj = OBJ_txt2obj(a.oid, 1);
    ASSERT_NE(obj, nullptr);
    const auto len = static_cast<std::size_t>(OBJ_length(obj));
    ASSERT_EQ(len, a.oid_der.size()) << a.name;
    EXPECT_EQ(0, std::memcmp(OBJ_get0_data(obj), a.oid_der.data(), len)) << a.name;
    EXPECT_EQ(find_algorithm_by_oid(a.oid_der), &a);
    // The provider registered the OID under the algorithm's name.
    EXPECT_STREQ(OBJ_nid2sn(OBJ_obj2nid(obj)), std::string(a.name).c_str());
    ASN1_OBJECT_free(obj);
  }
}

TEST(ProviderAlgorithms, LibsslAcceptsTheSigalgs) {
  test::LibCtx ctx;
  ASSERT_TRUE(ctx.ok()) << test::drain_errors();
  SSL_CTX* ssl_ctx = SSL_CTX_new_ex(ctx.get(), nullptr, TLS_method());
  ASSERT_NE(ssl_ctx, nullptr) << test::drain_errors();
  for (const auto& a : algorithms()) {
    EXPECT_EQ(SSL_CTX_set1_sigalgs_list(ssl_ctx, std::string(a.name).c_str()), 1)
        << a.name << ": " << test::drain_errors();
  }
  EXPECT_EQ(SSL_CTX_set1_sigalgs_list(ssl_ctx, "falcon1024:p521_falcon1024:mldsa87:ed25519"), 1);
  EXPECT_NE(SSL_CTX_set1_sigalgs_list(ssl_ctx, "falcon2048"), 1);
  test::drain_errors();
  SSL_CTX_free(ssl_ctx);
}

TEST(ProviderAlgorithms, WithoutTheProviderTheSigalgIsUnknown) {
  OSSL_LIB_CTX* libctx = OSSL_LIB_CTX_new();
  OSSL_PROVIDER* def = OSSL_PROVIDER_load(libctx, "default");
  ASSERT_NE(def, nullptr);
  SSL_CTX* ssl_ctx = SSL_CTX_new_ex(libctx, nullptr, TLS_method());
  ASSERT_NE(ssl_ctx, nullptr);
  EXPECT_NE(SSL_CTX_set1_sigalgs_list(ssl_ctx, "falcon1024"), 1);
  test::drain_errors();
  SSL_CTX_free(ssl_ctx);
  OSSL_PROVIDER_unload(def);
  OSSL_LIB_CTX_free(libctx);
}

}  // namespace
}  // namespace stoq::provider
