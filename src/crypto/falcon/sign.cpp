#include "crypto/falcon/sign.h"

#include <algorithm>
#include <vector>

#include "crypto/falcon/ct_check.h"
#include "crypto/falcon/fft.h"
#include "crypto/falcon/fp_int.h"
#include "crypto/falcon/params.h"
#include "crypto/falcon/sampler.h"

namespace stoq::falcon::detail {
namespace {

constexpr double kInverseOfQ = 8.137358613394092e-05;  // binary64 nearest to 1/12289

// Fast-Fourier sampling over the Gram matrix [[g00, g01], [adj g01, g11]] (FFT form),
// computing the LDL tree on the fly. t0, t1: target in, sample out. All buffers are
// overwritten; `tmp` needs 4 n doubles.
// ff_sampling for n = 2 written out: the same operations, in the same order, as the
// generic recursion (LDL, two leaves, the t0 update), without its copies and calls.
void ff_sampling_n2(GaussianSampler& sampler, double inv_sigma, double* t0, double* t1,
                    const double* g00, const double* g01, const double* g11) {
  const double a_re = g00[0], a_im = g00[1];
  const double b_re = g01[0], b_im = g01[1];
  // mu = g01 / g00 through the reciprocal of |g00|^2, as poly_ldl_fft does.
  double m = a_re * a_re + a_im * a_im;
  m = 1.0 / m;
  const double ar = a_re * m, ai = -a_im * m;
  const double mu_re = b_re * ar - b_im * ai;
  const double mu_im = b_re * ai + b_im * ar;
  const double d11 = g11[0] - (mu_re * b_re - mu_im * -b_im);
  const double l_re = mu_re, l_im = -mu_im;

  const double leaf1 = fp_sqrt(d11) * inv_sigma;
  const double y0 = static_cast<double>(sampler.sample(t1[0], leaf1));
  const double y1 = static_cast<double>(sampler.sample(t1[1], leaf1));
  const double z_re = t1[0] - y0, z_im = t1[1] - y1;
  t1[0] = y0;
  t1[1] = y1;
  t0[0] = t0[0] + (l_re * z_re - l_im * z_im);
  t0[1] = t0[1] + (l_re * z_im + l_im * z_re);

  const double leaf0 = fp_sqrt(a_re) * inv_sigma;
  t0[0] = static_cast<double>(sampler.sample(t0[0], leaf0));
  t0[1] = static_cast<double>(sampler.sample(t0[1], leaf0));
}

// Fixed-size copies of the FFT-domain steps for the small levels of the recursion, where
// call and copy overhead dominates. Same formulas, same order as fft.cpp (bit-identical);
// the compile-time size lets the compiler unroll them.
template <unsigned L>
struct Fixed {
  static constexpr std::size_t n = std::size_t{1} << L;
  static constexpr std::size_t hn = n >> 1;
  static constexpr std::size_t qn = hn >> 1;
};

template <unsigned L>
inline void ldl_fixed(const double* g00, double* g01, double* g11) {
  for (std::size_t u = 0; u < Fixed<L>::hn; ++u) {
    const std::size_t hn = Fixed<L>::hn;
    const double g01r = g01[u], g01i = g01[u + hn];
    const double br = g00[u], bi = g00[u + hn];
    double m = br * br + bi * bi;
    m = 1.0 / m;
    const double cr = br * m, ci = -bi * m;
    const double mu_re = g01r * cr - g01i * ci;
    const double mu_im = g01r * ci + g01i * cr;
    const double t_re = mu_re * g01r - mu_im * -g01i;
    const double t_im = mu_re * -g01i + mu_im * g01r;
    g11[u] = g11[u] - t_re;
    g11[u + hn] = g11[u + hn] - t_im;
    g01[u] = mu_re;
    g01[u + hn] = -mu_im;
  }
}

template <unsigned L>
inline void split_fixed(double* f0, double* f1, const double* f) {
  constexpr std::size_t hn = Fixed<L>::hn, qn = Fixed<L>::qn;
  f0[0] = f[0];
  f1[0] = f[hn];
  for (std::size_t u = 0; u < qn; ++u) {
    const double ar = f[2 * u], ai = f[2 * u + hn];
    const double br = f[2 * u + 1], bi = f[2 * u + 1 + hn];
    f0[u] = (ar + br) * 0.5;
    f0[u + qn] = (ai + bi) * 0.5;
    const double tr = ar - br, ti = ai - bi;
    const double sr = kFftRoots[u + hn][0], si = -kFftRoots[u + hn][1];
    f1[u] = (tr * sr - ti * si) * 0.5;
    f1[u + qn] = (tr * si + ti * sr) * 0.5;
  }
}

template <unsigned L>
inline void merge_fixed(double* f, const double* f0, const double* f1) {
  constexpr std::size_t hn = Fixed<L>::hn, qn = Fixed<L>::qn;
  f[0] = f0[0];
  f[hn] = f1[0];
  for (std::size_t u = 0; u < qn; ++u) {
    const double ar = f0[u], ai = f0[u + qn];
    const double xr = f1[u], xi = f1[u + qn];
    const double sr = kFftRoots[u + hn][0], si = kFftRoots[u + hn][1];
    const double br = xr * sr - xi * si, bi = xr * si + xi * sr;
    f[2 * u] = ar + br;
    f[2 * u + hn] = ai + bi;
    f[2 * u + 1] = ar - br;
    f[2 * u + 1 + hn] = ai - bi;
  }
}

template <unsigned L>
void ff_sampling_fixed(GaussianSampler& sampler, double inv_sigma, double* t0, double* t1,
                       double* g00, double* g01, double* g11) {
  if constexpr (L == 1) {
    ff_sampling_n2(sampler, inv_sigma, t0, t1, g00, g01, g11);
  } else {
    constexpr std::size_t n = Fixed<L>::n, hn = Fixed<L>::hn;
    double tmp[3 * n];
    ldl_fixed<L>(g00, g01, g11);
    split_fixed<L>(tmp, tmp + hn, g00);
    std::copy(tmp, tmp + n, g00);
    split_fixed<L>(tmp, tmp + hn, g11);
    std::copy(tmp, tmp + n, g11);
    double* l10 = tmp;
    std::copy(g01, g01 + n, l10);
    std::copy(g00, g00 + hn, g01);
    std::copy(g11, g11 + hn, g01 + hn);

    double* z1 = tmp + n;
    double* merged = tmp + 2 * n;
    split_fixed<L>(z1, z1 + hn, t1);
    ff_sampling_fixed<L - 1>(sampler, inv_sigma, z1, z1 + hn, g11, g11 + hn, g01 + hn);
    merge_fixed<L>(merged, z1, z1 + hn);

    for (std::size_t u = 0; u < n; ++u) z1[u] = t1[u] - merged[u];
    std::copy(merged, merged + n, t1);
    for (std::size_t u = 0; u < hn; ++u) {  // l10 *= z1
      const double ar = l10[u], ai = l10[u + hn], br = z1[u], bi = z1[u + hn];
      l10[u] = ar * br - ai * bi;
      l10[u + hn] = ar * bi + ai * br;
    }
    for (std::size_t u = 0; u < n; ++u) t0[u] = t0[u] + l10[u];

    double* z0 = tmp;
    split_fixed<L>(z0, z0 + hn, t0);
    ff_sampling_fixed<L - 1>(sampler, inv_sigma, z0, z0 + hn, g00, g00 + hn, g01);
    merge_fixed<L>(t0, z0, z0 + hn);
  }
}

void ff_sampling(GaussianSampler& sampler, double inv_sigma, double* t0, double* t1, double* g00,
                 double* g01, double* g11, unsigned logn, double* tmp) {
  switch (logn) {
    case 1:
      return ff_sampling_fixed<1>(sampler, inv_sigma, t0, t1, g00, g01, g11);
    case 2:
      return ff_sampling_fixed<2>(sampler, inv_sigma, t0, t1, g00, g01, g11);
    case 3:
      return ff_sampling_fixed<3>(sampler, inv_sigma, t0, t1, g00, g01, g11);
    case 4:
      return ff_sampling_fixed<4>(sampler, inv_sigma, t0, t1, g00, g01, g11);
    default:
      break;
  }
  if (logn == 0) {
    const double leaf = fp_sqrt(g00[0]) * inv_sigma;
    t0[0] = static_cast<double>(sampler.sample(t0[0], leaf));
    t1[0] = static_cast<double>(sampler.sample(t1[0], leaf));
    return;
  }
  const std::size_t n = std::size_t{1} << logn;
  const std::size_t hn = n >> 1;

  // g00 = d00, g01 = l10, g11 = d11; split both diagonal terms in place.
  poly_ldl_fft(g00, g01, g11, logn);
  poly_split_fft(tmp, tmp + hn, g00, logn);
  std::copy(tmp, tmp + n, g00);
  poly_split_fft(tmp, tmp + hn, g11, logn);
  std::copy(tmp, tmp + n, g11);
  double* l10 = tmp;
  std::copy(g01, g01 + n, l10);
  // The sub-problems' Gram matrices are [[d0, d1], [adj d1, d0]] for each split (d0, d1);
  // g01 now keeps the copies of d00's and d11's first halves used as their g11.
  std::copy(g00, g00 + hn, g01);
  std::copy(g11, g11 + hn, g01 + hn);

  double* z1 = tmp + n;
  double* merged = tmp + 2 * n;
  poly_split_fft(z1, z1 + hn, t1, logn);
  ff_sampling(sampler, inv_sigma, z1, z1 + hn, g11, g11 + hn, g01 + hn, logn - 1, z1 + n);
  poly_merge_fft(merged, z1, z1 + hn, logn);

  // t0 += (t1 - z1) * l10; t1 = z1.
  std::copy(t1, t1 + n, z1);
  poly_sub(z1, merged, logn);
  std::copy(merged, merged + n, t1);
  poly_mul_fft(l10, z1, logn);
  poly_add(t0, l10, logn);

  double* z0 = tmp;
  poly_split_fft(z0, z0 + hn, t0, logn);
  ff_sampling(sampler, inv_sigma, z0, z0 + hn, g00, g00 + hn, g01, logn - 1, z0 + n);
  poly_merge_fft(t0, z0, z0 + hn, logn);
}

// Basis B = [[g, -f], [G, -F]] in FFT form.
struct Basis {
  double* b00;
  double* b01;
  double* b10;
  double* b11;
};

void load_basis(const Basis& b, const std::int8_t* f, const std::int8_t* g, const std::int8_t* F,
                const std::int8_t* G, unsigned logn) {
  const std::size_t n = std::size_t{1} << logn;
  for (std::size_t u = 0; u < n; ++u) {
    b.b01[u] = f[u];
    b.b00[u] = g[u];
    b.b11[u] = F[u];
    b.b10[u] = G[u];
  }
  fft(b.b01, logn);
  fft(b.b00, logn);
  fft(b.b11, logn);
  fft(b.b10, logn);
  poly_neg(b.b01, logn);
  poly_neg(b.b11, logn);
}

// One signing attempt; true when the signature is short enough.
bool sign_attempt(GaussianSampler& sampler, const Params& p, const std::int8_t* f,
                  const std::int8_t* g, const std::int8_t* F, const std::int8_t* G,
                  const std::uint16_t* c, std::int16_t* s2, std::vector<double>& arena) {
  const unsigned logn = p.logn;
  const std::size_t n = p.n;
  double* base = arena.data();
  Basis b{base, base + n, base + 2 * n, base + 3 * n};
  double* g00 = base + 4 * n;
  double* g01 = base + 5 * n;
  double* g11 = base + 6 * n;
  double* t0 = base + 7 * n;
  double* t1 = base + 8 * n;
  double* tmp = base + 9 * n;  // 4 n for ff_sampling

  load_basis(b, f, g, F, G, logn);
  // Gram matrix G = B adj(B).
  std::copy(b.b01, b.b01 + n, t0);
  poly_mulselfadj_fft(t0, logn);  // b01 adj b01
  std::copy(b.b00, b.b00 + n, t1);
  poly_muladj_fft(t1, b.b10, logn);  // b00 adj b10
  std::copy(b.b00, b.b00 + n, g00);
  poly_mulselfadj_fft(g00, logn);
  poly_add(g00, t0, logn);
  std::copy(b.b01, b.b01 + n, g01);
  poly_muladj_fft(g01, b.b11, logn);
  poly_add(g01, t1, logn);
  std::copy(b.b10, b.b10 + n, g11);
  poly_mulselfadj_fft(g11, logn);
  std::copy(b.b11, b.b11 + n, t1);
  poly_mulselfadj_fft(t1, logn);
  poly_add(g11, t1, logn);

  // Target (t0, t1) = (c, 0) B^-1 = (c b11 / q, -c b01 / q).
  for (std::size_t u = 0; u < n; ++u) t0[u] = static_cast<double>(c[u]);
  fft(t0, logn);
  std::copy(t0, t0 + n, t1);
  poly_mul_fft(t1, b.b01, logn);
  poly_mulconst(t1, -kInverseOfQ, logn);
  poly_mul_fft(t0, b.b11, logn);
  poly_mulconst(t0, kInverseOfQ, logn);

  ff_sampling(sampler, p.inv_sigma, t0, t1, g00, g01, g11, logn, tmp);

  // (s1, s2) = (c, 0) - z B, computed as z B then subtracted. The basis is still intact in
  // the arena (the reference recomputes the same values here).
  double* tx = g00;  // the Gram matrix is no longer needed
  double* ty = g01;
  std::copy(t0, t0 + n, tx);
  std::copy(t1, t1 + n, ty);
  poly_mul_fft(tx, b.b00, logn);
  poly_mul_fft(ty, b.b10, logn);
  poly_add(tx, ty, logn);
  std::copy(t0, t0 + n, ty);
  poly_mul_fft(ty, b.b01, logn);
  std::copy(tx, tx + n, t0);
  poly_mul_fft(t1, b.b11, logn);
  poly_add(t1, ty, logn);
  ifft(t0, logn);
  ifft(t1, logn);

  std::uint64_t norm = 0;
  for (std::size_t u = 0; u < n; ++u) {
    const std::int64_t z = static_cast<std::int64_t>(c[u]) - fp_rint(t0[u]);
    norm += static_cast<std::uint64_t>(z * z);
  }
  for (std::size_t u = 0; u < n; ++u) {
    const std::int16_t z = static_cast<std::int16_t>(-fp_rint(t1[u]));
    s2[u] = z;
    norm += static_cast<std::uint64_t>(static_cast<std::int64_t>(z) * z);
  }
  bool short_enough = norm <= p.l2bound;
  ct_declassify(&short_enough, sizeof short_enough);  // retry decision: public by design
  return short_enough;
}

}  // namespace

void sign_core(Shake256& rng, const std::int8_t* f, const std::int8_t* g, const std::int8_t* F,
               const std::int8_t* G, const std::uint16_t* c, unsigned logn, std::int16_t* s2) {
  const Params& p = params_for(logn);
  std::vector<double> arena(13 * p.n);
  for (;;) {
    GaussianSampler sampler(rng, p.sigma_min);
    if (sign_attempt(sampler, p, f, g, F, G, c, s2, arena)) break;
  }
  volatile double* a = arena.data();
  for (std::size_t i = 0; i < arena.size(); ++i) a[i] = 0.0;
}

}  // namespace stoq::falcon::detail
