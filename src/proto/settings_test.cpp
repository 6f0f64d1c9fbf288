#include "proto/settings.h"

#include <gtest/gtest.h>

#include "proto/frame.h"
#include "proto/limits.h"

namespace stoq::proto {
namespace {

std::span<const uint8_t> payload_of(const std::vector<uint8_t>& frame) {
  ByteReader r(frame);
  auto f = read_frame(r, kMaxMaxFrameSize);
  EXPECT_TRUE(f.ok());
  return f.value().payload;
}

std::vector<uint8_t> pairs(std::initializer_list<std::pair<uint64_t, uint64_t>> kv) {
  std::vector<uint8_t> p;
  for (auto [k, v] : kv) {
    append_varint(p, k);
    append_varint(p, v);
  }
  return p;
}

TEST(Settings, DefaultsRoundTripAndValidate) {
  Settings s;
  EXPECT_TRUE(s.validate().ok());
  std::vector<uint8_t> out;
  s.encode(out);
  auto back = Settings::decode(payload_of(out));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back.value(), s);
  // An empty SETTINGS means "all defaults".
  EXPECT_EQ(Settings::decode({}).value(), Settings{});
}

TEST(Settings, GreaseIdIsIgnored) {
  Settings s;
  s.max_shard_count = 3;
  std::vector<uint8_t> a, b;
  s.encode(a);
  s.encode(b, 0xdeadbeef);
  EXPECT_GT(b.size(), a.size());
  EXPECT_EQ(Settings::decode(payload_of(b)).value(), s);
  EXPECT_TRUE(Settings::decode(pairs({{0x99, 5}, {kVarintMax, kVarintMax}})).ok());
}

TEST(Settings, EveryBoundIsChecked) {
  for (const SettingBounds& b : setting_bounds()) {
    SCOPED_TRACE(std::string(b.name));
    const uint64_t id = static_cast<uint64_t>(b.id);
    EXPECT_TRUE(Settings::decode(pairs({{id, b.min}})).ok());
    EXPECT_TRUE(Settings::decode(pairs({{id, b.max}})).ok());
    if (b.min > 0) {
      auto r = Settings::decode(pairs({{id, b.min - 1}}));
      EXPECT_EQ(r.code(), Error::kSettingsError);
      Settings s;
      s.set(b.id, b.min - 1);
      EXPECT_EQ(s.validate().code(), Error::kSettingsError);
    }
    if (b.max < kVarintMax) {
      auto r = Settings::decode(pairs({{id, b.max + 1}}));
      EXPECT_EQ(r.code(), Error::kSettingsError);
      EXPECT_NE(r.error().reason.find(b.name), std::string::npos);
    }
  }
}

TEST(Settings, DuplicateTruncatedAndOversized) {
  EXPECT_EQ(Settings::decode(pairs({{1, 8192}, {1, 8192}})).code(), Error::kSettingsError);
  auto p = pairs({{1, 8192}});
  p.pop_back();
  EXPECT_EQ(Settings::decode(p).code(), Error::kFrameEncoding);
  std::vector<uint8_t> big;
  while (big.size() <= kMaxSettingsPayload) {
    auto more = pairs({{0x7f, 1}});
    big.insert(big.end(), more.begin(), more.end());
  }
  EXPECT_EQ(Settings::decode(big).code(), Error::kLimitExceeded);
}

TEST(Settings, NegotiatedExtensionsAndKeyHint) {
  Settings a, b;
  a.extensions = kExtToken | kExtShard | (uint64_t{1} << 40);
  b.extensions = kExtShard | kExtSeed | (uint64_t{1} << 40);
  EXPECT_EQ(negotiated_extensions(a, b), uint64_t{kExtShard});
  std::array<uint8_t, 32> id{};
  id.fill(0xff);
  EXPECT_EQ(key_hint(id), kVarintMax);
}

}  // namespace
}  // namespace stoq::proto
