#include "crypto/falcon/modq.h"

#include <array>
#include <vector>

#include "crypto/falcon/ntt_avx2.h"
#include "crypto/falcon/ntt_tables.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(STOQ_FALCON_PORTABLE_ONLY)
#define STOQ_MODQ_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define STOQ_MODQ_SIMD_CLONES
#endif

namespace stoq::falcon::detail {
namespace {

constexpr std::uint32_t kQ = kNttQ;
constexpr std::int16_t kQInv = kNttQInv;
constexpr const NttTables& kTables = kNttTables;

// a * b / 2^16 mod q for |a|, |b| < q, in [0, q). Written with 16-bit lanes in mind (the
// high half of a 16x16 product, as in a SIMD multiply-high) so the loops below vectorise;
// the result is exact, so every vector width gives the same output.
inline std::int16_t mont_mul(std::int16_t a, std::int16_t b) {
  const std::int32_t t = static_cast<std::int32_t>(a) * b;
  const auto u = static_cast<std::int16_t>(static_cast<std::int16_t>(t) * kQInv);
  const auto hi_t = static_cast<std::int16_t>(t >> 16);
  const auto hi_uq = static_cast<std::int16_t>((static_cast<std::int32_t>(u) * kQ) >> 16);
  const auto r = static_cast<std::int16_t>(hi_t - hi_uq);  // in (-q, q)
  return static_cast<std::int16_t>(r + (static_cast<std::int16_t>(kQ) & (r >> 15)));
}

// Sum and difference of two residues in [0, q), reduced into [0, q).
inline std::int16_t add_mod(std::int16_t a, std::int16_t b) {
  const auto r = static_cast<std::int16_t>(a + b - static_cast<std::int16_t>(kQ));
  return static_cast<std::int16_t>(r + (static_cast<std::int16_t>(kQ) & (r >> 15)));
}

inline std::int16_t sub_mod(std::int16_t a, std::int16_t b) {
  const auto r = static_cast<std::int16_t>(a - b);
  return static_cast<std::int16_t>(r + (static_cast<std::int16_t>(kQ) & (r >> 15)));
}

}  // namespace

// Residues below q < 2^15 are the same bits as uint16 and int16; the transforms work on
// int16 lanes. On x86-64 they are also compiled for AVX2 and picked at load time (only
// used below 32 coefficients when ntt_avx2.cpp's transforms are available).
STOQ_MODQ_SIMD_CLONES void ntt_modq_portable(std::uint16_t* a_in, unsigned logn) {
  auto* a = reinterpret_cast<std::int16_t*>(a_in);
  const std::size_t n = std::size_t{1} << logn;
  // Stage with m blocks uses zeta[m + b]; with the 10-bit reversal table, the root for
  // block b at size n is psi_n^bitrev(m+b) = psi^(2^(10-logn) * bitrev_logn(m+b)), which
  // equals zeta[m + b] because bitrev10(m+b) = bitrev_logn(m+b) << (10 - logn).
  for (std::size_t m = 1, len = n >> 1; m < n; m <<= 1, len >>= 1) {
    for (std::size_t b = 0; b < m; ++b) {
      const std::int16_t z = kTables.zeta_m[m + b];
      std::int16_t* x = a + 2 * b * len;
      std::int16_t* y = x + len;
      for (std::size_t j = 0; j < len; ++j) {
        const std::int16_t t = mont_mul(z, y[j]);
        y[j] = sub_mod(x[j], t);
        x[j] = add_mod(x[j], t);
      }
    }
  }
}

STOQ_MODQ_SIMD_CLONES void intt_modq_portable(std::uint16_t* a_in, unsigned logn) {
  auto* a = reinterpret_cast<std::int16_t*>(a_in);
  const std::size_t n = std::size_t{1} << logn;
  for (std::size_t m = n >> 1, len = 1; m >= 1; m >>= 1, len <<= 1) {
    for (std::size_t b = 0; b < m; ++b) {
      const std::int16_t z = kTables.izeta_m[m + b];
      std::int16_t* x = a + 2 * b * len;
      std::int16_t* y = x + len;
      for (std::size_t j = 0; j < len; ++j) {
        const std::int16_t u = x[j], v = y[j];
        x[j] = add_mod(u, v);
        y[j] = mont_mul(z, sub_mod(u, v));
      }
    }
  }
  const std::int16_t ni = kTables.inv_n_m[logn];
  for (std::size_t i = 0; i < n; ++i) a[i] = mont_mul(a[i], ni);
}

void ntt_modq(std::uint16_t* a, unsigned logn) {
  if (logn >= kNttAvx2MinLogn && ntt_avx2_available()) {
    ntt_modq_avx2(reinterpret_cast<std::int16_t*>(a), logn);
  } else {
    ntt_modq_portable(a, logn);
  }
}

void intt_modq(std::uint16_t* a, unsigned logn) {
  if (logn >= kNttAvx2MinLogn && ntt_avx2_available()) {
    intt_modq_avx2(reinterpret_cast<std::int16_t*>(a), logn);
  } else {
    intt_modq_portable(a, logn);
  }
}

std::uint16_t modq_inverse(std::uint16_t a) {
  // Fixed exponent q - 2: the square-and-multiply sequence does not depend on a.
  std::uint32_t r = 1;
  std::uint32_t b = a;
  std::uint32_t e = kQ - 2;
  for (int i = 0; i < 14; ++i) {
    if (e & 1) r = modq_mul(r, b);
    b = modq_mul(b, b);
    e >>= 1;
  }
  return static_cast<std::uint16_t>(r);
}

bool compute_public(std::uint16_t* h, const std::int8_t* f, const std::int8_t* g, unsigned logn) {
  const std::size_t n = std::size_t{1} << logn;
  std::vector<std::uint16_t> ft(n);
  for (std::size_t i = 0; i < n; ++i) {
    ft[i] = modq_from_int(f[i]);
    h[i] = modq_from_int(g[i]);
  }
  ntt_modq(ft.data(), logn);
  ntt_modq(h, logn);
  std::uint32_t zero = 0;
  for (std::size_t i = 0; i < n; ++i) {
    zero |= static_cast<std::uint32_t>(ft[i] == 0);
    h[i] = modq_mul(h[i], modq_inverse(ft[i]));
  }
  intt_modq(h, logn);
  return zero == 0;
}

bool complete_private(std::int8_t* G, const std::int8_t* f, const std::int8_t* g,
                      const std::int8_t* F, unsigned logn) {
  const std::size_t n = std::size_t{1} << logn;
  std::vector<std::uint16_t> ft(n), t(n), Ft(n);
  for (std::size_t i = 0; i < n; ++i) {
    ft[i] = modq_from_int(f[i]);
    t[i] = modq_from_int(g[i]);
    Ft[i] = modq_from_int(F[i]);
  }
  ntt_modq(ft.data(), logn);
  ntt_modq(t.data(), logn);
  ntt_modq(Ft.data(), logn);
  std::uint32_t bad = 0;
  for (std::size_t i = 0; i < n; ++i) {
    bad |= static_cast<std::uint32_t>(ft[i] == 0);
    t[i] = modq_mul(modq_mul(t[i], Ft[i]), modq_inverse(ft[i]));
  }
  intt_modq(t.data(), logn);
  for (std::size_t i = 0; i < n; ++i) {
    std::int32_t v = t[i];
    v -= static_cast<std::int32_t>(kQ) &
         -static_cast<std::int32_t>(v > static_cast<std::int32_t>(kQ / 2));
    bad |= static_cast<std::uint32_t>(v < -127 || v > 127);
    G[i] = static_cast<std::int8_t>(v);
  }
  return bad == 0;
}

}  // namespace stoq::falcon::detail
