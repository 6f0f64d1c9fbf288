#include "crypto/falcon/shake256.h"

#include <bit>

namespace stoq::falcon::detail {
namespace {

constexpr std::array<std::uint64_t, 24> kRoundConstants = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

inline void xor_byte(std::array<std::uint64_t, 25>& s, std::size_t pos, std::uint8_t b) {
  s[pos >> 3] ^= static_cast<std::uint64_t>(b) << (8 * (pos & 7));
}

inline std::uint8_t get_byte(const std::array<std::uint64_t, 25>& s, std::size_t pos) {
  return static_cast<std::uint8_t>(s[pos >> 3] >> (8 * (pos & 7)));
}

}  // namespace

// x86-64 with GCC: an extra clone using BMI1/BMI2 (andn, rorx), chosen at load time.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(STOQ_FALCON_PORTABLE_ONLY)
__attribute__((target_clones("arch=haswell", "default")))
#endif
void keccak_f1600(std::array<std::uint64_t, 25>& state) {
  // Fully unrolled round on 25 named lanes (theta, rho and pi, chi, iota); the lane
  // permutation is written out so every lane can live in a register.
  std::uint64_t a0 = state[0], a1 = state[1], a2 = state[2], a3 = state[3], a4 = state[4],
                a5 = state[5], a6 = state[6], a7 = state[7], a8 = state[8], a9 = state[9],
                a10 = state[10], a11 = state[11], a12 = state[12], a13 = state[13], a14 = state[14],
                a15 = state[15], a16 = state[16], a17 = state[17], a18 = state[18], a19 = state[19],
                a20 = state[20], a21 = state[21], a22 = state[22], a23 = state[23], a24 = state[24];
  for (std::uint64_t rc : kRoundConstants) {
    const std::uint64_t c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20;
    const std::uint64_t c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21;
    const std::uint64_t c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22;
    const std::uint64_t c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23;
    const std::uint64_t c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24;
    const std::uint64_t d0 = c4 ^ std::rotl(c1, 1);
    const std::uint64_t d1 = c0 ^ std::rotl(c2, 1);
    const std::uint64_t d2 = c1 ^ std::rotl(c3, 1);
    const std::uint64_t d3 = c2 ^ std::rotl(c4, 1);
    const std::uint64_t d4 = c3 ^ std::rotl(c0, 1);
    const std::uint64_t b0 = a0 ^ d0;
    const std::uint64_t b1 = std::rotl(a6 ^ d1, 44);
    const std::uint64_t b2 = std::rotl(a12 ^ d2, 43);
    const std::uint64_t b3 = std::rotl(a18 ^ d3, 21);
    const std::uint64_t b4 = std::rotl(a24 ^ d4, 14);
    const std::uint64_t b5 = std::rotl(a3 ^ d3, 28);
    const std::uint64_t b6 = std::rotl(a9 ^ d4, 20);
    const std::uint64_t b7 = std::rotl(a10 ^ d0, 3);
    const std::uint64_t b8 = std::rotl(a16 ^ d1, 45);
    const std::uint64_t b9 = std::rotl(a22 ^ d2, 61);
    const std::uint64_t b10 = std::rotl(a1 ^ d1, 1);
    const std::uint64_t b11 = std::rotl(a7 ^ d2, 6);
    const std::uint64_t b12 = std::rotl(a13 ^ d3, 25);
    const std::uint64_t b13 = std::rotl(a19 ^ d4, 8);
    const std::uint64_t b14 = std::rotl(a20 ^ d0, 18);
    const std::uint64_t b15 = std::rotl(a4 ^ d4, 27);
    const std::uint64_t b16 = std::rotl(a5 ^ d0, 36);
    const std::uint64_t b17 = std::rotl(a11 ^ d1, 10);
    const std::uint64_t b18 = std::rotl(a17 ^ d2, 15);
    const std::uint64_t b19 = std::rotl(a23 ^ d3, 56);
    const std::uint64_t b20 = std::rotl(a2 ^ d2, 62);
    const std::uint64_t b21 = std::rotl(a8 ^ d3, 55);
    const std::uint64_t b22 = std::rotl(a14 ^ d4, 39);
    const std::uint64_t b23 = std::rotl(a15 ^ d0, 41);
    const std::uint64_t b24 = std::rotl(a21 ^ d1, 2);
    a0 = b0 ^ (~b1 & b2);
    a1 = b1 ^ (~b2 & b3);
    a2 = b2 ^ (~b3 & b4);
    a3 = b3 ^ (~b4 & b0);
    a4 = b4 ^ (~b0 & b1);
    a5 = b5 ^ (~b6 & b7);
    a6 = b6 ^ (~b7 & b8);
    a7 = b7 ^ (~b8 & b9);
    a8 = b8 ^ (~b9 & b5);
    a9 = b9 ^ (~b5 & b6);
    a10 = b10 ^ (~b11 & b12);
    a11 = b11 ^ (~b12 & b13);
    a12 = b12 ^ (~b13 & b14);
    a13 = b13 ^ (~b14 & b10);
    a14 = b14 ^ (~b10 & b11);
    a15 = b15 ^ (~b16 & b17);
    a16 = b16 ^ (~b17 & b18);
    a17 = b17 ^ (~b18 & b19);
    a18 = b18 ^ (~b19 & b15);
    a19 = b19 ^ (~b15 & b16);
    a20 = b20 ^ (~b21 & b22);
    a21 = b21 ^ (~b22 & b23);
    a22 = b22 ^ (~b23 & b24);
    a23 = b23 ^ (~b24 & b20);
    a24 = b24 ^ (~b20 & b21);
    a0 ^= rc;
  }
  state[0] = a0;
  state[1] = a1;
  state[2] = a2;
  state[3] = a3;
  state[4] = a4;
  state[5] = a5;
  state[6] = a6;
  state[7] = a7;
  state[8] = a8;
  state[9] = a9;
  state[10] = a10;
  state[11] = a11;
  state[12] = a12;
  state[13] = a13;
  state[14] = a14;
  state[15] = a15;
  state[16] = a16;
  state[17] = a17;
  state[18] = a18;
  state[19] = a19;
  state[20] = a20;
  state[21] = a21;
  state[22] = a22;
  state[23] = a23;
  state[24] = a24;
}

void Shake256::reset() {
  state_.fill(0);
  pos_ = 0;
  squeezing_ = false;
}

void Shake256::wipe() {
  volatile std::uint64_t* p = state_.data();
  for (std::size_t i = 0; i < state_.size(); ++i) p[i] = 0;
  pos_ = 0;
}

void Shake256::inject(std::span<const std::uint8_t> data) {
  std::size_t i = 0;
  while (i < data.size()) {
    // Whole aligned lanes go in as little-endian words; the rest a byte at a time.
    if ((pos_ & 7) == 0 && data.size() - i >= 8) {
      std::uint64_t w = 0;
      for (int k = 7; k >= 0; --k) w = (w << 8) | data[i + static_cast<std::size_t>(k)];
      state_[pos_ >> 3] ^= w;
      i += 8;
      pos_ += 8;
    } else {
      xor_byte(state_, pos_++, data[i++]);
    }
    if (pos_ == kRate) {
      keccak_f1600(state_);
      pos_ = 0;
    }
  }
}

void Shake256::flip() {
  // SHAKE domain separation (1111) followed by pad10*1.
  xor_byte(state_, pos_, 0x1F);
  xor_byte(state_, kRate - 1, 0x80);
  keccak_f1600(state_);
  pos_ = 0;
  squeezing_ = true;
}

void Shake256::extract(std::span<std::uint8_t> out) {
  std::size_t i = 0;
  while (i < out.size()) {
    if (pos_ == kRate) {
      keccak_f1600(state_);
      pos_ = 0;
    }
    // Whole aligned lanes go out as little-endian words.
    if ((pos_ & 7) == 0 && out.size() - i >= 8 && kRate - pos_ >= 8) {
      const std::uint64_t w = state_[pos_ >> 3];
      for (int k = 0; k < 8; ++k) out[i + k] = static_cast<std::uint8_t>(w >> (8 * k));
      i += 8;
      pos_ += 8;
      continue;
    }
    out[i++] = get_byte(state_, pos_++);
  }
}

std::uint64_t Shake256::extract_u64_le() {
  if ((pos_ & 7) == 0 && pos_ + 8 <= kRate) {
    const std::uint64_t w = state_[pos_ >> 3];
    pos_ += 8;
    return w;
  }
  if (pos_ == kRate) {
    keccak_f1600(state_);
    pos_ = 0;
    const std::uint64_t w = state_[0];
    pos_ = 8;
    return w;
  }
  std::uint8_t b[8];
  extract(b);
  std::uint64_t w = 0;
  for (int k = 7; k >= 0; --k) w = (w << 8) | b[k];
  return w;
}

}  // namespace stoq::falcon::detail
