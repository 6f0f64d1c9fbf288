#include "crypto/falcon/falcon.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "crypto/falcon/codec.h"
#include "crypto/falcon/ctr_drbg.h"

namespace stoq::falcon {
namespace {

RandomSource seeded(std::uint8_t tag) {
  std::array<std::uint8_t, 48> e{};
  e.fill(tag);
  auto drbg = std::make_shared<detail::CtrDrbg>(e);
  return [drbg](std::span<std::uint8_t> b) {
    drbg->generate(b);
    return true;
  };
}

class FalconApi : public ::testing::TestWithParam<Level> {
 protected:
  void SetUp() override {
    auto kp = generate_keypair(GetParam(), seeded(42));
    ASSERT_TRUE(kp.ok());
    pair_.emplace(std::move(kp).value());
    auto sig = sign(pair_->secret_key, msg_, seeded(7));
    ASSERT_TRUE(sig.ok());
    sig_ = std::vector<std::uint8_t>(sig->bytes().begin(), sig->bytes().end());
  }
  unsigned logn() const { return GetParam() == Level::k512 ? 9 : 10; }
  std::error_code check(const std::vector<std::uint8_t>& s) const {
    return verify(pair_->public_key, msg_, s);
  }

  std::vector<std::uint8_t> msg_{'h', 'e', 'l', 'l', 'o'};
  std::optional<KeyPair> pair_;
  std::vector<std::uint8_t> sig_;
};

TEST_P(FalconApi, SizesAndHeaders) {
  const Sizes s = sizes(GetParam());
  EXPECT_EQ(pair_->public_key.bytes().size(), s.public_key);
  EXPECT_EQ(pair_->secret_key.bytes().size(), s.secret_key);
  EXPECT_EQ(pair_->public_key.bytes()[0], logn());
  EXPECT_EQ(pair_->secret_key.bytes()[0], 0x50 + logn());
  EXPECT_EQ(sig_[0], 0x30 + logn());
  EXPECT_LE(sig_.size(), s.signature_max);
}

TEST_P(FalconApi, VerifiesAndRejectsOtherMessage) {
  EXPECT_FALSE(check(sig_));
  std::vector<std::uint8_t> other = msg_;
  other[0] ^= 1;
  EXPECT_EQ(verify(pair_->public_key, other, sig_), Errc::kVerificationFailed);
}

TEST_P(FalconApi, RejectsWrongHeader) {
  auto s = sig_;
  s[0] = static_cast<std::uint8_t>(0x20 + logn());
  EXPECT_EQ(check(s), Errc::kBadSignature);
  s[0] = static_cast<std::uint8_t>(0x30 + (logn() == 9 ? 10 : 9));
  EXPECT_EQ(check(s), Errc::kLevelMismatch);
  s[0] = static_cast<std::uint8_t>(0x50 + logn());  // CT format: not supported
  EXPECT_EQ(check(s), Errc::kBadSignature);
}

TEST_P(FalconApi, RejectsWrongLengths) {
  EXPECT_EQ(check({}), Errc::kBadSignature);
  EXPECT_EQ(check(std::vector<std::uint8_t>(sig_.begin(), sig_.begin() + 41)), Errc::kBadSignature);
  auto cut = sig_;
  cut.pop_back();
  EXPECT_NE(check(cut), std::error_code{});
  auto extra = sig_;
  extra.push_back(0);  // trailing zero outside the padded format
  EXPECT_EQ(check(extra), Errc::kBadSignature);
  auto huge = sig_;
  huge.resize(sizes(GetParam()).signature_max + 1, 0);
  EXPECT_EQ(check(huge), Errc::kBadSignature);
}

TEST_P(FalconApi, PaddedFormat) {
  auto sig = sign(pair_->secret_key, msg_, seeded(9), SignatureFormat::kPadded);
  ASSERT_TRUE(sig.ok());
  std::vector<std::uint8_t> s(sig->bytes().begin(), sig->bytes().end());
  EXPECT_EQ(s.size(), sizes(GetParam()).signature_padded);
  EXPECT_FALSE(check(s));
  s.back() = 1;  // padding must be zero
  EXPECT_EQ(check(s), Errc::kBadSignature);
}

TEST_P(FalconApi, RejectsCoefficientTamperingAndNorm) {
  // Decode s2, blow one coefficient up to the encodable maximum: encoding valid, norm
  // over bound or wrong equation -> verification failure, never acceptance.
  const std::size_t n = std::size_t{1} << logn();
  std::vector<std::int16_t> s2(n);
  auto comp = std::span(sig_).subspan(41);
  ASSERT_EQ(detail::comp_decode(s2.data(), logn(), comp), comp.size());
  for (auto& v : s2) v = static_cast<std::int16_t>(v >= 0 ? 2047 : -2047);
  std::vector<std::uint8_t> buf(4 * n);
  const std::size_t len = detail::comp_encode(buf, s2.data(), logn());
  ASSERT_GT(len, 0u);
  std::vector<std::uint8_t> forged(sig_.begin(), sig_.begin() + 41);
  forged.insert(forged.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(len));
  EXPECT_NE(check(forged), std::error_code{});
}

TEST_P(FalconApi, RejectsMinusZeroInSignature) {
  // Flip the sign bit of the first coefficient when it is zero: "-0" must be rejected.
  const std::size_t n = std::size_t{1} << logn();
  std::vector<std::int16_t> s2(n);
  auto comp = std::span(sig_).subspan(41);
  ASSERT_EQ(detail::comp_decode(s2.data(), logn(), comp), comp.size());
  s2[0] = 0;
  std::vector<std::uint8_t> buf(4 * n);
  const std::size_t len = detail::comp_encode(buf, s2.data(), logn());
  buf[0] |= 0x80;
  std::vector<std::uint8_t> forged(sig_.begin(), sig_.begin() + 41);
  forged.insert(forged.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(len));
  EXPECT_EQ(check(forged), Errc::kBadSignature);
}

TEST_P(FalconApi, PublicKeyDecodingIsStrict) {
  const auto pk = pair_->public_key.bytes();
  std::vector<std::uint8_t> b(pk.begin(), pk.end());
  EXPECT_TRUE(PublicKey::decode(b).ok());
  auto bad = b;
  bad[0] ^= 0x40;
  EXPECT_EQ(PublicKey::decode(bad).error(), Errc::kBadPublicKey);
  bad = b;
  bad.pop_back();
  EXPECT_FALSE(PublicKey::decode(bad).ok());
  bad = b;
  bad[1] = 0xFF;
  bad[2] |= 0xFC;  // h[0] >= q
  EXPECT_EQ(PublicKey::decode(bad).error(), Errc::kBadPublicKey);
}

TEST_P(FalconApi, SecretKeyRoundTripAndStrictness) {
  const auto sk = pair_->secret_key.bytes();
  std::vector<std::uint8_t> b(sk.begin(), sk.end());
  auto dec = SecretKey::decode(b);
  ASSERT_TRUE(dec.ok());
  auto sig = sign(dec.value(), msg_, seeded(3));
  ASSERT_TRUE(sig.ok());
  EXPECT_FALSE(verify(pair_->public_key, msg_, sig->bytes()));
  auto bad = b;
  bad[0] = 0x00;
  EXPECT_EQ(SecretKey::decode(bad).error(), Errc::kBadSecretKey);
  bad = b;
  bad.push_back(0);
  EXPECT_FALSE(SecretKey::decode(bad).ok());
  // A well-formed encoding whose (f, g, F) is not an NTRU basis: f = 1, g = 0, F = 0 gives
  // G = 0 (small), but f G - g F = 0 != q.
  const std::size_t n = std::size_t{1} << logn();
  std::vector<std::int8_t> f(n, 0), zero(n, 0);
  f[0] = 1;
  const unsigned fg_bits = logn() == 9 ? 6 : 5;
  std::vector<std::uint8_t> forged(b.size(), 0);
  forged[0] = b[0];
  std::size_t off = 1;
  off += detail::trim_i8_encode(std::span(forged).subspan(off), f.data(), logn(), fg_bits);
  off += detail::trim_i8_encode(std::span(forged).subspan(off), zero.data(), logn(), fg_bits);
  off += detail::trim_i8_encode(std::span(forged).subspan(off), zero.data(), logn(), 8);
  ASSERT_EQ(off, forged.size());
  EXPECT_EQ(SecretKey::decode(forged).error(), Errc::kBadSecretKey);
}

// The public key recomputed from the secret key alone is the one generated with it, also
// after the secret key went through its encoding; a moved-from key has none.
TEST_P(FalconApi, DerivePublicKeyFromTheSecretKey) {
  auto pk = derive_public_key(pair_->secret_key);
  ASSERT_TRUE(pk.ok());
  EXPECT_EQ(pk->level(), GetParam());
  const auto want = pair_->public_key.bytes();
  EXPECT_TRUE(std::equal(pk->bytes().begin(), pk->bytes().end(), want.begin(), want.end()));
  auto decoded = SecretKey::decode(pair_->secret_key.bytes());
  ASSERT_TRUE(decoded.ok());
  auto again = derive_public_key(decoded.value());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(std::equal(again->bytes().begin(), again->bytes().end(), want.begin(), want.end()));
  SecretKey moved = std::move(decoded.value());
  EXPECT_EQ(derive_public_key(decoded.value()).error(), Errc::kBadSecretKey);
  EXPECT_TRUE(derive_public_key(moved).ok());
}

TEST_P(FalconApi, SignedMessageRoundTrip) {
  auto sm = sign_message(pair_->secret_key, msg_, seeded(5));
  ASSERT_TRUE(sm.ok());
  auto m = open_message(pair_->public_key, sm.value());
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m.value(), msg_);
  auto bad = sm.value();
  bad[2 + 40 + msg_.size()] ^= 0x10;  // header byte
  EXPECT_EQ(open_message(pair_->public_key, bad).error(), Errc::kBadSignature);
}

TEST_P(FalconApi, RngFailureIsReported) {
  const RandomSource broken = [](std::span<std::uint8_t>) { return false; };
  EXPECT_EQ(generate_keypair(GetParam(), broken).error(), Errc::kRngFailure);
  EXPECT_EQ(sign(pair_->secret_key, msg_, broken).error(), Errc::kRngFailure);
}

TEST_P(FalconApi, SystemRngWorks) {
  auto sig = sign(pair_->secret_key, msg_);
  ASSERT_TRUE(sig.ok());
  EXPECT_FALSE(check(std::vector<std::uint8_t>(sig->bytes().begin(), sig->bytes().end())));
}

TEST_P(FalconApi, SecretKeyMoveLeavesSourceEmpty) {
  auto kp = generate_keypair(GetParam(), seeded(1));
  ASSERT_TRUE(kp.ok());
  SecretKey moved = std::move(kp->secret_key);
  EXPECT_TRUE(kp->secret_key.bytes().empty());
  EXPECT_EQ(moved.bytes().size(), sizes(GetParam()).secret_key);
  // The moved-from key has no signing expansion left: signing with it is refused.
  EXPECT_EQ(sign(kp->secret_key, msg_, seeded(2)).error(), Errc::kBadSecretKey);
  EXPECT_EQ(sign_message(kp->secret_key, msg_, seeded(2)).error(), Errc::kBadSecretKey);
  auto sig = sign(moved, msg_, seeded(2));
  ASSERT_TRUE(sig.ok());
  EXPECT_FALSE(verify(kp->public_key, msg_, sig->bytes()));
}

INSTANTIATE_TEST_SUITE_P(Levels, FalconApi, ::testing::Values(Level::k512, Level::k1024),
                         [](const auto& info) {
                           return info.param == Level::k512 ? std::string("Falcon512")
                                                            : std::string("Falcon1024");
                         });

TEST(FalconThreads, ConcurrentKeygenSignVerify) {
  // Lazily built tables (residue primes, root caches, CPU dispatch) under concurrency.
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &failures] {
      const Level level = (t & 1) ? Level::k1024 : Level::k512;
      auto kp = generate_keypair(level, seeded(static_cast<std::uint8_t>(100 + t)));
      if (!kp.ok()) {
        ++failures;
        return;
      }
      const std::vector<std::uint8_t> msg = {static_cast<std::uint8_t>(t)};
      for (int i = 0; i < 3; ++i) {
        auto sig = sign(kp->secret_key, msg, seeded(static_cast<std::uint8_t>(i)));
        if (!sig.ok() || verify(kp->public_key, msg, sig->bytes())) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(FalconErrors, CategoryMessages) {
  EXPECT_STREQ(falcon_category().name(), "falcon");
  EXPECT_EQ(std::error_code(Errc::kBadSignature).message(), "malformed Falcon signature");
}

}  // namespace
}  // namespace stoq::falcon
