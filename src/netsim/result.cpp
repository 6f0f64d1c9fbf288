#include "netsim/result.h"

namespace stoq::netsim {
namespace {

class NetsimCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "stoq.netsim"; }
  std::string message(int value) const override {
    switch (static_cast<Errc>(value)) {
      case Errc::kOk:
        return "success";
      case Errc::kInvalidConfig:
        return "invalid link configuration";
      case Errc::kInvalidAddress:
        return "invalid socket address";
      case Errc::kInvalidCommand:
        return "invalid control command";
      case Errc::kSocketError:
        return "socket error";
      case Errc::kUnknownClient:
        return "unknown client mapping";
      case Errc::kAlreadyRunning:
        return "relay already running";
    }
    return "unknown netsim error";
  }
};

}  // namespace

const std::error_category& netsim_category() noexcept {
  static const NetsimCategory category;
  return category;
}

}  // namespace stoq::netsim
