#include "netsim/netsim_cli.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

namespace stoq::netsim {
namespace {

using namespace std::chrono_literals;

int run(const NetsimCliOptions& o, std::string& out, std::string& err) {
  std::atomic<bool> stop{true};  // returns right after start-up
  std::ostringstream o_stream;
  std::ostringstream e_stream;
  const int rc = run_netsim_cli_config(o, stop, o_stream, e_stream);
  out = o_stream.str();
  err = e_stream.str();
  return rc;
}

NetsimCliOptions valid() {
  NetsimCliOptions o;
  o.listen = "127.0.0.1:0";
  o.upstream = "127.0.0.1:9";
  o.up = "delay=5ms";
  o.down = "{\"loss\": \"1%\"}";
  return o;
}

TEST(NetsimCliTest, UsageErrorsExitTwoWithMessage) {
  std::string out;
  std::string err;
  auto o = valid();
  o.up = "delay=5";
  EXPECT_EQ(run(o, out, err), kNetsimExitUsage);
  EXPECT_NE(err.find("--up: delay=5"), std::string::npos) << err;

  o = valid();
  o.listen = "nowhere";
  EXPECT_EQ(run(o, out, err), kNetsimExitUsage);
  EXPECT_NE(err.find("nowhere"), std::string::npos);

  o = valid();
  o.idle_timeout_seconds = -1;
  EXPECT_EQ(run(o, out, err), kNetsimExitUsage);
}

TEST(NetsimCliTest, StartsReportsAndStops) {
  std::string out;
  std::string err;
  auto o = valid();
  o.json = true;
  o.control = "127.0.0.1:0";
  EXPECT_EQ(run(o, out, err), kNetsimExitOk) << err;
  std::istringstream lines(out);
  std::string line;
  ASSERT_TRUE(std::getline(lines, line));
  const auto start = nlohmann::json::parse(line);
  EXPECT_EQ(start["event"], "start");
  EXPECT_EQ(start["up"], "delay=5ms,seed=1");
  EXPECT_EQ(start["down"], "loss=1%,seed=1");
  EXPECT_TRUE(start.contains("control"));
  EXPECT_EQ(start["control_secret"].get<std::string>().size(), 32u);  // generated, shown once
  ASSERT_TRUE(std::getline(lines, line));
  EXPECT_EQ(nlohmann::json::parse(line)["event"], "stop");
}

// Issue 27: the control socket is loopback-only without the override, settings are
// bounded, and a secret file keeps the secret out of the output.
TEST(NetsimCliTest, ControlSocketRulesAreUsageErrors) {
  std::string out;
  std::string err;
  auto o = valid();
  o.control = "0.0.0.0:0";
  EXPECT_EQ(run(o, out, err), kNetsimExitUsage);
  EXPECT_NE(err.find("--control-allow-remote"), std::string::npos) << err;

  o = valid();
  o.up = "delay=61s";
  EXPECT_EQ(run(o, out, err), kNetsimExitUsage);
  EXPECT_NE(err.find("--up: delay=61s"), std::string::npos) << err;

  o = valid();
  o.down = "queue=4gb";
  EXPECT_EQ(run(o, out, err), kNetsimExitUsage);

  o = valid();
  o.control_secret_file = "/nonexistent-dir/secret";
  EXPECT_EQ(run(o, out, err), kNetsimExitUsage);  // without --control
  o.control = "127.0.0.1:0";
  EXPECT_EQ(run(o, out, err), kNetsimExitUsage);  // cannot be created
  EXPECT_NE(err.find("/nonexistent-dir/secret"), std::string::npos) << err;
}

TEST(NetsimCliTest, SecretFileKeepsTheSecretOutOfTheOutput) {
  std::string dir = ::testing::TempDir() + "/netsim-cli-XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  std::string out;
  std::string err;
  auto o = valid();
  o.json = true;
  o.control = "127.0.0.1:0";
  o.control_secret_file = dir + "/secret";
  EXPECT_EQ(run(o, out, err), kNetsimExitOk) << err;
  const auto start = nlohmann::json::parse(out.substr(0, out.find('\n')));
  EXPECT_FALSE(start.contains("control_secret"));
  EXPECT_EQ(start["control_secret_file"], o.control_secret_file);
  std::ifstream f(o.control_secret_file);
  std::string secret;
  ASSERT_TRUE(std::getline(f, secret));
  EXPECT_EQ(secret.size(), 32u);
  EXPECT_EQ(out.find(secret), std::string::npos);
  ::unlink(o.control_secret_file.c_str());
  ::rmdir(dir.c_str());
}

TEST(NetsimCliTest, StopFlagEndsTheLoop) {
  std::atomic<bool> stop{false};
  std::ostringstream out;
  std::ostringstream err;
  int rc = -1;
  auto o = valid();
  o.stats_interval_seconds = 0.05;
  std::thread t([&] { rc = run_netsim_cli_config(o, stop, out, err); });
  std::this_thread::sleep_for(200ms);
  stop = true;
  t.join();  // the loop checks the flag at least every 100 ms
  EXPECT_EQ(rc, kNetsimExitOk);
  EXPECT_NE(out.str().find("netsim stats:"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("netsim stop:"), std::string::npos);
}

}  // namespace
}  // namespace stoq::netsim
