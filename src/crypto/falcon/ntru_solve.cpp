#include "crypto/falcon/ntru_solve.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "crypto/falcon/bigint.h"
#include "crypto/falcon/fft.h"
#include "crypto/falcon/fp_int.h"
#include "crypto/falcon/rns.h"

namespace stoq::falcon::detail {
namespace {

constexpr std::int64_t kQ = 12289;
// The reference's first small prime; its depth-0 arithmetic is modulo this prime.
constexpr std::int64_t kP0 = 2147473409;

// Word budgets (31-bit words) of the reference per depth: f, g and the reduced F, G fit in
// kMaxBlSmall[depth] words; the unreduced F, G in kMaxBlLarge[depth].
constexpr std::size_t kMaxBlSmall[11] = {1, 1, 2, 2, 4, 7, 14, 27, 53, 106, 209};
constexpr std::size_t kMaxBlLarge[10] = {2, 2, 5, 7, 12, 21, 40, 78, 157, 308};
// Bit length of f, g per depth: average and standard deviation.
constexpr int kBitlenAvg[11] = {4, 11, 24, 50, 102, 202, 401, 794, 1577, 3138, 6308};
constexpr int kBitlenStd[11] = {0, 1, 1, 1, 1, 2, 4, 5, 8, 13, 25};

// N(f)(y) = f0(y)^2 - y f1(y)^2 mod (y^(n/2) + 1), where f(x) = f0(x^2) + x f1(x^2).
BigPoly field_norm(const BigPoly& f) {
  const std::size_t hn = f.size() / 2;
  BigPoly f0(hn), f1(hn);
  for (std::size_t i = 0; i < hn; ++i) {
    f0[i] = f[2 * i];
    f1[i] = f[2 * i + 1];
  }
  const std::size_t bound = 2 * poly_max_bits(f) + 16;
  BigPoly a = mul_negacyclic_rns(f0, f0, bound);
  const BigPoly b = mul_negacyclic_rns(f1, f1, bound);
  a[0] += b[hn - 1];
  for (std::size_t i = 1; i < hn; ++i) a[i] -= b[i - 1];
  return a;
}

// F(x) = F'(x^2) * g(-x) mod (x^n + 1), n = g.size() = 2 F'.size(). With N(g)(x^2) =
// g(x) g(-x), a solution (F', G') one level down lifts to (F'(x^2) g(-x), G'(x^2) f(-x)).
BigPoly lift(const BigPoly& Fp, const BigPoly& g) {
  const std::size_t n = g.size();
  BigPoly spread(n);
  for (std::size_t i = 0; i < Fp.size(); ++i) spread[2 * i] = Fp[i];
  BigPoly conj = g;
  for (std::size_t i = 1; i < n; i += 2) conj[i] = -conj[i];
  return mul_negacyclic_rns(spread, conj, poly_max_bits(Fp) + poly_max_bits(g) + 12);
}

bool all_fit(const BigPoly& a, std::size_t bits) {
  return std::all_of(a.begin(), a.end(),
                     [bits](const BigInt& x) { return x.fits_twos_complement(bits); });
}

unsigned log2_size(std::size_t n) {
  unsigned l = 0;
  while ((std::size_t{1} << l) < n) ++l;
  return l;
}

// The reference's approximation of a value stored in `words` 31-bit words from its top
// `top` words: T = floor(x / 2^(31 (words - top))), summed word by word, low word first,
// as sign * sum |T|_v 2^(31 v) in binary64.
void big_to_fp(double* d, const BigPoly& x, std::size_t words, std::size_t top) {
  const unsigned shift = static_cast<unsigned>(31 * (words - top));
  for (std::size_t u = 0; u < x.size(); ++u) {
    thread_local BigInt t;
    x[u].shifted_right_floor_into(t, shift);
    const bool neg = t.is_negative();
    double acc = 0.0;
    double scale = 1.0;
    for (std::size_t v = 0; v < top; ++v, scale *= 2147483648.0) {
      const auto w = static_cast<std::int32_t>(t.magnitude_bits(31 * v, 31));
      acc = acc + static_cast<double>(neg ? -w : w) * scale;
    }
    d[u] = acc;
  }
}

// Lehmer's extended Euclid on the leading 62 bits (Knuth, TAOCP vol. 2, 4.5.2, algorithm
// L): runs of single-precision steps are applied to the big numbers as one 2x2 cofactor
// matrix. Returns true with a x + b y = 1 when gcd(x, y) = 1.
bool extended_gcd(const BigInt& x, const BigInt& y, BigInt& a, BigInt& b) {
  BigInt r0 = x, r1 = y, a0(1), a1(0), b0(0), b1(1);
  if (BigInt::compare(r0, r1) < 0) {
    std::swap(r0, r1);
    std::swap(a0, a1);
    std::swap(b0, b1);
  }
  // Invariants: r0 = a0 x + b0 y, r1 = a1 x + b1 y, r0 >= r1 >= 0.
  auto full_step = [&] {
    BigInt quot, rem;
    BigInt::divmod(r0, r1, quot, rem);
    BigInt t0 = a0 - quot * a1;
    BigInt t1 = b0 - quot * b1;
    r0 = std::move(r1);
    r1 = std::move(rem);
    a0 = std::move(a1);
    a1 = std::move(t0);
    b0 = std::move(b1);
    b1 = std::move(t1);
  };
  while (!r1.is_zero()) {
    const std::size_t len = r0.bit_length();
    if (len <= 62) {
      full_step();
      continue;
    }
    const unsigned shift = static_cast<unsigned>(len - 62);
    std::int64_t xh = r0.shifted_right_floor(shift).to_int64();
    std::int64_t yh = r1.shifted_right_floor(shift).to_int64();
    std::int64_t A = 1, B = 0, C = 0, D = 1;
    for (;;) {
      if (yh + C == 0 || yh + D == 0) break;
      const std::int64_t q1 = (xh + A) / (yh + C);
      const std::int64_t q2 = (xh + B) / (yh + D);
      if (q1 != q2) break;
      const __int128 nc = static_cast<__int128>(A) - static_cast<__int128>(q1) * C;
      const __int128 nd = static_cast<__int128>(B) - static_cast<__int128>(q1) * D;
      if (nc > INT64_MAX / 2 || nc < -(INT64_MAX / 2) || nd > INT64_MAX / 2 ||
          nd < -(INT64_MAX / 2)) {
        break;
      }
      A = C;
      C = static_cast<std::int64_t>(nc);
      B = D;
      D = static_cast<std::int64_t>(nd);
      const std::int64_t ny = xh - q1 * yh;
      xh = yh;
      yh = ny;
    }
    if (B == 0) {
      full_step();
      continue;
    }
    const BigInt bA(A), bB(B), bC(C), bD(D);
    BigInt n0 = bA * r0 + bB * r1;
    BigInt n1 = bC * r0 + bD * r1;
    BigInt na0 = bA * a0 + bB * a1;
    BigInt na1 = bC * a0 + bD * a1;
    BigInt nb0 = bA * b0 + bB * b1;
    BigInt nb1 = bC * b0 + bD * b1;
    r0 = std::move(n0);
    r1 = std::move(n1);
    a0 = std::move(na0);
    a1 = std::move(na1);
    b0 = std::move(nb0);
    b1 = std::move(nb1);
    if (r0.is_negative() || r1.is_negative()) return false;  // cannot happen (Knuth L)
  }
  if (!(r0 == BigInt(1))) return false;
  a = std::move(a0);
  b = std::move(b0);
  // Defensive: the identity must hold exactly.
  return a * x + b * y == BigInt(1);
}

// Intermediate depths (2 .. logn - 1): Babai reduction with the reference's schedule.
bool reduce_intermediate(unsigned depth, const BigPoly& f, const BigPoly& g, BigPoly& F,
                         BigPoly& G) {
  const std::size_t n = f.size();
  const unsigned logn = log2_size(n);
  const std::size_t slen = kMaxBlSmall[depth];
  const std::size_t llen = kMaxBlLarge[depth];
  if (!all_fit(F, 31 * llen) || !all_fit(G, 31 * llen)) return false;

  std::vector<double> rt1(n), rt2(n), rt3(n), rt4(n), rt5(n);
  const std::size_t rlen_fg = std::min<std::size_t>(10, slen);
  const int scale_fg = static_cast<int>(31 * (slen - rlen_fg));
  big_to_fp(rt3.data(), f, slen, rlen_fg);
  big_to_fp(rt4.data(), g, slen, rlen_fg);
  const int minbl_fg = kBitlenAvg[depth] - 6 * kBitlenStd[depth];
  const int maxbl_fg = kBitlenAvg[depth] + 6 * kBitlenStd[depth];
  fft(rt3.data(), logn);
  fft(rt4.data(), logn);
  poly_invnorm2_fft(rt5.data(), rt3.data(), rt4.data(), logn);
  poly_adj_fft(rt3.data(), logn);
  poly_adj_fft(rt4.data(), logn);

  std::size_t fg_len = llen;
  int maxbl_FG = static_cast<int>(31 * llen);
  int scale_k = maxbl_FG - minbl_fg;
  std::vector<std::int64_t> k(n);
  // |k| < 2^31, n <= 2^10: products stay below 2^(42 + bits(f, g)).
  const FixedPairMultiplier kmul(f, g, 44 + std::max(poly_max_bits(f), poly_max_bits(g)));
  BigPoly kf, kg;
  for (;;) {
    if (!all_fit(F, 31 * fg_len) || !all_fit(G, 31 * fg_len)) return false;
    const std::size_t rlen = std::min<std::size_t>(10, fg_len);
    const int scale_FG = static_cast<int>(31 * (fg_len - rlen));
    big_to_fp(rt1.data(), F, fg_len, rlen);
    big_to_fp(rt2.data(), G, fg_len, rlen);
    fft(rt1.data(), logn);
    fft(rt2.data(), logn);
    poly_mul_fft(rt1.data(), rt3.data(), logn);
    poly_mul_fft(rt2.data(), rt4.data(), logn);
    poly_add(rt2.data(), rt1.data(), logn);
    poly_mul_autoadj_fft(rt2.data(), rt5.data(), logn);
    ifft(rt2.data(), logn);

    // k = estimate * 2^-(scale_k - scale_FG + scale_fg), which must stay within 31 bits.
    const double pdc = std::ldexp(1.0, -(scale_k - scale_FG + scale_fg));
    for (std::size_t u = 0; u < n; ++u) {
      const double xv = rt2[u] * pdc;
      if (!(-2147483647.0 < xv && xv < 2147483647.0)) return false;
      k[u] = fp_rint(xv);
    }
    kmul.multiply(k, kf, kg);
    for (std::size_t u = 0; u < n; ++u) {
      F[u].sub_shifted(kf[u], static_cast<unsigned>(scale_k));
      G[u].sub_shifted(kg[u], static_cast<unsigned>(scale_k));
    }

    const int new_maxbl_FG = scale_k + maxbl_fg + 10;
    if (new_maxbl_FG < maxbl_FG) {
      maxbl_FG = new_maxbl_FG;
      if (static_cast<int>(fg_len) * 31 >= maxbl_FG + 31) --fg_len;
    }
    if (scale_k <= 0) break;
    scale_k = std::max(0, scale_k - 25);
  }
  return all_fit(F, 31 * slen) && all_fit(G, 31 * slen);
}

// Depth 1: one Babai round-off entirely in binary64, as the reference does; outputs the
// 31-bit words the reference keeps.
bool reduce_depth1(const BigPoly& f, const BigPoly& g, const BigPoly& F, const BigPoly& G,
                   std::vector<std::int32_t>& Fo, std::vector<std::int32_t>& Go) {
  const std::size_t n = f.size();
  const unsigned logn = log2_size(n);
  const std::size_t slen = kMaxBlSmall[1];
  const std::size_t llen = kMaxBlLarge[1];
  if (!all_fit(F, 31 * llen) || !all_fit(G, 31 * llen)) return false;
  std::vector<double> rt1(n), rt2(n), rt3(n), rt4(n), rt5(n), rt6(n);
  big_to_fp(rt1.data(), F, llen, llen);
  big_to_fp(rt2.data(), G, llen, llen);
  big_to_fp(rt3.data(), f, slen, slen);
  big_to_fp(rt4.data(), g, slen, slen);
  fft(rt1.data(), logn);
  fft(rt2.data(), logn);
  fft(rt3.data(), logn);
  fft(rt4.data(), logn);
  poly_add_muladj_fft(rt5.data(), rt1.data(), rt2.data(), rt3.data(), rt4.data(), logn);
  poly_invnorm2_fft(rt6.data(), rt3.data(), rt4.data(), logn);
  poly_mul_autoadj_fft(rt5.data(), rt6.data(), logn);
  ifft(rt5.data(), logn);
  constexpr double kTwo63 = 9223372036854775808.0;
  for (std::size_t u = 0; u < n; ++u) {
    const double z = rt5[u];
    if (!(z < kTwo63 && -kTwo63 < z)) return false;
    rt5[u] = static_cast<double>(fp_rint(z));
  }
  fft(rt5.data(), logn);
  poly_mul_fft(rt3.data(), rt5.data(), logn);
  poly_mul_fft(rt4.data(), rt5.data(), logn);
  poly_sub(rt1.data(), rt3.data(), logn);
  poly_sub(rt2.data(), rt4.data(), logn);
  ifft(rt1.data(), logn);
  ifft(rt2.data(), logn);
  Fo.resize(n);
  Go.resize(n);
  auto low31 = [](double v) {
    // Keep the low 31 bits of the rounded value, sign-extended from bit 30.
    std::uint32_t w = static_cast<std::uint32_t>(fp_rint(v)) & 0x7FFFFFFFu;
    w |= (w & 0x40000000u) << 1;
    return static_cast<std::int32_t>(w);
  };
  for (std::size_t u = 0; u < n; ++u) {
    Fo[u] = low31(rt1[u]);
    Go[u] = low31(rt2[u]);
  }
  return true;
}

std::int64_t mod_p(std::int64_t x) {
  x %= kP0;
  return x < 0 ? x + kP0 : x;
}

std::int64_t centred_p(std::int64_t x) {
  x = mod_p(x);
  return x > kP0 / 2 ? x - kP0 : x;
}

// Negacyclic product modulo p (inputs any int64, output in [0, p)).
std::vector<std::int64_t> mul_mod_p(const std::vector<std::int64_t>& a,
                                    const std::vector<std::int64_t>& b) {
  std::vector<std::uint32_t> ra(a.size()), rb(b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ra[i] = static_cast<std::uint32_t>(mod_p(a[i]));
    rb[i] = static_cast<std::uint32_t>(mod_p(b[i]));
  }
  const auto r = mul_negacyclic_mod(ra, rb, static_cast<std::uint32_t>(kP0));
  return std::vector<std::int64_t>(r.begin(), r.end());
}

std::vector<std::int64_t> adjoint(const std::int8_t* a, std::size_t n) {
  std::vector<std::int64_t> r(n);
  r[0] = a[0];
  for (std::size_t i = 1; i < n; ++i) r[n - i] = -a[i];
  return r;
}

// Depth 0: lift the depth-1 words, then one Babai round-off with exact numerator and
// denominator and the reference's FFT; all values modulo p and centred, as the reference.
bool reduce_depth0(unsigned logn, const std::int8_t* f, const std::int8_t* g,
                   const std::vector<std::int32_t>& F1, const std::vector<std::int32_t>& G1,
                   std::vector<std::int64_t>& F, std::vector<std::int64_t>& G) {
  const std::size_t n = std::size_t{1} << logn;
  const std::size_t hn = n / 2;
  std::vector<std::int64_t> Fs(n, 0), Gs(n, 0), fneg(n), gneg(n), fv(n), gv(n);
  for (std::size_t i = 0; i < hn; ++i) {
    Fs[2 * i] = mod_p(F1[i]);
    Gs[2 * i] = mod_p(G1[i]);
  }
  for (std::size_t j = 0; j < n; ++j) {
    fv[j] = f[j];
    gv[j] = g[j];
    fneg[j] = (j & 1) ? -f[j] : f[j];
    gneg[j] = (j & 1) ? -g[j] : g[j];
  }
  F = mul_mod_p(Fs, gneg);  // F1(x^2) g(-x)
  G = mul_mod_p(Gs, fneg);  // G1(x^2) f(-x)

  const auto fa = adjoint(f, n), ga = adjoint(g, n);
  auto num = mul_mod_p(F, fa);
  const auto num2 = mul_mod_p(G, ga);
  std::vector<std::int64_t> fsmall(n), gsmall(n);
  for (std::size_t i = 0; i < n; ++i) {
    fsmall[i] = mod_p(f[i]);
    gsmall[i] = mod_p(g[i]);
  }
  auto den = mul_mod_p(fsmall, fa);
  const auto den2 = mul_mod_p(gsmall, ga);
  std::vector<double> rt_den(n), rt_num(n);
  for (std::size_t i = 0; i < n; ++i) {
    rt_num[i] = static_cast<double>(centred_p(num[i] + num2[i]));
    rt_den[i] = static_cast<double>(centred_p(den[i] + den2[i]));
  }
  fft(rt_den.data(), logn);
  fft(rt_num.data(), logn);
  poly_div_autoadj_fft(rt_num.data(), rt_den.data(), logn);
  ifft(rt_num.data(), logn);
  std::vector<std::int64_t> k(n);
  for (std::size_t i = 0; i < n; ++i) k[i] = mod_p(static_cast<std::int32_t>(fp_rint(rt_num[i])));
  const auto kf = mul_mod_p(k, fv);
  const auto kg = mul_mod_p(k, gv);
  for (std::size_t i = 0; i < n; ++i) {
    F[i] = centred_p(F[i] - kf[i]);
    G[i] = centred_p(G[i] - kg[i]);
  }
  return true;
}

}  // namespace

bool solve_ntru(unsigned logn, const std::int8_t* f, const std::int8_t* g, std::int8_t* F,
                std::int8_t* G) {
  const std::size_t n = std::size_t{1} << logn;
  // Tower of field norms: fs[d], gs[d] live in Z[x]/(x^(n >> d) + 1).
  std::vector<BigPoly> fs(logn + 1), gs(logn + 1);
  fs[0].resize(n);
  gs[0].resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    fs[0][i] = BigInt(f[i]);
    gs[0][i] = BigInt(g[i]);
  }
  for (unsigned d = 1; d <= logn; ++d) {
    fs[d] = field_norm(fs[d - 1]);
    gs[d] = field_norm(gs[d - 1]);
  }

