// Falcon signing core: fast-Fourier sampling over a precomputed LDL tree (round-3
// sign_tree). The tree is built once per private key; signing then only samples.
#pragma once

#include <cstddef>
#include <cstdint>

#include "crypto/falcon/shake256.h"

namespace stoq::falcon::detail {

// Doubles in a signing key expanded for fast signing: the basis [[g, -f], [G, -F]] in FFT
// form (4 n), then the LDL tree of its Gram matrix with normalised leaves ((logn + 1) n).
// 120 KiB for Falcon-1024, 56 KiB for Falcon-512. Secret: wipe it after use.
std::size_t signing_key_size(unsigned logn);

// Fills `out` (signing_key_size(logn) doubles) from the private basis (f, g, F, G).
void expand_signing_key(double* out, const std::int8_t* f, const std::int8_t* g,
                        const std::int8_t* F, const std::int8_t* G, unsigned logn);

// Produces the short s2 for target c (hash-to-point output). `rng` is the flipped SHAKE256
// seeded with the signing seed; every attempt draws 56 bytes from it for a fresh ChaCha20
// PRNG, and attempts repeat until ||(s1, s2)||^2 is within the bound. The result is
// identical to computing the tree on the fly (round-3 sign_dyn): same operations, same
// order, same sampler calls.
void sign_core(Shake256& rng, const double* expanded, const std::uint16_t* c, unsigned logn,
               std::int16_t* s2);

}  // namespace stoq::falcon::detail
