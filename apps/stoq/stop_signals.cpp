#include "stop_signals.h"

#include <pthread.h>

#include <ctime>

namespace stoq::cli {

StopSignals::StopSignals() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
}

bool StopSignals::requested() {
  if (stop_) return true;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_poll_) return false;
  next_poll_ = now + kPollInterval;
  return wait(std::chrono::milliseconds(0));
}

bool StopSignals::wait(std::chrono::milliseconds timeout) {
  if (stop_) return true;
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  ts.tv_nsec = static_cast<long>(timeout.count() % 1000) * 1'000'000;
  if (sigtimedwait(&set_, nullptr, &ts) > 0) stop_ = true;
  return stop_;
}

}  // namespace stoq::cli
