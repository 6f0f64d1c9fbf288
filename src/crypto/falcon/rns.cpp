#include "crypto/falcon/rns.h"

#include <algorithm>
#include <cstdint>
#include <mutex>

namespace stoq::falcon::detail {
namespace {

constexpr std::size_t kMaxPrimes = 420;  // enough for ~12,900-bit products

std::uint64_t pow_mod(std::uint64_t b, std::uint64_t e, std::uint64_t p) {
  std::uint64_t r = 1;
  b %= p;
  while (e != 0) {
    if (e & 1) r = r * b % p;
    b = b * b % p;
    e >>= 1;
  }
  return r;
}

bool is_prime_u32(std::uint32_t n) {
  // Deterministic Miller-Rabin for n < 2^32.
  if (n < 2) return false;
  for (std::uint32_t sp : {2u, 3u, 5u, 7u, 11u, 13u}) {
    if (n % sp == 0) return n == sp;
  }
  std::uint32_t d = n - 1;
  int s = 0;
  while ((d & 1) == 0) {
    d >>= 1;
    ++s;
  }
  for (std::uint64_t a : {2u, 7u, 61u}) {
    std::uint64_t x = pow_mod(a, d, n);
    if (x == 1 || x == n - 1) continue;
    bool composite = true;
    for (int r = 1; r < s; ++r) {
      x = x * x % n;
      if (x == n - 1) {
        composite = false;
        break;
      }
    }
    if (composite) return false;
  }
  return true;
}

// a^-1 mod p for 0 < a < p, p prime (extended Euclid on machine words).
std::uint64_t inverse_mod(std::uint64_t a, std::uint64_t p) {
  std::int64_t t0 = 0, t1 = 1;
  std::int64_t r0 = static_cast<std::int64_t>(p), r1 = static_cast<std::int64_t>(a);
  while (r1 != 0) {
    const std::int64_t q = r0 / r1;
    std::int64_t t = r0 - q * r1;
    r0 = r1;
    r1 = t;
    t = t0 - q * t1;
    t0 = t1;
    t1 = t;
  }
  return static_cast<std::uint64_t>(t0 < 0 ? t0 + static_cast<std::int64_t>(p) : t0);
}

struct Prime {
  std::uint32_t p;
  std::uint32_t p0i;   // -1/p mod 2^32
  std::uint32_t r2;    // 2^64 mod p
  std::uint32_t root;  // element of order exactly 2048
};

struct PrimeTable {
  std::vector<Prime> primes;
  // inv[i][j] = p_j^-1 * 2^32 mod p_i, j < i (Garner, Montgomery form).
  std::vector<std::vector<std::uint32_t>> inv;
};

const PrimeTable& prime_table() {
  static const PrimeTable table = [] {
    PrimeTable t;
    for (std::uint64_t c = (std::uint64_t{1} << 31) - 2047; t.primes.size() < kMaxPrimes;
         c -= 2048) {
      const auto p = static_cast<std::uint32_t>(c);
      if (!is_prime_u32(p)) continue;
      Prime pr{};
      pr.p = p;
      std::uint32_t inv = 1;  // Newton: inverse of p mod 2^32
      for (int i = 0; i < 5; ++i) inv *= 2 - p * inv;
      pr.p0i = 0u - inv;
      pr.r2 = static_cast<std::uint32_t>((static_cast<unsigned __int128>(1) << 64) % p);
      for (std::uint64_t a = 2;; ++a) {
        const std::uint64_t w = pow_mod(a, (p - 1) / 2048, p);
        if (pow_mod(w, 1024, p) == p - 1) {
          pr.root = static_cast<std::uint32_t>(w);
          break;
        }
      }
      t.primes.push_back(pr);
    }
    t.inv.resize(t.primes.size());
    for (std::size_t i = 0; i < t.primes.size(); ++i) {
      const std::uint64_t pi = t.primes[i].p;
      t.inv[i].resize(i);
      for (std::size_t j = 0; j < i; ++j) {
        const std::uint64_t v = inverse_mod(t.primes[j].p % pi, pi);
        t.inv[i][j] = static_cast<std::uint32_t>((v << 32) % pi);
      }
    }
    return t;
  }();
  return table;
}

inline std::uint32_t mont_mul(std::uint32_t a, std::uint32_t b, const Prime& pr) {
  const std::uint64_t z = static_cast<std::uint64_t>(a) * b;
  const std::uint32_t w = static_cast<std::uint32_t>(z) * pr.p0i;
  std::uint64_t r = (z + static_cast<std::uint64_t>(w) * pr.p) >> 32;
  if (r >= pr.p) r -= pr.p;
  return static_cast<std::uint32_t>(r);
}

inline std::uint32_t to_mont(std::uint32_t a, const Prime& pr) {
  return mont_mul(a, pr.r2, pr);
}

inline std::uint32_t add_mod(std::uint32_t a, std::uint32_t b, std::uint32_t p) {
  std::uint32_t r = a + b;
  return r >= p ? r - p : r;
}

inline std::uint32_t sub_mod(std::uint32_t a, std::uint32_t b, std::uint32_t p) {
  return a >= b ? a - b : a + p - b;
}

// Montgomery-form roots psi^bitrev10(k) (k < n) and their inverses, psi of order 2048.
// For any size m <= 1024 the first m entries are the roots of x^m + 1 in the order the
// transforms use, since bitrev10(k) = bitrev_log2(m)(k) * 1024 / m.
void make_roots_full(const Prime& pr, std::vector<std::uint32_t>& z,
                     std::vector<std::uint32_t>& iz) {
  constexpr std::size_t n = 1024;
  const std::uint64_t psi = pr.root;
  const std::uint64_t ipsi = pow_mod(psi, pr.p - 2, pr.p);
  std::vector<std::uint32_t> pw(n), ipw(n);
  std::uint64_t x = 1, y = 1;
  for (std::size_t i = 0; i < n; ++i) {
    pw[i] = static_cast<std::uint32_t>(x);
    ipw[i] = static_cast<std::uint32_t>(y);
    x = x * psi % pr.p;
    y = y * ipsi % pr.p;
  }
  z.resize(n);
  iz.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    std::size_t r = 0;
    for (unsigned b = 0; b < 10; ++b) r |= ((k >> b) & 1) << (9 - b);
    z[k] = to_mont(pw[r], pr);
    iz[k] = to_mont(ipw[r], pr);
  }
}

struct RootCache {
  std::vector<std::vector<std::uint32_t>> z, iz;
};

// Per-thread cache of root tables, filled on first use of each prime.
void make_roots(const Prime& pr, std::size_t index, const std::uint32_t*& z,
                const std::uint32_t*& iz) {
  thread_local RootCache cache;
  if (cache.z.size() <= index) {
    cache.z.resize(index + 1);
    cache.iz.resize(index + 1);
  }
  if (cache.z[index].empty()) make_roots_full(pr, cache.z[index], cache.iz[index]);
  z = cache.z[index].data();
  iz = cache.iz[index].data();
}

void ntt(std::uint32_t* a, std::size_t n, const std::uint32_t* z, const Prime& pr) {
  for (std::size_t m = 1, len = n >> 1; m < n; m <<= 1, len >>= 1) {
    for (std::size_t b = 0; b < m; ++b) {
      const std::uint32_t w = z[m + b];
      std::uint32_t* x = a + 2 * b * len;
      for (std::size_t j = 0; j < len; ++j) {
        const std::uint32_t t = mont_mul(x[j + len], w, pr);
        x[j + len] = sub_mod(x[j], t, pr.p);
        x[j] = add_mod(x[j], t, pr.p);
      }
    }
  }
}

void intt(std::uint32_t* a, std::size_t n, const std::uint32_t* iz, const Prime& pr) {
  for (std::size_t m = n >> 1, len = 1; m >= 1; m >>= 1, len <<= 1) {
    for (std::size_t b = 0; b < m; ++b) {
      const std::uint32_t w = iz[m + b];
      std::uint32_t* x = a + 2 * b * len;
      for (std::size_t j = 0; j < len; ++j) {
        const std::uint32_t u = x[j], v = x[j + len];
        x[j] = add_mod(u, v, pr.p);
        x[j + len] = mont_mul(sub_mod(u, v, pr.p), w, pr);
      }
    }
  }
}

// |x| mod p (then negated for negative x), via 32-bit words and Montgomery steps:
// r * 2^32 + w = mont_mul(r, 2^64 mod p) + w.
std::uint32_t mod_prime(const BigInt& x, const Prime& pr) {
  const auto& limbs = x.magnitude();
  std::uint32_t r = 0;
  auto push = [&](std::uint32_t w) {
    while (w >= pr.p) w -= pr.p;
    r = add_mod(mont_mul(r, pr.r2, pr), w, pr.p);
  };
  for (std::size_t i = limbs.size(); i-- > 0;) {
    push(static_cast<std::uint32_t>(limbs[i] >> 32));
    push(static_cast<std::uint32_t>(limbs[i]));
  }
  return x.is_negative() && r != 0 ? pr.p - r : r;
}

BigPoly mul_schoolbook(const BigPoly& a, const BigPoly& b) {
  const std::size_t n = a.size();
  BigPoly c(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i].is_zero()) continue;
    for (std::size_t j = 0; j < n; ++j) {
      if (b[j].is_zero()) continue;
      const BigInt p = a[i] * b[j];
      if (i + j < n) {
        c[i + j] += p;
      } else {
        c[i + j - n] -= p;
      }
    }
  }
  return c;
}

