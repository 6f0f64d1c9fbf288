// The ChaCha20-based PRNG that feeds Falcon's Gaussian sampler (round-3 `prng`).
//
// Seeded with 56 bytes of SHAKE256 output: 8 key words, 4 further words, and a 64-bit
// block counter that is XORed into state words 14 and 15. Each refill runs 8 ChaCha20
// blocks (counter cc .. cc+7) and interleaves them: byte j of word v of block u lands at
// offset 4u + 32v + j of the 512-byte buffer.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "crypto/falcon/shake256.h"

namespace stoq::falcon::detail {

class ChaChaPrng {
 public:
  explicit ChaChaPrng(Shake256& seed_source);
  ~ChaChaPrng();
  ChaChaPrng(const ChaChaPrng&) = delete;
  ChaChaPrng& operator=(const ChaChaPrng&) = delete;

  // Refills first when 9 or fewer bytes remain (the leftover bytes are dropped).
  std::uint64_t next_u64() {
    if (pos_ >= kBufBytes - 9) refill();
    std::uint64_t w = 0;
    for (int k = 7; k >= 0; --k) w = (w << 8) | buf_[pos_ + k];
    pos_ += 8;
    return w;
  }

  // Refills when the buffer becomes exactly empty.
  unsigned next_u8() {
    const unsigned v = buf_[pos_++];
    if (pos_ == kBufBytes) refill();
    return v;
  }

 private:
  static constexpr std::size_t kBufBytes = 512;
  void refill();

  std::array<std::uint32_t, 12> key_{};
  std::uint64_t counter_ = 0;
  std::array<std::uint8_t, kBufBytes> buf_{};
  std::size_t pos_ = 0;
};

}  // namespace stoq::falcon::detail
