#include "crypto/falcon/prng.h"

#include <bit>
#include <cstring>

#include "crypto/falcon/cpu.h"
#include "crypto/falcon/secure_zero.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

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
  secure_zero(seed, 56);
  refill();
}

ChaChaPrng::~ChaChaPrng() {
  secure_zero(buf_.data(), buf_.size());
  secure_zero(key_.data(), key_.size() * sizeof(std::uint32_t));
}

namespace {

// Eight ChaCha20 blocks side by side: x[w][lane] is word w of block `lane`. Written as
// loops over lanes so the compiler vectorises them (SSE2 baseline, AVX2 clone below).
inline void quarter_round(std::uint32_t* s, int a, int b, int c, int d) {
  s[a] += s[b];
  s[d] = std::rotl(s[d] ^ s[a], 16);
  s[c] += s[d];
  s[b] = std::rotl(s[b] ^ s[c], 12);
  s[a] += s[b];
  s[d] = std::rotl(s[d] ^ s[a], 8);
  s[c] += s[d];
  s[b] = std::rotl(s[b] ^ s[c], 7);
}

// Eight ChaCha20 blocks (counter, counter + 1, ...). Output layout: byte j of word v of
// block u at 4u + 32v + j, i.e. row v holds word v of the eight blocks as consecutive
// little-endian 32-bit values (the layout of an 8-way SIMD implementation).
void refill_portable(const std::uint32_t* key, std::uint64_t counter, std::uint8_t* out) {
  for (unsigned u = 0; u < 8; ++u) {
    std::uint32_t input[16];
    for (int i = 0; i < 4; ++i) input[i] = kSigma[i];
    for (int i = 0; i < 12; ++i) input[4 + i] = key[i];
    const std::uint64_t cc = counter + u;
    input[14] ^= static_cast<std::uint32_t>(cc);
    input[15] ^= static_cast<std::uint32_t>(cc >> 32);
    std::uint32_t x[16];
    std::memcpy(x, input, sizeof x);
    for (int round = 0; round < 10; ++round) {
      quarter_round(x, 0, 4, 8, 12);
      quarter_round(x, 1, 5, 9, 13);
      quarter_round(x, 2, 6, 10, 14);
      quarter_round(x, 3, 7, 11, 15);
      quarter_round(x, 0, 5, 10, 15);
      quarter_round(x, 1, 6, 11, 12);
      quarter_round(x, 2, 7, 8, 13);
      quarter_round(x, 3, 4, 9, 14);
    }
    for (int v = 0; v < 16; ++v) {
      const std::uint32_t w = x[v] + input[v];
      std::uint8_t* dst = out + 4 * u + 32 * v;
      dst[0] = static_cast<std::uint8_t>(w);
      dst[1] = static_cast<std::uint8_t>(w >> 8);
      dst[2] = static_cast<std::uint8_t>(w >> 16);
      dst[3] = static_cast<std::uint8_t>(w >> 24);
    }
  }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(STOQ_FALCON_PORTABLE_ONLY)
#define STOQ_FALCON_HAVE_AVX2_PRNG 1

__attribute__((target("avx2"))) inline __m256i rotl_epi32(__m256i x, int k) {
  return _mm256_or_si256(_mm256_slli_epi32(x, k), _mm256_srli_epi32(x, 32 - k));
}

__attribute__((target("avx2"))) inline void quarter_round_avx2(__m256i* x, int a, int b, int c,
                                                               int d) {
  x[a] = _mm256_add_epi32(x[a], x[b]);
  x[d] = rotl_epi32(_mm256_xor_si256(x[d], x[a]), 16);
  x[c] = _mm256_add_epi32(x[c], x[d]);
  x[b] = rotl_epi32(_mm256_xor_si256(x[b], x[c]), 12);
  x[a] = _mm256_add_epi32(x[a], x[b]);
  x[d] = rotl_epi32(_mm256_xor_si256(x[d], x[a]), 8);
  x[c] = _mm256_add_epi32(x[c], x[d]);
  x[b] = rotl_epi32(_mm256_xor_si256(x[b], x[c]), 7);
}

// The eight blocks in the lanes of 16 vectors; one vector store per output row.
__attribute__((target("avx2"))) void refill_avx2(const std::uint32_t* key, std::uint64_t counter,
                                                 std::uint8_t* out) {
  __m256i in[16];
  for (int i = 0; i < 4; ++i) in[i] = _mm256_set1_epi32(static_cast<int>(kSigma[i]));
  for (int i = 0; i < 12; ++i) in[4 + i] = _mm256_set1_epi32(static_cast<int>(key[i]));
  alignas(32) std::uint32_t lo[8], hi[8];
  for (int l = 0; l < 8; ++l) {
    const std::uint64_t cc = counter + static_cast<std::uint64_t>(l);
    lo[l] = static_cast<std::uint32_t>(cc);
    hi[l] = static_cast<std::uint32_t>(cc >> 32);
  }
  in[14] = _mm256_xor_si256(in[14], _mm256_load_si256(reinterpret_cast<const __m256i*>(lo)));
  in[15] = _mm256_xor_si256(in[15], _mm256_load_si256(reinterpret_cast<const __m256i*>(hi)));
  __m256i x[16];
  for (int i = 0; i < 16; ++i) x[i] = in[i];
  for (int round = 0; round < 10; ++round) {
    quarter_round_avx2(x, 0, 4, 8, 12);
    quarter_round_avx2(x, 1, 5, 9, 13);
    quarter_round_avx2(x, 2, 6, 10, 14);
    quarter_round_avx2(x, 3, 7, 11, 15);
    quarter_round_avx2(x, 0, 5, 10, 15);
    quarter_round_avx2(x, 1, 6, 11, 12);
    quarter_round_avx2(x, 2, 7, 8, 13);
    quarter_round_avx2(x, 3, 4, 9, 14);
  }
  for (int v = 0; v < 16; ++v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 32 * v), _mm256_add_epi32(x[v], in[v]));
  }
}
#endif

using RefillFn = void (*)(const std::uint32_t*, std::uint64_t, std::uint8_t*);

RefillFn select_refill() {
#if defined(STOQ_FALCON_HAVE_AVX2_PRNG)
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
