#include "netsim/address.h"

#include <gtest/gtest.h>

namespace stoq::netsim {
namespace {

TEST(NetsimAddressTest, ParsesNumericAndUnixForms) {
  for (const char* text : {"127.0.0.1:4433", "[::1]:0", "unix:/tmp/netsim.sock"}) {
    auto a = parse_address(text);
    ASSERT_TRUE(a) << text << ": " << a.error().message;
    EXPECT_EQ(a->to_string(), text);
  }
  EXPECT_EQ(parse_address("localhost:80")->to_string(), "127.0.0.1:80");
}

TEST(NetsimAddressTest, ErrorsAreInNetsimsCategoryAndNameTheText) {
  for (const char* text : {"example.com:80", "4433", "unix:"}) {
    auto a = parse_address(text);
    ASSERT_FALSE(a) << text;
    EXPECT_EQ(a.error().code, make_error_code(Errc::kInvalidAddress));
    EXPECT_EQ(a.error().message.rfind("invalid address '" + std::string(text) + "': ", 0), 0u)
        << a.error().message;
  }
}

}  // namespace
}  // namespace stoq::netsim
