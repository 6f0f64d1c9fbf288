#include "netsim/link_profiles.h"

#include <array>
#include <chrono>

namespace stoq::netsim {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

constexpr std::array<std::string_view, 7> kNames = {
    "none", "datacenter", "enterprise", "performance", "standard", "home", "slow"};

LinkConfig make(Duration delay, Duration jitter, double loss, std::uint64_t rate_bps,
                std::uint64_t queue_bytes) {
  LinkConfig c;
  c.delay = delay;
  c.jitter = jitter;
  c.loss = loss;
  c.rate_bps = rate_bps;
  c.queue_bytes = queue_bytes;
  return c;
}

}  // namespace

std::optional<LinkConfig> link_profile(std::string_view name) {
  constexpr std::uint64_t kKiB = 1024;
  constexpr std::uint64_t kMbit = 1'000'000;
  if (name == "none") return LinkConfig{};
  if (name == "datacenter") return make(microseconds(250), microseconds(50), 0.0, 0, 4096 * kKiB);
  if (name == "enterprise") {
    return make(milliseconds(2), microseconds(500), 0.0, 1000 * kMbit, 2048 * kKiB);
  }
  if (name == "performance") {
    return make(milliseconds(5), milliseconds(1), 0.0001, 500 * kMbit, 1024 * kKiB);
  }
  if (name == "standard")
    return make(milliseconds(15), milliseconds(3), 0.001, 100 * kMbit, 512 * kKiB);
  if (name == "home") return make(milliseconds(30), milliseconds(8), 0.005, 50 * kMbit, 256 * kKiB);
  if (name == "slow") return make(milliseconds(120), milliseconds(30), 0.02, 2 * kMbit, 64 * kKiB);
  return std::nullopt;
}

std::span<const std::string_view> link_profile_names() noexcept {
  return kNames;
}

}  // namespace stoq::netsim
