#include "crypto/falcon/prng.h"

#include <bit>
#include <cstring>

#include "crypto/falcon/cpu.h"

namespace stoq::falcon::detail {
namespace {

constexpr std::uint32_t kSigma[4] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};


}  // namespace

ChaChaPrng::ChaChaPrng(Shake256& seed_source) {
  std::uint8_t seed[56];
  seed_source.extract(seed);
  for (int i = 0; i < 12; ++i) {
    key_[i] = static_cast<std::uint32_t>(seed[4 * i]) |
              (static_cast<std::uint32_t>(seed[4 * i + 1]) << 8) |
              (static_cast<std::uint32_t>(seed[4 * i + 2]) << 16) |
              (static_cast<std::uint32_t>(seed[4 * i + 3]) << 24);
  }
  counter_ = 0;
  for (int k = 7; k >= 0; --k) counter_ = (counter_ << 8) | seed[48 + k];
  volatile std::uint8_t* p = seed;
  for (int i = 0; i < 56; ++i) p[i] = 0;
  refill();
}

ChaChaPrng::~ChaChaPrng() {
  volatile std::uint8_t* b = buf_.data();
  for (std::size_t i = 0; i < buf_.size(); ++i) b[i] = 0;
  volatile std::uint32_t* k = key_.data();
  for (std::size_t i = 0; i < key_.size(); ++i) k[i] = 0;
}

namespace {

// Eight ChaCha20 blocks side by side: x[w][lane] is word w of block `lane`. Written as
// loops over lanes so the compiler vectorises them (SSE2 baseline, AVX2 clone below).
template <int kLanes>
inline void chacha_rounds(std::uint32_t (&x)[16][kLanes]) {
  auto qr = [&x](int a, int b, int c, int d) {
    for (int l = 0; l < kLanes; ++l) {
      x[a][l] += x[b][l];
      x[d][l] = std::rotl(x[d][l] ^ x[a][l], 16);
      x[c][l] += x[d][l];
      x[b][l] = std::rotl(x[b][l] ^ x[c][l], 12);
      x[a][l] += x[b][l];
      x[d][l] = std::rotl(x[d][l] ^ x[a][l], 8);
      x[c][l] += x[d][l];
      x[b][l] = std::rotl(x[b][l] ^ x[c][l], 7);
    }
  };
  for (int round = 0; round < 10; ++round) {
    qr(0, 4, 8, 12);
    qr(1, 5, 9, 13);
    qr(2, 6, 10, 14);
    qr(3, 7, 11, 15);
    qr(0, 5, 10, 15);
    qr(1, 6, 11, 12);
    qr(2, 7, 8, 13);
    qr(3, 4, 9, 14);
  }
}

// Output layout: byte j of word v of block u at 4u + 32v + j, i.e. row v holds word v of
// the eight blocks as consecutive little-endian 32-bit values.
template <int kLanes>
inline void chacha8_blocks(const std::uint32_t* key, std::uint64_t counter, std::uint8_t* out) {
  std::uint32_t input[16][kLanes];
  for (int l = 0; l < kLanes; ++l) {
    for (int i = 0; i < 4; ++i) input[i][l] = kSigma[i];
    for (int i = 0; i < 12; ++i) input[4 + i][l] = key[i];
    const std::uint64_t cc = counter + static_cast<std::uint64_t>(l);
    input[14][l] ^= static_cast<std::uint32_t>(cc);
    input[15][l] ^= static_cast<std::uint32_t>(cc >> 32);
  }
  std::uint32_t x[16][kLanes];
  std::memcpy(x, input, sizeof x);
  chacha_rounds<kLanes>(x);
  for (int v = 0; v < 16; ++v) {
    for (int l = 0; l < kLanes; ++l) {
      const std::uint32_t w = x[v][l] + input[v][l];
      std::uint8_t* dst = out + 4 * l + 32 * v;
      dst[0] = static_cast<std::uint8_t>(w);
      dst[1] = static_cast<std::uint8_t>(w >> 8);
      dst[2] = static_cast<std::uint8_t>(w >> 16);
      dst[3] = static_cast<std::uint8_t>(w >> 24);
    }
  }
}

void refill_portable(const std::uint32_t* key, std::uint64_t counter, std::uint8_t* out) {
  chacha8_blocks<8>(key, counter, out);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("avx2"))) void refill_avx2(const std::uint32_t* key, std::uint64_t counter,
                                                 std::uint8_t* out) {
  chacha8_blocks<8>(key, counter, out);
}
#endif

using RefillFn = void (*)(const std::uint32_t*, std::uint64_t, std::uint8_t*);

RefillFn select_refill() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (cpu_has_avx2()) return refill_avx2;
#endif
  return refill_portable;
}

}  // namespace

void ChaChaPrng::refill() {
  static const RefillFn fn = select_refill();
  fn(key_.data(), counter_, buf_.data());
  counter_ += 8;
  pos_ = 0;
}

}  // namespace stoq::falcon::detail
