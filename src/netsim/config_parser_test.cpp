#include "netsim/config_parser.h"

#include <gtest/gtest.h>

#include <chrono>

#include <nlohmann/json.hpp>

#include "netsim/link_profiles.h"

namespace stoq::netsim {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::string error_of(std::string_view text) {
  auto c = parse_link_config(text);
  EXPECT_FALSE(c.has_value()) << "accepted: " << text;
  if (c) return {};
  EXPECT_EQ(c.error().code, make_error_code(Errc::kInvalidConfig));
  return c.error().message;
}

TEST(ConfigParserTest, ParsesTheDocumentedExample) {
  auto c = parse_link_config("delay=20ms,jitter=10ms,loss=1%,rate=50mbit,queue=64kb,seed=7");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->delay, milliseconds(20));
  EXPECT_EQ(c->jitter, milliseconds(10));
  EXPECT_DOUBLE_EQ(c->loss, 0.01);
  EXPECT_EQ(c->rate_bps, 50'000'000u);
  EXPECT_EQ(c->queue_bytes, 65536u);
  EXPECT_EQ(c->seed, 7u);
}

TEST(ConfigParserTest, ParsesEveryKey) {
  auto c = parse_link_config(
      " delay=1.5ms , jitter=250us, jitter_dist=pareto, jitter_reorder=on, loss=0.1%,"
      "burst_to_bad=1%,burst_to_good=30%,burst_loss_good=0.5%,burst_loss_bad=90%,"
      "reorder=2%,reorder_delay=3ms,dup=1%,corrupt=0.1%,corrupt_bits=4,rate=1.5gbit,"
      "queue=1mb,limit=8mb,mtu=1400,blackhole=off,blackhole_at=2s,blackhole_for=500ms,"
      "blackhole_every=10s,seed=0xff");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->delay, microseconds(1500));
  EXPECT_EQ(c->jitter, microseconds(250));
  EXPECT_EQ(c->jitter_distribution, JitterDistribution::kPareto);
  EXPECT_TRUE(c->jitter_reorder);
  EXPECT_DOUBLE_EQ(c->loss, 0.001);
  EXPECT_DOUBLE_EQ(c->burst.to_bad, 0.01);
  EXPECT_DOUBLE_EQ(c->burst.to_good, 0.30);
  EXPECT_DOUBLE_EQ(c->burst.loss_good, 0.005);
  EXPECT_DOUBLE_EQ(c->burst.loss_bad, 0.90);
  EXPECT_DOUBLE_EQ(c->reorder, 0.02);
  EXPECT_EQ(c->reorder_delay, milliseconds(3));
  EXPECT_DOUBLE_EQ(c->duplicate, 0.01);
  EXPECT_DOUBLE_EQ(c->corrupt, 0.001);
  EXPECT_EQ(c->corrupt_bits, 4u);
  EXPECT_EQ(c->rate_bps, 1'500'000'000u);
  EXPECT_EQ(c->queue_bytes, 1u << 20);
  EXPECT_EQ(c->limit_bytes, 8u << 20);
  EXPECT_EQ(c->mtu, 1400u);
  EXPECT_FALSE(c->blackhole);
  EXPECT_EQ(c->blackhole_schedule.at, seconds(2));
  EXPECT_EQ(c->blackhole_schedule.duration, milliseconds(500));
  EXPECT_EQ(c->blackhole_schedule.every, seconds(10));
  EXPECT_EQ(c->seed, 255u);
}

TEST(ConfigParserTest, EmptyKeepsBaseAndKeysPatchBase) {
  LinkConfig base;
  base.delay = milliseconds(7);
  base.loss = 0.5;
  auto same = parse_link_config("  ", base);
  ASSERT_TRUE(same);
  EXPECT_EQ(*same, base);
  auto patched = parse_link_config("loss=1%", base);
  ASSERT_TRUE(patched);
  EXPECT_EQ(patched->delay, milliseconds(7));
  EXPECT_DOUBLE_EQ(patched->loss, 0.01);
}