// Rebuilds n signed coefficients from their residues modulo the first m primes
// (residues[i * n + u]) with Garner's algorithm, centred modulo M = prod p_i.
BigPoly garner(const std::vector<std::uint32_t>& residues, std::size_t n, std::size_t m) {
  const PrimeTable& table = prime_table();
  BigInt modulus(1);
  for (std::size_t i = 0; i < m; ++i) modulus.mul_small_add(table.primes[i].p, 0);
  const BigInt half = modulus.shifted_right_floor(1);
  BigPoly out(n);
  std::vector<std::uint32_t> digit(m);
  for (std::size_t u = 0; u < n; ++u) {
    for (std::size_t i = 0; i < m; ++i) {
      const Prime& pr = table.primes[i];
      std::uint32_t t = residues[i * n + u];
      for (std::size_t j = 0; j < i; ++j) {
        std::uint32_t d = digit[j];
        if (d >= pr.p) d -= pr.p;
        t = mont_mul(sub_mod(t, d, pr.p), table.inv[i][j], pr);
      }
      digit[i] = t;
    }
    BigInt x(0);
    x.reserve_limbs(m / 2 + 2);
    for (std::size_t i = m; i-- > 0;) x.mul_small_add(table.primes[i].p, digit[i]);
    if (BigInt::compare(x, half) > 0) x -= modulus;
    out[u] = std::move(x);
  }
  return out;
}

