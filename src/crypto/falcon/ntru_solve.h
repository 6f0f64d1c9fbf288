// Solver for the NTRU equation f G - g F = q over Z[x]/(x^n + 1) (key generation).
#pragma once

#include <cstdint>

namespace stoq::falcon::detail {

// Finds small F, G with f G - g F = q. Returns false when the solver gives up; key
// generation then draws a new (f, g).
//
// F is stored in the private key, so both the solution and the *decision to give up* must
// match the round-3 reference. The reference works down a tower of field norms and back up,
// reducing (F, G) at each level with a fixed schedule of floating-point Babai steps on the
// leading 31-bit words of each coefficient; it abandons (f, g) when an estimate leaves a
// fixed range. Those ranges are reached by real KAT keys, so this solver reproduces the
// schedule, the word-level approximations and the bounds exactly (with exact big integers in
// place of the reference's residue-number-system arithmetic).
bool solve_ntru(unsigned logn, const std::int8_t* f, const std::int8_t* g, std::int8_t* F,
                std::int8_t* G);

// True when f G - g F = q exactly (used to validate decoded private keys: an inconsistent
// basis would make signing loop or divide by zero).
bool ntru_equation_holds(const std::int8_t* f, const std::int8_t* g, const std::int8_t* F,
                         const std::int8_t* G, unsigned logn);

}  // namespace stoq::falcon::detail
