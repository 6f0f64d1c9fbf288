// NIST SP 800-90A AES-256 CTR_DRBG without derivation function, exactly as the NIST PQC
// known-answer-test harness (rng.c, `randombytes_init` / `randombytes`) uses it.
// Test and KAT use only: it is deterministic and not constant-time.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace stoq::falcon::detail {

class CtrDrbg {
 public:
  // `randombytes_init(entropy, NULL, 256)`.
  explicit CtrDrbg(std::span<const std::uint8_t, 48> entropy);

  // `randombytes(out, out.size())`: one call, followed by one state update. Splitting a
  // request in two calls gives different bytes.
  void generate(std::span<std::uint8_t> out);

 private:
  void update(const std::uint8_t* data);  // data: 48 bytes or nullptr
  void increment_v();

  std::array<std::uint8_t, 32> key_{};
  std::array<std::uint8_t, 16> v_{};
};

}  // namespace stoq::falcon::detail