// Residues of a small signed integer.
inline std::uint32_t mod_prime_i64(std::int64_t x, const Prime& pr) {
  std::int64_t r = x % static_cast<std::int64_t>(pr.p);
  if (r < 0) r += pr.p;
  return static_cast<std::uint32_t>(r);
}

inline std::uint32_t product_scale(std::size_t n, const Prime& pr) {
  const std::uint64_t ninv = pow_mod(n, pr.p - 2, pr.p);
  return static_cast<std::uint32_t>(static_cast<unsigned __int128>(ninv) * pr.r2 % pr.p);
}

}  // namespace

FixedPairMultiplier::FixedPairMultiplier(const BigPoly& f, const BigPoly& g, std::size_t bound_bits)
    : f_(f), g_(g), bound_bits_(bound_bits) {
  const std::size_t n = f.size();
  unsigned logn = 0;
  while ((std::size_t{1} << logn) < n) ++logn;
  const std::size_t lf = (std::max(poly_max_bits(f), poly_max_bits(g)) + 63) / 64;
  const std::size_t m_est = (bound_bits + 2) / 30 + 1;
  // Per product: schoolbook n^2 (lf + 40) against residues + transforms + CRT.
  const std::size_t school = n * n * (lf + 40);
  const std::size_t rns = m_est * n * (3 * logn + 8) + m_est * m_est * n;
  use_rns_ = rns < school && n > 1;
  if (!use_rns_) return;
  const PrimeTable& table = prime_table();
  m_ = std::min(table.primes.size(), m_est);
  f_ntt_.resize(m_ * n);
  g_ntt_.resize(m_ * n);
  for (std::size_t i = 0; i < m_; ++i) {
    const Prime& pr = table.primes[i];
    for (std::size_t u = 0; u < n; ++u) {
      f_ntt_[i * n + u] = mod_prime(f[u], pr);
      g_ntt_[i * n + u] = mod_prime(g[u], pr);
    }
    const std::uint32_t *z = nullptr, *iz = nullptr;
    make_roots(pr, i, z, iz);
    ntt(&f_ntt_[i * n], n, z, pr);
    ntt(&g_ntt_[i * n], n, z, pr);
  }
}

void FixedPairMultiplier::multiply(const std::vector<std::int64_t>& k, BigPoly& kf,
                                   BigPoly& kg) const {
  const std::size_t n = k.size();
  if (!use_rns_) {
    BigPoly kp(n);
    for (std::size_t u = 0; u < n; ++u) kp[u] = BigInt(k[u]);
    kf = mul_schoolbook(kp, f_);
    kg = mul_schoolbook(kp, g_);
    return;
  }
  const PrimeTable& table = prime_table();
  std::vector<std::uint32_t> rf(m_ * n), rg(m_ * n), tk(n);
  for (std::size_t i = 0; i < m_; ++i) {
    const Prime& pr = table.primes[i];
    for (std::size_t u = 0; u < n; ++u) tk[u] = mod_prime_i64(k[u], pr);
    const std::uint32_t *z = nullptr, *iz = nullptr;
    make_roots(pr, i, z, iz);
    ntt(tk.data(), n, z, pr);
    std::uint32_t* a = &rf[i * n];
    std::uint32_t* b = &rg[i * n];
    for (std::size_t u = 0; u < n; ++u) {
      a[u] = mont_mul(tk[u], f_ntt_[i * n + u], pr);
      b[u] = mont_mul(tk[u], g_ntt_[i * n + u], pr);
    }
    intt(a, n, iz, pr);
    intt(b, n, iz, pr);
    const std::uint32_t scale = product_scale(n, pr);
    for (std::size_t u = 0; u < n; ++u) {
      a[u] = mont_mul(a[u], scale, pr);
      b[u] = mont_mul(b[u], scale, pr);
    }
  }
  kf = garner(rf, n, m_);
  kg = garner(rg, n, m_);
}

