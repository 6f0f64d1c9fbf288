// A small epoll loop: file-descriptor readiness, one nanosecond-precision deadline (waited
// for with epoll_pwait2; timerfd where that is missing) and a thread-safe queue of posted
// functions (eventfd). See docs/architecture.md for why STOQ has its own loop, not Asio.
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

#include "io/loop.h"
#include "stoq/error.h"

struct epoll_event;

namespace stoq::io {

// Monotonic nanoseconds (CLOCK_MONOTONIC), the timebase of the sans-IO core.
uint64_t monotonic_ns() noexcept;

class EventLoop final : public Loop {
 public:
  // `epoll_pwait2 = false` forces the timerfd path that kernels without epoll_pwait2 take
  // (tests use it to cover that path).
  static Result<std::unique_ptr<EventLoop>> create(bool epoll_pwait2 = true);
  ~EventLoop() override;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Calls `on_readable` whenever `fd` is readable (level-triggered).
  Status add(int fd, std::function<void()> on_readable) override;
  void remove(int fd) override;
  // Asks for the timer callback (the one given to set_timer_callback) at an absolute
  // monotonic_ns() deadline, replacing the previous one; 0 = on the next run_one without
  // waiting, UINT64_MAX = none. run_one waits with epoll_pwait2 up to the deadline (no
  // timer system calls); where that is unavailable, through a timerfd, and then the
  // callback may run early: callers check what is due and set the timer again.
  void set_timer(uint64_t deadline_ns) override;
  void set_timer_callback(std::function<void()> cb) override { on_timer_ = std::move(cb); }
  // Runs once after every batch of events (the endpoint flushes its packets here).
  void set_idle_callback(std::function<void()> cb) override { on_idle_ = std::move(cb); }

  void post(std::function<void()> fn) override;
  // Waits up to `timeout` for events and handles them; returns the number handled.
  size_t run_one(std::chrono::milliseconds timeout) override;
  // Handles events until stop() is called.
  void run() override;
  void stop() override;
  bool stopped() const noexcept override;

 private:
  EventLoop() = default;
  void drain_posted();
  int wait(epoll_event* events, int max, std::chrono::milliseconds timeout);
  void arm_timerfd();

  int epfd_ = -1;
  int timerfd_ = -1;
  int eventfd_ = -1;
  uint64_t deadline_ = UINT64_MAX;  // what set_timer asked for
  uint64_t armed_ = UINT64_MAX;     // the timerfd's deadline (fallback path only)
  bool use_pwait2_ = true;          // cleared on ENOSYS
  std::unordered_map<int, std::function<void()>> handlers_;
  std::function<void()> on_timer_;
  std::function<void()> on_idle_;
  mutable std::mutex mu_;
  std::vector<std::function<void()>> posted_;
  bool stop_ = false;  // guarded by mu_
};

}  // namespace stoq::io
