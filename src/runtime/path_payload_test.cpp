#include "stoq/path_payload.h"

#include <gtest/gtest.h>

#include "stoq/config.h"

namespace stoq {
namespace {

SocketAddress addr(const char* text) {
  auto a = SocketAddress::parse(text);
  EXPECT_TRUE(a.ok()) << text;
  return a.ok() ? *a : SocketAddress();
}

TEST(PathPayload, DefaultChoosesByWhereThePeerIs) {
  const size_t automatic = TransportConfig{}.max_udp_payload;
  ASSERT_EQ(automatic, 0u);
  EXPECT_EQ(effective_max_udp_payload(automatic, addr("127.0.0.1:4433")), 8192u);
  EXPECT_EQ(effective_max_udp_payload(automatic, addr("[::1]:4433")), 8192u);
  EXPECT_EQ(effective_max_udp_payload(automatic, addr("10.1.2.3:4433")), 1452u);
  EXPECT_EQ(effective_max_udp_payload(automatic, addr("[2001:db8::1]:4433")), 1452u);
}

TEST(PathPayload, AConfiguredSizeIsKeptOnEveryPath) {
  for (const char* peer : {"127.0.0.1:1", "10.1.2.3:1"}) {
    EXPECT_EQ(effective_max_udp_payload(1200, addr(peer)), 1200u);
    EXPECT_EQ(effective_max_udp_payload(1452, addr(peer)), 1452u);
    EXPECT_EQ(effective_max_udp_payload(65527, addr(peer)), 65527u);
  }
}

}  // namespace
}  // namespace stoq
