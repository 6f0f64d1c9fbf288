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
void ff_sampling(GaussianSampler& sampler, double inv_sigma, double* t0, double* t1, double* g00,
                 double* g01, double* g11, unsigned logn, double* tmp) {
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

  // (s1, s2) = (c, 0) - z B, computed as z B then subtracted.
  load_basis(b, f, g, F, G, logn);
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
