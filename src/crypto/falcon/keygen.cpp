#include "crypto/falcon/keygen.h"

#include <vector>

#include "crypto/falcon/ct_check.h"
#include "crypto/falcon/fft.h"
#include "crypto/falcon/modq.h"
#include "crypto/falcon/ntru_solve.h"
#include "crypto/falcon/params.h"

namespace stoq::falcon::detail {
namespace {

// Discrete Gaussian for (f, g) at sigma = 1.17 sqrt(q / 2048), as a reverse CDF scaled to
// 2^63 (27 entries).
constexpr std::uint64_t kGaussTable[27] = {
    1283868770400643928u,
    6416574995475331444u,
    4078260278032692663u,
    2353523259288686585u,
    1227179971273316331u,
    575931623374121527u,
    242543240509105209u,
    91437049221049666u,
    30799446349977173u,
    9255276791179340u,
    2478152334826140u,
    590642893610164u,
    125206034929641u,
    23590435911403u,
    3948334035941u,
    586753615614u,
    77391054539u,
    9056793210u,
    940121950u,
    86539696u,
    7062824u,
    510971u,
    32764u,
    1862u,
    94u,
    4u,
    0u,
};

// One coefficient: the sum of 2^(10 - logn) draws (one for Falcon-1024, two for 512).
// Each draw: the first word's top bit is the sign and its low 63 bits say whether the value
// is zero (below table[0]); otherwise the magnitude is the first k with r >= table[k] for the
// second word r, which (the table decreasing) is 1 + #{k >= 1 : r < table[k]}. The count is a
// branch-free sum the compiler vectorises.
int gaussian_coefficient(Shake256& rng, unsigned logn) {
  const unsigned draws = 1u << (10 - logn);
  int value = 0;
  for (unsigned d = 0; d < draws; ++d) {
    std::uint64_t r = rng.extract_u64_le();
    const std::uint64_t neg = r >> 63;
    r &= ~(std::uint64_t{1} << 63);
    const std::uint64_t is_zero = (r - kGaussTable[0]) >> 63;
    r = rng.extract_u64_le() & ~(std::uint64_t{1} << 63);
    std::uint64_t above = 0;
    for (std::size_t k = 1; k < 27; ++k) above += (r - kGaussTable[k]) >> 63;
    std::uint64_t v = (1 + above) & (is_zero - 1);
    v = (v ^ (0 - neg)) + neg;  // conditional negation
    value += static_cast<int>(static_cast<std::int64_t>(v));
  }
  return value;
}

void gaussian_poly(Shake256& rng, unsigned logn, std::int8_t* f) {
  const std::size_t n = std::size_t{1} << logn;
  unsigned parity = 0;
  for (std::size_t u = 0; u < n; ++u) {
    for (;;) {
      const int s = gaussian_coefficient(rng, logn);
      // Redraws are rare and reveal nothing about the kept coefficients.
      bool redraw = s < -127 || s > 127;
      if (!redraw && u == n - 1) redraw = ((parity ^ static_cast<unsigned>(s & 1)) == 0);
      ct_declassify(&redraw, sizeof redraw);
      if (redraw) continue;
      parity ^= static_cast<unsigned>(s & 1);
      f[u] = static_cast<std::int8_t>(s);
      break;
    }
  }
}

}  // namespace

void keygen(Shake256& rng, unsigned logn, std::int8_t* f, std::int8_t* g, std::int8_t* F,
            std::int8_t* G, std::uint16_t* h) {
  const Params& p = params_for(logn);
  const std::size_t n = p.n;
  std::vector<double> rt1(n), rt2(n), rt3(n);
  for (;;) {
    gaussian_poly(rng, logn, f);
    gaussian_poly(rng, logn, g);

    // Each rejected (f, g) is discarded entirely; only the final key stays secret, so
    // the checks below may branch.
    const int lim = 1 << (p.fg_bits - 1);
    bool reject = false;
    std::uint32_t norm = 0;
    for (std::size_t u = 0; u < n; ++u) {
      reject = reject || f[u] >= lim || f[u] <= -lim || g[u] >= lim || g[u] <= -lim;
      norm += static_cast<std::uint32_t>(f[u] * f[u] + g[u] * g[u]);
    }
    reject = reject || norm >= 16823;
    ct_declassify(&reject, sizeof reject);
    if (reject) continue;

    // Gram-Schmidt norm of the second basis vector: (q adj f, q adj g) / (f adj f + g adj g).
    for (std::size_t u = 0; u < n; ++u) {
      rt1[u] = f[u];
      rt2[u] = g[u];
    }
    fft(rt1.data(), logn);
    fft(rt2.data(), logn);
    poly_invnorm2_fft(rt3.data(), rt1.data(), rt2.data(), logn);
    poly_adj_fft(rt1.data(), logn);
    poly_adj_fft(rt2.data(), logn);
    poly_mulconst(rt1.data(), 12289.0, logn);
    poly_mulconst(rt2.data(), 12289.0, logn);
    poly_mul_autoadj_fft(rt1.data(), rt3.data(), logn);
    poly_mul_autoadj_fft(rt2.data(), rt3.data(), logn);
    ifft(rt1.data(), logn);
    ifft(rt2.data(), logn);
    double bnorm = 0.0;
    for (std::size_t u = 0; u < n; ++u) {
      bnorm = bnorm + rt1[u] * rt1[u];
      bnorm = bnorm + rt2[u] * rt2[u];
    }
    bool too_long = !(bnorm < 16822.4121);
    ct_declassify(&too_long, sizeof too_long);
    if (too_long) continue;

    bool ok = compute_public(h, f, g, logn);
    ct_declassify(&ok, sizeof ok);
    if (!ok) continue;
    ok = solve_ntru(logn, f, g, F, G);
    ct_declassify(&ok, sizeof ok);
    if (!ok) continue;
    break;
  }
}

}  // namespace stoq::falcon::detail
