// Time representation shared by the sans-IO model and the relay.
#pragma once

#include <chrono>

namespace stoq::netsim {

// A span of time. Nanosecond resolution, signed 64 bits (about 292 years).
using Duration = std::chrono::nanoseconds;

// A point in time, as an offset from an epoch the caller chooses (virtual time in unit
// tests, std::chrono::steady_clock's epoch in the relay). The model never reads a clock:
// every call that needs the time takes it as an argument, and callers must pass values
// that never decrease.
using Timestamp = std::chrono::nanoseconds;

}  // namespace stoq::netsim
