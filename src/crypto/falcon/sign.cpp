#include "crypto/falcon/sign.h"

#include <algorithm>
#include <vector>

#include "crypto/falcon/ct_check.h"
#include "crypto/falcon/fft.h"
#include "crypto/falcon/fp_int.h"
#include "crypto/falcon/params.h"
#include "crypto/falcon/sampler.h"
#include "crypto/falcon/secure_zero.h"

namespace stoq::falcon::detail {
namespace {

constexpr double kInverseOfQ = 8.137358613394092e-05;  // binary64 nearest to 1/12289

// Doubles in the LDL tree of degree 2^logn: the node's l10 (n values), then the subtrees of
// its two halves, down to one normalised leaf per degree-1 node.
constexpr std::size_t tree_size(unsigned logn) {
  return static_cast<std::size_t>(logn + 1) << logn;
}

// Builds the tree of the Gram matrix [[g00, g01], [adj g01, g11]] (FFT form). Layout of a
// node of degree n: l10 (n), the subtree of d00's split (used for t0), the subtree of d11's
// split (used for t1). A leaf holds sqrt(d) / sigma, the sampler's inverse deviation. The
// operations are those of the dynamic tree, in the same order. All inputs are overwritten;
// `tmp` needs n doubles.
void ff_ldl(double* tree, double* g00, double* g01, double* g11, unsigned logn, double inv_sigma,
            double* tmp) {
  if (logn == 0) {
    tree[0] = fp_sqrt(g00[0]) * inv_sigma;
    return;
  }
  const std::size_t n = std::size_t{1} << logn;
  const std::size_t hn = n >> 1;
  poly_ldl_fft(g00, g01, g11, logn);  // g01 = l10, g11 = d11
  std::copy(g01, g01 + n, tree);
  poly_split_fft(tmp, tmp + hn, g00, logn);
  std::copy(tmp, tmp + n, g00);
  poly_split_fft(tmp, tmp + hn, g11, logn);
  std::copy(tmp, tmp + n, g11);
  // Each half's Gram matrix is [[d0, d1], [adj d1, d0]]: g01 keeps the copies of d0.
  std::copy(g00, g00 + hn, g01);
  std::copy(g11, g11 + hn, g01 + hn);
  ff_ldl(tree + n, g00, g00 + hn, g01, logn - 1, inv_sigma, tmp);
  ff_ldl(tree + n + tree_size(logn - 1), g11, g11 + hn, g01 + hn, logn - 1, inv_sigma, tmp);
}

// Split and merge with a compile-time degree for the small levels, where call overhead
// dominates (same formulas, same order as fft.cpp: bit-identical); the generic routines
// (with their SIMD clones) for the large ones. A deliberate copy: sharing one inline body
// with fft.cpp made Falcon-1024 signing slower (falcon_bench, 4 interleaved pairs: 196 ->
// 214 us).
template <unsigned L>
inline void split_at(double* f0, double* f1, const double* f) {
  if constexpr (L > 4) {
    poly_split_fft(f0, f1, f, L);
  } else {
    constexpr std::size_t hn = std::size_t{1} << L >> 1, qn = hn >> 1;
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
}

template <unsigned L>
inline void merge_at(double* f, const double* f0, const double* f1) {
  if constexpr (L > 4) {
    poly_merge_fft(f, f0, f1, L);
  } else {
    constexpr std::size_t hn = std::size_t{1} << L >> 1, qn = hn >> 1;
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
}

// Fast-Fourier sampling of degree 2^L over `tree`. t0, t1: target in, sample out (FFT
// form). `tmp` needs 4 n doubles (2 n for this level, the rest for the levels below).
template <unsigned L>
void ff_sampling(GaussianSampler& sampler, double* t0, double* t1, const double* tree,
                 double* tmp) {
  if constexpr (L == 1) {
    // Degree 2 written out: one complex l10, then the leaves of d00 and d11.
    const double l_re = tree[0], l_im = tree[1], leaf0 = tree[2], leaf1 = tree[3];
    const double y0 = static_cast<double>(sampler.sample(t1[0], leaf1));
    const double y1 = static_cast<double>(sampler.sample(t1[1], leaf1));
    const double z_re = t1[0] - y0, z_im = t1[1] - y1;
    t1[0] = y0;
    t1[1] = y1;
    t0[0] = t0[0] + (l_re * z_re - l_im * z_im);
    t0[1] = t0[1] + (l_re * z_im + l_im * z_re);
    t0[0] = static_cast<double>(sampler.sample(t0[0], leaf0));
    t0[1] = static_cast<double>(sampler.sample(t0[1], leaf0));
  } else {
    constexpr std::size_t n = std::size_t{1} << L, hn = n >> 1;
    const double* l10 = tree;
    const double* sub0 = tree + n;
    const double* sub1 = sub0 + tree_size(L - 1);
    double* z1 = tmp;
    double* merged = tmp + n;
    split_at<L>(z1, z1 + hn, t1);
    ff_sampling<L - 1>(sampler, z1, z1 + hn, sub1, tmp + 2 * n);
    merge_at<L>(merged, z1, z1 + hn);

    // t0 += (t1 - z1) * l10; t1 = z1.
    for (std::size_t u = 0; u < n; ++u) z1[u] = t1[u] - merged[u];
    std::copy(merged, merged + n, t1);
    for (std::size_t u = 0; u < hn; ++u) {
      const double ar = l10[u], ai = l10[u + hn], br = z1[u], bi = z1[u + hn];
      t0[u] = t0[u] + (ar * br - ai * bi);
      t0[u + hn] = t0[u + hn] + (ar * bi + ai * br);
    }

    double* z0 = tmp;
    split_at<L>(z0, z0 + hn, t0);
    ff_sampling<L - 1>(sampler, z0, z0 + hn, sub0, tmp + 2 * n);
    merge_at<L>(t0, z0, z0 + hn);
  }
}

void ff_sampling_root(GaussianSampler& sampler, double* t0, double* t1, const double* tree,
                      unsigned logn, double* tmp) {
  if (logn == 9) return ff_sampling<9>(sampler, t0, t1, tree, tmp);
  return ff_sampling<10>(sampler, t0, t1, tree, tmp);
}

// One signing attempt; true when the signature is short enough.
bool sign_attempt(GaussianSampler& sampler, const Params& p, const double* expanded,
                  const std::uint16_t* c, std::int16_t* s2, std::vector<double>& arena) {
  const unsigned logn = p.logn;
  const std::size_t n = p.n;
  const double* b00 = expanded;
  const double* b01 = expanded + n;
  const double* b10 = expanded + 2 * n;
  const double* b11 = expanded + 3 * n;
  const double* tree = expanded + 4 * n;
  double* t0 = arena.data();
  double* t1 = t0 + n;
  double* tx = t0 + 2 * n;
  double* ty = t0 + 3 * n;
  double* tmp = t0 + 4 * n;  // 4 n for ff_sampling

  // Target (t0, t1) = (c, 0) B^-1 = (c b11 / q, -c b01 / q).
  for (std::size_t u = 0; u < n; ++u) t0[u] = static_cast<double>(c[u]);
  fft(t0, logn);
  std::copy(t0, t0 + n, t1);
  poly_mul_fft(t1, b01, logn);
  poly_mulconst(t1, -kInverseOfQ, logn);
  poly_mul_fft(t0, b11, logn);
  poly_mulconst(t0, kInverseOfQ, logn);

  ff_sampling_root(sampler, t0, t1, tree, logn, tmp);

  // (s1, s2) = (c, 0) - z B, computed as z B then subtracted.
  std::copy(t0, t0 + n, tx);
  std::copy(t1, t1 + n, ty);
  poly_mul_fft(tx, b00, logn);
  poly_mul_fft(ty, b10, logn);
  poly_add(tx, ty, logn);
  std::copy(t0, t0 + n, ty);
  poly_mul_fft(ty, b01, logn);
  std::copy(tx, tx + n, t0);
  poly_mul_fft(t1, b11, logn);
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

void wipe(std::vector<double>& v) {
  secure_zero(v.data(), v.size() * sizeof(double));
}

}  // namespace

std::size_t signing_key_size(unsigned logn) {
  return (std::size_t{4} << logn) + tree_size(logn);
}

void expand_signing_key(double* out, const std::int8_t* f, const std::int8_t* g,
                        const std::int8_t* F, const std::int8_t* G, unsigned logn) {
  const Params& p = params_for(logn);
  const std::size_t n = p.n;
  double* b00 = out;
  double* b01 = out + n;
  double* b10 = out + 2 * n;
  double* b11 = out + 3 * n;
  for (std::size_t u = 0; u < n; ++u) {
    b01[u] = f[u];
    b00[u] = g[u];
    b11[u] = F[u];
    b10[u] = G[u];
  }
  fft(b01, logn);
  fft(b00, logn);
  fft(b11, logn);
  fft(b10, logn);
  poly_neg(b01, logn);
  poly_neg(b11, logn);

  // Gram matrix B adj(B).
  std::vector<double> arena(5 * n);
  double* g00 = arena.data();
  double* g01 = g00 + n;
  double* g11 = g00 + 2 * n;
  double* t0 = g00 + 3 * n;
  double* t1 = g00 + 4 * n;
  std::copy(b01, b01 + n, t0);
  poly_mulselfadj_fft(t0, logn);  // b01 adj b01
  std::copy(b00, b00 + n, t1);
  poly_muladj_fft(t1, b10, logn);  // b00 adj b10
  std::copy(b00, b00 + n, g00);
  poly_mulselfadj_fft(g00, logn);
  poly_add(g00, t0, logn);
  std::copy(b01, b01 + n, g01);
  poly_muladj_fft(g01, b11, logn);
  poly_add(g01, t1, logn);
  std::copy(b10, b10 + n, g11);
  poly_mulselfadj_fft(g11, logn);
  std::copy(b11, b11 + n, t1);
  poly_mulselfadj_fft(t1, logn);
  poly_add(g11, t1, logn);

  ff_ldl(out + 4 * n, g00, g01, g11, logn, p.inv_sigma, t0);
  wipe(arena);
}

void sign_core(Shake256& rng, const double* expanded, const std::uint16_t* c, unsigned logn,
               std::int16_t* s2) {
  const Params& p = params_for(logn);
  std::vector<double> arena(8 * p.n);
  for (;;) {
    GaussianSampler sampler(rng, p.sigma_min);
    if (sign_attempt(sampler, p, expanded, c, s2, arena)) break;
  }
  wipe(arena);
}

}  // namespace stoq::falcon::detail
