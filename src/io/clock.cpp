#include "io/clock.h"

#include <time.h>

#include "io/event_loop.h"

namespace stoq::io {

uint64_t SystemClock::monotonic_ns() const noexcept {
  return io::monotonic_ns();
}

uint64_t SystemClock::wall_ms() const noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000u + static_cast<uint64_t>(ts.tv_nsec) / 1'000'000u;
}

}  // namespace stoq::io