std::vector<std::uint32_t> mul_negacyclic_mod(const std::vector<std::uint32_t>& a,
                                              const std::vector<std::uint32_t>& b,
                                              std::uint32_t prime) {
  const PrimeTable& table = prime_table();
  const auto it = std::find_if(table.primes.begin(), table.primes.end(),
                               [prime](const Prime& pr) { return pr.p == prime; });
  if (it == table.primes.end()) return {};
  const Prime& pr = *it;
  const std::size_t n = a.size();
  unsigned logn = 0;
  while ((std::size_t{1} << logn) < n) ++logn;
  std::vector<std::uint32_t> ta = a, tb = b;
  const std::uint32_t *z = nullptr, *iz = nullptr;
  make_roots(pr, static_cast<std::size_t>(it - table.primes.begin()), z, iz);
  ntt(ta.data(), n, z, pr);
  ntt(tb.data(), n, z, pr);
  for (std::size_t u = 0; u < n; ++u) ta[u] = mont_mul(ta[u], tb[u], pr);
  intt(ta.data(), n, iz, pr);
  const std::uint64_t ninv = pow_mod(n, pr.p - 2, pr.p);
  const auto scale =
      static_cast<std::uint32_t>(static_cast<unsigned __int128>(ninv) * pr.r2 % pr.p);
  for (auto& v : ta) v = mont_mul(v, scale, pr);
  return ta;
}

std::size_t poly_max_bits(const BigPoly& a) {
  std::size_t m = 0;
  for (const auto& x : a) m = std::max(m, x.bit_length());
  return m;
}

BigPoly mul_negacyclic_rns(const BigPoly& a, const BigPoly& b, std::size_t bound_bits) {
  const std::size_t n = a.size();
  unsigned logn = 0;
  while ((std::size_t{1} << logn) < n) ++logn;
  // Small n with short coefficients: schoolbook is cheaper than residues + CRT.
  const std::size_t la = (poly_max_bits(a) + 63) / 64, lb = (poly_max_bits(b) + 63) / 64;
  const std::size_t m_est = (bound_bits + 2) / 30 + 1;
  const std::size_t school = n * n * (la * lb + 40);
  const std::size_t rns = m_est * n * (la + lb + 3 * logn + 8) + m_est * m_est * n;
  if (school <= rns) return mul_schoolbook(a, b);

  const PrimeTable& table = prime_table();
  // Product of m primes exceeds 2^(30.99 m); need > 2^(bound_bits + 1) for the sign.
  const std::size_t m = std::min(table.primes.size(), (bound_bits + 2) / 30 + 1);

  // residues[i * n + u]: output coefficient u modulo prime i.
  std::vector<std::uint32_t> residues(m * n);
  std::vector<std::uint32_t> ta(n), tb(n);
  const std::uint32_t *z = nullptr, *iz = nullptr;
  for (std::size_t i = 0; i < m; ++i) {
    const Prime& pr = table.primes[i];
    for (std::size_t u = 0; u < n; ++u) {
      ta[u] = mod_prime(a[u], pr);
      tb[u] = mod_prime(b[u], pr);
    }
    if (n == 1) {
      residues[i] = static_cast<std::uint32_t>(static_cast<std::uint64_t>(ta[0]) * tb[0] % pr.p);
      continue;
    }
    make_roots(pr, i, z, iz);
    ntt(ta.data(), n, z, pr);
    ntt(tb.data(), n, z, pr);
    for (std::size_t u = 0; u < n; ++u) ta[u] = mont_mul(ta[u], tb[u], pr);  // a b / R
    intt(ta.data(), n, iz, pr);
    // Undo 1/R and scale by 1/n: multiply by R^2 / n (Montgomery form of R / n).
    const std::uint64_t ninv = pow_mod(n, pr.p - 2, pr.p);
    const auto scale = static_cast<std::uint32_t>(static_cast<unsigned __int128>(ninv) * pr.r2 %
                                                  pr.p);  // R^2/n mod p
    for (std::size_t u = 0; u < n; ++u) residues[i * n + u] = mont_mul(ta[u], scale, pr);
  }

  return garner(residues, n, m);
}

}  // namespace stoq::falcon::detail
