#include "crypto/falcon/codec.h"

#include <gtest/gtest.h>

#include <random>
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
