#include "netsim/control_protocol.h"

#include <gtest/gtest.h>

namespace stoq::netsim {
namespace {

using K = ControlCommand::Kind;

TEST(ControlProtocolTest, TextCommands) {
  auto stats = parse_control_command("  stats \n");
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->kind, K::kStats);

  auto set = parse_control_command("set up delay=20ms, loss=1%");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->kind, K::kSet);
  EXPECT_TRUE(set->up);
  EXPECT_FALSE(set->down);
  EXPECT_EQ(set->config, "delay=20ms, loss=1%");

  auto update = parse_control_command("update both {\"loss\": \"2%\"}");
  ASSERT_TRUE(update);
  EXPECT_EQ(update->kind, K::kUpdate);
  EXPECT_TRUE(update->up && update->down);
  EXPECT_EQ(update->config, "{\"loss\": \"2%\"}");

  auto clear = parse_control_command("set down");
  ASSERT_TRUE(clear);
  EXPECT_TRUE(clear->down);
  EXPECT_TRUE(clear->config.empty());

  auto rebind_all = parse_control_command("rebind");
  ASSERT_TRUE(rebind_all);
  EXPECT_EQ(rebind_all->kind, K::kRebind);
  EXPECT_FALSE(rebind_all->client);

  auto rebind_one = parse_control_command("rebind [::1]:5000");
  ASSERT_TRUE(rebind_one);
  ASSERT_TRUE(rebind_one->client);
  EXPECT_EQ(rebind_one->client->port(), 5000);

  EXPECT_EQ(parse_control_command("clients")->kind, K::kClients);
  EXPECT_EQ(parse_control_command("help")->kind, K::kHelp);
}

TEST(ControlProtocolTest, JsonCommands) {
  auto set = parse_control_command(R"({"cmd": "set", "dir": "down", "config": {"loss": "1%"}})");
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(set->kind, K::kSet);
  EXPECT_TRUE(set->down);
  EXPECT_EQ(set->config, R"({"loss":"1%"})");

  auto rebind = parse_control_command(R"({"cmd": "rebind", "client": "127.0.0.1:9"})");
  ASSERT_TRUE(rebind);
  ASSERT_TRUE(rebind->client);
  EXPECT_EQ(rebind->client->to_string(), "127.0.0.1:9");
}

TEST(ControlProtocolTest, Errors) {
  for (const char* bad : {"", "   ", "fly", "set", "set sideways loss=1%", "stats now",
                          "rebind a b", "{", R"({"cmd": 3})", R"({"cmd": "set", "dir": "up",
                          "extra": 1})",
                          R"({"cmd": "stats", "config": 5})"}) {
    auto c = parse_control_command(bad);
    EXPECT_FALSE(c) << bad;
    if (!c) {
      EXPECT_EQ(c.error().code, make_error_code(Errc::kInvalidCommand)) << bad;
    }
  }
  auto bad_client = parse_control_command("rebind nowhere");
  ASSERT_FALSE(bad_client);
  EXPECT_EQ(bad_client.error().code, make_error_code(Errc::kInvalidAddress));
  EXPECT_FALSE(parse_control_command(std::string(kMaxControlRequestBytes + 1, 'x')));
}

}  // namespace
}  // namespace stoq::netsim
