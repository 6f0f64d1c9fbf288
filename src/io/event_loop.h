// A small epoll loop: file-descriptor readiness, one nanosecond-precision timer (timerfd)
// and a thread-safe queue of posted functions (eventfd). See docs/architecture.md for why
// STOQ has its own loop instead of Asio.
//
// Threading: run_one/run and add/remove/set_timer belong to the thread driving the loop;
// post() and stop() may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "stoq/error.h"

namespace stoq::io {

// Monotonic nanoseconds (CLOCK_MONOTONIC), the timebase of the sans-IO core.
uint64_t monotonic_ns() noexcept;

class EventLoop {
 public:
  static Result<std::unique_ptr<EventLoop>> create();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Calls `on_readable` whenever `fd` is readable (level-triggered).
  Status add(int fd, std::function<void()> on_readable);
  void remove(int fd);
  // Arms the single timer for an absolute monotonic_ns() deadline (0 = as soon as possible,
  // UINT64_MAX = disarm). The callback is the one given to set_timer_callback.
  void set_timer(uint64_t deadline_ns);
  void set_timer_callback(std::function<void()> cb) { on_timer_ = std::move(cb); }
  // Runs once after every batch of events (the endpoint flushes its packets here).
  void set_idle_callback(std::function<void()> cb) { on_idle_ = std::move(cb); }

  void post(std::function<void()> fn);
  // Waits up to `timeout` for events and handles them; returns the number handled.
  size_t run_one(std::chrono::milliseconds timeout);
  // Handles events until stop() is called.
  void run();
  void stop();
  bool stopped() const noexcept;

 private:
  EventLoop() = default;
  void drain_posted();

  int epfd_ = -1;
  int timerfd_ = -1;
  int eventfd_ = -1;
  uint64_t armed_ = UINT64_MAX;
  std::unordered_map<int, std::function<void()>> handlers_;
  std::function<void()> on_timer_;
  std::function<void()> on_idle_;
  mutable std::mutex mu_;
  std::vector<std::function<void()>> posted_;
  bool stop_ = false;  // guarded by mu_
};

}  // namespace stoq::io
