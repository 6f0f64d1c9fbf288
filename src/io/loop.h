// The event loop an endpoint runs on, as an interface: readiness of a datapath's fd, one
// deadline, posted functions. io::EventLoop (epoll) is the real one; a simulation drives
// many endpoints from one thread in virtual time with its own (tests/support/sim_network.h).
//
// Threading: run_one/run and add/remove/set_timer belong to the thread driving the loop;
// post() and stop() may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "stoq/error.h"

namespace stoq::io {

class Loop {
 public:
  virtual ~Loop() = default;

  // Calls `on_readable` whenever `fd` (Datapath::fd()) is readable (level-triggered).
  virtual Status add(int fd, std::function<void()> on_readable) = 0;
  virtual void remove(int fd) = 0;
  // Asks for the timer callback at an absolute deadline on the endpoint's Clock
  // (monotonic ns), replacing the previous one; 0 = on the next iteration without waiting,
  // UINT64_MAX = none. The callback may run early: callers check what is due and set the
  // timer again.
  virtual void set_timer(uint64_t deadline_ns) = 0;
  virtual void set_timer_callback(std::function<void()> cb) = 0;
  // Runs once after every batch of events (the endpoint flushes its packets here).
  virtual void set_idle_callback(std::function<void()> cb) = 0;

  virtual void post(std::function<void()> fn) = 0;
  // Waits up to `timeout` for events and handles them; returns the number handled.
  virtual size_t run_one(std::chrono::milliseconds timeout) = 0;
  // Handles events until stop() is called.
  virtual void run() = 0;
  virtual void stop() = 0;
  virtual bool stopped() const noexcept = 0;
};

}  // namespace stoq::io
