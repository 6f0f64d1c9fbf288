#include "crypto/falcon/aes256.h"

#include <gtest/gtest.h>

#include "crypto/falcon/ctr_drbg.h"
#include "crypto/falcon/test_sha256.h"

namespace stoq::falcon::detail {
namespace {

TEST(Aes256, Fips197AppendixC3) {
  std::array<std::uint8_t, 32> key{};
  for (int i = 0; i < 32; ++i) key[i] = static_cast<std::uint8_t>(i);
  std::array<std::uint8_t, 16> pt{};
  for (int i = 0; i < 16; ++i) pt[i] = static_cast<std::uint8_t>(i * 0x11);
  const Aes256Encryptor aes(key);
  const auto ct = aes.encrypt_block(pt);
  EXPECT_EQ(test::to_hex(ct.data(), ct.size(), false), "8ea2b7ca516745bfeafc49904b496089");
}

TEST(CtrDrbg, NistKatFirstSeed) {
  std::array<std::uint8_t, 48> entropy{};
  for (int i = 0; i < 48; ++i) entropy[i] = static_cast<std::uint8_t>(i);
  CtrDrbg drbg(entropy);
  std::array<std::uint8_t, 48> seed{};
  drbg.generate(seed);
  EXPECT_EQ(test::to_hex(seed.data(), seed.size(), true),
            "061550234D158C5EC95595FE04EF7A25767F2E24CC2BC479D09D86DC9ABCFDE7056A8C266F9EF97ED0"
            "8541DBD2E1FFA1");
}

}  // namespace
}  // namespace stoq::falcon::detail
