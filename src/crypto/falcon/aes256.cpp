#include "crypto/falcon/aes256.h"

namespace stoq::falcon::detail {
namespace {

constexpr std::uint8_t xtime(std::uint8_t x) {
  return static_cast<std::uint8_t>((x << 1) ^ ((x & 0x80) ? 0x1B : 0x00));
}

// S-box derived from its definition: multiplicative inverse in GF(2^8) (through log and
// antilog tables of the generator 3), then the affine map.
constexpr std::array<std::uint8_t, 256> make_sbox() {
  std::array<std::uint8_t, 256> exp{}, log{};
  std::uint8_t x = 1;
  for (int i = 0; i < 255; ++i) {
    exp[i] = x;
    log[x] = static_cast<std::uint8_t>(i);
    x = static_cast<std::uint8_t>(x ^ xtime(x));  // x * 3
  }
  std::array<std::uint8_t, 256> s{};
  for (int v = 0; v < 256; ++v) {
    std::uint8_t inv = v == 0 ? 0 : exp[(255 - log[v]) % 255];
    std::uint8_t r = 0x63;
    for (int k = 0; k < 5; ++k) {
      r ^= inv;
      inv = static_cast<std::uint8_t>((inv << 1) | (inv >> 7));
    }
    s[v] = r;
  }
  return s;
}

constexpr std::array<std::uint8_t, 256> kSbox = make_sbox();
static_assert(kSbox[0x00] == 0x63 && kSbox[0x53] == 0xED);

}  // namespace

Aes256Encryptor::Aes256Encryptor(const std::array<std::uint8_t, 32>& key) {
  for (int i = 0; i < 32; ++i) round_keys_[i] = key[i];
  std::uint8_t rcon = 1;
  for (int i = 8; i < 60; ++i) {  // 60 words of 4 bytes
    std::uint8_t t[4];
    for (int k = 0; k < 4; ++k) t[k] = round_keys_[4 * (i - 1) + k];
    if (i % 8 == 0) {
      const std::uint8_t first = t[0];
      t[0] = static_cast<std::uint8_t>(kSbox[t[1]] ^ rcon);
      t[1] = kSbox[t[2]];
      t[2] = kSbox[t[3]];
      t[3] = kSbox[first];
      rcon = xtime(rcon);
    } else if (i % 8 == 4) {
      for (auto& b : t) b = kSbox[b];
    }
    for (int k = 0; k < 4; ++k) {
      round_keys_[4 * i + k] = static_cast<std::uint8_t>(round_keys_[4 * (i - 8) + k] ^ t[k]);
    }
  }
}

Aes256Encryptor::~Aes256Encryptor() {
  volatile std::uint8_t* p = round_keys_.data();
  for (std::size_t i = 0; i < round_keys_.size(); ++i) p[i] = 0;
}

std::array<std::uint8_t, 16> Aes256Encryptor::encrypt_block(
    const std::array<std::uint8_t, 16>& in) const {
  std::array<std::uint8_t, 16> s{};
  for (int i = 0; i < 16; ++i) s[i] = static_cast<std::uint8_t>(in[i] ^ round_keys_[i]);
  for (int round = 1; round <= 14; ++round) {
    // SubBytes + ShiftRows (state is column-major: byte r + 4c).
    std::array<std::uint8_t, 16> t{};
    for (int c = 0; c < 4; ++c) {
      for (int r = 0; r < 4; ++r) t[r + 4 * c] = kSbox[s[r + 4 * ((c + r) % 4)]];
    }
    if (round != 14) {  // MixColumns
      for (int c = 0; c < 4; ++c) {
        const std::uint8_t a0 = t[4 * c], a1 = t[4 * c + 1], a2 = t[4 * c + 2], a3 = t[4 * c + 3];
        t[4 * c + 0] = static_cast<std::uint8_t>(xtime(a0) ^ xtime(a1) ^ a1 ^ a2 ^ a3);
        t[4 * c + 1] = static_cast<std::uint8_t>(a0 ^ xtime(a1) ^ xtime(a2) ^ a2 ^ a3);
        t[4 * c + 2] = static_cast<std::uint8_t>(a0 ^ a1 ^ xtime(a2) ^ xtime(a3) ^ a3);
        t[4 * c + 3] = static_cast<std::uint8_t>(xtime(a0) ^ a0 ^ a1 ^ a2 ^ xtime(a3));
      }
    }
    for (int i = 0; i < 16; ++i)
      s[i] = static_cast<std::uint8_t>(t[i] ^ round_keys_[16 * round + i]);
  }
  return s;
}

}  // namespace stoq::falcon::detail
