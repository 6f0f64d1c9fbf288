#include "crypto/falcon/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
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

// The sampler evaluates the polynomial in Estrin's form; the round-3 reference uses
// Horner's rule. The truncations fall differently, so the two may differ, but only by a few
// units of 2^-63 (measured -4..+2 over 3e7 points): a larger gap means the evaluation
// drifted, which the known-answer tests would not notice (a decision changes only when a
// uniform 64-bit draw lands between the two values).
TEST(ExpmP63, StaysWithinFourUnitsOfHornersRule) {
  constexpr std::uint64_t kCoeffs[13] = {
      0x00000004741183A3u, 0x00000036548CFC06u, 0x0000024FDCBF140Au, 0x0000171D939DE045u,
      0x0000D00CF58F6F84u, 0x000680681CF796E3u, 0x002D82D8305B0FEAu, 0x011111110E066FD0u,
      0x0555555555070F00u, 0x155555555581FF00u, 0x400000000002B400u, 0x7FFFFFFFFFFF4800u,
      0x8000000000000000u,
  };
  auto mul_high = [](std::uint64_t a, std::uint64_t b) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(a) * b) >> 64);
  };
  auto horner = [&](double x, double ccs) {
    const auto z = static_cast<std::uint64_t>(static_cast<std::int64_t>(x * 9223372036854775808.0))
                   << 1;
    std::uint64_t y = kCoeffs[0];
    for (int u = 1; u < 13; ++u) y = kCoeffs[u] - mul_high(z, y);
    const auto c =
        static_cast<std::uint64_t>(static_cast<std::int64_t>(ccs * 9223372036854775808.0)) << 1;
    return mul_high(c, y);
  };
  std::uint64_t s = 0x243F6A8885A308D3u;
  auto next_unit = [&s] {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return static_cast<double>(s >> 11) / 9007199254740992.0;
  };
  std::int64_t lo = 0, hi = 0;
  for (int i = 0; i < 200000; ++i) {
    const double x = i == 0 ? 0.0 : next_unit() * 0.6931471805599453;
    const double ccs = i % 4 == 0 ? 0.999999999 : next_unit();
    const auto d = static_cast<std::int64_t>(expm_p63(x, ccs) - horner(x, ccs));
    lo = std::min(lo, d);
    hi = std::max(hi, d);
  }
  EXPECT_GE(lo, -4);
  EXPECT_LE(hi, 4);
}

}  // namespace
}  // namespace stoq::falcon::detail