  // Deepest level: resultants Rf, Rg (positive, odd by construction of f and g). The
  // reference takes the Bezout pair 0 <= u < Rg, 0 <= v < Rf with Rf u - Rg v = 1 and sets
  // G = q u, F = q v.
  const BigInt rf = fs[logn][0], rg = gs[logn][0];
  if (rf.is_zero() || rg.is_zero() || rf.is_negative() || rg.is_negative()) return false;
  BigInt a, b;
  if (!extended_gcd(rf, rg, a, b)) return false;  // a rf + b rg = 1
  BigInt u = a, v = -b;
  while (u.is_negative()) {
    u += rg;
    v += rf;
  }
  while (!(u - rg).is_negative()) {
    u -= rg;
    v -= rf;
  }
  const std::size_t deep_bits = 31 * kMaxBlSmall[logn];
  BigPoly Fd{v * BigInt(kQ)};
  BigPoly Gd{u * BigInt(kQ)};
  if (v.is_negative() || Fd[0].bit_length() >= deep_bits || Gd[0].bit_length() >= deep_bits) {
    return false;
  }

  for (unsigned depth = logn; depth-- > 2;) {
    BigPoly Fn = lift(Fd, gs[depth]);
    BigPoly Gn = lift(Gd, fs[depth]);
    if (!reduce_intermediate(depth, fs[depth], gs[depth], Fn, Gn)) return false;
    Fd = std::move(Fn);
    Gd = std::move(Gn);
  }
  std::vector<std::int32_t> F1, G1;
  {
    const BigPoly Fn = lift(Fd, gs[1]);
    const BigPoly Gn = lift(Gd, fs[1]);
    if (!reduce_depth1(fs[1], gs[1], Fn, Gn, F1, G1)) return false;
  }
  std::vector<std::int64_t> Fz, Gz;
  if (!reduce_depth0(logn, f, g, F1, G1, Fz, Gz)) return false;
  for (std::size_t i = 0; i < n; ++i) {
    if (Fz[i] < -127 || Fz[i] > 127 || Gz[i] < -127 || Gz[i] > 127) return false;
  }
  // The reference's final check: f G - g F = q modulo p.
  std::vector<std::int64_t> fv(n), gv(n), Fm(n), Gm(n);
  for (std::size_t i = 0; i < n; ++i) {
    fv[i] = f[i];
    gv[i] = g[i];
    Fm[i] = mod_p(Fz[i]);
    Gm[i] = mod_p(Gz[i]);
  }
  const auto fG = mul_mod_p(Gm, fv);
  const auto gF = mul_mod_p(Fm, gv);
  for (std::size_t i = 0; i < n; ++i) {
    if (mod_p(fG[i] - gF[i]) != (i == 0 ? kQ : 0)) return false;
  }
  for (std::size_t i = 0; i < n; ++i) {
    F[i] = static_cast<std::int8_t>(Fz[i]);
    G[i] = static_cast<std::int8_t>(Gz[i]);
  }
  return true;
}

bool ntru_equation_holds(const std::int8_t* f, const std::int8_t* g, const std::int8_t* F,
                         const std::int8_t* G, unsigned logn) {
  // |f G - g F| < 2 * 1024 * 127^2 < p / 2, so the residue modulo p is the exact value.
  const std::size_t n = std::size_t{1} << logn;
  std::vector<std::int64_t> fv(n), gv(n), Fv(n), Gv(n);
  for (std::size_t i = 0; i < n; ++i) {
    fv[i] = f[i];
    gv[i] = g[i];
    Fv[i] = F[i];
    Gv[i] = G[i];
  }
  const auto fG = mul_mod_p(fv, Gv);
  const auto gF = mul_mod_p(gv, Fv);
  bool ok = true;
  for (std::size_t i = 0; i < n; ++i) ok = ok && mod_p(fG[i] - gF[i]) == (i == 0 ? kQ : 0);
  return ok;
}

}  // namespace stoq::falcon::detail
