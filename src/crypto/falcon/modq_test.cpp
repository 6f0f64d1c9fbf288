#include "crypto/falcon/modq.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "crypto/falcon/ntt_avx2.h"

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

// The transforms straight from their definition (Cooley-Tukey forward, Gentleman-Sande
// inverse, plain % arithmetic), to compare the vectorised code with.
std::uint16_t pow_q(std::uint32_t b, std::uint32_t e) {
  std::uint32_t r = 1;
  for (; e != 0; e >>= 1, b = (b * b) % 12289) {
    if (e & 1) r = (r * b) % 12289;
  }
  return static_cast<std::uint16_t>(r);
}

std::uint32_t bitrev10(std::uint32_t k) {
  std::uint32_t r = 0;
  for (int b = 0; b < 10; ++b) r |= ((k >> b) & 1u) << (9 - b);
  return r;
}

void reference_ntt(std::vector<std::uint16_t>& a, bool inverse) {
  const std::size_t n = a.size();
  const std::uint32_t psi = pow_q(11, (12289 - 1) / 2048);
  const auto root = [&](std::size_t k) {
    const std::uint32_t z = pow_q(psi, bitrev10(static_cast<std::uint32_t>(k)));
    return inverse ? pow_q(z, 12289 - 2) : z;
  };
  if (!inverse) {
    for (std::size_t m = 1, len = n / 2; m < n; m *= 2, len /= 2) {
      for (std::size_t b = 0; b < m; ++b) {
        const std::uint32_t z = root(m + b);
        for (std::size_t j = 2 * b * len; j < 2 * b * len + len; ++j) {
          const std::uint32_t t = (z * a[j + len]) % 12289;
          a[j + len] = static_cast<std::uint16_t>((a[j] + 12289 - t) % 12289);
          a[j] = static_cast<std::uint16_t>((a[j] + t) % 12289);
        }
      }
    }
    return;
  }
  for (std::size_t m = n / 2, len = 1; m >= 1; m /= 2, len *= 2) {
    for (std::size_t b = 0; b < m; ++b) {
      const std::uint32_t z = root(m + b);
      for (std::size_t j = 2 * b * len; j < 2 * b * len + len; ++j) {
        const std::uint32_t u = a[j], v = a[j + len];
        a[j] = static_cast<std::uint16_t>((u + v) % 12289);
        a[j + len] = static_cast<std::uint16_t>((z * ((u + 12289 - v) % 12289)) % 12289);
      }
    }
  }
  const std::uint32_t ni = pow_q(static_cast<std::uint32_t>(n), 12289 - 2);
  for (auto& x : a) x = static_cast<std::uint16_t>((x * ni) % 12289);
}

TEST(ModQ, TransformsMatchTheDefinitionForEverySize) {
  std::mt19937 rng(11);
  for (unsigned logn = 1; logn <= 10; ++logn) {
    const std::size_t n = std::size_t{1} << logn;
    for (int iter = 0; iter < 4; ++iter) {
      std::vector<std::uint16_t> a(n);
      for (auto& x : a) x = static_cast<std::uint16_t>(rng() % 12289);
      if (iter == 0) std::fill(a.begin(), a.end(), static_cast<std::uint16_t>(12288));
      if (iter == 1) a.assign(n, 0);
      for (const bool inverse : {false, true}) {
        auto want = a;
        reference_ntt(want, inverse);
        auto got = a;
        inverse ? intt_modq(got.data(), logn) : ntt_modq(got.data(), logn);
        ASSERT_EQ(got, want) << "logn " << logn << (inverse ? " inverse" : " forward");
        auto portable = a;
        inverse ? intt_modq_portable(portable.data(), logn)
                : ntt_modq_portable(portable.data(), logn);
        ASSERT_EQ(portable, want) << "portable, logn " << logn;
      }
    }
  }
}

// The AVX2 transforms against the portable ones on many inputs, including the extremes of
// the range in every lane position (the shuffled stages move lanes around).
TEST(ModQ, Avx2TransformsMatchThePortableOnes) {
  if (!ntt_avx2_available()) GTEST_SKIP() << "no AVX2 on this CPU (or forced portable)";
  std::mt19937 rng(13);
  for (unsigned logn = kNttAvx2MinLogn; logn <= 10; ++logn) {
    const std::size_t n = std::size_t{1} << logn;
    for (int iter = 0; iter < 50; ++iter) {
      std::vector<std::uint16_t> a(n);
      for (auto& x : a) {
        const std::uint32_t r = rng();
        x = static_cast<std::uint16_t>((r & 3) == 0 ? 12288 : (r & 3) == 1 ? 0 : (r >> 2) % 12289);
      }
      for (const bool inverse : {false, true}) {
        auto want = a;
        inverse ? intt_modq_portable(want.data(), logn) : ntt_modq_portable(want.data(), logn);
        auto got = a;
        auto* g = reinterpret_cast<std::int16_t*>(got.data());
        inverse ? intt_modq_avx2(g, logn) : ntt_modq_avx2(g, logn);
        ASSERT_EQ(got, want) << "logn " << logn << (inverse ? " inverse" : " forward");
      }
    }
  }
}

TEST(ModQ, Inverse) {
  EXPECT_EQ(modq_inverse(0), 0);
  for (std::uint32_t a = 1; a < 12289; a += 97)
    EXPECT_EQ(modq_mul(a, modq_inverse(static_cast<std::uint16_t>(a))), 1);
}

}  // namespace
}  // namespace stoq::falcon::detail
