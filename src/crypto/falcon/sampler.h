// Falcon's discrete Gaussian sampler over the integers (round-3 SamplerZ): a base
// half-Gaussian by reverse cumulative table (sigma0 = 1.8205), then rejection with
// BerExp, whose exp(-x) is the reference's 63-bit fixed-point polynomial.
#pragma once

#include <cstdint>

#include "crypto/falcon/prng.h"

namespace stoq::falcon::detail {

class GaussianSampler {
 public:
  GaussianSampler(Shake256& seed_source, double sigma_min)
      : prng_(seed_source), sigma_min_(sigma_min), rcdt_(select_rcdt()) {}

  // Returns an integer drawn from D_{Z, mu, 1/isigma}.
  int sample(double mu, double isigma);

 private:
  int base_sample();
  bool ber_exp(double x, double ccs);

  // Counts the base-sampler table entries above a 72-bit value (portable or AVX2).
  using RcdtCount = int (*)(std::uint64_t lo, std::uint64_t hi);
  static RcdtCount select_rcdt();

  ChaChaPrng prng_;
  double sigma_min_;
  RcdtCount rcdt_;
};

// ccs * exp(-x) * 2^63, for 0 <= x < log(2) and 0 <= ccs <= 1 (integer-only polynomial).
std::uint64_t expm_p63(double x, double ccs);

}  // namespace stoq::falcon::detail
