#include "quic/random_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

namespace stoq::quic {
namespace {

TEST(RandomPoolTest, ServesEveryByteOnceAndRefillsWhenEmpty) {
  RandomPool pool;
  EXPECT_EQ(pool.refills(), 0u);
  // 20-byte connection IDs: 25 fit in one 512-byte draw, the 26th needs a second one.
  std::set<std::string> seen;
  auto key = [](const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); };
  for (int i = 0; i < 25; ++i) {
    std::vector<uint8_t> cid(20);
    ASSERT_TRUE(pool.fill(cid));
    EXPECT_TRUE(seen.insert(key(cid)).second) << "a connection ID came out twice";
  }
  EXPECT_EQ(pool.refills(), 1u);
  std::vector<uint8_t> cid(20);
  ASSERT_TRUE(pool.fill(cid));
  EXPECT_TRUE(seen.insert(key(cid)).second);
  EXPECT_EQ(pool.refills(), 2u);
}

TEST(RandomPoolTest, LargeRequestsBypassThePool) {
  RandomPool pool;
  std::vector<uint8_t> small(8);
  ASSERT_TRUE(pool.fill(small));
  EXPECT_EQ(pool.refills(), 1u);
  std::vector<uint8_t> big(RandomPool::kPoolSize);  // more than a quarter of the pool
  ASSERT_TRUE(pool.fill(big));
  EXPECT_EQ(pool.refills(), 2u);
  // 512 random bytes are all zero with probability 2^-4096.
  EXPECT_TRUE(std::any_of(big.begin(), big.end(), [](uint8_t b) { return b != 0; }));
  // The pool's remaining bytes still serve small requests without another draw.
  ASSERT_TRUE(pool.fill(small));
  EXPECT_EQ(pool.refills(), 2u);
  EXPECT_TRUE(pool.fill({}));
  EXPECT_EQ(pool.refills(), 2u);
}

TEST(RandomPoolTest, OutputLooksUniform) {
  // Not a randomness test of OpenSSL; it catches a pool that serves zeros or repeats its
  // buffer: 64 KiB of output has every byte value, none far from 256 times.
  RandomPool pool;
  std::vector<int> counts(256);
  for (int i = 0; i < 4096; ++i) {
    uint8_t b[16];
    ASSERT_TRUE(pool.fill(b));
    for (uint8_t v : b) ++counts[v];
  }
  for (int c : counts) {
    EXPECT_GT(c, 150);
    EXPECT_LT(c, 370);
  }
}

}  // namespace
}  // namespace stoq::quic
