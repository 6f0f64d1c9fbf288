// The strict DER containers.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "provider/der.h"

namespace stoq::provider::der {
namespace {

using Bytes = std::vector<std::uint8_t>;
const Bytes kOid = {0x2B, 0xCE, 0x0F, 0x03, 0x0E};

TEST(ProviderDer, SpkiRoundTripAndLayout) {
  const Bytes key(300, 0xAB);
  const Bytes spki = encode_spki(kOid, key);
  // 30 82 01 3a | 30 07 06 05 <oid> | 03 82 01 2d 00 <key>
  ASSERT_EQ(spki.size(), 4u + 9u + 4u + 1u + key.size());
  EXPECT_EQ(spki[0], 0x30);
  EXPECT_EQ(spki[1], 0x82);
  EXPECT_EQ((Bytes{spki.begin() + 4, spki.begin() + 13}),
            (Bytes{0x30, 0x07, 0x06, 0x05, 0x2B, 0xCE, 0x0F, 0x03, 0x0E}));
  std::string why;
  const auto c = decode_spki(spki, why);
  ASSERT_TRUE(c.has_value()) << why;
  EXPECT_EQ(Bytes(c->oid.begin(), c->oid.end()), kOid);
  EXPECT_EQ(Bytes(c->key.begin(), c->key.end()), key);
}

TEST(ProviderDer, Pkcs8RoundTrip) {
  const Bytes inner = encode_octet_string(Bytes(100, 0x11));
  const Bytes p8 = encode_pkcs8(kOid, inner);
  std::string why;
  const auto c = decode_pkcs8(p8, why);
  ASSERT_TRUE(c.has_value()) << why;
  EXPECT_EQ(Bytes(c->key.begin(), c->key.end()), inner);
  const auto content = decode_octet_string(c->key, why);
  ASSERT_TRUE(content.has_value()) << why;
  EXPECT_EQ(content->size(), 100u);
}

TEST(ProviderDer, RejectsNonCanonicalForms) {
  std::string why;
  const Bytes key(10, 0x01);
  Bytes spki = encode_spki(kOid, key);
  // Trailing byte.
  Bytes t = spki;
  t.push_back(0);
  EXPECT_FALSE(decode_spki(t, why).has_value());
  EXPECT_EQ(why, "trailing bytes after SubjectPublicKeyInfo");
  // Truncated.
  EXPECT_FALSE(decode_spki(Bytes(spki.begin(), spki.end() - 1), why).has_value());
  // Unused bits in the BIT STRING.
  t = spki;
  t[t.size() - key.size() - 1] = 0x01;
  EXPECT_FALSE(decode_spki(t, why).has_value());
  // Non-minimal length: 0x81 0x0a for a length below 128.
  Bytes nonmin = {0x30, 0x81, 0x03, 0x02, 0x01, 0x00};
  EXPECT_FALSE(decode_pkcs8(nonmin, why).has_value());
  EXPECT_EQ(why, "non-minimal length");
  // Indefinite length.
  Bytes indefinite = {0x30, 0x80, 0x00, 0x00};
  EXPECT_FALSE(decode_spki(indefinite, why).has_value());
  // AlgorithmIdentifier with NULL parameters.
  Bytes with_params = {0x30, 0x0e, 0x30, 0x09, 0x06, 0x05, 0x2B, 0xCE,
                       0x0F, 0x03, 0x0E, 0x05, 0x00, 0x03, 0x01, 0x00};
  with_params[1] = static_cast<std::uint8_t>(with_params.size() - 2);
  EXPECT_FALSE(decode_spki(with_params, why).has_value());
  EXPECT_EQ(why, "AlgorithmIdentifier has parameters");
  // PKCS#8 version 1 and attributes.
  Bytes p8 = encode_pkcs8(kOid, encode_octet_string(key));
  t = p8;
  t[4] = 0x01;
  EXPECT_FALSE(decode_pkcs8(t, why).has_value());
  EXPECT_EQ(why, "PrivateKeyInfo version is not 0");
  t = p8;
  t.push_back(0xa0);
  t.push_back(0x00);
  t[1] = static_cast<std::uint8_t>(t[1] + 2);
  EXPECT_FALSE(decode_pkcs8(t, why).has_value());
  // Huge length fields are refused before any allocation.
  Bytes huge = {0x30, 0x84, 0x7f, 0xff, 0xff, 0xff};
  EXPECT_FALSE(decode_spki(huge, why).has_value());
  EXPECT_FALSE(decode_octet_string(Bytes{}, why).has_value());
}

}  // namespace
}  // namespace stoq::provider::der
