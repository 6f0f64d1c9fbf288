#include "netsim/jitter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace stoq::netsim {
namespace {

using std::chrono::milliseconds;

struct Stats {
  double min = 1e300;
  double max = -1e300;
  double mean = 0;
  double deviation = 0;
};

Stats sample(JitterDistribution d, Duration jitter, int n, std::uint64_t seed = 7) {
  Rng rng(seed);
  Stats s;
  double sum = 0;
  double sum_sq = 0;
  for (int i = 0; i < n; ++i) {
    const double x = static_cast<double>(sample_jitter(d, jitter, rng).count());
    s.min = std::min(s.min, x);
    s.max = std::max(s.max, x);
    sum += x;
    sum_sq += x * x;
  }
  s.mean = sum / n;
  s.deviation = std::sqrt(sum_sq / n - s.mean * s.mean);
  return s;
}

constexpr double kJ = 10e6;  // 10 ms in ns

TEST(JitterTest, ZeroJitterIsZeroAndConsumesNothing) {
  Rng a(1);
  Rng b(1);
  EXPECT_EQ(sample_jitter(JitterDistribution::kNormal, Duration(0), a).count(), 0);
  EXPECT_EQ(a.next(), b.next());
}

TEST(JitterTest, UniformBoundsAndMoments) {
  const Stats s = sample(JitterDistribution::kUniform, milliseconds(10), 100000);
  EXPECT_GE(s.min, -kJ);
  EXPECT_LE(s.max, kJ);
  EXPECT_LT(s.min, -0.99 * kJ);
  EXPECT_GT(s.max, 0.99 * kJ);
  EXPECT_NEAR(s.mean, 0, 0.01 * kJ);
  EXPECT_NEAR(s.deviation, kJ / std::sqrt(3.0), 0.02 * kJ);
}

TEST(JitterTest, NormalBoundsAndMoments) {
  const Stats s = sample(JitterDistribution::kNormal, milliseconds(10), 100000);
  EXPECT_GE(s.min, -kNormalJitterClamp * kJ);
  EXPECT_LE(s.max, kNormalJitterClamp * kJ);
  EXPECT_NEAR(s.mean, 0, 0.02 * kJ);
  EXPECT_NEAR(s.deviation, kJ, 0.03 * kJ);
}

TEST(JitterTest, ParetoIsOneSidedHeavyTailed) {
  const Stats s = sample(JitterDistribution::kPareto, milliseconds(10), 200000);
  EXPECT_GE(s.min, 0);
  EXPECT_LE(s.max, kParetoJitterCap * kJ);
  // Mean is `jitter` before the cap; the cap trims a little of the tail.
  EXPECT_NEAR(s.mean, kJ, 0.1 * kJ);
  EXPECT_GT(s.max, 5 * kJ);  // heavy tail: far outliers do occur
}

}  // namespace
}  // namespace stoq::netsim