TEST(ConfigParserTest, ValueUnits) {
  EXPECT_EQ(*parse_duration("0"), Duration(0));
  EXPECT_EQ(*parse_duration("15ns"), Duration(15));
  EXPECT_EQ(*parse_duration("2us"), microseconds(2));
  EXPECT_EQ(*parse_duration("2.5s"), milliseconds(2500));
  EXPECT_EQ(*parse_duration("20MS"), milliseconds(20));
  EXPECT_EQ(*parse_rate("0"), 0u);
  EXPECT_EQ(*parse_rate("100bit"), 100u);
  EXPECT_EQ(*parse_rate("64kbit"), 64'000u);
  EXPECT_EQ(*parse_rate("2Gbit"), 2'000'000'000u);
  EXPECT_EQ(*parse_size("1500"), 1500u);
  EXPECT_EQ(*parse_size("10b"), 10u);
  EXPECT_EQ(*parse_size("64KiB"), 65536u);
  EXPECT_EQ(*parse_size("1.5mb"), 1572864u);
  EXPECT_DOUBLE_EQ(*parse_probability("100%"), 1.0);
  EXPECT_DOUBLE_EQ(*parse_probability("0%"), 0.0);
  EXPECT_DOUBLE_EQ(*parse_probability("12.5%"), 0.125);
}

TEST(ConfigParserTest, StrictErrorsNameTheProblem) {
  EXPECT_NE(error_of("delay=20").find("needs a unit"), std::string::npos);
  EXPECT_NE(error_of("dealy=20ms").find("unknown key 'dealy'"), std::string::npos);
  EXPECT_NE(error_of("loss=1%,loss=2%").find("more than once"), std::string::npos);
  EXPECT_NE(error_of("loss=1").find("percentage"), std::string::npos);
  EXPECT_NE(error_of("loss=101%").find("above 100%"), std::string::npos);
  EXPECT_NE(error_of("loss=-1%").find("percentage"), std::string::npos);
  EXPECT_NE(error_of("rate=50mbps").find("bits per second"), std::string::npos);
  EXPECT_NE(error_of("rate=50").find("needs a unit"), std::string::npos);
  EXPECT_NE(error_of("delay=20ms,").find("stray comma"), std::string::npos);
  EXPECT_NE(error_of("delay").find("not key=value"), std::string::npos);
  EXPECT_NE(error_of("delay=").find("no value"), std::string::npos);
  EXPECT_NE(error_of("=5ms").find("no key"), std::string::npos);
  EXPECT_NE(error_of("corrupt_bits=0").find("1 to 64"), std::string::npos);
  EXPECT_NE(error_of("corrupt_bits=65").find("1 to 64"), std::string::npos);
  EXPECT_NE(error_of("jitter_dist=gauss").find("uniform, normal or pareto"), std::string::npos);
  EXPECT_NE(error_of("blackhole=maybe").find("on or off"), std::string::npos);
  EXPECT_NE(error_of("blackhole_for=1s,blackhole_every=1s").find("longer"), std::string::npos);
  EXPECT_NE(error_of("blackhole_every=5s").find("blackhole_for"), std::string::npos);
  EXPECT_NE(error_of("limit=0").find("limit"), std::string::npos);
  EXPECT_NE(error_of("mtu=70000").find("65535"), std::string::npos);
  EXPECT_NE(error_of("delay=90000s").find("24 hours"), std::string::npos);
  EXPECT_NE(error_of("delay=1e3ms").find("duration"), std::string::npos);
  EXPECT_NE(error_of("seed=abc").find("64-bit"), std::string::npos);
  EXPECT_NE(error_of("seed=18446744073709551616").find("64-bit"), std::string::npos);
  EXPECT_NE(error_of("queue=1.5").find("whole number"), std::string::npos);
  EXPECT_NE(error_of("profile=moon").find("unknown profile"), std::string::npos);
  // The message always starts with the offending item.
  EXPECT_EQ(error_of("delay=5ms,jitter=x").rfind("jitter=x: ", 0), 0u);
}

// Issue 27: the bounds (link_config.h) hold for every form the parsers accept, so neither
// the command line nor the control socket can ask for a day of delay or a terabyte of queue.
TEST(ConfigParserTest, SettingsBeyondTheBoundsAreRejected) {
  for (const char* text : {"delay=61s", "jitter=60001ms", "reorder_delay=120s", "delay=3600s",
                           "queue=2gb", "limit=1025mb", "limit=1024gb", "blackhole_at=90000s"}) {
    const std::string e = error_of(text);
    EXPECT_FALSE(e.empty()) << text << " was accepted";
  }
  EXPECT_NE(error_of("delay=61s").find("at most 60s"), std::string::npos) << error_of("delay=61s");
  EXPECT_NE(error_of("queue=2gb").find("1 GiB"), std::string::npos) << error_of("queue=2gb");
  EXPECT_FALSE(parse_link_config_text(R"({"delay": "90s"})"));
  EXPECT_FALSE(parse_link_config_text(R"({"limit": 2147483648})"));
  // The bounds themselves are accepted.
  auto edge = parse_link_config(
      "delay=60s,jitter=60s,reorder_delay=60s,queue=1gb,limit=1gb,rate=10tbit,"
      "blackhole_for=3600s,blackhole_every=86400s");
  ASSERT_TRUE(edge) << edge.error().message;
  EXPECT_TRUE(validate_link_config(*edge));
  LinkConfig direct;
  direct.limit_bytes = kMaxConfigBytes + 1;
  EXPECT_FALSE(validate_link_config(direct));
}

TEST(ConfigParserTest, FailedParseLeavesNothingChanged) {
  LinkConfig base;
  base.loss = 0.25;
  auto c = parse_link_config("loss=1%,delay=bad", base);
  EXPECT_FALSE(c);
  EXPECT_DOUBLE_EQ(base.loss, 0.25);
}

TEST(ConfigParserTest, FormatRoundTrips) {
  auto c = parse_link_config(
      "delay=1500us,jitter=3ms,jitter_dist=normal,loss=0.1%,burst_to_bad=2%,burst_to_good=25%,"
      "reorder=1%,reorder_delay=7ms,dup=1%,corrupt=0.1%,corrupt_bits=2,rate=50mbit,queue=64kb,"
      "limit=2mb,mtu=1350,blackhole=on,blackhole_at=1s,blackhole_for=2s,seed=99");
  ASSERT_TRUE(c);
  const std::string text = format_link_config(*c);
  EXPECT_EQ(text.rfind("delay=1500us,jitter=3ms,jitter_dist=normal,", 0), 0u) << text;
  auto again = parse_link_config(text);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, *c);
  EXPECT_EQ(format_link_config(LinkConfig{}), "seed=1");
  // Tiny probabilities print without an exponent, which the parser would reject.
  auto tiny = parse_link_config("loss=0.00001%");
  ASSERT_TRUE(tiny);
  EXPECT_EQ(format_link_config(*tiny), "loss=0.00001%,seed=1");
  EXPECT_TRUE(parse_link_config(format_link_config(*tiny)));
}

TEST(ConfigParserTest, JsonForm) {
  const auto j = nlohmann::json::parse(
      R"({"delay": "20ms", "loss": "1%", "seed": 7, "mtu": 1400, "jitter_reorder": true,
          "queue": 65536})");
  auto c = parse_link_config_json(j);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->delay, milliseconds(20));
  EXPECT_DOUBLE_EQ(c->loss, 0.01);
  EXPECT_EQ(c->seed, 7u);
  EXPECT_EQ(c->mtu, 1400u);
  EXPECT_TRUE(c->jitter_reorder);
  EXPECT_EQ(c->queue_bytes, 65536u);
}

