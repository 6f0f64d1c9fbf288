#include "core/printable.h"

namespace stoq::detail {

std::string printable(std::string_view untrusted) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(untrusted.size());
  for (char ch : untrusted) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

}  // namespace stoq::detail
