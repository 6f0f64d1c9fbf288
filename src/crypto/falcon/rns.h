// Exact negacyclic products of big-integer polynomials through a residue number system:
// the coefficients are reduced modulo as many 31-bit NTT-friendly primes as the result
// needs, multiplied with a number-theoretic transform per prime, and rebuilt with Garner's
// CRT. Key generation only (its inputs are secret, but keygen is not constant-time; see
// docs/falcon.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "crypto/falcon/bigint.h"

namespace stoq::falcon::detail {

using BigPoly = std::vector<BigInt>;

// a * b mod (x^n + 1), n = a.size() = b.size() a power of two <= 1024. `bound_bits` must
// bound the bit length of every output coefficient's magnitude.
BigPoly mul_negacyclic_rns(const BigPoly& a, const BigPoly& b, std::size_t bound_bits);

// Products k * f and k * g for a fixed pair (f, g) and many short k (|k| < 2^31), as in the
// solver's reduction loop: the residues and transforms of f and g are computed once.
class FixedPairMultiplier {
 public:
  // bound_bits must bound the magnitudes of every coefficient of k * f and k * g.
  FixedPairMultiplier(const BigPoly& f, const BigPoly& g, std::size_t bound_bits);
  void multiply(const std::vector<std::int64_t>& k, BigPoly& kf, BigPoly& kg) const;

 private:
  const BigPoly& f_;
  const BigPoly& g_;
  std::size_t bound_bits_;
  bool use_rns_;
  std::size_t m_ = 0;                 // primes used
  std::vector<std::uint32_t> f_ntt_;  // m * n residues, transformed
  std::vector<std::uint32_t> g_ntt_;
};

// a * b mod (x^n + 1) modulo p = `prime`, which must be one of the residue primes (the
// largest, 2147473409, is the modulus of the reference's depth-0 step). Inputs in [0, p).
std::vector<std::uint32_t> mul_negacyclic_mod(const std::vector<std::uint32_t>& a,
                                              const std::vector<std::uint32_t>& b,
                                              std::uint32_t prime);

// Largest coefficient bit length of a polynomial.
std::size_t poly_max_bits(const BigPoly& a);

}  // namespace stoq::falcon::detail
