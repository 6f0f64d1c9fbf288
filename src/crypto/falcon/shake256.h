// SHAKE256 extendable-output function (FIPS 202), used by Falcon for hash-to-point and
// as the seed expander of key generation and signing.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace stoq::falcon::detail {

// Incremental SHAKE256: absorb with `inject`, switch to output with `flip`, then read any
// number of bytes with `extract`. Calls to `inject` after `flip` are a programming error.
class Shake256 {
 public:
  Shake256() { reset(); }
  ~Shake256() { wipe(); }
  Shake256(const Shake256&) = default;
  Shake256& operator=(const Shake256&) = default;

  void reset();
  void inject(std::span<const std::uint8_t> data);
  void flip();
  void extract(std::span<std::uint8_t> out);

  // Little-endian 64-bit word from the output stream.
  std::uint64_t extract_u64_le();

  // Overwrites the whole state (the seed expander may hold secret material).
  void wipe();

  static constexpr std::size_t kRate = 136;

 private:
  std::array<std::uint64_t, 25> state_{};
  std::size_t pos_ = 0;  // byte offset inside the current rate block
  bool squeezing_ = false;
};

// Keccak-f[1600] permutation on 25 little-endian lanes.
void keccak_f1600(std::array<std::uint64_t, 25>& a);

}  // namespace stoq::falcon::detail
