#include "proto/token_verifier.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace stoq::proto {
namespace {

using test::sha256;
using test::test_sha256;

constexpr uint64_t kNow = 1764072000000;
const std::vector<uint8_t> kPayload = {'p', 'a', 'y'};

Error check(TokenVerifier& v, uint64_t seq, uint64_t ts = kNow, uint64_t now = kNow) {
  return v.verify_digest(TokenFrame::make(test_sha256(), kPayload, seq, ts), sha256(kPayload), now)
      .code();
}

TEST(TokenVerifier, AcceptsAndRejectsReplay) {
  TokenVerifier v;
  EXPECT_EQ(check(v, 0), Error::kNoError);
  EXPECT_EQ(check(v, 0), Error::kTokenReplay);
  EXPECT_EQ(check(v, 2), Error::kNoError);
  EXPECT_EQ(check(v, 1), Error::kNoError);  // reordered but new
  EXPECT_EQ(check(v, 1), Error::kTokenReplay);
  EXPECT_EQ(v.stats().accepted, 3u);
  EXPECT_EQ(v.stats().replayed, 2u);
  EXPECT_EQ(v.highest_sequence(), 2u);
}

TEST(TokenVerifier, WindowEdges) {
  TokenVerifier v({1024, 1000});
  ASSERT_EQ(v.window(), 1024u);
  EXPECT_EQ(check(v, 5000), Error::kNoError);
  EXPECT_EQ(check(v, 5000 - 1023), Error::kNoError);  // oldest slot still in the window
  EXPECT_EQ(check(v, 5000 - 1023), Error::kTokenReplay);
  EXPECT_EQ(check(v, 5000 - 1024), Error::kTokenReplay);  // fell out of the window
  EXPECT_EQ(check(v, 0), Error::kTokenReplay);
  // Sliding forward by exactly the window frees every slot of the old range.
  EXPECT_EQ(check(v, 5000 + 1024), Error::kNoError);
  EXPECT_EQ(check(v, 5000 + 1), Error::kNoError);
  EXPECT_EQ(check(v, 5000), Error::kTokenReplay);  // now below the window
  // A jump of many windows clears everything.
  EXPECT_EQ(check(v, 1u << 30), Error::kNoError);
  EXPECT_EQ(check(v, (1u << 30) - 1), Error::kNoError);
  EXPECT_EQ(check(v, ~uint64_t{0}), Error::kNoError);
  EXPECT_EQ(check(v, ~uint64_t{0}), Error::kTokenReplay);
}

TEST(TokenVerifier, EverySlotInTheWindowIsTracked) {
  TokenVerifier v({64, 1000});
  for (uint64_t s = 0; s < 200; s += 2) {
    EXPECT_EQ(check(v, s), Error::kNoError);
  }
  for (uint64_t s = 200 - 64 + 1; s < 200; ++s)
    EXPECT_EQ(check(v, s), s % 2 ? Error::kNoError : Error::kTokenReplay) << s;
}

TEST(TokenVerifier, WindowSizeIsRoundedAndClamped) {
  EXPECT_EQ(TokenVerifier({1, 0}).window(), 64u);
  EXPECT_EQ(TokenVerifier({65, 0}).window(), 128u);
  EXPECT_EQ(TokenVerifier({1u << 30, 0}).window(), 65536u);
}

TEST(TokenVerifier, ClockSkewBoundaries) {
  TokenVerifier v({1024, 30000});
  EXPECT_EQ(check(v, 1, kNow - 30000), Error::kNoError);
  EXPECT_EQ(check(v, 2, kNow - 30001), Error::kTokenStale);
  EXPECT_EQ(check(v, 3, kNow + 30000), Error::kNoError);
  EXPECT_EQ(check(v, 4, kNow + 30001), Error::kTokenStale);
  EXPECT_EQ(check(v, 5, 0), Error::kTokenStale);
  EXPECT_EQ(check(v, 6, ~uint64_t{0}), Error::kTokenStale);
  EXPECT_EQ(check(v, 7, 0, 0), Error::kNoError);
  EXPECT_EQ(v.stats().stale, 4u);
  // A rejected token does not consume its sequence number.
  EXPECT_EQ(check(v, 2), Error::kNoError);
}

TEST(TokenVerifier, HashMismatch) {
  TokenVerifier v;
  TokenFrame t = TokenFrame::make(test_sha256(), kPayload, 1, kNow);
  const std::vector<uint8_t> other = {'p', 'a', 'x'};
  EXPECT_EQ(v.verify_digest(t, sha256(other), kNow).code(), Error::kTokenInvalid);
  EXPECT_EQ(v.stats().hash_mismatch, 1u);
  EXPECT_EQ(v.verify_digest(t, sha256(kPayload), kNow).code(), Error::kNoError);  // not burnt
  EXPECT_EQ(v.verify_digest(t, sha256(kPayload), kNow).code(), Error::kTokenReplay);
}

}  // namespace
}  // namespace stoq::proto
