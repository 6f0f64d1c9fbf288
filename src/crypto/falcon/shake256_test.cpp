#include "crypto/falcon/shake256.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/falcon/test_sha256.h"

namespace stoq::falcon::detail {
namespace {

std::string shake_hex(const std::vector<std::uint8_t>& in, std::size_t out_len) {
  Shake256 s;
  s.inject(in);
  s.flip();
  std::vector<std::uint8_t> out(out_len);
  s.extract(out);
  return test::to_hex(out.data(), out.size(), false);
}

TEST(Shake256, EmptyInput) {
  EXPECT_EQ(shake_hex({}, 32), "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f");
}

TEST(Shake256, Abc) {
  EXPECT_EQ(shake_hex({'a', 'b', 'c'}, 32),
            "483366601360a8771c6863080cc4114d8db44530f8f1e1ee4f94ea37e78b5739");
}

TEST(Shake256, SplitInjectAndExtractMatchOneShot) {
  std::vector<std::uint8_t> msg(1000);
  for (std::size_t i = 0; i < msg.size(); ++i) msg[i] = static_cast<std::uint8_t>(i * 7 + 3);
  Shake256 a;
  a.inject(msg);
  a.flip();
  std::vector<std::uint8_t> one(700);
  a.extract(one);

  Shake256 b;
  for (std::size_t i = 0; i < msg.size(); i += 37) {
    b.inject(std::span(msg).subspan(i, std::min<std::size_t>(37, msg.size() - i)));
  }
  b.flip();
  std::vector<std::uint8_t> pieces;
  for (std::size_t chunk : {1u, 8u, 3u, 136u, 200u, 352u}) {
    std::vector<std::uint8_t> part(chunk);
    b.extract(part);
    pieces.insert(pieces.end(), part.begin(), part.end());
  }
  EXPECT_EQ(one, pieces);
}

}  // namespace
}  // namespace stoq::falcon::detail
