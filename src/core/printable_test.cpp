#include "core/printable.h"

#include <gtest/gtest.h>

namespace stoq::detail {
namespace {

TEST(Printable, KeepsPrintableAscii) {
  EXPECT_EQ(printable("idle timeout, bye! [x] ~"), "idle timeout, bye! [x] ~");
  EXPECT_EQ(printable(""), "");
}

TEST(Printable, EscapesTerminalControlSequences) {
  // Clear the screen, set the window title, then a forged log line.
  const std::string reason = "\x1b[2J\x1b]0;pwned\x07ok\r\nERROR fake";
  const std::string out = printable(reason);
  EXPECT_EQ(out, "\\x1b[2J\\x1b]0;pwned\\x07ok\\x0d\\x0aERROR fake");
  for (char c : out) {
    EXPECT_GE(static_cast<unsigned char>(c), 0x20);
    EXPECT_LT(static_cast<unsigned char>(c), 0x7f);
  }
}

TEST(Printable, EscapesDelHighBytesNulAndBackslash) {
  using namespace std::string_literals;
  EXPECT_EQ(printable("a\x7f\x9b\xff"s + '\0' + "\\x1b"), "a\\x7f\\x9b\\xff\\x00\\\\x1b");
  // UTF-8 is escaped byte by byte (a C1 control such as U+009B would otherwise pass).
  EXPECT_EQ(printable("\xc2\x9b"), "\\xc2\\x9b");
}

}  // namespace
}  // namespace stoq::detail
