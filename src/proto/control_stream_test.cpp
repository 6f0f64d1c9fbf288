#include "proto/control_stream.h"

#include <gtest/gtest.h>

#include "proto/frame.h"
#include "proto/limits.h"
#include "proto/token.h"
#include "test_util.h"

namespace stoq::proto {
namespace {

using test::test_sha256;

std::vector<uint8_t> body(const std::vector<uint8_t>& preface) {
  EXPECT_EQ(preface.at(0), 0x40);  // stream type 0x53 is a two-byte varint
  EXPECT_EQ(preface.at(1), 0x53);
  return {preface.begin() + 2, preface.end()};
}

TEST(ControlStream, PrefaceByteByByte) {
  Settings mine;
  mine.max_shard_count = 5;
  const auto preface = control_stream_preface(mine, 0x1234);
  auto bytes = body(preface);
  std::vector<uint8_t> key;
  FalconKeyFrame::raw(test_sha256(), FalconAlgorithm::kFalcon1024, test::pattern(1793)).encode(key);
  bytes.insert(bytes.end(), key.begin(), key.end());
  ControlStream cs{Settings{}, test_sha256()};
  for (uint8_t b : bytes) {
    ASSERT_TRUE(cs.on_data({&b, 1}).ok());
  }
  ASSERT_TRUE(cs.peer_settings());
  EXPECT_EQ(cs.peer_settings()->max_shard_count, 5u);
  auto e1 = cs.poll_event();
  ASSERT_TRUE(e1 && std::holds_alternative<PeerSettingsEvent>(*e1));
  auto e2 = cs.poll_event();
  ASSERT_TRUE(e2 && std::holds_alternative<PeerKeyEvent>(*e2));
  EXPECT_EQ(std::get<PeerKeyEvent>(*e2).key.data.size(), 1793u);
  EXPECT_FALSE(cs.poll_event());
  EXPECT_EQ(cs.skipped_frames(), 1u);  // the grease frame
}

TEST(ControlStream, FirstFrameMustBeSettings) {
  std::vector<uint8_t> s;
  TokenFrame{}.encode(s);
  ControlStream a{Settings{}, test_sha256()};
  EXPECT_EQ(a.on_data(s).code(), Error::kSettingsError);

  s.clear();
  append_grease_frame(s, 3);
  Settings{}.encode(s);
  ControlStream b{Settings{}, test_sha256()};
  EXPECT_EQ(b.on_data(s).code(), Error::kSettingsError);

  s.clear();
  append_frame(s, to_wire(FrameType::kData), test::pattern(3));
  ControlStream c{Settings{}, test_sha256()};
  EXPECT_EQ(c.on_data(s).code(), Error::kSettingsError);
}

TEST(ControlStream, SecondSettingsAndUnexpectedFrames) {
  std::vector<uint8_t> s;
  Settings{}.encode(s);
  Settings{}.encode(s);
  ControlStream a{Settings{}, test_sha256()};
  auto r = a.on_data(s);
  EXPECT_EQ(r.code(), Error::kSettingsError);
  EXPECT_EQ(a.on_data({}).code(), Error::kSettingsError);  // sticky

  for (int which = 0; which < 2; ++which) {
    std::vector<uint8_t> t;
    Settings{}.encode(t);
    if (which == 0)
      TokenFrame{}.encode(t);
    else
      append_frame(t, to_wire(FrameType::kData), test::pattern(2));
    ControlStream b{Settings{}, test_sha256()};
    EXPECT_EQ(b.on_data(t).code(), Error::kFrameUnexpected);
  }
}

TEST(ControlStream, BadSettingsValue) {
  std::vector<uint8_t> p;
  append_varint(p, static_cast<uint64_t>(SettingId::kMaxFrameSize));
  append_varint(p, 10);
  std::vector<uint8_t> s;
  append_frame(s, to_wire(FrameType::kSettings), p);
  ControlStream cs{Settings{}, test_sha256()};
  auto r = cs.on_data(s);
  EXPECT_EQ(r.code(), Error::kSettingsError);
  EXPECT_NE(r.error().reason.find("max_frame_size"), std::string::npos);
}

// The key id of a raw key must be its SHA-256 (checked with the stream's algorithm).
TEST(ControlStream, RawKeyWithAnotherKeysIdIsRejected) {
  std::vector<uint8_t> s;
  Settings{}.encode(s);
  auto key = FalconKeyFrame::raw(test_sha256(), FalconAlgorithm::kFalcon512, test::pattern(897));
  key.key_id[31] ^= 1;
  key.encode(s);
  ControlStream cs{Settings{}, test_sha256()};
  EXPECT_EQ(cs.on_data(s).code(), Error::kFrameEncoding);
}

TEST(ControlStream, KeyLimitAndDisabledSignatures) {
  std::vector<uint8_t> s;
  Settings{}.encode(s);
  for (size_t i = 0; i <= kMaxAnnouncedKeys; ++i)
    FalconKeyFrame::raw(test_sha256(), FalconAlgorithm::kFalcon512, test::pattern(897, uint8_t(i)))
        .encode(s);
  ControlStream cs{Settings{}, test_sha256()};
  EXPECT_EQ(cs.on_data(s).code(), Error::kLimitExceeded);

  Settings no_sig;
  no_sig.extensions = kExtToken;
  std::vector<uint8_t> t;
  Settings{}.encode(t);
  FalconKeyFrame::raw(test_sha256(), FalconAlgorithm::kFalcon512, test::pattern(897)).encode(t);
  ControlStream cs2{no_sig, test_sha256()};
  EXPECT_EQ(cs2.on_data(t).code(), Error::kFrameUnexpected);
}

TEST(ControlStream, ClosingIsCritical) {
  ControlStream cs{Settings{}, test_sha256()};
  EXPECT_EQ(cs.on_closed().code(), Error::kClosedCriticalStream);
}

TEST(ControlStream, TruncatedPrefacesNeverFail) {
  auto bytes = body(control_stream_preface(Settings{}, 99));
  for (size_t n = 0; n <= bytes.size(); ++n) {
    ControlStream cs{Settings{}, test_sha256()};
    EXPECT_TRUE(cs.on_data(std::span<const uint8_t>(bytes).first(n)).ok()) << n;
    if (n == bytes.size()) {
      EXPECT_TRUE(cs.peer_settings().has_value());
    }
    if (n < 3) {
      EXPECT_FALSE(cs.peer_settings().has_value());
    }
  }
}

TEST(StreamTypeReader, SplitAndNonMinimal) {
  std::vector<uint8_t> s;
  append_varint(s, 0x1234);
  s.push_back(0xaa);
  StreamTypeReader r;
  std::span<const uint8_t> a = std::span<const uint8_t>(s).first(1);
  ASSERT_TRUE(r.feed(a).ok());
  EXPECT_FALSE(r.type());
  std::span<const uint8_t> b = std::span<const uint8_t>(s).subspan(1);
  ASSERT_TRUE(r.feed(b).ok());
  EXPECT_EQ(r.type(), 0x1234u);
  ASSERT_EQ(b.size(), 1u);  // the rest of the stream is left for the next consumer
  std::vector<uint8_t> bad = {0x40, 0x05};
  StreamTypeReader q;
  std::span<const uint8_t> c = bad;
  EXPECT_EQ(q.feed(c).code(), Error::kFrameEncoding);
}

}  // namespace
}  // namespace stoq::proto
