// AVX2 versions of the mod-q NTT (modq.h): sixteen 16-bit lanes per butterfly, with the
// last four stages (blocks shorter than a vector) done on shuffled pairs of vectors. The
// arithmetic is the portable code's, lane for lane, so both give the same output.
#pragma once

#include <cstdint>

namespace stoq::falcon::detail {

// Smallest size the AVX2 transforms handle (n = 32: one pair of vectors).
inline constexpr unsigned kNttAvx2MinLogn = 5;

// True when this build has the AVX2 transforms and the CPU runs them (and
// STOQ_FALCON_FORCE_PORTABLE=1 is not set).
bool ntt_avx2_available();

// In-place transforms of n = 2^logn residues in [0, q), kNttAvx2MinLogn <= logn <= 10.
// Only call when ntt_avx2_available().
void ntt_modq_avx2(std::int16_t* a, unsigned logn);
void intt_modq_avx2(std::int16_t* a, unsigned logn);

}  // namespace stoq::falcon::detail
