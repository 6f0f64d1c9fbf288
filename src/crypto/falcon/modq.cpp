#include "crypto/falcon/modq.h"

#include <array>
#include <vector>

namespace stoq::falcon::detail {
namespace {

constexpr std::uint32_t kQ = 12289;

constexpr std::uint32_t pow_mod(std::uint32_t b, std::uint32_t e) {
  std::uint32_t r = 1;
  b %= kQ;
  while (e != 0) {
    if (e & 1) r = (r * b) % kQ;
    b = (b * b) % kQ;
    e >>= 1;
  }
  return r;
}

// zetas[k] = psi^bitrev10(k), psi a primitive 2048-th root of unity (11 generates Z_q^*).
// For logn < 10 the first 2^logn entries are exactly the table of psi^(2^(10-logn)).
struct NttTables {
  std::array<std::uint16_t, 1024> zeta{};
  std::array<std::uint16_t, 1024> izeta{};
  std::array<std::uint16_t, 11> inv_n{};
};

constexpr NttTables make_tables() {
  NttTables t{};
  const std::uint32_t psi = pow_mod(11, (kQ - 1) / 2048);
  for (std::uint32_t k = 0; k < 1024; ++k) {
    std::uint32_t r = 0;
    for (int b = 0; b < 10; ++b) r |= ((k >> b) & 1u) << (9 - b);
    t.zeta[k] = static_cast<std::uint16_t>(pow_mod(psi, r));
    t.izeta[k] = static_cast<std::uint16_t>(pow_mod(t.zeta[k], kQ - 2));
  }
  for (unsigned l = 0; l <= 10; ++l) {
    t.inv_n[l] = static_cast<std::uint16_t>(pow_mod(1u << l, kQ - 2));
  }
  return t;
}

constexpr NttTables kTables = make_tables();

inline std::uint16_t add_q(std::uint32_t a, std::uint32_t b) {
  std::uint32_t r = a + b;
  r -= kQ & -static_cast<std::uint32_t>(r >= kQ);
  return static_cast<std::uint16_t>(r);
}

inline std::uint16_t sub_q(std::uint32_t a, std::uint32_t b) {
  std::uint32_t r = a + kQ - b;
  r -= kQ & -static_cast<std::uint32_t>(r >= kQ);
  return static_cast<std::uint16_t>(r);
}

}  // namespace

void ntt_modq(std::uint16_t* a, unsigned logn) {
  const std::size_t n = std::size_t{1} << logn;
  // Stage with m blocks uses zeta[m + b]; with the 10-bit reversal table, the root for
  // block b at size n is psi_n^bitrev(m+b) = psi^(2^(10-logn) * bitrev_logn(m+b)), which
  // equals zeta[m + b] because bitrev10(m+b) = bitrev_logn(m+b) << (10 - logn).
  for (std::size_t m = 1, len = n >> 1; m < n; m <<= 1, len >>= 1) {
    for (std::size_t b = 0; b < m; ++b) {
      const std::uint32_t z = kTables.zeta[m + b];
      std::uint16_t* x = a + 2 * b * len;
      for (std::size_t j = 0; j < len; ++j) {
        const std::uint16_t t = modq_mul(z, x[j + len]);
        x[j + len] = sub_q(x[j], t);
        x[j] = add_q(x[j], t);
      }
    }
  }
}

void intt_modq(std::uint16_t* a, unsigned logn) {
  const std::size_t n = std::size_t{1} << logn;
  for (std::size_t m = n >> 1, len = 1; m >= 1; m >>= 1, len <<= 1) {
    for (std::size_t b = 0; b < m; ++b) {
      const std::uint32_t z = kTables.izeta[m + b];
      std::uint16_t* x = a + 2 * b * len;
      for (std::size_t j = 0; j < len; ++j) {
        const std::uint16_t u = x[j], v = x[j + len];
        x[j] = add_q(u, v);
        x[j + len] = modq_mul(z, sub_q(u, v));
      }
    }
  }
  const std::uint32_t ni = kTables.inv_n[logn];
  for (std::size_t i = 0; i < n; ++i) a[i] = modq_mul(a[i], ni);
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
