// Drives an endpoint's loop on the test thread until a condition holds or a wall-clock
// limit passes (every wait in the integration suites is bounded).
#pragma once

#include <chrono>

#include "stoq/endpoint.h"

namespace stoq::testing {

template <typename Pred>
bool pump_until(Endpoint& ep, Pred done,
                std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    ep.run_one(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace stoq::testing
