#include "netsim/link_config.h"

#include <string_view>

#include "netsim/config_parser.h"

namespace stoq::netsim {
namespace {

Error bound_error(std::string_view key, const std::string& value, const std::string& bound) {
  return make_error(Errc::kInvalidConfig,
                    std::string(key) + "=" + value + " is out of range (at most " + bound + ")");
}

bool is_probability(double p) {
  return p >= 0.0 && p <= 1.0;  // false for NaN too
}

}  // namespace

const char* to_string(JitterDistribution d) noexcept {
  switch (d) {
    case JitterDistribution::kUniform:
      return "uniform";
    case JitterDistribution::kNormal:
      return "normal";
    case JitterDistribution::kPareto:
      return "pareto";
  }
  return "uniform";
}

Status validate_link_config(const LinkConfig& c) {
  const std::pair<std::string_view, Duration> held[] = {
      {"delay", c.delay}, {"jitter", c.jitter}, {"reorder_delay", c.reorder_delay}};
  for (const auto& [key, d] : held) {
    if (d < Duration(0) || d > kMaxLinkDelay)
      return bound_error(key, format_duration(d), format_duration(kMaxLinkDelay));
  }
  const auto& b = c.blackhole_schedule;
  const std::pair<std::string_view, Duration> schedule[] = {
      {"blackhole_at", b.at}, {"blackhole_for", b.duration}, {"blackhole_every", b.every}};
  for (const auto& [key, d] : schedule) {
    if (d < Duration(0) || d > kMaxConfigDuration)
      return bound_error(key, format_duration(d), format_duration(kMaxConfigDuration));
  }
  const std::pair<std::string_view, std::uint64_t> sizes[] = {{"queue", c.queue_bytes},
                                                              {"limit", c.limit_bytes}};
  for (const auto& [key, n] : sizes) {
    if (n > kMaxConfigBytes) return bound_error(key, format_size(n), format_size(kMaxConfigBytes));
  }
  if (c.rate_bps > kMaxRateBps)
    return bound_error("rate", format_rate(c.rate_bps), format_rate(kMaxRateBps));
  if (c.mtu > kMaxMtu) return bound_error("mtu", std::to_string(c.mtu), std::to_string(kMaxMtu));
  if (c.corrupt_bits < 1 || c.corrupt_bits > kMaxCorruptBits) {
    return make_error(Errc::kInvalidConfig,
                      "corrupt_bits must be from 1 to " + std::to_string(kMaxCorruptBits));
  }
  for (const double p : {c.loss, c.reorder, c.duplicate, c.corrupt, c.burst.to_bad, c.burst.to_good,
                         c.burst.loss_good, c.burst.loss_bad}) {
    if (!is_probability(p)) return make_error(Errc::kInvalidConfig, "probability outside 0..100%");
  }
  if (c.limit_bytes == 0) return make_error(Errc::kInvalidConfig, "limit must be greater than 0");
  if (b.every.count() != 0) {
    if (b.duration.count() == 0)
      return make_error(Errc::kInvalidConfig, "blackhole_every needs blackhole_for > 0");
    if (b.every <= b.duration) {
      return make_error(
          Errc::kInvalidConfig,
          "blackhole_every must be longer than blackhole_for (the link would never come back)");
    }
  }
  return {};
}

}  // namespace stoq::netsim
