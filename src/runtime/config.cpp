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

const char* to_string(CongestionControl cc) noexcept {
  switch (cc) {
    case CongestionControl::kCubic:
      return "cubic";
    case CongestionControl::kBbr:
      return "bbr";
    case CongestionControl::kReno:
      return "reno";
  }
  return "?";
}

bool parse_congestion_control(std::string_view text, CongestionControl& out) noexcept {
  for (auto cc : {CongestionControl::kCubic, CongestionControl::kBbr, CongestionControl::kReno}) {
    if (text == to_string(cc)) {
      out = cc;
      return true;
    }
  }
  return false;
}

const char* to_string(RetryPolicy p) noexcept {
  switch (p) {
    case RetryPolicy::kNever:
      return "never";
    case RetryPolicy::kAlways:
      return "always";
    case RetryPolicy::kAuto:
      return "auto";
  }
  return "?";
}

bool parse_retry_policy(std::string_view text, RetryPolicy& out) noexcept {
  for (auto p : {RetryPolicy::kNever, RetryPolicy::kAlways, RetryPolicy::kAuto}) {
    if (text == to_string(p)) {
      out = p;
      return true;
    }
  }
  return false;
}

}  // namespace stoq
