#include "crypto/falcon/codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <span>
#include <vector>

namespace stoq::falcon::detail {
namespace {

TEST(Codec, CompressedRoundTrip) {
  std::mt19937 rng(1);
  std::normal_distribution<double> d(0.0, 170.0);
  std::vector<std::int16_t> s(512), back(512);
  for (auto& x : s)
    x = static_cast<std::int16_t>(std::clamp(static_cast<int>(d(rng)), -2047, 2047));
  s[0] = 2047;
  s[1] = -2047;
  s[2] = 0;
  std::vector<std::uint8_t> buf(2000);
  const std::size_t len = comp_encode(buf, s.data(), 9);
  ASSERT_GT(len, 0u);
  EXPECT_EQ(comp_decode(back.data(), 9, std::span(buf).first(len)), len);
  EXPECT_EQ(s, back);
}

TEST(Codec, CompressedRejectsOutOfRangeOnEncode) {
  std::vector<std::int16_t> s(512, 0);
  s[5] = 2048;
  std::vector<std::uint8_t> buf(2000);
  EXPECT_EQ(comp_encode(buf, s.data(), 9), 0u);
}

TEST(Codec, CompressedEncodeFailsWhenBufferShort) {
  std::vector<std::int16_t> s(512, 300);
  std::vector<std::uint8_t> buf(100);
  EXPECT_EQ(comp_encode(buf, s.data(), 9), 0u);
}

// Hand-built bit streams for n = 2 (logn = 1).
TEST(Codec, CompressedRejectsMinusZero) {
  // coefficient 0: sign 1, low bits 0000000, terminator 1 -> "1 0000000 1"
  // coefficient 1: "0 0000001 1"; total 18 bits -> 3 bytes, padding zeros.
  const std::uint8_t bad[] = {0x80, 0x80, 0xC0};
  std::int16_t x[2];
  EXPECT_EQ(comp_decode(x, 1, bad), 0u);
  const std::uint8_t good[] = {0x00, 0x80, 0xC0};  // +0, +1
  EXPECT_EQ(comp_decode(x, 1, good), 3u);
  EXPECT_EQ(x[0], 0);
  EXPECT_EQ(x[1], 1);
}

TEST(Codec, CompressedRejectsNonZeroPadding) {
  const std::uint8_t bad[] = {0x00, 0x80, 0xC1};
  std::int16_t x[2];
  EXPECT_EQ(comp_decode(x, 1, bad), 0u);
}

TEST(Codec, CompressedRejectsOverlongUnary) {
  // First coefficient: sign 0, low 0000000, then 16 zeros (|s| >= 2048): invalid.
  const std::uint8_t bad[] = {0x00, 0x00, 0x00, 0x80, 0x00, 0x00};
  std::int16_t x[2];
  EXPECT_EQ(comp_decode(x, 1, bad), 0u);
}

TEST(Codec, CompressedRejectsTruncated) {
  const std::uint8_t cut[] = {0x00, 0x80};
  std::int16_t x[2];
  EXPECT_EQ(comp_decode(x, 1, cut), 0u);
}

// The format read one bit at a time, straight from its definition: per coefficient a sign
// bit, 7 low bits, the high bits in unary (zeros ended by a one); then zero padding.
std::size_t reference_comp_decode(std::int16_t* x, std::size_t n,
                                  std::span<const std::uint8_t> in) {
  std::size_t pos = 0;  // in bits
  const auto bit = [&](int& out) {
    if (pos >= in.size() * 8) return false;
    out = (in[pos / 8] >> (7 - pos % 8)) & 1;
    ++pos;
    return true;
  };
  for (std::size_t u = 0; u < n; ++u) {
    int b = 0, sign = 0;
    if (!bit(sign)) return 0;
    int m = 0;
    for (int i = 0; i < 7; ++i) {
      if (!bit(b)) return 0;
      m = (m << 1) | b;
    }
    for (;;) {
      if (!bit(b)) return 0;
      if (b == 1) break;
      m += 128;
      if (m > 2047) return 0;
    }
    if (sign != 0 && m == 0) return 0;
    x[u] = static_cast<std::int16_t>(sign != 0 ? -m : m);
  }
  for (; pos % 8 != 0; ++pos) {
    if ((in[pos / 8] >> (7 - pos % 8)) & 1) return 0;
  }
  return pos / 8;
}

// Random and mutated encodings (sizes 4..64 coefficients): the decoder agrees with the
// bit-at-a-time reference on whether the input is valid, on the values and on the length.
TEST(Codec, CompressedDecodeMatchesBitByBitReference) {
  std::mt19937 rng(7);
  std::normal_distribution<double> d(0.0, 300.0);
  int valid = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    const unsigned logn = 2 + static_cast<unsigned>(rng() % 5);
    const std::size_t n = std::size_t{1} << logn;
    std::vector<std::uint8_t> buf(4 * n + 8);
    std::size_t len = 0;
    if (iter % 4 == 0) {
      len = static_cast<std::size_t>(rng() % buf.size());
      for (std::size_t i = 0; i < len; ++i) buf[i] = static_cast<std::uint8_t>(rng());
    } else {
      std::vector<std::int16_t> s(n);
      for (auto& x : s)
        x = static_cast<std::int16_t>(std::clamp(static_cast<int>(d(rng)), -2047, 2047));
      len = comp_encode(buf, s.data(), logn);
      ASSERT_GT(len, 0u);
      if (iter % 4 == 2) buf[rng() % len] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
      // One byte short, exact, or one byte more.
      if (iter % 4 == 3) len = std::min(buf.size(), len + (rng() % 3) - 1);
    }
    std::vector<std::int16_t> got(n, 0), want(n, 0);
    const std::size_t want_len = reference_comp_decode(want.data(), n, std::span(buf).first(len));
    const std::size_t got_len = comp_decode(got.data(), logn, std::span(buf).first(len));
    ASSERT_EQ(got_len, want_len) << "iteration " << iter;
    if (want_len != 0) {
      ++valid;
      ASSERT_EQ(got, want) << "iteration " << iter;
    }
  }
  EXPECT_GT(valid, 5000);
}

TEST(Codec, ModqRoundTripAndRange) {
  std::vector<std::uint16_t> h(512), back(512);
  for (std::size_t i = 0; i < h.size(); ++i) h[i] = static_cast<std::uint16_t>((i * 24593) % 12289);
  std::vector<std::uint8_t> buf(896);
  ASSERT_EQ(modq_encode(buf, h.data(), 9), 896u);
  EXPECT_EQ(modq_decode(back.data(), 9, buf), 896u);
  EXPECT_EQ(h, back);
  buf[0] = 0xFF;  // first coefficient becomes >= 12289
  buf[1] |= 0xFC;
  EXPECT_EQ(modq_decode(back.data(), 9, buf), 0u);
  EXPECT_EQ(modq_decode(back.data(), 9, std::span(buf).first(895)), 0u);
}

// Every size (the decoder reads whole seven-byte groups, then a bit-at-a-time tail), and an
// out-of-range value in every position of a group, first and last group included.
TEST(Codec, ModqEverySizeAndEveryOutOfRangePosition) {
  std::mt19937 rng(3);
  for (unsigned logn = 0; logn <= 10; ++logn) {
    const std::size_t n = std::size_t{1} << logn;
    std::vector<std::uint16_t> h(n), back(n);
    for (auto& x : h) x = static_cast<std::uint16_t>(rng() % 12289);
    const std::size_t len = (n * 14 + 7) / 8;
    std::vector<std::uint8_t> buf(len);
    ASSERT_EQ(modq_encode(buf, h.data(), logn), len) << "logn " << logn;
    ASSERT_EQ(modq_decode(back.data(), logn, buf), len) << "logn " << logn;
    EXPECT_EQ(h, back) << "logn " << logn;
    if (n * 14 % 8 != 0) {
      auto padded = buf;
      padded.back() |= 1;  // a padding bit set
      EXPECT_EQ(modq_decode(back.data(), logn, padded), 0u) << "logn " << logn;
    }
    for (std::size_t pos : {std::size_t{0}, n / 2, n - 1, std::size_t{1} % n, (n + 2) % n}) {
      for (std::uint16_t bad : {std::uint16_t{12289}, std::uint16_t{0x3FFF}}) {
        auto enc = buf;  // overwrite value pos (14 bits, most significant first)
        for (std::size_t b = 0; b < 14; ++b) {
          const std::size_t bit = 14 * pos + b;
          const auto mask = static_cast<std::uint8_t>(0x80u >> (bit % 8));
          if ((bad >> (13 - b)) & 1u) {
            enc[bit / 8] |= mask;
          } else {
            enc[bit / 8] &= static_cast<std::uint8_t>(~mask);
          }
        }
        EXPECT_EQ(modq_decode(back.data(), logn, enc), 0u) << "logn " << logn << " pos " << pos;
      }
    }
  }
}

TEST(Codec, TrimI8RoundTripAndRejectsMinimum) {
  std::vector<std::int8_t> f(512), back(512);
  for (std::size_t i = 0; i < f.size(); ++i)
    f[i] = static_cast<std::int8_t>(static_cast<int>(i % 63) - 31);
  std::vector<std::uint8_t> buf(384);
  ASSERT_EQ(trim_i8_encode(buf, f.data(), 9, 6), 384u);
  EXPECT_EQ(trim_i8_decode(back.data(), 9, 6, buf), 384u);
  EXPECT_EQ(f, back);
  buf[0] = 0x80;  // first 6 bits 100000 = -32, not a valid encoding
  EXPECT_EQ(trim_i8_decode(back.data(), 9, 6, buf), 0u);
  f[0] = -32;
  EXPECT_EQ(trim_i8_encode(buf, f.data(), 9, 6), 0u);
}

}  // namespace
}  // namespace stoq::falcon::detail
