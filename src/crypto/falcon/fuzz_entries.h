// Fuzz entry points shared by the libFuzzer targets (fuzz/falcon_*.cpp) and the corpus
// replay unit test. Each returns 0 and aborts on a violated invariant.
#pragma once

#include <cstddef>
#include <cstdint>

namespace stoq::falcon::fuzz {

// PublicKey::decode; an accepted key must re-encode to exactly the input.
int public_key(const std::uint8_t* data, std::size_t size);
// Compressed-signature decoder for both parameter sets; an accepted encoding must
// re-encode to exactly the consumed bytes (canonical encodings only).
int signature(const std::uint8_t* data, std::size_t size);
// verify() against fixed key pairs with attacker-controlled signature and message: must
// never crash; the fixed valid signature must keep verifying.
int verify(const std::uint8_t* data, std::size_t size);

}  // namespace stoq::falcon::fuzz
