#include "crypto/falcon/modq.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace stoq::falcon::detail {
namespace {

std::vector<std::uint16_t> schoolbook(const std::vector<std::uint16_t>& a,
                                      const std::vector<std::uint16_t>& b) {
  const std::size_t n = a.size();
  std::vector<std::int64_t> c(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const std::int64_t p = static_cast<std::int64_t>(a[i]) * b[j];
      if (i + j < n)
        c[i + j] += p;
      else
        c[i + j - n] -= p;
    }
  }
  std::vector<std::uint16_t> r(n);
  for (std::size_t i = 0; i < n; ++i)
    r[i] = static_cast<std::uint16_t>(((c[i] % 12289) + 12289) % 12289);
  return r;
}

TEST(ModQ, NttProductMatchesSchoolbook) {
  std::mt19937 rng(7);
  for (unsigned logn : {1u, 4u, 9u, 10u}) {
    const std::size_t n = std::size_t{1} << logn;
    std::vector<std::uint16_t> a(n), b(n);
    for (auto& x : a) x = static_cast<std::uint16_t>(rng() % 12289);
    for (auto& x : b) x = static_cast<std::uint16_t>(rng() % 12289);
    const auto want = schoolbook(a, b);
    ntt_modq(a.data(), logn);
    ntt_modq(b.data(), logn);
    for (std::size_t i = 0; i < n; ++i) a[i] = modq_mul(a[i], b[i]);
    intt_modq(a.data(), logn);
    EXPECT_EQ(a, want) << "logn " << logn;
  }
}

TEST(ModQ, Inverse) {
  EXPECT_EQ(modq_inverse(0), 0);
  for (std::uint32_t a = 1; a < 12289; a += 97)
    EXPECT_EQ(modq_mul(a, modq_inverse(static_cast<std::uint16_t>(a))), 1);
}

}  // namespace
}  // namespace stoq::falcon::detail
