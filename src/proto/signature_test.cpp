#include "proto/signature.h"

#include <gtest/gtest.h>

#include "proto/message_reader.h"
#include "proto/message_writer.h"
#include "test_util.h"

namespace stoq::proto {
namespace {

using test::sha256;
using test::test_sha256;

using test::pattern;

// A stand-in for Falcon: "signature" = SHA-256(public key || message). Enough to test the
// plumbing; real Falcon is plugged in by the crypto layer.
std::vector<uint8_t> fake_sign(std::span<const uint8_t> pk, std::span<const uint8_t> msg) {
  std::vector<uint8_t> in(pk.begin(), pk.end());
  in.insert(in.end(), msg.begin(), msg.end());
  auto d = sha256(in);
  return {d.begin(), d.end()};
}

bool fake_verify(FalconAlgorithm, std::span<const uint8_t> pk, std::span<const uint8_t> msg,
                 std::span<const uint8_t> sig) {
  auto want = fake_sign(pk, msg);
  return std::equal(want.begin(), want.end(), sig.begin(), sig.end());
}

struct Signer {
  std::vector<uint8_t> pk = pattern(1793, 7);
  FalconKeyFrame key = FalconKeyFrame::raw(test_sha256(), FalconAlgorithm::kFalcon1024, pk);
  SignFunction fn = [this](std::span<const uint8_t> m) -> std::optional<std::vector<uint8_t>> {
    return fake_sign(pk, m);
  };
};

TEST(Signature, SignedBytesLayout) {
  KeyId id = test::digest_filled(0xaa);
  TokenFrame t{test::digest_filled(0xbb), 0x0102030405060708, 0x1112131415161718};
  auto b = signed_bytes(id, t, nullptr);
  ASSERT_EQ(b.size(), 25u + 1 + 32 + 32 + 8 + 8 + 1);
  EXPECT_EQ(std::string(b.begin(), b.begin() + 25), "STOQ-v1 message signature");
  EXPECT_EQ(b[25], 0);
  EXPECT_EQ(b[26], 0xaa);
  EXPECT_EQ(b[58], 0xbb);
  EXPECT_EQ(b[90], 0x01);
  EXPECT_EQ(b[98], 0x11);
  EXPECT_EQ(b.back(), 0);
  ShardFrame s{0x2122232425262728, 3, 4, 1000, 0, 250, test::digest_filled(0xcc)};
  auto c = signed_bytes(id, t, &s);
  ASSERT_EQ(c.size(), b.size() + 8 + 8 + 32);
  EXPECT_EQ(c[106], 1);
  EXPECT_EQ(c[107], 0x21);
  // Per-shard fields are not covered: another shard of the same message signs the same.
  ShardFrame other = s;
  other.index = 0;
  other.offset = 250;
  EXPECT_EQ(signed_bytes(id, t, &other), c);
}

TEST(Signature, EndToEndAcrossARelay) {
  Signer signer;
  const auto payload = pattern(500);
  MessageHeader h;
  h.token = TokenFrame::make(test_sha256(), payload, 1, 2);
  h.hop = HopFrame{};
  h.hop->hop_limit = 3;
  const uint8_t relay_id[1] = {'r'}, dest_id[1] = {'d'};
  h.hop->route = {NodeAddress::node_id(relay_id), NodeAddress::node_id(dest_id)};
  ASSERT_TRUE(sign_header(h, signer.key.key_id, signer.fn).ok());

  // Origin and relay each rewrite HOP; the signature must still verify at the destination.
  const uint8_t origin_id[1] = {'o'};
  ASSERT_EQ(h.hop->advance(NodeAddress::node_id(origin_id), 5).value(),
            NodeAddress::node_id(relay_id));
  ASSERT_EQ(h.hop->advance(NodeAddress::node_id(relay_id), 10).value(),
            NodeAddress::node_id(dest_id));
  EXPECT_TRUE(h.hop->route.empty());
  auto stream = MessageWriter{Settings{}}.encode_stream(h, payload).value();
  MessageReader reader{MessageLimits{}, test_sha256()};
  std::span<const uint8_t> in = std::span<const uint8_t>(stream).subspan(2);
  while (reader.next(in).value().kind != MessageEventKind::kNeedMore) {
  }
  while (reader.finish().value().kind != MessageEventKind::kEnd) {
  }

  SignatureVerifier v(test_sha256(), fake_verify);
  ASSERT_TRUE(v.add_key(signer.key).ok());
  auto who = v.verify(reader.header());
  ASSERT_TRUE(who.ok()) << who.error().reason;
  EXPECT_EQ(who.value(), signer.key.key_id);

  // Changing a covered field breaks it.
  MessageHeader tampered = reader.header();
  tampered.token->sequence++;
  EXPECT_EQ(v.verify(tampered).code(), Error::kSignatureInvalid);
}

TEST(Signature, UntrustedAndUnknownKeys) {
  Signer signer, other;
  other.pk = pattern(1793, 9);
  other.key = FalconKeyFrame::raw(test_sha256(), FalconAlgorithm::kFalcon1024, other.pk);
  MessageHeader h;
  h.token = TokenFrame::make(test_sha256(), pattern(3), 1, 2);
  ASSERT_TRUE(sign_header(h, signer.key.key_id, signer.fn).ok());

  SignatureVerifier v(test_sha256(), fake_verify);
  EXPECT_EQ(v.verify(h).code(), Error::kUntrustedKey);  // never announced
  ASSERT_TRUE(v.add_key(signer.key).ok());
  v.trust(other.key.key_id);
  EXPECT_EQ(v.verify(h).code(), Error::kUntrustedKey);  // announced but not on the list
  v.trust(signer.key.key_id);
  EXPECT_TRUE(v.verify(h).ok());
  EXPECT_EQ(v.verify(MessageHeader{}).code(), Error::kSignatureInvalid);

  // A signature made with another key but claiming signer's id fails verification.
  MessageHeader forged;
  forged.token = h.token;
  ASSERT_TRUE(sign_header(forged, signer.key.key_id, other.fn).ok());
  EXPECT_EQ(v.verify(forged).code(), Error::kSignatureInvalid);
}

TEST(Signature, SigningErrorsAndKeyLimits) {
  MessageHeader h;
  EXPECT_EQ(sign_header(h, {}, {}).code(), Error::kFrameUnexpected);
  h.token = TokenFrame{};
  EXPECT_EQ(sign_header(h, {}, [](auto) { return std::optional<std::vector<uint8_t>>{}; }).code(),
            Error::kInternal);
  EXPECT_EQ(sign_header(h, {},
                        [](auto) {
                          return std::optional<std::vector<uint8_t>>(std::vector<uint8_t>(2000));
                        })
                .code(),
            Error::kLimitExceeded);
  SignatureVerifier v(test_sha256(), fake_verify);
  FalconKeyFrame cert{FalconAlgorithm::kFalcon1024, {}, KeyEncoding::kCertificateChain, {1}};
  EXPECT_EQ(v.add_key(cert).code(), Error::kUntrustedKey);
  for (uint8_t i = 0; i < kMaxAnnouncedKeys; ++i)
    ASSERT_TRUE(
        v.add_key(FalconKeyFrame::raw(test_sha256(), FalconAlgorithm::kFalcon512, pattern(897, i)))
            .ok());
  EXPECT_EQ(
      v.add_key(FalconKeyFrame::raw(test_sha256(), FalconAlgorithm::kFalcon512, pattern(897, 200)))
          .code(),
      Error::kLimitExceeded);
}

}  // namespace
}  // namespace stoq::proto
