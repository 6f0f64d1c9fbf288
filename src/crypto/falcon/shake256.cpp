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

// Rotation offsets r[x + 5y] of the rho step.
constexpr std::array<int, 25> kRho = {0,  1,  62, 28, 27, 36, 44, 6,  55, 20, 3,  10, 43,
                                      25, 39, 41, 45, 15, 21, 8,  18, 2,  61, 56, 14};

inline void xor_byte(std::array<std::uint64_t, 25>& s, std::size_t pos, std::uint8_t b) {
  s[pos >> 3] ^= static_cast<std::uint64_t>(b) << (8 * (pos & 7));
}

inline std::uint8_t get_byte(const std::array<std::uint64_t, 25>& s, std::size_t pos) {
  return static_cast<std::uint8_t>(s[pos >> 3] >> (8 * (pos & 7)));
}

}  // namespace

void keccak_f1600(std::array<std::uint64_t, 25>& state) {
  // Lanes in registers; rho/pi written out as the fixed permutation of lane positions.
  std::uint64_t a[25];
  for (int i = 0; i < 25; ++i) a[i] = state[i];
  for (std::uint64_t rc : kRoundConstants) {
    const std::uint64_t c0 = a[0] ^ a[5] ^ a[10] ^ a[15] ^ a[20];
    const std::uint64_t c1 = a[1] ^ a[6] ^ a[11] ^ a[16] ^ a[21];
    const std::uint64_t c2 = a[2] ^ a[7] ^ a[12] ^ a[17] ^ a[22];
    const std::uint64_t c3 = a[3] ^ a[8] ^ a[13] ^ a[18] ^ a[23];
    const std::uint64_t c4 = a[4] ^ a[9] ^ a[14] ^ a[19] ^ a[24];
    const std::uint64_t d0 = c4 ^ std::rotl(c1, 1);
    const std::uint64_t d1 = c0 ^ std::rotl(c2, 1);
    const std::uint64_t d2 = c1 ^ std::rotl(c3, 1);
    const std::uint64_t d3 = c2 ^ std::rotl(c4, 1);
    const std::uint64_t d4 = c3 ^ std::rotl(c0, 1);
    std::uint64_t b[25];
    for (int y = 0; y < 25; y += 5) {
      a[y + 0] ^= d0;
      a[y + 1] ^= d1;
      a[y + 2] ^= d2;
      a[y + 3] ^= d3;
      a[y + 4] ^= d4;
    }
    for (int x = 0; x < 5; ++x) {
      for (int y = 0; y < 5; ++y) {
        b[y + 5 * ((2 * x + 3 * y) % 5)] = std::rotl(a[x + 5 * y], kRho[x + 5 * y]);
      }
    }
    for (int y = 0; y < 25; y += 5) {
      const std::uint64_t b0 = b[y], b1 = b[y + 1], b2 = b[y + 2], b3 = b[y + 3], b4 = b[y + 4];
      a[y + 0] = b0 ^ (~b1 & b2);
      a[y + 1] = b1 ^ (~b2 & b3);
      a[y + 2] = b2 ^ (~b3 & b4);
      a[y + 3] = b3 ^ (~b4 & b0);
      a[y + 4] = b4 ^ (~b0 & b1);
    }
    a[0] ^= rc;
  }
  for (int i = 0; i < 25; ++i) state[i] = a[i];
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
  for (std::uint8_t b : data) {
    xor_byte(state_, pos_++, b);
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
