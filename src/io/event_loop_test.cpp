// EventLoop timer semantics, with epoll_pwait2 and on the timerfd fallback: set_timer(0) runs the
// callback on the next run_one without waiting; a deadline fires once due and not before; each
// set_timer replaces the last.
#include "io/event_loop.h"

#include <gtest/gtest.h>

using namespace std::chrono_literals;

namespace stoq::io {
namespace {

struct TimerLoop {
  std::unique_ptr<EventLoop> loop;
  std::vector<uint64_t> fired;  // monotonic_ns() at each callback

  explicit TimerLoop(bool pwait2) {
    auto l = EventLoop::create(pwait2);
    EXPECT_TRUE(l.ok());
    loop = std::move(l).value();
    loop->set_timer_callback([this] { fired.push_back(monotonic_ns()); });
  }
  // Runs the loop until the callback has fired `n` times or 2 s have passed.
  void run_until_fired(size_t n) {
    const uint64_t end = monotonic_ns() + 2'000'000'000u;
    while (fired.size() < n && monotonic_ns() < end) loop->run_one(50ms);
  }
};

class EventLoopTest : public ::testing::TestWithParam<bool> {};

TEST_P(EventLoopTest, ImmediateTimerRunsWithoutWaiting) {
  TimerLoop t(GetParam());
  t.loop->set_timer(0);
  const uint64_t before = monotonic_ns();
  // A 10 s timeout: returning at all shows run_one did not wait for an event.
  EXPECT_EQ(t.loop->run_one(10s), 1u);
  ASSERT_EQ(t.fired.size(), 1u);
  EXPECT_LT(t.fired[0] - before, 1'000'000'000u);
  // Consumed: the next run_one waits for its timeout and handles nothing.
  EXPECT_EQ(t.loop->run_one(1ms), 0u);
}

TEST_P(EventLoopTest, DeadlineFiresNotBeforeItIsDue) {
  TimerLoop t(GetParam());
  const uint64_t due = monotonic_ns() + 20'000'000u;
  t.loop->set_timer(due);
  t.run_until_fired(1);
  ASSERT_EQ(t.fired.size(), 1u);
  EXPECT_GE(t.fired[0], due);
}

TEST_P(EventLoopTest, LaterDeadlineReplacesTheEarlierOne) {
  TimerLoop t(GetParam());
  const uint64_t now = monotonic_ns();
  t.loop->set_timer(now + 5'000'000u);
  t.loop->run_one(0ms);  // the timerfd path arms 5 ms here; it must not call back then
  t.loop->set_timer(now + 60'000'000u);
  t.run_until_fired(1);
  ASSERT_EQ(t.fired.size(), 1u);
  EXPECT_GE(t.fired[0], now + 60'000'000u);
}

TEST_P(EventLoopTest, EarlierDeadlineRearms) {
  TimerLoop t(GetParam());
  const uint64_t now = monotonic_ns();
  t.loop->set_timer(now + 10'000'000'000u);
  t.loop->set_timer(now + 20'000'000u);
  t.run_until_fired(1);
  ASSERT_EQ(t.fired.size(), 1u);
  EXPECT_LT(t.fired[0], now + 1'000'000'000u);
}

TEST_P(EventLoopTest, DisarmRequestLeavesNoSpuriousImmediateCall) {
  TimerLoop t(GetParam());
  t.loop->set_timer(UINT64_MAX);
  EXPECT_EQ(t.loop->run_one(5ms), 0u);
  EXPECT_TRUE(t.fired.empty());
}

INSTANTIATE_TEST_SUITE_P(Wait, EventLoopTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Pwait2" : "Timerfd"; });

}  // namespace
}  // namespace stoq::io
