#include <gtest/gtest.h>

#include "proto/message_reader.h"
#include "proto/message_writer.h"
#include "test_util.h"

namespace stoq::proto {
namespace {

using test::sha256;
using test::test_sha256;

using test::pattern;

struct Received {
  std::optional<Violation> error;
  bool header = false;
  bool end = false;
  std::vector<uint8_t> payload;
  MessageHeader h;
  std::optional<Digest> digest;
};

// Feeds a whole message stream (including the stream type byte) in `chunk`-byte pieces.
Received receive(const std::vector<uint8_t>& stream, size_t chunk, MessageLimits limits = {},
                 bool fin = true) {
  Received r;
  EXPECT_EQ(stream.at(0), 0x40);  // stream type 0x4d, two-byte varint
  EXPECT_EQ(stream.at(1), 0x4d);
  std::span<const uint8_t> all = std::span<const uint8_t>(stream).subspan(2);
  MessageReader reader(limits, test_sha256());
  auto handle = [&](const Result<MessageEvent>& ev) {
    if (!ev) {
      r.error = ev.error();
      return false;
    }
    switch (ev.value().kind) {
      case MessageEventKind::kHeader:
        EXPECT_FALSE(r.header);
        r.header = true;
        break;
      case MessageEventKind::kData:
        EXPECT_TRUE(r.header);
        r.payload.insert(r.payload.end(), ev.value().data.begin(), ev.value().data.end());
        break;
      case MessageEventKind::kEnd:
        r.end = true;
        break;
      case MessageEventKind::kNeedMore:
        return false;
    }
    return true;
  };
  while (!all.empty()) {
    auto in = all.first(std::min(chunk, all.size()));
    all = all.subspan(in.size());
    while (handle(reader.next(in))) {
    }
    if (r.error) return r;
  }
  if (fin)
    while (!r.end && handle(reader.finish())) {
    }
  r.h = reader.header();
  r.digest = reader.payload_digest();
  return r;
}

MessageHeader full_header(std::span<const uint8_t> payload) {
  MessageHeader h;
  h.token = TokenFrame::make(test_sha256(), payload, 5, 1000);
  h.hop = HopFrame{};
  h.hop->hop_limit = 2;
  h.seed = SeedFrame{SeedOp::kHave, sha256(payload), 0, 1, payload.size()};
  h.signature = FalconSigFrame{test::digest_filled(1), pattern(666)};
  return h;
}

TEST(Message, RoundTripEveryChunkSize) {
  const auto payload = pattern(10000);
  Settings peer;
  peer.max_frame_size = 4096;  // forces several DATA frames
  MessageWriter w(peer);
  auto stream = w.encode_stream(full_header(payload), payload, 0x777);
  ASSERT_TRUE(stream.ok()) << stream.error().reason;
  MessageLimits limits = MessageLimits::from(peer);
  for (size_t chunk :
       {size_t{1}, size_t{2}, size_t{7}, size_t{100}, size_t{4099}, size_t{1} << 20}) {
    Received r = receive(stream.value(), chunk, limits);
    ASSERT_FALSE(r.error) << r.error->reason;
    EXPECT_TRUE(r.header && r.end);
    EXPECT_EQ(r.payload, payload);
    EXPECT_EQ(r.h, full_header(payload));
    ASSERT_TRUE(r.digest);
    EXPECT_EQ(*r.digest, sha256(payload));
  }
}

TEST(Message, EmptyAndHeaderOnlyMessages) {
  MessageWriter w{Settings{}};
  auto s = w.encode_stream({}, {});
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s.value().size(), 2u);
  Received r = receive(s.value(), 1);
  EXPECT_FALSE(r.error);
  EXPECT_TRUE(r.header && r.end);
  EXPECT_TRUE(r.payload.empty());
  EXPECT_FALSE(r.digest);  // no TOKEN
}

TEST(Message, ShardLengthIsExact) {
  const auto payload = pattern(100);
  auto shards = split_message(test_sha256(), payload, 2, 77).value();
  MessageHeader h;
  h.shard = shards[0];
  MessageWriter w{Settings{}};
  EXPECT_EQ(w.check(h, 49).code(), Error::kShardIntegrity);
  auto ok = w.encode_stream(h, std::span<const uint8_t>(payload).first(50));
  ASSERT_TRUE(ok.ok());
  EXPECT_FALSE(receive(ok.value(), 3).error);

  // Short shard: FIN after 49 bytes.
  std::vector<uint8_t> hdr = w.begin(h, 50).value();
  MessageWriter::append_data_header(hdr, 49);
  hdr.insert(hdr.end(), payload.begin(), payload.begin() + 49);
  Received r = receive(hdr, 5);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, Error::kMessageIncomplete);

