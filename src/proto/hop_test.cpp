#include "proto/hop.h"

#include <gtest/gtest.h>

#include "proto/limits.h"

namespace stoq::proto {
namespace {

NodeAddress node(uint8_t n) {
  const uint8_t id[2] = {'n', n};
  return NodeAddress::node_id(id);
}

TEST(Hop, AdvanceAlongARoute) {
  HopFrame h;
  h.hop_limit = 3;
  h.route = {node(3)};  // hops after the one receiving it (node 2)
  h.record = {{node(1), 100}};
  auto next = h.advance(node(2), 200);
  ASSERT_TRUE(next.ok()) << next.error().reason;
  EXPECT_EQ(next.value(), node(3));
  EXPECT_EQ(h.hop_limit, 2u);
  ASSERT_EQ(h.record.size(), 2u);
  EXPECT_EQ(h.record[1].node, node(2));
  EXPECT_EQ(h.record[1].timestamp_ms, 200u);
  EXPECT_TRUE(h.route.empty());
  EXPECT_EQ(h.advance(node(3), 300).code(), Error::kHopLimit);  // destination: no next hop
}

TEST(Hop, Loops) {
  HopFrame h;
  h.hop_limit = 5;
  h.route = {node(1)};
  h.record = {{node(1), 1}};
  const HopFrame before = h;
  EXPECT_EQ(h.advance(node(2), 2).code(), Error::kHopLoop);  // next hop already visited
  EXPECT_EQ(h, before);
  h.route = {node(3)};
  h.record = {{node(2), 1}};
  EXPECT_EQ(h.advance(node(2), 2).code(), Error::kHopLoop);  // we were here before
  h.record.clear();
  h.route = {node(2)};
  EXPECT_EQ(h.advance(node(2), 2).code(), Error::kHopLoop);  // route points at ourselves
}

TEST(Hop, Limits) {
  HopFrame h;
  h.hop_limit = 0;
  h.route = {node(9)};
  EXPECT_EQ(h.advance(node(1), 1).code(), Error::kHopLimit);
  h.hop_limit = 16;
  for (uint8_t i = 0; i < kMaxHops; ++i) h.record.push_back({node(100 + i), i});
  EXPECT_EQ(h.advance(node(1), 1).code(), Error::kHopLimit);  // record full
}

}  // namespace
}  // namespace stoq::proto
