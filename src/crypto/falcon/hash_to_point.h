// Hash-to-point: SHAKE256(nonce || message) to n residues mod q (round-3 rejection method).
#pragma once

#include <cstdint>
#include <span>

namespace stoq::falcon::detail {

// Reads 16-bit big-endian words, keeps w < 61445 = 5 q, reduces mod q. The message is
// public, so the rejection loop may be variable-time.
void hash_to_point(std::span<const std::uint8_t> nonce, std::span<const std::uint8_t> message,
                   std::uint16_t* c, unsigned logn);

}  // namespace stoq::falcon::detail
