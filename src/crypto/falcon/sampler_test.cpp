#include "crypto/falcon/sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

namespace stoq::falcon::detail {
namespace {

// expm_p63 against exp() in 64-bit-mantissa long double, over the sampler's whole domain
// (0 <= x < log 2, 0 < ccs < 1). The degree-12 polynomial is accurate to about 2^-51.2
// (3,563 units of 2^-63 at worst over 2e7 points); a term paired or scaled wrongly in the
// evaluation is off by far more.
TEST(ExpmP63, MatchesExpWithinThePolynomialsAccuracy) {
  std::uint64_t s = 0x9E3779B97F4A7C15u;
  auto next_unit = [&s] {  // xorshift64, 53-bit uniform in [0, 1)
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return static_cast<double>(s >> 11) / 9007199254740992.0;
  };
  long double worst = 0;
  for (int i = 0; i < 200000; ++i) {
    const double x = next_unit() * 0.6931471805599453;
    const double ccs = i % 4 == 0 ? 0.999999999 : next_unit();
    const long double expected = static_cast<long double>(ccs) *
                                 std::exp(-static_cast<long double>(x)) * 9223372036854775808.0L;
    const long double err = std::fabs(static_cast<long double>(expm_p63(x, ccs)) - expected);
    if (err > worst) worst = err;
  }
  EXPECT_LT(worst, 4096.0L);
  // The end points: exp(0) and exp(-log 2) = 1/2.
  EXPECT_NEAR(static_cast<double>(expm_p63(0.0, 0.5)), 4611686018427387904.0, 4096.0);
  EXPECT_NEAR(static_cast<double>(expm_p63(0.6931471805599453, 0.5)), 2305843009213693952.0,
              4096.0);
}

}  // namespace
}  // namespace stoq::falcon::detail
