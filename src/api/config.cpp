#include "stoq/config.h"

namespace stoq {

const char* to_string(KexPolicy p) noexcept {
  switch (p) {
    case KexPolicy::kHybridRequired:
      return "hybrid-required";
    case KexPolicy::kHybridPreferred:
      return "hybrid-preferred";
    case KexPolicy::kClassical:
      return "classical";
  }
  return "?";
}

bool parse_kex_policy(std::string_view text, KexPolicy& out) noexcept {
  if (text == "hybrid-required")
    out = KexPolicy::kHybridRequired;
  else if (text == "hybrid-preferred")
    out = KexPolicy::kHybridPreferred;
  else if (text == "classical")
    out = KexPolicy::kClassical;
  else
    return false;
  return true;
}

}  // namespace stoq