  // Long shard: a DATA frame that goes past SHARD.length is refused at its header.
  std::vector<uint8_t> lng = w.begin(h, 50).value();
  MessageWriter::append_data_header(lng, 51);
  r = receive(lng, 5, {}, false);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, Error::kShardIntegrity);
}

TEST(Message, OrderAndDuplicates) {
  auto make = [](std::initializer_list<int> order) {
    std::vector<uint8_t> s = {0x40, 0x4d};
    for (int f : order) {
      if (f == 1) TokenFrame{}.encode(s);
      if (f == 2) ShardFrame{1, 0, 1, 0, 0, 0, {}}.encode(s);
      if (f == 3) HopFrame{}.encode(s);
      if (f == 4) SeedFrame{}.encode(s);
      if (f == 5) FalconSigFrame{{}, {1}}.encode(s);
      if (f == 6) append_frame(s, to_wire(FrameType::kData), pattern(2));
      if (f == 7) Settings{}.encode(s);
      if (f == 8)
        FalconKeyFrame::raw(test_sha256(), FalconAlgorithm::kFalcon512, pattern(897)).encode(s);
      if (f == 9) append_grease_frame(s, 5);
    }
    return s;
  };
  EXPECT_FALSE(receive(make({9, 1, 9, 3, 9, 4, 5, 6, 9, 6}), 3).error);
  {
    // A header frame after an empty DATA frame is out of order too.
    std::vector<uint8_t> s = {0x40, 0x4d};
    append_frame(s, to_wire(FrameType::kData), {});
    TokenFrame{}.encode(s);
    Received r = receive(s, 1);
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->code, Error::kFrameUnexpected);
  }
  for (auto bad : {make({2, 1}), make({1, 1}), make({5, 3}), make({6, 1}), make({7}), make({8}),
                   make({1, 6, 3})}) {
    Received r = receive(bad, 4);
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->code, Error::kFrameUnexpected) << r.error->reason;
  }
  Received r = receive(make({5, 6}), 2);  // FALCON_SIG without TOKEN
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, Error::kFrameUnexpected);
}

TEST(Message, LimitsFromSettings) {
  MessageLimits limits;
  limits.max_message_size = 10;
  std::vector<uint8_t> s = {0x40, 0x4d};
  append_frame(s, to_wire(FrameType::kData), pattern(6));
  append_frame(s, to_wire(FrameType::kData), pattern(5));
  Received r = receive(s, 100, limits);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, Error::kLimitExceeded);

  limits = {};
  limits.extensions = kExtShard;
  std::vector<uint8_t> t = {0x40, 0x4d};
  TokenFrame{}.encode(t);
  r = receive(t, 100, limits);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, Error::kFrameUnexpected);

  limits = {};
  limits.max_shard_count = 2;
  std::vector<uint8_t> u = {0x40, 0x4d};
  ShardFrame{1, 0, 3, 3, 0, 1, {}}.encode(u);
  r = receive(u, 100, limits);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, Error::kLimitExceeded);
}

TEST(Message, FinInsideAFrame) {
  MessageWriter w{Settings{}};
  const auto payload = pattern(20);
  MessageHeader h;
  h.token = TokenFrame::make(test_sha256(), payload, 1, 1);
  auto s = w.encode_stream(h, payload).value();
  const size_t boundary = 2 + 8 + 1 + 48;  // after the TOKEN frame: a valid empty message
  for (size_t n = 3; n < s.size(); ++n) {
    if (n == boundary) continue;
    std::vector<uint8_t> cut(s.begin(), s.begin() + n);
    Received r = receive(cut, 3);
    ASSERT_TRUE(r.error) << n;
    EXPECT_EQ(r.error->code, Error::kMessageIncomplete);
  }
}

TEST(MessageWriter, RefusesWhatThePeerDidNotEnable) {
  Settings peer;
  peer.extensions = kExtToken;
  MessageWriter w(peer);
  MessageHeader h;
  h.shard = ShardFrame{1, 0, 1, 1, 0, 1, {}};
  EXPECT_EQ(w.check(h, 1).code(), Error::kFrameUnexpected);
  MessageHeader big;
  EXPECT_EQ(w.check(big, peer.max_message_size + 1).code(), Error::kLimitExceeded);
  MessageHeader hop;
  hop.hop = HopFrame{};
  hop.hop->hop_limit = peer.max_hop_count + 1;
  EXPECT_EQ(MessageWriter{Settings{}}.check(hop, 0).code(), Error::kLimitExceeded);
}

}  // namespace
}  // namespace stoq::proto
