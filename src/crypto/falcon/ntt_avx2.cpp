#include "crypto/falcon/ntt_avx2.h"

#include <array>
#include <cstddef>
#include <cstdlib>

#include "crypto/falcon/cpu.h"
#include "crypto/falcon/ntt_tables.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(STOQ_FALCON_PORTABLE_ONLY)
#define STOQ_FALCON_HAVE_AVX2_NTT 1
#include <immintrin.h>
#endif

namespace stoq::falcon::detail {

#if defined(STOQ_FALCON_HAVE_AVX2_NTT)
namespace {

#define STOQ_AVX2 __attribute__((target("avx2")))

// The last four stages (block half-lengths 8, 4, 2, 1) pair elements inside one 16-lane
// vector. Each works on a pair of vectors A, B (32 consecutive elements): a shuffle puts
// the first element of every pair in X and the second in the same lane of Y, the
// butterfly runs on X and Y, and the inverse shuffle writes the pairs back in place.
// Stage s in 0..3 has half-length 8 >> s. lane_element(s, k) is the element (0..31 within
// the pair of vectors) that lane k of X holds; its block picks that lane's twiddle.
constexpr std::size_t lane_element(unsigned s, std::size_t k) {
  const std::size_t h = k >> 3;  // 128-bit half of the vector
  const std::size_t r = k & 7;
  switch (s) {
    case 0:  // X = [A.lo, B.lo]
      return k < 8 ? k : k + 8;
    case 1:  // X = per half: [A.q0, B.q0]
      return r < 4 ? 8 * h + r : 16 + 8 * h + (r - 4);
    case 2:  // X = per half: [A.d0, A.d2, B.d0, B.d2]
      return 8 * h + r + (r < 2 ? 0 : r < 4 ? 2 : r < 6 ? 12 : 14);
    default:  // X = per half: the even elements of A, then those of B
      return r < 4 ? 8 * h + 2 * r : 16 + 8 * h + 2 * (r - 4);
  }
}

// Per-lane twiddles for the shuffled stages: for each logn in [5, 10], four stages of n/2
// entries (sixteen per pair of vectors).
constexpr std::size_t lane_table_offset(unsigned logn) {
  std::size_t off = 0;
  for (unsigned l = kNttAvx2MinLogn; l < logn; ++l) off += std::size_t{2} << l;
  return off;
}

struct LaneTables {
  std::array<std::int16_t, lane_table_offset(11)> fwd{};
  std::array<std::int16_t, lane_table_offset(11)> inv{};
};

constexpr LaneTables make_lane_tables() {
  LaneTables t{};
  for (unsigned logn = kNttAvx2MinLogn; logn <= 10; ++logn) {
    const std::size_t n = std::size_t{1} << logn;
    for (unsigned s = 0; s < 4; ++s) {
      const std::size_t len = std::size_t{8} >> s;
      const std::size_t m = n / (2 * len);
      const std::size_t base = lane_table_offset(logn) + s * (n / 2);
      for (std::size_t p = 0; p < n / 32; ++p) {
        for (std::size_t k = 0; k < 16; ++k) {
          const std::size_t block = (32 * p + lane_element(s, k)) / (2 * len);
          t.fwd[base + 16 * p + k] = kNttTables.zeta_m[m + block];
          t.inv[base + 16 * p + k] = kNttTables.izeta_m[m + block];
        }
      }
    }
  }
  return t;
}

constexpr LaneTables kLaneTables = make_lane_tables();

// a * z / 2^16 mod q in [0, q), for a in [0, q) and z in [0, q): the portable mont_mul.
STOQ_AVX2 inline __m256i mont_mul(__m256i a, __m256i z) {
  const __m256i q = _mm256_set1_epi16(static_cast<std::int16_t>(kNttQ));
  const __m256i u = _mm256_mullo_epi16(_mm256_mullo_epi16(a, z), _mm256_set1_epi16(kNttQInv));
  const __m256i r = _mm256_sub_epi16(_mm256_mulhi_epi16(a, z), _mm256_mulhi_epi16(u, q));
  return _mm256_add_epi16(r, _mm256_and_si256(q, _mm256_srai_epi16(r, 15)));
}

STOQ_AVX2 inline __m256i add_mod(__m256i a, __m256i b) {
  const __m256i q = _mm256_set1_epi16(static_cast<std::int16_t>(kNttQ));
  const __m256i r = _mm256_sub_epi16(_mm256_add_epi16(a, b), q);
  return _mm256_add_epi16(r, _mm256_and_si256(q, _mm256_srai_epi16(r, 15)));
}

STOQ_AVX2 inline __m256i sub_mod(__m256i a, __m256i b) {
  const __m256i q = _mm256_set1_epi16(static_cast<std::int16_t>(kNttQ));
  const __m256i r = _mm256_sub_epi16(a, b);
  return _mm256_add_epi16(r, _mm256_and_si256(q, _mm256_srai_epi16(r, 15)));
}

// Cooley-Tukey (forward) and Gentleman-Sande (inverse) butterflies.
STOQ_AVX2 inline void butterfly_fwd(__m256i& x, __m256i& y, __m256i z) {
  const __m256i t = mont_mul(y, z);
  y = sub_mod(x, t);
  x = add_mod(x, t);
}

STOQ_AVX2 inline void butterfly_inv(__m256i& x, __m256i& y, __m256i z) {
  const __m256i u = x;
  x = add_mod(u, y);
  y = mont_mul(sub_mod(u, y), z);
}

template <unsigned S>
STOQ_AVX2 inline void split(__m256i a, __m256i b, __m256i& x, __m256i& y) {
  if constexpr (S == 0) {
    x = _mm256_permute2x128_si256(a, b, 0x20);
    y = _mm256_permute2x128_si256(a, b, 0x31);
  } else if constexpr (S == 1) {
    x = _mm256_unpacklo_epi64(a, b);
    y = _mm256_unpackhi_epi64(a, b);
  } else if constexpr (S == 2) {
    a = _mm256_shuffle_epi32(a, 0xD8);  // dwords 0, 2, 1, 3 of each half
    b = _mm256_shuffle_epi32(b, 0xD8);
    x = _mm256_unpacklo_epi64(a, b);
    y = _mm256_unpackhi_epi64(a, b);
  } else {
    const __m256i low = _mm256_set1_epi32(0xFFFF);
    x = _mm256_packus_epi32(_mm256_and_si256(a, low), _mm256_and_si256(b, low));
    y = _mm256_packus_epi32(_mm256_srli_epi32(a, 16), _mm256_srli_epi32(b, 16));
  }
}

template <unsigned S>
STOQ_AVX2 inline void merge(__m256i x, __m256i y, __m256i& a, __m256i& b) {
  if constexpr (S == 0) {
    a = _mm256_permute2x128_si256(x, y, 0x20);
    b = _mm256_permute2x128_si256(x, y, 0x31);
  } else if constexpr (S == 1) {
    a = _mm256_unpacklo_epi64(x, y);
    b = _mm256_unpackhi_epi64(x, y);
  } else if constexpr (S == 2) {
    a = _mm256_shuffle_epi32(_mm256_unpacklo_epi64(x, y), 0xD8);
    b = _mm256_shuffle_epi32(_mm256_unpackhi_epi64(x, y), 0xD8);
  } else {
    a = _mm256_unpacklo_epi16(x, y);
    b = _mm256_unpackhi_epi16(x, y);
  }
}

STOQ_AVX2 inline __m256i load(const std::int16_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

STOQ_AVX2 inline void store(std::int16_t* p, __m256i v) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v);
}

template <unsigned S, bool Inverse>
STOQ_AVX2 void shuffled_stage(std::int16_t* a, unsigned logn) {
  const std::size_t n = std::size_t{1} << logn;
  const auto& table = Inverse ? kLaneTables.inv : kLaneTables.fwd;
  const std::int16_t* z = table.data() + lane_table_offset(logn) + S * (n / 2);
  for (std::size_t p = 0; p < n / 32; ++p) {
    __m256i x, y, va, vb;
    split<S>(load(a + 32 * p), load(a + 32 * p + 16), x, y);
    if constexpr (Inverse) {
      butterfly_inv(x, y, load(z + 16 * p));
    } else {
      butterfly_fwd(x, y, load(z + 16 * p));
    }
    merge<S>(x, y, va, vb);
    store(a + 32 * p, va);
    store(a + 32 * p + 16, vb);
  }
}

}  // namespace

