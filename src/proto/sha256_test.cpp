// proto's SHA-256 comes from the library context it is given: a context without SHA-256
// is reported when fetching (an error, not an abort), and hashing after a successful
// fetch gives the standard digests, one-shot and incremental alike.
#include "proto/sha256.h"

#include <gtest/gtest.h>
#include <openssl/crypto.h>
#include <openssl/provider.h>

#include <string_view>

#include "proto/test_util.h"

namespace stoq::proto {
namespace {

std::span<const uint8_t> bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

constexpr std::string_view kAbc =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

TEST(Sha256Algorithm, AContextWithoutSha256IsAnErrorNotAnAbort) {
  OSSL_LIB_CTX* empty = OSSL_LIB_CTX_new();
  ASSERT_NE(empty, nullptr);
  // The null provider offers nothing and keeps the default one from loading implicitly.
  OSSL_PROVIDER* null_provider = OSSL_PROVIDER_load(empty, "null");
  ASSERT_NE(null_provider, nullptr);
  auto a = Sha256Algorithm::fetch(empty);
  EXPECT_EQ(a.code(), Error::kInternal);
  OSSL_PROVIDER_unload(null_provider);
  OSSL_LIB_CTX_free(empty);
}

TEST(Sha256Algorithm, OneShotAndIncrementalAgree) {
  const Sha256Algorithm& sha = test::test_sha256();
  EXPECT_EQ(test::hex(sha.digest(bytes("abc"))), kAbc);
  Sha256 h = sha.start();
  h.update(bytes("a"));
  h.update({});
  h.update(bytes("bc"));
  EXPECT_EQ(test::hex(h.finish()), kAbc);
  // finish() starts a new message with the same algorithm.
  h.update(bytes("abc"));
  EXPECT_EQ(test::hex(h.finish()), kAbc);
  // Copies share the fetched algorithm; a hasher outlives the object it came from.
  Sha256 later = [&] {
    Sha256Algorithm copy = sha;
    return copy.start();
  }();
  later.update(bytes("abc"));
  EXPECT_EQ(test::hex(later.finish()), kAbc);
}

}  // namespace
}  // namespace stoq::proto
