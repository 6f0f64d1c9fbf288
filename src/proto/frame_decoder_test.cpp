#include "proto/frame_decoder.h"

#include <gtest/gtest.h>

#include "proto/limits.h"
#include "proto/settings.h"
#include "proto/token.h"
#include "test_util.h"

namespace stoq::proto {
namespace {

using test::test_sha256;

struct Collected {
  std::vector<std::pair<uint64_t, std::vector<uint8_t>>> frames;
  std::vector<uint8_t> data;
  size_t data_begins = 0;
  std::optional<Violation> error;
  size_t max_buffered = 0;
};

// Feeds `bytes` in pieces of `chunk` bytes (0 = all at once).
Collected feed(std::span<const uint8_t> bytes, size_t chunk, uint64_t max_frame = 4096) {
  FrameDecoder dec(max_frame);
  Collected c;
  while (!bytes.empty()) {
    const size_t n = chunk == 0 ? bytes.size() : std::min(chunk, bytes.size());
    std::span<const uint8_t> in = bytes.first(n);
    bytes = bytes.subspan(n);
    for (;;) {
      auto ev = dec.next(in);
      c.max_buffered = std::max(c.max_buffered, dec.buffered_bytes());
      if (!ev) {
        c.error = ev.error();
        return c;
      }
      const auto& e = ev.value();
      if (e.kind == FrameEventKind::kNeedMore) break;
      if (e.kind == FrameEventKind::kFrame)
        c.frames.emplace_back(e.type, std::vector<uint8_t>(e.payload.begin(), e.payload.end()));
      if (e.kind == FrameEventKind::kDataBegin) ++c.data_begins;
      if (e.kind == FrameEventKind::kData)
        c.data.insert(c.data.end(), e.payload.begin(), e.payload.end());
    }
    EXPECT_TRUE(in.empty());
  }
  return c;
}

std::vector<uint8_t> sample_stream() {
  std::vector<uint8_t> s;
  Settings{}.encode(s);
  append_grease_frame(s, 0x0a05);
  TokenFrame::make(test_sha256(), test::pattern(10), 9, 99).encode(s);
  append_frame(s, 0x1234567, test::pattern(300));  // unknown, skipped
  append_frame(s, to_wire(FrameType::kData), test::pattern(70000 % 4000, 3));
  append_frame(s, to_wire(FrameType::kData), {});
  append_frame(s, to_wire(FrameType::kData), test::pattern(5, 4));
  append_frame(s, to_wire(FrameType::kSettings), {});
  return s;
}

TEST(FrameDecoder, EveryChunkSizeGivesTheSameResult) {
  const auto s = sample_stream();
  const Collected whole = feed(s, 0);
  ASSERT_FALSE(whole.error);
  ASSERT_EQ(whole.frames.size(), 3u);  // SETTINGS, TOKEN, empty SETTINGS
  EXPECT_EQ(whole.frames[1].first, to_wire(FrameType::kToken));
  EXPECT_EQ(whole.data.size(), 70000 % 4000 + 5u);
  EXPECT_EQ(whole.data_begins, 3u);  // the empty DATA frame has a begin but no data
  for (size_t chunk = 1; chunk < 64; ++chunk) {
    const Collected c = feed(s, chunk);
    ASSERT_FALSE(c.error) << chunk;
    EXPECT_EQ(c.frames, whole.frames) << chunk;
    EXPECT_EQ(c.data, whole.data) << chunk;
  }
}

TEST(FrameDecoder, EverySplitPointOfTwoChunks) {
  const auto s = sample_stream();
  const Collected whole = feed(s, 0);
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    FrameDecoder dec(4096);
    Collected c;
    for (auto part :
         {std::span<const uint8_t>(s).first(cut), std::span<const uint8_t>(s).subspan(cut)}) {
      for (;;) {
        auto ev = dec.next(part);
        ASSERT_TRUE(ev.ok());
        if (ev.value().kind == FrameEventKind::kNeedMore) break;
        if (ev.value().kind == FrameEventKind::kFrame)
          c.frames.emplace_back(ev.value().type, std::vector<uint8_t>(ev.value().payload.begin(),
                                                                      ev.value().payload.end()));
        if (ev.value().kind == FrameEventKind::kData)
          c.data.insert(c.data.end(), ev.value().payload.begin(), ev.value().payload.end());
      }
    }
    EXPECT_EQ(c.frames, whole.frames);
    EXPECT_EQ(c.data, whole.data);
    EXPECT_TRUE(dec.at_frame_boundary());
  }
}

TEST(FrameDecoder, TruncationIsNotAFrameBoundary) {
  const auto s = sample_stream();
  size_t boundaries = 0;
  for (size_t n = 0; n <= s.size(); ++n) {
    FrameDecoder dec(4096);
    std::span<const uint8_t> in = std::span<const uint8_t>(s).first(n);
    while (true) {
      auto ev = dec.next(in);
      ASSERT_TRUE(ev.ok());
      if (ev.value().kind == FrameEventKind::kNeedMore) break;
    }
    boundaries += dec.at_frame_boundary();
  }
  EXPECT_EQ(boundaries, 9u);  // start + after each of the 8 frames
}

TEST(FrameDecoder, UnknownFramesAreSkippedWithoutBuffering) {
  std::vector<uint8_t> s;
  append_frame(s, 0x3fff, test::pattern(4096));
  append_frame(s, grease_value(77), test::pattern(100));
  const Collected c = feed(s, 1000);
  EXPECT_FALSE(c.error);
  EXPECT_TRUE(c.frames.empty());
  EXPECT_LE(c.max_buffered, 16u);
}

TEST(FrameDecoder, LimitsAreEnforcedBeforeBuffering) {
  std::vector<uint8_t> s;
  append_frame_header(s, to_wire(FrameType::kToken), 49);
  Collected c = feed(s, 0);
  ASSERT_TRUE(c.error);
  EXPECT_EQ(c.error->code, Error::kLimitExceeded);

  s.clear();
  append_frame_header(s, to_wire(FrameType::kFalconKey), kMaxFalconKeyPayload + 1);
  c = feed(s, 0);
  ASSERT_TRUE(c.error);
  EXPECT_EQ(c.error->code, Error::kLimitExceeded);

  s.clear();
  append_frame_header(s, to_wire(FrameType::kData), 4097);
  c = feed(s, 0, 4096);
  ASSERT_TRUE(c.error);
  EXPECT_EQ(c.error->code, Error::kLimitExceeded);

  s.clear();
  append_frame_header(s, 0x12345, kVarintMax);  // unknown type, absurd length
  c = feed(s, 0);
  ASSERT_TRUE(c.error);
  EXPECT_EQ(c.error->code, Error::kLimitExceeded);
}

TEST(FrameDecoder, ErrorsAreSticky) {
  std::vector<uint8_t> s = {0x40, 0x00, 0x00};  // DATA type, not minimally encoded
  FrameDecoder dec(4096);
  std::span<const uint8_t> in = s;
  auto first = dec.next(in);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, Error::kFrameEncoding);
  std::vector<uint8_t> good;
  append_frame(good, to_wire(FrameType::kData), test::pattern(3));
  std::span<const uint8_t> in2 = good;
  EXPECT_EQ(dec.next(in2).code(), Error::kFrameEncoding);
}

TEST(FrameDecoder, LargestBufferedFrameFitsTheBound) {
  std::vector<uint8_t> s;
  append_frame(s, to_wire(FrameType::kFalconKey), test::pattern(kMaxFalconKeyPayload));
  const Collected c = feed(s, 777);
  ASSERT_FALSE(c.error);
  ASSERT_EQ(c.frames.size(), 1u);
  EXPECT_LE(c.max_buffered, kMaxBufferedFrame);
}

}  // namespace
}  // namespace stoq::proto
