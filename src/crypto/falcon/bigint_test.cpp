#include "crypto/falcon/bigint.h"

#include <gtest/gtest.h>

#include <random>

#include "crypto/falcon/rns.h"

namespace stoq::falcon::detail {
namespace {

using i128 = __int128;

BigInt from_i128(i128 v) {
  const bool neg = v < 0;
  const auto m = neg ? static_cast<unsigned __int128>(-v) : static_cast<unsigned __int128>(v);
  BigInt r(0);
  for (int s = 96; s >= 0; s -= 32) {
    r = r.shifted_left(32) + BigInt(static_cast<std::int64_t>((m >> s) & 0xFFFFFFFFu));
  }
  return neg ? -r : r;
}

BigInt random_big(std::mt19937_64& rng, int limbs) {
  BigInt r(0);
  for (int i = 0; i < limbs; ++i) {
    r = r.shifted_left(64) + BigInt(static_cast<std::int64_t>(rng() >> 1)).shifted_left(1) +
        BigInt(static_cast<std::int64_t>(rng() & 1));
  }
  return (rng() & 1) ? -r : r;
}

TEST(BigInt, ArithmeticMatchesInt128) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 2000; ++i) {
    const std::int64_t a = static_cast<std::int64_t>(rng()) >> (rng() % 40);
    const std::int64_t b = static_cast<std::int64_t>(rng()) >> (rng() % 40);
    EXPECT_EQ(BigInt(a) * BigInt(b), from_i128(static_cast<i128>(a) * b));
    EXPECT_EQ(BigInt(a) + BigInt(b), from_i128(static_cast<i128>(a) + b));
    EXPECT_EQ(BigInt(a) - BigInt(b), from_i128(static_cast<i128>(a) - b));
    const unsigned s = static_cast<unsigned>(rng() % 70);
    const std::int64_t floor_shift = s >= 63 ? (a < 0 ? -1 : 0) : (a >> s);  // arithmetic
    EXPECT_EQ(BigInt(a).shifted_right_floor(s), BigInt(floor_shift)) << a << " >> " << s;
    EXPECT_EQ(BigInt::compare(BigInt(a), BigInt(b)), (a < b) ? -1 : (a > b ? 1 : 0));
  }
}

TEST(BigInt, DivmodIdentity) {
  std::mt19937_64 rng(6);
  for (int i = 0; i < 200; ++i) {
    BigInt a = random_big(rng, 1 + static_cast<int>(rng() % 12));
    BigInt b = random_big(rng, 1 + static_cast<int>(rng() % 6));
    if (a.is_negative()) a = -a;
    if (b.is_negative()) b = -b;
    if (b.is_zero()) continue;
    BigInt q, r;
    BigInt::divmod(a, b, q, r);
    EXPECT_EQ(q * b + r, a);
    EXPECT_LT(BigInt::compare(r, b), 0);
    EXPECT_FALSE(r.is_negative());
  }
}

TEST(BigInt, SubShiftedMatchesShiftThenSubtract) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 300; ++i) {
    BigInt a = random_big(rng, 1 + static_cast<int>(rng() % 5));
    const BigInt b = random_big(rng, 1 + static_cast<int>(rng() % 3));
    const unsigned s = static_cast<unsigned>(rng() % 200);
    const BigInt want = a - b.shifted_left(s);
    a.sub_shifted(b, s);
    EXPECT_EQ(a, want);
  }
}

TEST(Rns, NegacyclicProductMatchesSchoolbook) {
  std::mt19937_64 rng(8);
  for (std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{8}, std::size_t{64}}) {
    for (int limbs : {1, 3, 20}) {
      BigPoly a(n), b(n);
      for (auto& x : a) x = random_big(rng, limbs);
      for (auto& x : b) x = random_big(rng, 1);
      BigPoly want(n);
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < n; ++j) {
          const BigInt p = a[i] * b[j];
          if (i + j < n)
            want[i + j] += p;
          else
            want[i + j - n] -= p;
        }
      }
      const std::size_t bound = poly_max_bits(a) + poly_max_bits(b) + 8;
      EXPECT_EQ(mul_negacyclic_rns(a, b, bound), want) << "n=" << n << " limbs=" << limbs;
    }
  }
}

}  // namespace
}  // namespace stoq::falcon::detail
