// SIGINT and SIGTERM as a request to stop a command's main loop.
//
// The constructor blocks both signals for the calling thread, so construct it before the
// command starts any thread: threads inherit the mask, and the signal then stays pending
// for requested() / wait() instead of killing the process from some other thread.
// requested() makes its system call (sigtimedwait) at most every 50 ms: an event loop
// turns tens of thousands of times a second, and one call per turn cost about 1 µs each
// on the 2-core development VM.
#pragma once

#include <signal.h>

#include <chrono>

namespace stoq::cli {

class StopSignals {
 public:
  static constexpr std::chrono::milliseconds kPollInterval{50};

  StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // True once SIGINT or SIGTERM has arrived (checked at most every kPollInterval).
  bool requested();
  // Waits up to `timeout` for one of them; true if one arrived (now or before).
  bool wait(std::chrono::milliseconds timeout);

 private:
  sigset_t set_{};
  std::chrono::steady_clock::time_point next_poll_{};
  bool stop_ = false;
};

}  // namespace stoq::cli
