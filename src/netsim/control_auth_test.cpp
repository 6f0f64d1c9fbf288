#include "netsim/control_auth.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace stoq::netsim {
namespace {

constexpr std::string_view kSecret = "0123456789abcdef-secret";

TEST(ControlAuthTest, OnlyTheExactSecretPasses) {
  EXPECT_EQ(authenticate_control_request(std::string(kSecret) + " stats", kSecret).value_or("?"),
            "stats");
  EXPECT_EQ(authenticate_control_request(std::string(kSecret) + "\t set up loss=1% ", kSecret)
                .value_or("?"),
            "set up loss=1%");
  EXPECT_EQ(authenticate_control_request(std::string(kSecret), kSecret).value_or("?"), "");
  for (const std::string& bad :
       {std::string("stats"), std::string(""), std::string(" ") + std::string(kSecret) + " stats",
        std::string(kSecret.substr(1)) + " stats", std::string(kSecret) + "x stats",
        std::string(kSecret.substr(0, kSecret.size() - 1)) + "X stats"}) {
    EXPECT_FALSE(authenticate_control_request(bad, kSecret)) << bad;
  }
  // No secret configured: nothing passes, not even an empty token.
  EXPECT_FALSE(authenticate_control_request(" stats", ""));
}

TEST(ControlAuthTest, SecretFormat) {
  EXPECT_TRUE(check_control_secret(kSecret));
  EXPECT_FALSE(check_control_secret("short"));
  EXPECT_FALSE(check_control_secret("has a blank in the middle"));
  EXPECT_FALSE(check_control_secret(std::string(kMaxControlSecretBytes + 1, 'a')));
  auto a = generate_control_secret();
  auto b = generate_control_secret();
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(check_control_secret(*a));
  EXPECT_EQ(a->size(), 32u);
  EXPECT_NE(*a, *b);
}

TEST(ControlAuthTest, SecretFileIsCreatedPrivateAndMustStayPrivate) {
  std::string dir = ::testing::TempDir() + "/netsim-secret-XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  const std::string path = dir + "/control.secret";
  bool created = false;
  auto first = load_or_create_control_secret(path, &created);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(created);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  auto again = load_or_create_control_secret(path, &created);
  ASSERT_TRUE(again);
  EXPECT_FALSE(created);
  EXPECT_EQ(*again, *first);

  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  auto exposed = load_or_create_control_secret(path, nullptr);
  ASSERT_FALSE(exposed);
  EXPECT_NE(exposed.error().message.find(path), std::string::npos) << exposed.error().message;
  EXPECT_NE(exposed.error().message.find("chmod 600"), std::string::npos);

  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  std::FILE* f = std::fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("too short\n", f);
  std::fclose(f);
  EXPECT_FALSE(load_or_create_control_secret(path, nullptr));
  ::unlink(path.c_str());
  ::rmdir(dir.c_str());
}

TEST(ControlAuthTest, BindingRule) {
  auto at = [](const char* text) { return *parse_address(text); };
  EXPECT_TRUE(check_control_binding(at("127.0.0.1:9000"), false));
  EXPECT_TRUE(check_control_binding(at("[::1]:9000"), false));
  EXPECT_TRUE(check_control_binding(at("unix:/tmp/x.sock"), false));
  const Status refused = check_control_binding(at("0.0.0.0:9000"), false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, make_error_code(Errc::kInvalidAddress));
  EXPECT_NE(refused.error().message.find("--control-allow-remote"), std::string::npos);
  EXPECT_TRUE(check_control_binding(at("0.0.0.0:9000"), true));
}

}  // namespace
}  // namespace stoq::netsim
