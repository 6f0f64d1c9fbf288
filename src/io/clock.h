// Time as an endpoint sees it: monotonic nanoseconds (the timebase of the sans-IO core,
// timers and rate limits) and wall-clock milliseconds since the Unix epoch (TOKEN
// timestamps of STOQ messages). SystemClock reads the kernel's clocks; a simulation
// supplies virtual time. Implementations must be safe to read from any thread.
#pragma once

#include <cstdint>

namespace stoq::io {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual uint64_t monotonic_ns() const noexcept = 0;
  virtual uint64_t wall_ms() const noexcept = 0;
};

class SystemClock final : public Clock {
 public:
  uint64_t monotonic_ns() const noexcept override;  // CLOCK_MONOTONIC
  uint64_t wall_ms() const noexcept override;       // CLOCK_REALTIME
};

}  // namespace stoq::io
