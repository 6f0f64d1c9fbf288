#include "proto/datagram.h"

#include <gtest/gtest.h>

#include "proto/frame.h"
#include "proto/message_writer.h"
#include "test_util.h"

namespace stoq::proto {
namespace {

using test::sha256;
using test::test_sha256;

TEST(Datagram, MessageRoundTrip) {
  const auto payload = test::pattern(300);
  MessageHeader h;
  h.token = TokenFrame::make(test_sha256(), payload, 3, 4);
  h.seed = SeedFrame{SeedOp::kFetch, sha256(payload), 0, 9, 0};
  auto dg = MessageWriter{Settings{}}.encode_datagram(h, payload, 1200);
  ASSERT_TRUE(dg.ok());
  auto d = decode_datagram(dg.value(), MessageLimits{});
  ASSERT_TRUE(d.ok()) << d.error().reason;
  EXPECT_EQ(d.value().kind, DatagramKind::kMessage);
  EXPECT_EQ(d.value().header, h);
  EXPECT_TRUE(std::equal(payload.begin(), payload.end(), d.value().payload.begin(),
                         d.value().payload.end()));
  // A prefix either fails or (cut at a frame boundary) lacks the payload.
  for (size_t n = 1; n < dg.value().size(); ++n) {
    auto cut = decode_datagram(std::span<const uint8_t>(dg.value()).first(n), MessageLimits{});
    if (cut.ok()) {
      EXPECT_TRUE(cut.value().payload.empty()) << n;
    }
  }
}

TEST(Datagram, TooBigForOneDatagram) {
  auto dg = MessageWriter{Settings{}}.encode_datagram({}, test::pattern(1200), 1200);
  EXPECT_EQ(dg.code(), Error::kLimitExceeded);
  MessageHeader h;
  h.shard = ShardFrame{1, 0, 1, 1, 0, 1, {}};
  EXPECT_EQ(MessageWriter{Settings{}}.encode_datagram(h, test::pattern(1), 1200).code(),
            Error::kFrameUnexpected);
  Settings no_dg;
  no_dg.extensions = kExtToken;
  EXPECT_EQ(MessageWriter{no_dg}.encode_datagram({}, test::pattern(1), 1200).code(),
            Error::kFrameUnexpected);
}

TEST(Datagram, ApplicationUnknownAndBadTags) {
  std::vector<uint8_t> app = {0x00, 1, 2, 3};
  auto a = decode_datagram(app, MessageLimits{});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.value().kind, DatagramKind::kApplication);
  EXPECT_EQ(a.value().payload.size(), 3u);
  std::vector<uint8_t> grease;
  append_varint(grease, grease_value(12));
  grease.push_back(1);
  EXPECT_EQ(decode_datagram(grease, MessageLimits{}).value().kind, DatagramKind::kIgnored);
  EXPECT_EQ(decode_datagram({}, MessageLimits{}).code(), Error::kFrameEncoding);
  std::vector<uint8_t> long_tag = {0x40, 0x00, 'x'};
  EXPECT_EQ(decode_datagram(long_tag, MessageLimits{}).code(), Error::kFrameEncoding);
}

TEST(Datagram, StructureRules) {
  std::vector<uint8_t> s = {0x40, 0x4d};
  append_frame(s, to_wire(FrameType::kData), test::pattern(2));
  TokenFrame{}.encode(s);
  EXPECT_EQ(decode_datagram(s, MessageLimits{}).code(), Error::kFrameEncoding);
  std::vector<uint8_t> t = {0x40, 0x4d};
  ShardFrame{1, 0, 1, 1, 0, 1, {}}.encode(t);
  EXPECT_EQ(decode_datagram(t, MessageLimits{}).code(), Error::kFrameUnexpected);
  MessageLimits off;
  off.extensions = kExtToken;
  std::vector<uint8_t> u = {0x40, 0x4d};
  EXPECT_EQ(decode_datagram(u, off).code(), Error::kFrameUnexpected);
}

}  // namespace
}  // namespace stoq::proto
