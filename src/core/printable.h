// Strings a peer chose (a CONNECTION_CLOSE reason phrase, a rejection reason) reach
// terminals and logs. Printed raw, their control bytes could move the cursor, rewrite
// earlier lines or set the window title (terminal escape injection), and a newline could
// forge a log line. Everything that prints such a string passes it through printable().
#pragma once

#include <string>
#include <string_view>

namespace stoq::detail {

// Printable ASCII (0x20..0x7e) is kept, a backslash becomes "\\", and every other byte
// (control characters, DEL, bytes >= 0x80 including UTF-8) becomes "\xNN" (two lower-case
// hex digits). The result is printable ASCII only; the escaping is unambiguous.
std::string printable(std::string_view untrusted);

}  // namespace stoq::detail
