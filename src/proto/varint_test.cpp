#include "proto/varint.h"

#include <gtest/gtest.h>

#include "proto/bytes.h"
#include "test_util.h"

namespace stoq::proto {
namespace {

using test::hex;
using test::unhex;

TEST(Varint, SizesAtBoundaries) {
  EXPECT_EQ(varint_size(0), 1u);
  EXPECT_EQ(varint_size(63), 1u);
  EXPECT_EQ(varint_size(64), 2u);
  EXPECT_EQ(varint_size(16383), 2u);
  EXPECT_EQ(varint_size(16384), 4u);
  EXPECT_EQ(varint_size((1u << 30) - 1), 4u);
  EXPECT_EQ(varint_size(1u << 30), 8u);
  EXPECT_EQ(varint_size(kVarintMax), 8u);
  EXPECT_EQ(varint_size(kVarintMax + 1), 0u);
}

TEST(Varint, RoundTripAtBoundaries) {
  for (uint64_t v : {uint64_t{0}, uint64_t{63}, uint64_t{64}, uint64_t{16383}, uint64_t{16384},
                     uint64_t{(1u << 30) - 1}, uint64_t{1u << 30}, kVarintMax}) {
    uint8_t buf[8];
    const size_t n = encode_varint(v, buf);
    ASSERT_EQ(n, varint_size(v));
    uint64_t back = 0;
    EXPECT_EQ(decode_varint({buf, n}, back), n);
    EXPECT_EQ(back, v);
    // Every shorter prefix is "need more", never a wrong value.
    for (size_t k = 0; k < n; ++k) {
      EXPECT_EQ(decode_varint({buf, k}, back), 0u);
    }
  }
}

TEST(Varint, KnownEncodings) {
  // The worked examples of RFC 9000, appendix A.1.
  struct Case {
    const char* hex;
    uint64_t value;
  } cases[] = {{"c2197c5eff14e88c", 151288809941952652ull},
               {"9d7f3e7d", 494878333},
               {"7bbd", 15293},
               {"25", 37}};
  for (const auto& c : cases) {
    uint64_t v = 0;
    auto in = unhex(c.hex);
    EXPECT_EQ(decode_varint(in, v), in.size());
    EXPECT_EQ(v, c.value);
    std::vector<uint8_t> out;
    append_varint(out, c.value);
    EXPECT_EQ(hex(out), c.hex);
  }
}

TEST(Varint, NonMinimalAcceptedButDetectable) {
  uint64_t v = 0;
  auto in = unhex("4025");  // 37 in two bytes
  EXPECT_EQ(decode_varint(in, v), 2u);
  EXPECT_EQ(v, 37u);
  EXPECT_FALSE(is_minimal_varint(v, 2));
  EXPECT_TRUE(is_minimal_varint(v, 1));
}

TEST(Varint, EncodeRejectsTooLargeOrShortBuffer) {
  uint8_t buf[8];
  EXPECT_EQ(encode_varint(kVarintMax + 1, buf), 0u);
  EXPECT_EQ(encode_varint(16384, std::span<uint8_t>(buf, 3)), 0u);
  std::vector<uint8_t> out;
  append_varint(out, ~uint64_t{0});  // clamped, still decodable
  uint64_t v = 0;
  EXPECT_EQ(decode_varint(out, v), 8u);
  EXPECT_EQ(v, kVarintMax);
}

TEST(ByteReader, NeverReadsPastEnd) {
  const uint8_t data[3] = {1, 2, 3};
  ByteReader r(data);
  uint64_t v = 0;
  EXPECT_FALSE(r.u64(v));
  uint16_t w = 0;
  EXPECT_TRUE(r.u16(w));
  EXPECT_EQ(w, 0x0102);
  std::span<const uint8_t> b;
  EXPECT_FALSE(r.bytes(2, b));
  EXPECT_TRUE(r.bytes(1, b));
  EXPECT_TRUE(r.empty());
  uint8_t x = 0;
  EXPECT_FALSE(r.u8(x));
}

}  // namespace
}  // namespace stoq::proto
