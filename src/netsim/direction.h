// The two directions of a relayed path.
#pragma once

#include <optional>
#include <string_view>

namespace stoq::netsim {

enum class Direction {
  kUp,    // client -> server
  kDown,  // server -> client
};

constexpr std::string_view to_string(Direction d) noexcept {
  return d == Direction::kUp ? "up" : "down";
}

constexpr std::optional<Direction> parse_direction(std::string_view s) noexcept {
  if (s == "up") return Direction::kUp;
  if (s == "down") return Direction::kDown;
  return std::nullopt;
}

}  // namespace stoq::netsim
