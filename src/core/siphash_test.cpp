#include "core/siphash.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <vector>

namespace stoq::detail {
namespace {

SipHashKey counting_key() {
  SipHashKey k{};
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(i);
  return k;
}

std::vector<uint8_t> counting_message(size_t n) {
  std::vector<uint8_t> m(n);
  for (size_t i = 0; i < n; ++i) m[i] = static_cast<uint8_t>(i);
  return m;
}

// The example in appendix A of the SipHash paper: key 00..0f, message 00..0e.
TEST(SipHash, PaperAppendixVector) {
  EXPECT_EQ(siphash24(counting_key(), counting_message(15)), 0xa129ca6149be45e5ull);
}

// The first entries of the reference implementation's vector table (key 00..0f, message
// 00..len-1), as 64-bit values.
TEST(SipHash, ReferenceTableVectors) {
  const uint64_t want[] = {0x726fdb47dd0e0e31ull, 0x74f839c593dc67fdull, 0x0d6c8009d9a94f5aull,
                           0x85676696d7fb7e2dull};
  for (size_t len = 0; len < std::size(want); ++len) {
    EXPECT_EQ(siphash24(counting_key(), counting_message(len)), want[len]) << "length " << len;
  }
}

// Every length 0..63 (all tail sizes, several blocks) against OpenSSL's SipHash-2-4 MAC.
TEST(SipHash, MatchesOpenSslForEveryTailLength) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "SIPHASH", nullptr);
  ASSERT_NE(mac, nullptr);
  const SipHashKey key = counting_key();
  for (size_t len = 0; len < 64; ++len) {
    const auto msg = counting_message(len);
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    ASSERT_NE(ctx, nullptr);
    size_t out_size = 8;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &out_size),
                           OSSL_PARAM_construct_end()};
    ASSERT_EQ(EVP_MAC_init(ctx, key.data(), key.size(), params), 1);
    ASSERT_EQ(EVP_MAC_update(ctx, msg.data(), msg.size()), 1);
    uint8_t out[8];
    size_t n = 0;
    ASSERT_EQ(EVP_MAC_final(ctx, out, &n, sizeof(out)), 1);
    ASSERT_EQ(n, 8u);
    EVP_MAC_CTX_free(ctx);
    uint64_t want = 0;
    for (int i = 7; i >= 0; --i) want = (want << 8) | out[i];
    EXPECT_EQ(siphash24(key, msg), want) << "length " << len;
  }
  EVP_MAC_free(mac);
}

TEST(SipHash, KeyChangesTheHash) {
  SipHashKey other = counting_key();
  other[15] ^= 1;
  const auto msg = counting_message(18);
  EXPECT_NE(siphash24(counting_key(), msg), siphash24(other, msg));
}

}  // namespace
}  // namespace stoq::detail
