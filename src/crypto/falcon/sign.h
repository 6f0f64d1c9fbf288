// Falcon signing core: fast-Fourier sampling with the dynamic LDL tree (round-3 sign_dyn).
#pragma once

#include <cstdint>

#include "crypto/falcon/shake256.h"

namespace stoq::falcon::detail {

// Produces the short s2 for target c (hash-to-point output). `rng` is the flipped SHAKE256
// seeded with the signing seed; every attempt draws 56 bytes from it for a fresh ChaCha20
// PRNG, and attempts repeat until ||(s1, s2)||^2 is within the bound.
void sign_core(Shake256& rng, const std::int8_t* f, const std::int8_t* g, const std::int8_t* F,
               const std::int8_t* G, const std::uint16_t* c, unsigned logn, std::int16_t* s2);

}  // namespace stoq::falcon::detail
