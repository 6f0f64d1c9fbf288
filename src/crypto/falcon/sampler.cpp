#include "crypto/falcon/sampler.h"

#include <array>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "crypto/falcon/cpu.h"
#include "crypto/falcon/ct_check.h"
#include "crypto/falcon/fp_int.h"

namespace stoq::falcon::detail {
namespace {

constexpr double kTwoPow63 = 9223372036854775808.0;
constexpr double kInv2SqrSigma0 = 0.15086504887537272;  // 1 / (2 * 1.8205^2)
constexpr double kLog2 = 0.6931471805599453;
constexpr double kInvLog2 = 1.4426950408889634;

// Reverse cumulative distribution of the base half-Gaussian, scaled to 2^72, as
// (high, middle, low) 24-bit limbs.
constexpr std::uint32_t kRcdt[18][3] = {
    {10745844u, 3068844u, 3741698u},
    {5559083u, 1580863u, 8248194u},
    {2260429u, 13669192u, 2736639u},
    {708981u, 4421575u, 10046180u},
    {169348u, 7122675u, 4136815u},
    {30538u, 13063405u, 7650655u},
    {4132u, 14505003u, 7826148u},
    {417u, 16768101u, 11363290u},
    {31u, 8444042u, 8086568u},
    {1u, 12844466u, 265321u},
    {0u, 1232676u, 13644283u},
    {0u, 38047u, 9111839u},
    {0u, 870u, 6138264u},
    {0u, 14u, 12545723u},
    {0u, 0u, 3104126u},
    {0u, 0u, 28824u},
    {0u, 0u, 198u},
    {0u, 0u, 1u},
};

struct Rcdt72 {
  std::uint64_t lo;
  std::uint64_t hi;
};

constexpr std::array<Rcdt72, 18> make_rcdt72() {
  std::array<Rcdt72, 18> t{};
  for (std::size_t i = 0; i < 18; ++i) {
    const std::uint64_t h = kRcdt[i][0], m = kRcdt[i][1], l = kRcdt[i][2];
    t[i].lo = (h << 48) | (m << 24) | l;
    t[i].hi = h >> 16;
  }
  return t;
}

constexpr std::array<Rcdt72, 18> kRcdt72 = make_rcdt72();

// exp(-x) polynomial coefficients scaled by 2^63 (FACCT), highest degree first.
constexpr std::uint64_t kExpCoeffs[13] = {
    0x00000004741183A3u, 0x00000036548CFC06u, 0x0000024FDCBF140Au, 0x0000171D939DE045u,
    0x0000D00CF58F6F84u, 0x000680681CF796E3u, 0x002D82D8305B0FEAu, 0x011111110E066FD0u,
    0x0555555555070F00u, 0x155555555581FF00u, 0x400000000002B400u, 0x7FFFFFFFFFFF4800u,
    0x8000000000000000u,
};

inline std::uint64_t mul_high(std::uint64_t a, std::uint64_t b) {
  return static_cast<std::uint64_t>((static_cast<unsigned __int128>(a) * b) >> 64);
}

// Inlined into the sampler (a call per draw costs a measurable share of signing).
[[gnu::always_inline]] inline std::uint64_t expm_p63_inline(double x, double ccs) {
  // p(z) = sum over i of (-1)^i C[12 - i] z^i with z = x in 64-bit fixed point, evaluated in
  // Estrin's form rather than by Horner's rule: pairs a_k = C[12 - 2k] - z C[11 - 2k] (each
  // positive, as z < 1 and C[11 - 2k] < C[12 - 2k]), then powers z^2, z^4, z^8. The longest
  // dependent chain is four multiplications instead of twelve; every partial sum stays at
  // or below 2^63 (exactly 2^63 at x = 0). Not bit-identical to the reference's Horner
  // evaluation: a few units of 2^-63 apart (ExpmP63.StaysWithinFourUnitsOfHornersRule).
  const std::uint64_t z = static_cast<std::uint64_t>(fp_trunc(x * kTwoPow63)) << 1;
  const std::uint64_t z2 = mul_high(z, z);
  const std::uint64_t z4 = mul_high(z2, z2);
  const std::uint64_t z8 = mul_high(z4, z4);
  const std::uint64_t a0 = kExpCoeffs[12] - mul_high(z, kExpCoeffs[11]);
  const std::uint64_t a1 = kExpCoeffs[10] - mul_high(z, kExpCoeffs[9]);
  const std::uint64_t a2 = kExpCoeffs[8] - mul_high(z, kExpCoeffs[7]);
  const std::uint64_t a3 = kExpCoeffs[6] - mul_high(z, kExpCoeffs[5]);
  const std::uint64_t a4 = kExpCoeffs[4] - mul_high(z, kExpCoeffs[3]);
  const std::uint64_t a5 = kExpCoeffs[2] - mul_high(z, kExpCoeffs[1]);
  const std::uint64_t b0 = a0 + mul_high(z2, a1);
  const std::uint64_t b1 = a2 + mul_high(z2, a3);
  const std::uint64_t b2 = a4 + mul_high(z2, a5);
  const std::uint64_t c0 = b0 + mul_high(z4, b1);
  const std::uint64_t c1 = b2 + mul_high(z4, kExpCoeffs[0]);
  const std::uint64_t y = c0 + mul_high(z8, c1);
  const std::uint64_t c = static_cast<std::uint64_t>(fp_trunc(ccs * kTwoPow63)) << 1;
  return mul_high(c, y);
}

}  // namespace

std::uint64_t expm_p63(double x, double ccs) {
  return expm_p63_inline(x, ccs);
}

namespace {

// Number of table entries strictly above the 72-bit value hi:lo (constant-time).
int rcdt_count_portable(std::uint64_t lo, std::uint64_t hi) {
  int z = 0;
  for (const Rcdt72& e : kRcdt72) {
    // v = hi:lo and e are below 2^72; v - e borrows out of the high word iff v < e.
    const std::uint64_t borrow = static_cast<std::uint64_t>(lo < e.lo);
    z += static_cast<int>((hi - e.hi - borrow) >> 63);
  }
  return z;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(STOQ_FALCON_PORTABLE_ONLY)
#define STOQ_FALCON_HAVE_AVX2_RCDT 1

// Same count, four entries per vector: v < e iff hi < e.hi, or hi == e.hi and lo < e.lo
// (unsigned 64-bit comparison through the sign-flip trick).
__attribute__((target("avx2"))) int rcdt_count_avx2(std::uint64_t lo, std::uint64_t hi) {
  alignas(32) static const std::uint64_t kLo[20] = {kRcdt72[0].lo ^ (1ULL << 63),
                                                    kRcdt72[1].lo ^ (1ULL << 63),
                                                    kRcdt72[2].lo ^ (1ULL << 63),
                                                    kRcdt72[3].lo ^ (1ULL << 63),
                                                    kRcdt72[4].lo ^ (1ULL << 63),
                                                    kRcdt72[5].lo ^ (1ULL << 63),
                                                    kRcdt72[6].lo ^ (1ULL << 63),
                                                    kRcdt72[7].lo ^ (1ULL << 63),
                                                    kRcdt72[8].lo ^ (1ULL << 63),
                                                    kRcdt72[9].lo ^ (1ULL << 63),
                                                    kRcdt72[10].lo ^ (1ULL << 63),
                                                    kRcdt72[11].lo ^ (1ULL << 63),
                                                    kRcdt72[12].lo ^ (1ULL << 63),
                                                    kRcdt72[13].lo ^ (1ULL << 63),
                                                    kRcdt72[14].lo ^ (1ULL << 63),
                                                    kRcdt72[15].lo ^ (1ULL << 63),
                                                    kRcdt72[16].lo ^ (1ULL << 63),
                                                    kRcdt72[17].lo ^ (1ULL << 63),
                                                    0 ^ (1ULL << 63),
                                                    0 ^ (1ULL << 63)};
  alignas(32) static const std::uint64_t kHi[20] = {kRcdt72[0].hi,
                                                    kRcdt72[1].hi,
                                                    kRcdt72[2].hi,
                                                    kRcdt72[3].hi,
                                                    kRcdt72[4].hi,
                                                    kRcdt72[5].hi,
                                                    kRcdt72[6].hi,
                                                    kRcdt72[7].hi,
                                                    kRcdt72[8].hi,
                                                    kRcdt72[9].hi,
                                                    kRcdt72[10].hi,
                                                    kRcdt72[11].hi,
                                                    kRcdt72[12].hi,
                                                    kRcdt72[13].hi,
                                                    kRcdt72[14].hi,
                                                    kRcdt72[15].hi,
                                                    kRcdt72[16].hi,
                                                    kRcdt72[17].hi,
                                                    0,
                                                    0};
  const __m256i vlo = _mm256_set1_epi64x(static_cast<long long>(lo ^ (1ULL << 63)));
  const __m256i vhi = _mm256_set1_epi64x(static_cast<long long>(hi));
  __m256i acc = _mm256_setzero_si256();
  for (int i = 0; i < 20; i += 4) {
    const __m256i elo = _mm256_load_si256(reinterpret_cast<const __m256i*>(kLo + i));
    const __m256i ehi = _mm256_load_si256(reinterpret_cast<const __m256i*>(kHi + i));
    const __m256i hi_lt = _mm256_cmpgt_epi64(ehi, vhi);
    const __m256i hi_eq = _mm256_cmpeq_epi64(ehi, vhi);
    const __m256i lo_lt = _mm256_cmpgt_epi64(elo, vlo);
    acc = _mm256_sub_epi64(acc, _mm256_or_si256(hi_lt, _mm256_and_si256(hi_eq, lo_lt)));
  }
  const __m128i s = _mm_add_epi64(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
  return static_cast<int>(_mm_cvtsi128_si64(s) + _mm_extract_epi64(s, 1));
}
#endif

}  // namespace

GaussianSampler::RcdtCount GaussianSampler::select_rcdt() {
#if defined(STOQ_FALCON_HAVE_AVX2_RCDT)
  if (cpu_has_avx2()) return rcdt_count_avx2;
#endif
  return rcdt_count_portable;
}

[[gnu::always_inline]] inline int GaussianSampler::base_sample() {
  const std::uint64_t lo = prng_.next_u64();
  const std::uint64_t hi = prng_.next_u8();
  return rcdt_(lo, hi);
}

[[gnu::always_inline]] inline bool GaussianSampler::ber_exp(double x, double ccs) {
  std::int32_t s = static_cast<std::int32_t>(fp_trunc(x * kInvLog2));
  const double r = x - static_cast<double>(s) * kLog2;
  // Cap the shift at 63 without a branch.
  std::uint32_t sw = static_cast<std::uint32_t>(s);
  sw ^= (sw ^ 63u) & -((63u - sw) >> 31);
  s = static_cast<std::int32_t>(sw);
  const std::uint64_t z = ((expm_p63_inline(r, ccs) << 1) - 1) >> s;

  // Compare a uniform 64-bit value with z, byte by byte from the top, stopping at the
  // first difference. Where the loop stops reveals only random bytes that are discarded.
  std::uint32_t w;
  int i = 64;
  do {
    i -= 8;
    w = prng_.next_u8() - (static_cast<std::uint32_t>(z >> i) & 0xFF);
    ct_declassify(&w, sizeof w);
  } while (w == 0 && i > 0);
  return (w >> 31) != 0;
}

int GaussianSampler::sample(double mu, double isigma) {
  const std::int64_t s = fp_floor(mu);
  const double r = mu - static_cast<double>(s);
  const double dss = (isigma * isigma) * 0.5;
  const double ccs = isigma * sigma_min_;
  for (;;) {
    const int z0 = base_sample();
    const int b = static_cast<int>(prng_.next_u8()) & 1;
    const int z = b + ((b << 1) - 1) * z0;
    double x = static_cast<double>(z) - r;
    x = (x * x) * dss;
    x = x - static_cast<double>(z0 * z0) * kInv2SqrSigma0;
    bool accept = ber_exp(x, ccs);
    ct_declassify(&accept, sizeof accept);  // rejection outcome: public by design
    if (accept) return static_cast<int>(s) + z;
  }
}

}  // namespace stoq::falcon::detail
