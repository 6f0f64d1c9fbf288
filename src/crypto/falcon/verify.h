// Falcon verification core (integer only).
#pragma once

#include <cstdint>

namespace stoq::falcon::detail {

// True when s1 = c - s2 h (mod q, centred) satisfies ||(s1, s2)||^2 <= bound.
// c and h hold residues in [0, q); s2 holds decoded coefficients (|s2| <= 2047).
bool verify_core(const std::uint16_t* c, const std::int16_t* s2, const std::uint16_t* h,
                 unsigned logn);

}  // namespace stoq::falcon::detail