TEST(ConfigParserTest, JsonErrors) {
  auto number_delay = parse_link_config_json(nlohmann::json::parse(R"({"delay": 20})"));
  ASSERT_FALSE(number_delay);
  EXPECT_NE(number_delay.error().message.find("\"20ms\""), std::string::npos);
  EXPECT_FALSE(parse_link_config_json(nlohmann::json::parse(R"({"nope": "1"})")));
  EXPECT_FALSE(parse_link_config_json(nlohmann::json::parse(R"(["delay"])")));
  EXPECT_FALSE(parse_link_config_json(nlohmann::json::parse(R"({"seed": -1})")));
  auto malformed = parse_link_config_text("{\"delay\": ");
  ASSERT_FALSE(malformed);
  EXPECT_NE(malformed.error().message.find("malformed JSON"), std::string::npos);
}

TEST(ConfigParserTest, JsonRoundTripAndTextDetection) {
  auto c = parse_link_config("delay=3ms,loss=2%,rate=1mbit,blackhole=on,seed=5");
  ASSERT_TRUE(c);
  const auto j = link_config_to_json(*c);
  auto back = parse_link_config_json(j);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, *c);
  auto from_text = parse_link_config_text(j.dump());
  ASSERT_TRUE(from_text);
  EXPECT_EQ(*from_text, *c);
}

TEST(ConfigParserTest, ProfilesApplyFirstAndKeepSeed) {
  LinkConfig base;
  base.seed = 42;
  base.loss = 0.5;
  auto c = parse_link_config("loss=1%,profile=home", base);
  ASSERT_TRUE(c) << c.error().message;
  const LinkConfig home = *link_profile("home");
  EXPECT_EQ(c->delay, home.delay);
  EXPECT_EQ(c->rate_bps, home.rate_bps);
  EXPECT_DOUBLE_EQ(c->loss, 0.01);  // explicit key overrides the profile
  EXPECT_EQ(c->seed, 42u);
  for (auto name : link_profile_names()) EXPECT_TRUE(link_profile(name)) << name;
  auto none = parse_link_config("profile=none", *c);
  ASSERT_TRUE(none);
  LinkConfig expected;
  expected.seed = 42;
  EXPECT_EQ(*none, expected);
}

}  // namespace
}  // namespace stoq::netsim
