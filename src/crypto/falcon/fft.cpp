#include "crypto/falcon/fft.h"

// On x86-64 the element-wise routines are also compiled for AVX2 and picked at load time
// (ifunc). Vectorising independent element-wise operations does not change any rounding:
// there is no FMA (the avx2 target does not enable it, and -ffp-contract=off forbids
// contraction anyway) and no reassociation, so both versions are bit-identical and the KAT
// covers both (falcon_kat_portable_test builds the library with STOQ_FALCON_PORTABLE_ONLY).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(STOQ_FALCON_PORTABLE_ONLY)
#define STOQ_FALCON_SIMD_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define STOQ_FALCON_SIMD_CLONES
#endif

namespace stoq::falcon::detail {

alignas(64) const double kFftRoots[1024][2] = {
#include "crypto/falcon/fft_roots.inc"
};

namespace {

struct Complex {
  double re;
  double im;
};

inline Complex cmul(double ar, double ai, double br, double bi) {
  return {ar * br - ai * bi, ar * bi + ai * br};
}

// Division as the reference does it: multiply by conj(b) / |b|^2.
inline Complex cdiv(double ar, double ai, double br, double bi) {
  double m = br * br + bi * bi;
  m = 1.0 / m;
  br = br * m;
  bi = -bi * m;
  return cmul(ar, ai, br, bi);
}

}  // namespace

STOQ_FALCON_SIMD_CLONES
void fft(double* f, unsigned logn) {
  const std::size_t n = std::size_t{1} << logn;
  const std::size_t hn = n >> 1;
  std::size_t t = hn;
  for (std::size_t u = 1, m = 2; u < logn; ++u, m <<= 1) {
    const std::size_t ht = t >> 1;
    const std::size_t hm = m >> 1;
    for (std::size_t i1 = 0, j1 = 0; i1 < hm; ++i1, j1 += t) {
      const Complex s{kFftRoots[m + i1][0], kFftRoots[m + i1][1]};
      for (std::size_t j = j1; j < j1 + ht; ++j) {
        const double xr = f[j], xi = f[j + hn];
        const Complex y = cmul(f[j + ht], f[j + ht + hn], s.re, s.im);
        f[j] = xr + y.re;
        f[j + hn] = xi + y.im;
        f[j + ht] = xr - y.re;
        f[j + ht + hn] = xi - y.im;
      }
    }
    t = ht;
  }
}

STOQ_FALCON_SIMD_CLONES
void ifft(double* f, unsigned logn) {
  const std::size_t n = std::size_t{1} << logn;
  const std::size_t hn = n >> 1;
  std::size_t t = 1;
  std::size_t m = n;
  for (unsigned u = logn; u > 1; --u) {
    const std::size_t hm = m >> 1;
    const std::size_t dt = t << 1;
    for (std::size_t i1 = 0, j1 = 0; j1 < hn; ++i1, j1 += dt) {
      const double sr = kFftRoots[hm + i1][0];
      const double si = -kFftRoots[hm + i1][1];
      for (std::size_t j = j1; j < j1 + t; ++j) {
        const double xr = f[j], xi = f[j + hn];
        const double yr = f[j + t], yi = f[j + t + hn];
        f[j] = xr + yr;
        f[j + hn] = xi + yi;
        const Complex d = cmul(xr - yr, xi - yi, sr, si);
        f[j + t] = d.re;
        f[j + t + hn] = d.im;
      }
    }
    t = dt;
    m = hm;
  }
  if (logn > 0) {
    // n/2 complex points: the scale is 2/n, an exact power of two.
    const double ni = 2.0 / static_cast<double>(n);
    for (std::size_t u = 0; u < n; ++u) f[u] = f[u] * ni;
  }
}

STOQ_FALCON_SIMD_CLONES
void poly_add(double* a, const double* b, unsigned logn) {
  const std::size_t n = std::size_t{1} << logn;
  for (std::size_t u = 0; u < n; ++u) a[u] = a[u] + b[u];
}

STOQ_FALCON_SIMD_CLONES
void poly_sub(double* a, const double* b, unsigned logn) {
  const std::size_t n = std::size_t{1} << logn;
  for (std::size_t u = 0; u < n; ++u) a[u] = a[u] - b[u];
}

STOQ_FALCON_SIMD_CLONES
void poly_neg(double* a, unsigned logn) {
  const std::size_t n = std::size_t{1} << logn;
  for (std::size_t u = 0; u < n; ++u) a[u] = -a[u];
}

void poly_adj_fft(double* a, unsigned logn) {
  const std::size_t n = std::size_t{1} << logn;
  for (std::size_t u = n >> 1; u < n; ++u) a[u] = -a[u];
}

STOQ_FALCON_SIMD_CLONES
void poly_mul_fft(double* a, const double* b, unsigned logn) {
  const std::size_t hn = std::size_t{1} << logn >> 1;
  for (std::size_t u = 0; u < hn; ++u) {
    const Complex d = cmul(a[u], a[u + hn], b[u], b[u + hn]);
    a[u] = d.re;
    a[u + hn] = d.im;
  }
}

STOQ_FALCON_SIMD_CLONES
void poly_muladj_fft(double* a, const double* b, unsigned logn) {
  const std::size_t hn = std::size_t{1} << logn >> 1;
  for (std::size_t u = 0; u < hn; ++u) {
    const Complex d = cmul(a[u], a[u + hn], b[u], -b[u + hn]);
    a[u] = d.re;
    a[u + hn] = d.im;
  }
}

STOQ_FALCON_SIMD_CLONES
void poly_mulselfadj_fft(double* a, unsigned logn) {
  const std::size_t hn = std::size_t{1} << logn >> 1;
  for (std::size_t u = 0; u < hn; ++u) {
    const double re = a[u], im = a[u + hn];
    a[u] = re * re + im * im;
    a[u + hn] = 0.0;
  }
}

STOQ_FALCON_SIMD_CLONES
void poly_mulconst(double* a, double x, unsigned logn) {
  const std::size_t n = std::size_t{1} << logn;
  for (std::size_t u = 0; u < n; ++u) a[u] = a[u] * x;
}

void poly_invnorm2_fft(double* d, const double* a, const double* b, unsigned logn) {
  const std::size_t hn = std::size_t{1} << logn >> 1;
  for (std::size_t u = 0; u < hn; ++u) {
    const double ar = a[u], ai = a[u + hn], br = b[u], bi = b[u + hn];
    d[u] = 1.0 / ((ar * ar + ai * ai) + (br * br + bi * bi));
  }
}

void poly_add_muladj_fft(double* d, const double* F, const double* G, const double* f,
                         const double* g, unsigned logn) {
  const std::size_t hn = std::size_t{1} << logn >> 1;
  for (std::size_t u = 0; u < hn; ++u) {
    const Complex a = cmul(F[u], F[u + hn], f[u], -f[u + hn]);
    const Complex b = cmul(G[u], G[u + hn], g[u], -g[u + hn]);
    d[u] = a.re + b.re;
    d[u + hn] = a.im + b.im;
  }
}

void poly_mul_autoadj_fft(double* a, const double* b, unsigned logn) {
  const std::size_t hn = std::size_t{1} << logn >> 1;
  for (std::size_t u = 0; u < hn; ++u) {
    a[u] = a[u] * b[u];
    a[u + hn] = a[u + hn] * b[u];
  }
}

void poly_div_autoadj_fft(double* a, const double* b, unsigned logn) {
  const std::size_t hn = std::size_t{1} << logn >> 1;
  for (std::size_t u = 0; u < hn; ++u) {
    const double ib = 1.0 / b[u];
    a[u] = a[u] * ib;
    a[u + hn] = a[u + hn] * ib;
  }
}

STOQ_FALCON_SIMD_CLONES
void poly_ldl_fft(const double* g00, double* g01, double* g11, unsigned logn) {
  const std::size_t hn = std::size_t{1} << logn >> 1;
  for (std::size_t u = 0; u < hn; ++u) {
    const double g01r = g01[u], g01i = g01[u + hn];
    const Complex mu = cdiv(g01r, g01i, g00[u], g00[u + hn]);
    const Complex t = cmul(mu.re, mu.im, g01r, -g01i);
    g11[u] = g11[u] - t.re;
    g11[u + hn] = g11[u + hn] - t.im;
    g01[u] = mu.re;
    g01[u + hn] = -mu.im;
  }
}

STOQ_FALCON_SIMD_CLONES
void poly_split_fft(double* f0, double* f1, const double* f, unsigned logn) {
  const std::size_t hn = std::size_t{1} << logn >> 1;
  const std::size_t qn = hn >> 1;
  f0[0] = f[0];
  f1[0] = f[hn];
  for (std::size_t u = 0; u < qn; ++u) {
    const double ar = f[2 * u], ai = f[2 * u + hn];
    const double br = f[2 * u + 1], bi = f[2 * u + 1 + hn];
    f0[u] = (ar + br) * 0.5;
    f0[u + qn] = (ai + bi) * 0.5;
    const Complex t = cmul(ar - br, ai - bi, kFftRoots[u + hn][0], -kFftRoots[u + hn][1]);
    f1[u] = t.re * 0.5;
    f1[u + qn] = t.im * 0.5;
  }
}

STOQ_FALCON_SIMD_CLONES
void poly_merge_fft(double* f, const double* f0, const double* f1, unsigned logn) {
  const std::size_t hn = std::size_t{1} << logn >> 1;
  const std::size_t qn = hn >> 1;
  f[0] = f0[0];
  f[hn] = f1[0];
  for (std::size_t u = 0; u < qn; ++u) {
    const double ar = f0[u], ai = f0[u + qn];
    const Complex b = cmul(f1[u], f1[u + qn], kFftRoots[u + hn][0], kFftRoots[u + hn][1]);
    f[2 * u] = ar + b.re;
    f[2 * u + hn] = ai + b.im;
    f[2 * u + 1] = ar - b.re;
    f[2 * u + 1 + hn] = ai - b.im;
  }
}

}  // namespace stoq::falcon::detail
