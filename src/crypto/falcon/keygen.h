// Falcon key generation (round 3): Gaussian (f, g), checks, NTRU solve, h = g / f.
#pragma once

#include <cstdint>

#include "crypto/falcon/shake256.h"

namespace stoq::falcon::detail {

// Draws a key pair from the SHAKE256 stream `rng` (already flipped). Outputs n-element
// arrays f, g, F, G and h. Consumes the stream exactly as the reference does.
void keygen(Shake256& rng, unsigned logn, std::int8_t* f, std::int8_t* g, std::int8_t* F,
            std::int8_t* G, std::uint16_t* h);

}  // namespace stoq::falcon::detail
