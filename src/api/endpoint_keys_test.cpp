#include "api/endpoint_keys.h"

#include <gtest/gtest.h>

#include <new>
#include <unordered_map>
#include <vector>

#include "quic/connection_id.h"
#include "stoq/context.h"
#include "stoq/endpoint.h"

namespace stoq::detail {
namespace {

TEST(EndpointKeys, WrongLengthStaticKeyIsRefused) {
  for (size_t len : {1u, 16u, 31u, 33u, 64u}) {
    std::vector<uint8_t> k(len, 1);
    auto r = endpoint_keys(k);
    ASSERT_FALSE(r.ok()) << len;
    EXPECT_EQ(r.error(), Errc::kInvalidArgument);
  }
}

TEST(EndpointKeys, FailedRandomnessIsAnError) {
  auto failing = [](unsigned char*, int) { return 0; };
  auto r = endpoint_keys({}, failing);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Errc::kInternal);
  std::vector<uint8_t> k(32, 3);  // a static key still needs the hash key drawn
  EXPECT_FALSE(endpoint_keys(k, failing).ok());
}

TEST(EndpointKeys, StaticKeyIsKeptAndEmptyDrawsARandomOne) {
  std::vector<uint8_t> k(32);
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(i + 1);
  auto fixed = endpoint_keys(k);
  ASSERT_TRUE(fixed.ok());
  EXPECT_TRUE(std::equal(k.begin(), k.end(), fixed->key.begin()));
  auto a = endpoint_keys({});
  auto b = endpoint_keys({});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->key, (std::array<uint8_t, 32>{}));
  EXPECT_NE(a->key, b->key);
}

// Two endpoints (or two workers sharing one static key) hash connection IDs differently.
TEST(EndpointKeys, EveryEndpointGetsItsOwnCidHashKey) {
  std::vector<uint8_t> k(32, 9);
  auto a = endpoint_keys(k);
  auto b = endpoint_keys(k);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->key, b->key);
  EXPECT_NE(a->cid_hash_key, SipHashKey{});
  EXPECT_NE(a->cid_hash_key, b->cid_hash_key);
  const uint8_t id[quic::kCidLength] = {1, 2, 3};
  const quic::ConnectionId cid(id, sizeof(id));
  EXPECT_NE(quic::ConnectionIdHash(a->cid_hash_key)(cid),
            quic::ConnectionIdHash(b->cid_hash_key)(cid));
}

TEST(EndpointKeys, DestructorWipesTheKeys) {
  alignas(EndpointKeys) unsigned char storage[sizeof(EndpointKeys)];
  auto* k = new (storage) EndpointKeys();
  k->key.fill(0xA5);
  k->cid_hash_key.fill(0x5A);
  k->~EndpointKeys();
  for (unsigned char b : storage) ASSERT_EQ(b, 0);
}

TEST(ConnectionIdHash, KeyedMapFindsEveryEntry) {
  auto keys = endpoint_keys({});
  ASSERT_TRUE(keys.ok());
  std::unordered_map<quic::ConnectionId, int, quic::ConnectionIdHash> map(
      0, quic::ConnectionIdHash(keys->cid_hash_key));
  for (int i = 0; i < 1000; ++i) {
    uint8_t id[20] = {};
    id[0] = static_cast<uint8_t>(i);
    id[1] = static_cast<uint8_t>(i >> 8);
    map[quic::ConnectionId(id, 1 + i % 20)] = i;
  }
  ASSERT_EQ(map.size(), 1000u);
  for (int i = 0; i < 1000; ++i) {
    uint8_t id[20] = {};
    id[0] = static_cast<uint8_t>(i);
    id[1] = static_cast<uint8_t>(i >> 8);
    auto it = map.find(quic::ConnectionId(id, 1 + i % 20));
    ASSERT_NE(it, map.end());
    EXPECT_EQ(it->second, i);
  }
  const uint8_t absent[4] = {0xff, 0xff, 0xff, 0xff};
  EXPECT_EQ(map.find(quic::ConnectionId(absent, 4)), map.end());
}

TEST(EndpointCreate, WrongLengthStaticKeyFailsForOneAndManyWorkers) {
  auto ctx = Context::create();
  ASSERT_TRUE(ctx.ok()) << ctx.message();
  for (unsigned workers : {1u, 4u}) {
    EndpointConfig cfg;
    cfg.workers = workers;
    cfg.static_key.assign(31, 7);
    auto ep = Endpoint::create(*ctx, cfg);
    ASSERT_FALSE(ep.ok()) << workers;
    EXPECT_EQ(ep.error(), Errc::kInvalidArgument);
    cfg.static_key.assign(32, 7);
    EXPECT_TRUE(Endpoint::create(*ctx, cfg).ok()) << workers;
  }
}

}  // namespace
}  // namespace stoq::detail