bool ntt_avx2_available() {
  return cpu_has_avx2();
}

STOQ_AVX2 void ntt_modq_avx2(std::int16_t* a, unsigned logn) {
  const std::size_t n = std::size_t{1} << logn;
  for (std::size_t m = 1, len = n >> 1; len >= 16; m <<= 1, len >>= 1) {
    for (std::size_t b = 0; b < m; ++b) {
      const __m256i z = _mm256_set1_epi16(kNttTables.zeta_m[m + b]);
      std::int16_t* x = a + 2 * b * len;
      for (std::size_t j = 0; j < len; j += 16) {
        __m256i vx = load(x + j), vy = load(x + j + len);
        butterfly_fwd(vx, vy, z);
        store(x + j, vx);
        store(x + j + len, vy);
      }
    }
  }
  shuffled_stage<0, false>(a, logn);
  shuffled_stage<1, false>(a, logn);
  shuffled_stage<2, false>(a, logn);
  shuffled_stage<3, false>(a, logn);
}

STOQ_AVX2 void intt_modq_avx2(std::int16_t* a, unsigned logn) {
  const std::size_t n = std::size_t{1} << logn;
  shuffled_stage<3, true>(a, logn);
  shuffled_stage<2, true>(a, logn);
  shuffled_stage<1, true>(a, logn);
  shuffled_stage<0, true>(a, logn);
  for (std::size_t m = n >> 5, len = 16; m >= 1; m >>= 1, len <<= 1) {
    for (std::size_t b = 0; b < m; ++b) {
      const __m256i z = _mm256_set1_epi16(kNttTables.izeta_m[m + b]);
      std::int16_t* x = a + 2 * b * len;
      for (std::size_t j = 0; j < len; j += 16) {
        __m256i vx = load(x + j), vy = load(x + j + len);
        butterfly_inv(vx, vy, z);
        store(x + j, vx);
        store(x + j + len, vy);
      }
    }
  }
  const __m256i ni = _mm256_set1_epi16(kNttTables.inv_n_m[logn]);
  for (std::size_t i = 0; i < n; i += 16) store(a + i, mont_mul(load(a + i), ni));
}

#undef STOQ_AVX2

#else

// Without the AVX2 code, ntt_avx2_available() is false and the transforms are never called.
bool ntt_avx2_available() {
  return false;
}
void ntt_modq_avx2(std::int16_t*, unsigned) {
  std::abort();
}
void intt_modq_avx2(std::int16_t*, unsigned) {
  std::abort();
}

#endif

}  // namespace stoq::falcon::detail
