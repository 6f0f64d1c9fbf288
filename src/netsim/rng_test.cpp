#include "netsim/rng.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace stoq::netsim {
namespace {

TEST(RngTest, SameSeedSameSequence) {
  Rng a(42);
  Rng b(42);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.next(), b.next());
}

TEST(RngTest, DifferentSeedsDiffer) {
  Rng a(1);
  Rng b(2);
  int equal = 0;
  for (int i = 0; i < 100; ++i) equal += a.next() == b.next() ? 1 : 0;
  EXPECT_LT(equal, 2);
}

TEST(RngTest, ReseedRestarts) {
  Rng a(9);
  const std::uint64_t first = a.next();
  a.next();
  a.reseed(9);
  EXPECT_EQ(a.next(), first);
}

TEST(RngTest, UniformInUnitInterval) {
  Rng r(3);
  double sum = 0;
  constexpr int kN = 100000;
  for (int i = 0; i < kN; ++i) {
    const double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / kN, 0.5, 0.01);
}

TEST(RngTest, ChanceExtremesConsumeNoDraws) {
  Rng a(5);
  Rng b(5);
  EXPECT_FALSE(a.chance(0.0));
  EXPECT_TRUE(a.chance(1.0));
  EXPECT_FALSE(a.chance(-1.0));
  EXPECT_EQ(a.next(), b.next());
}

TEST(RngTest, BelowStaysInRange) {
  Rng r(11);
  std::vector<int> hits(7, 0);
  for (int i = 0; i < 70000; ++i) {
    const auto v = r.below(7);
    ASSERT_LT(v, 7u);
    ++hits[v];
  }
  for (int h : hits) EXPECT_NEAR(h, 10000, 600);
}

TEST(RngTest, NormalHasUnitDeviation) {
  Rng r(13);
  double sum = 0;
  double sum_sq = 0;
  constexpr int kN = 100000;
  for (int i = 0; i < kN; ++i) {
    const double x = r.normal();
    sum += x;
    sum_sq += x * x;
  }
  const double mean = sum / kN;
  EXPECT_NEAR(mean, 0.0, 0.02);
  EXPECT_NEAR(sum_sq / kN - mean * mean, 1.0, 0.03);
}

}  // namespace
}  // namespace stoq::netsim
