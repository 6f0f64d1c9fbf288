// Arithmetic in Z_q[x]/(x^n + 1), q = 12289, through a negacyclic NTT. Used for the public
// key h = g / f, for recomputing G from (f, g, F), and by verification.
#pragma once

#include <cstdint>

namespace stoq::falcon::detail {

// In-place forward / inverse NTT of n = 2^logn residues in [0, q).
void ntt_modq(std::uint16_t* a, unsigned logn);
void intt_modq(std::uint16_t* a, unsigned logn);

// The same transforms without the AVX2 code (ntt_avx2.h), for any CPU; the tests compare
// the two.
void ntt_modq_portable(std::uint16_t* a, unsigned logn);
void intt_modq_portable(std::uint16_t* a, unsigned logn);

// Reduces a small signed integer into [0, q).
inline std::uint16_t modq_from_int(std::int32_t x) {
  const std::int32_t q = 12289;
  x %= q;
  x += q & -static_cast<std::int32_t>(x < 0);
  return static_cast<std::uint16_t>(x);
}

inline std::uint16_t modq_mul(std::uint32_t a, std::uint32_t b) {
  return static_cast<std::uint16_t>((a * b) % 12289u);
}

// a^(q-2): the inverse of a non-zero residue; 0 for 0. Constant-time.
std::uint16_t modq_inverse(std::uint16_t a);

// h = g / f mod q. Returns false when f is not invertible.
bool compute_public(std::uint16_t* h, const std::int8_t* f, const std::int8_t* g, unsigned logn);

// G = g F / f mod q, centred; false when f is not invertible or a coefficient of G is
// outside [-127, 127].
bool complete_private(std::int8_t* G, const std::int8_t* f, const std::int8_t* g,
                      const std::int8_t* F, unsigned logn);

}  // namespace stoq::falcon::detail
