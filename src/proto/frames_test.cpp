// Round trips, bounds and truncation for every header/control frame codec.
#include <gtest/gtest.h>

#include "proto/falcon_key.h"
#include "proto/falcon_sig.h"
#include "proto/frame.h"
#include "proto/hop.h"
#include "proto/limits.h"
#include "proto/seed.h"
#include "proto/settings.h"
#include "proto/shard.h"
#include "proto/token.h"
#include "test_util.h"

namespace stoq::proto {
namespace {

using test::sha256;
using test::test_sha256;

using test::digest_filled;
using test::pattern;

// Encodes `value`, checks the frame header, decodes the payload back, and checks that
// every truncation of the payload fails cleanly (and that a trailing byte is refused).
template <class T>
void check_codec(const T& value, FrameType type) {
  std::vector<uint8_t> out;
  value.encode(out);
  ByteReader r(out);
  auto f = read_frame(r, kMaxMaxFrameSize);
  ASSERT_TRUE(f.ok()) << f.error().reason;
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(f.value().type, to_wire(type));
  auto back = T::decode(f.value().payload);
  ASSERT_TRUE(back.ok()) << back.error().reason;
  EXPECT_EQ(back.value(), value);
  const auto payload = f.value().payload;
  for (size_t n = 0; n < payload.size(); ++n) {
    auto t = T::decode(payload.first(n));
    if (!t.ok()) {
      EXPECT_NE(t.error().reason, "");
    }
    // Settings may decode from a prefix that ends between pairs; everything else must fail.
    if constexpr (!std::is_same_v<T, Settings>) {
      EXPECT_FALSE(t.ok()) << "prefix " << n;
    }
  }
  std::vector<uint8_t> longer(payload.begin(), payload.end());
  longer.push_back(0);
  EXPECT_FALSE(T::decode(longer).ok());
  // The whole frame truncated anywhere is refused by read_frame.
  for (size_t n = 0; n < out.size(); ++n) {
    ByteReader tr(std::span<const uint8_t>(out).first(n));
    EXPECT_FALSE(read_frame(tr, kMaxMaxFrameSize).ok());
  }
}

TEST(Token, RoundTrip) {
  auto payload = pattern(100);
  check_codec(TokenFrame::make(test_sha256(), payload, 42, 1764072000123), FrameType::kToken);
  EXPECT_EQ(TokenFrame::make(test_sha256(), payload, 0, 0).payload_hash, sha256(payload));
}

TEST(Token, ExactSizeOnly) {
  EXPECT_EQ(TokenFrame::decode(std::vector<uint8_t>(47)).code(), Error::kFrameEncoding);
  EXPECT_EQ(TokenFrame::decode(std::vector<uint8_t>(49)).code(), Error::kFrameEncoding);
  EXPECT_TRUE(TokenFrame::decode(std::vector<uint8_t>(48)).ok());
}

TEST(Shard, RoundTripAndBounds) {
  ShardFrame s{7, 2, 3, 1000, 600, 400, digest_filled(9)};
  check_codec(s, FrameType::kShard);
  auto bad = [](ShardFrame f) {
    std::vector<uint8_t> out;
    f.encode(out);
    ByteReader r(out);
    auto fr = read_frame(r, kMaxMaxFrameSize);
    return ShardFrame::decode(fr.value().payload).code();
  };
  ShardFrame t = s;
  t.count = 0;
  t.index = 0;
  EXPECT_EQ(bad(t), Error::kFrameEncoding);
  t = s;
  t.index = 3;
  EXPECT_EQ(bad(t), Error::kFrameEncoding);
  t = s;
  t.count = kMaxShardCountLimit + 1;
  EXPECT_EQ(bad(t), Error::kLimitExceeded);
  t = s;
  t.length = 401;
  EXPECT_EQ(bad(t), Error::kFrameEncoding);
  t = s;
  t.offset = 1001;
  t.length = 0;
  EXPECT_EQ(bad(t), Error::kFrameEncoding);
}

TEST(Shard, SplitMessage) {
  auto payload = pattern(10);
  auto parts = split_message(test_sha256(), payload, 3, 5);
  ASSERT_TRUE(parts.ok());
  ASSERT_EQ(parts.value().size(), 3u);
  EXPECT_EQ(parts.value()[0].length, 4u);
  EXPECT_EQ(parts.value()[1].offset, 4u);
  EXPECT_EQ(parts.value()[2].offset + parts.value()[2].length, 10u);
  for (const auto& p : parts.value()) {
    EXPECT_EQ(p.message_hash, sha256(payload));
    EXPECT_TRUE(p.validate().ok());
  }
  EXPECT_EQ(split_message(test_sha256(), payload, 0, 1).code(), Error::kLimitExceeded);
  EXPECT_EQ(split_message(test_sha256(), payload, 11, 1).code(), Error::kLimitExceeded);
  EXPECT_EQ(split_message(test_sha256(), pattern(2000), kMaxShardCountLimit + 1, 1).code(),
            Error::kLimitExceeded);
  auto empty = split_message(test_sha256(), {}, 1, 1);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty.value()[0].length, 0u);
}

HopFrame full_hop() {
  HopFrame h;
  h.hop_limit = kMaxHops;
  const uint8_t id[kMaxNodeIdSize] = {};
  for (size_t i = 0; i < kMaxHops; ++i) {
    h.route.push_back(NodeAddress::node_id(id));
    h.record.push_back({NodeAddress::node_id(id), ~uint64_t{0}});
  }
  return h;
}

TEST(Hop, RoundTripLargest) {
  HopFrame h = full_hop();
  std::vector<uint8_t> out;
  h.encode(out);
  EXPECT_LE(out.size(), kMaxHopPayload + 4) << "bound in limits.h too small";
  check_codec(h, FrameType::kHop);
  const uint8_t v4[4] = {10, 0, 0, 1};
  const uint8_t v6[16] = {1};
  HopFrame m;
  m.hop_limit = 3;
  m.route = {NodeAddress::ipv4(v4, 1), NodeAddress::ipv6(v6, 65535)};
  check_codec(m, FrameType::kHop);
  check_codec(HopFrame{}, FrameType::kHop);
}

TEST(Hop, Bounds) {
  HopFrame h = full_hop();
  h.route.push_back(h.route.back());
  EXPECT_EQ(h.validate().code(), Error::kLimitExceeded);
  std::vector<uint8_t> p = {0x00, 17};  // hop_limit 0, route count 17
  EXPECT_EQ(HopFrame::decode(p).code(), Error::kLimitExceeded);
  p = {17};
  EXPECT_EQ(HopFrame::decode(p).code(), Error::kLimitExceeded);
  p = {0x01, 0x01, 0x01, 33};  // node id of 33 bytes
  p.resize(p.size() + 33);
  p.push_back(0);
  EXPECT_EQ(HopFrame::decode(p).code(), Error::kFrameEncoding);
  p = {0x01, 0x01, 0x07, 0, 0, 0, 0, 0, 0, 0x00};  // unknown address kind
  EXPECT_EQ(HopFrame::decode(p).code(), Error::kFrameEncoding);
  NodeAddress empty_id = NodeAddress::node_id({});
  HopFrame e;
  e.route.push_back(empty_id);
  EXPECT_EQ(e.validate().code(), Error::kFrameEncoding);
}

TEST(Seed, RoundTripAndBounds) {
  for (SeedOp op : {SeedOp::kStore, SeedOp::kFetch, SeedOp::kHave})
    check_codec(SeedFrame{op, digest_filled(3), 64, 255, kVarintMax}, FrameType::kSeed);
  check_codec(SeedFrame{SeedOp::kFetch, digest_filled(3), 0, 0, 0}, FrameType::kSeed);
  EXPECT_EQ((SeedFrame{SeedOp::kStore, {}, 65, 0, 0}).validate().code(), Error::kLimitExceeded);
  EXPECT_EQ((SeedFrame{SeedOp::kStore, {}, 0, 0, 0}).validate().code(), Error::kFrameEncoding);
  std::vector<uint8_t> payload(1 + 32, 0);
  payload[0] = 3;  // unknown op
  payload.insert(payload.end(), {1, 0, 0});
  EXPECT_EQ(SeedFrame::decode(payload).code(), Error::kFrameEncoding);
}

TEST(FalconKey, RawKeysOfBothSizes) {
  check_codec(FalconKeyFrame::raw(test_sha256(), FalconAlgorithm::kFalcon512, pattern(897)),
              FrameType::kFalconKey);
  check_codec(FalconKeyFrame::raw(test_sha256(), FalconAlgorithm::kFalcon1024, pattern(1793)),
              FrameType::kFalconKey);
  auto k = FalconKeyFrame::raw(test_sha256(), FalconAlgorithm::kFalcon1024, pattern(897));
  EXPECT_EQ(k.validate().code(), Error::kFrameEncoding);  // wrong size for Falcon-1024
  k = FalconKeyFrame::raw(test_sha256(), FalconAlgorithm::kFalcon512, pattern(897));
  k.key_id[0] ^= 1;
  EXPECT_TRUE(k.validate().ok());                                          // structure only
  EXPECT_EQ(k.check_key_id(test_sha256()).code(), Error::kFrameEncoding);  // id is not the key's
  k = FalconKeyFrame::raw(test_sha256(), FalconAlgorithm::kFalcon512, pattern(897));
  k.algorithm = static_cast<FalconAlgorithm>(9);
  EXPECT_EQ(k.validate().code(), Error::kFrameEncoding);
}

TEST(FalconKey, CertificateChainBounds) {
  FalconKeyFrame c{FalconAlgorithm::kFalcon1024, digest_filled(1), KeyEncoding::kCertificateChain,
                   pattern(kMaxCertificateChainSize)};
  check_codec(c, FrameType::kFalconKey);
  c.data.push_back(0);
  EXPECT_EQ(c.validate().code(), Error::kLimitExceeded);
  // Decoding checks the announced length before copying anything.
  std::vector<uint8_t> p(1 + 32 + 1, 0);
  p[0] = 2;
  p[33] = 1;
  append_varint(p, 1u << 20);
  EXPECT_EQ(FalconKeyFrame::decode(p).code(), Error::kLimitExceeded);
  c.data.clear();
  EXPECT_EQ(c.validate().code(), Error::kFrameEncoding);
}

TEST(FalconSig, RoundTripAndBounds) {
  check_codec(FalconSigFrame{digest_filled(4), pattern(kMaxFalconSignatureSize)},
              FrameType::kFalconSig);
  check_codec(FalconSigFrame{digest_filled(4), pattern(1)}, FrameType::kFalconSig);
  EXPECT_EQ((FalconSigFrame{{}, pattern(kMaxFalconSignatureSize + 1)}).validate().code(),
            Error::kLimitExceeded);
  EXPECT_EQ((FalconSigFrame{{}, {}}).validate().code(), Error::kFrameEncoding);
  std::vector<uint8_t> p(32, 0);
  append_varint(p, 5000);
  EXPECT_EQ(FalconSigFrame::decode(p).code(), Error::kLimitExceeded);
}

TEST(Frame, LengthBoundsPerType) {
  EXPECT_EQ(check_frame_length(to_wire(FrameType::kToken), 49, 1 << 20).code(),
            Error::kLimitExceeded);
  EXPECT_TRUE(check_frame_length(to_wire(FrameType::kToken), 48, 0).ok());
  EXPECT_EQ(check_frame_length(to_wire(FrameType::kData), 4097, 4096).code(),
            Error::kLimitExceeded);
  EXPECT_EQ(check_frame_length(0x21, 4097, 4096).code(), Error::kLimitExceeded);  // grease
  EXPECT_TRUE(check_frame_length(0x21, 4096, 4096).ok());
  for (FrameType t : kFrameTypes)
    if (t != FrameType::kData) {
      EXPECT_GT(max_buffered_payload(t), 0u);
    }
}

TEST(Frame, NonMinimalTypeRefused) {
  std::vector<uint8_t> f = {0x40, 0x04, 0x00};  // SETTINGS type in two bytes
  ByteReader r(f);
  EXPECT_EQ(read_frame(r, 4096).code(), Error::kFrameEncoding);
}

TEST(Grease, Values) {
  for (uint64_t n : {uint64_t{0}, uint64_t{1}, uint64_t{1000}, kGreaseMaxN}) {
    const uint64_t v = kGreaseStep * n + kGreaseBase;
    EXPECT_TRUE(is_grease(v));
    EXPECT_FALSE(known_frame_type(v).has_value());
  }
  EXPECT_FALSE(is_grease(0x20));
  EXPECT_FALSE(is_grease(0x22));
  std::vector<uint8_t> out;
  append_grease_frame(out, 0x0f07);
  ByteReader r(out);
  auto f = read_frame(r, 4096);
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(is_grease(f.value().type));
  EXPECT_EQ(f.value().payload.size(), 0x0fu);
  EXPECT_EQ(frame_type_name(f.value().type), "GREASE");
}

TEST(Errors, CategoryAndNames) {
  std::error_code ec = Error::kTokenReplay;
  EXPECT_STREQ(ec.category().name(), "stoq.proto");
  EXPECT_EQ(ec.value(), 0x5707);
  EXPECT_EQ(ec.message(), "token_replay");
  for (uint64_t c = 0x5700; c <= static_cast<uint64_t>(kLastError); ++c) {
    EXPECT_TRUE(is_known_error(c));
    EXPECT_NE(error_name(static_cast<Error>(c)), "unknown") << std::hex << c;
  }
  EXPECT_FALSE(is_known_error(static_cast<uint64_t>(kLastError) + 1));
  EXPECT_EQ(error_name(static_cast<Error>(0x1234)), "unknown");
}

}  // namespace
}  // namespace stoq::proto
