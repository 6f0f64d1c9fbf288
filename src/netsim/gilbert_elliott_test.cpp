#include "netsim/gilbert_elliott.h"

#include <gtest/gtest.h>

namespace stoq::netsim {
namespace {

struct RunStats {
  double loss_rate = 0;
  double mean_burst = 0;  // mean length of runs of consecutive losses
};

template <typename LoseFn>
RunStats measure(int n, LoseFn lose) {
  int lost = 0;
  int bursts = 0;
  bool previous = false;
  for (int i = 0; i < n; ++i) {
    const bool l = lose();
    lost += l ? 1 : 0;
    if (l && !previous) ++bursts;
    previous = l;
  }
  return {static_cast<double>(lost) / n, bursts == 0 ? 0.0 : static_cast<double>(lost) / bursts};
}

TEST(GilbertElliottTest, StationaryLossAndBurstLength) {
  BurstLossConfig c;
  c.to_bad = 0.01;
  c.to_good = 0.3;
  c.loss_bad = 1.0;
  c.loss_good = 0.0;
  Rng rng(21);
  GilbertElliott ge;
  const RunStats s = measure(400000, [&] { return ge.lose(c, rng); });
  // Stationary probability of the bad state: p / (p + r); bursts last 1/r packets.
  EXPECT_NEAR(s.loss_rate, 0.01 / 0.31, 0.004);
  EXPECT_NEAR(s.mean_burst, 1 / 0.3, 0.25);
}

TEST(GilbertElliottTest, BurstierThanIndependentLossAtSameRate) {
  BurstLossConfig c;
  c.to_bad = 0.01;
  c.to_good = 0.2;
  Rng rng(5);
  GilbertElliott ge;
  const RunStats burst = measure(200000, [&] { return ge.lose(c, rng); });
  Rng rng2(5);
  const double rate = burst.loss_rate;
  const RunStats independent = measure(200000, [&] { return rng2.chance(rate); });
  EXPECT_NEAR(independent.loss_rate, burst.loss_rate, 0.005);
  EXPECT_GT(burst.mean_burst, 3.0);
  EXPECT_LT(independent.mean_burst, 1.2);
}

TEST(GilbertElliottTest, LossInGoodStateAndPartialLossInBadState) {
  BurstLossConfig c;
  c.to_bad = 0.5;
  c.to_good = 0.5;
  c.loss_good = 0.1;
  c.loss_bad = 0.5;
  Rng rng(8);
  GilbertElliott ge;
  const RunStats s = measure(200000, [&] { return ge.lose(c, rng); });
  EXPECT_NEAR(s.loss_rate, 0.5 * 0.1 + 0.5 * 0.5, 0.01);
}

TEST(GilbertElliottTest, ResetReturnsToGoodState) {
  BurstLossConfig c;
  c.to_bad = 1.0;
  c.to_good = 0.0;
  Rng rng(1);
  GilbertElliott ge;
  (void)ge.lose(c, rng);
  EXPECT_TRUE(ge.in_bad_state());
  ge.reset();
  EXPECT_FALSE(ge.in_bad_state());
}

}  // namespace
}  // namespace stoq::netsim
