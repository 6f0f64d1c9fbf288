#include "api/timer_heap.h"

#include <gtest/gtest.h>

#include <random>

namespace stoq::detail {
namespace {

TEST(TimerHeap, DueInOrderAndRescheduleReplaces) {
  TimerHeap<int> h;
  EXPECT_EQ(h.next(), TimerHeap<int>::kNever);
  h.schedule(1, 30);
  h.schedule(2, 10);
  h.schedule(3, 20);
  h.schedule(2, 40);  // replaces 10
  EXPECT_EQ(h.next(), 20u);
  EXPECT_EQ(h.pop_due(30), (std::vector<int>{3, 1}));
  EXPECT_EQ(h.next(), 40u);
  h.schedule(2, TimerHeap<int>::kNever);
  EXPECT_EQ(h.next(), TimerHeap<int>::kNever);
  EXPECT_EQ(h.size(), 0u);
}

TEST(TimerHeap, ManyReschedulesStayBoundedAndMatchAScan) {
  TimerHeap<int> h;
  std::mt19937_64 rng(7);
  std::vector<uint64_t> truth(1000, TimerHeap<int>::kNever);
  for (int round = 0; round < 200'000; ++round) {
    const int k = static_cast<int>(rng() % truth.size());
    const uint64_t at = 1000 + rng() % 1'000'000;
    h.schedule(k, at);
    truth[k] = at;
  }
  uint64_t min = TimerHeap<int>::kNever;
  for (uint64_t t : truth) min = std::min(min, t);
  EXPECT_EQ(h.next(), min);
  EXPECT_EQ(h.size(), truth.size());
  auto due = h.pop_due(500'000);
  size_t expected = 0;
  for (uint64_t t : truth) expected += t <= 500'000 ? 1 : 0;
  EXPECT_EQ(due.size(), expected);
}

}  // namespace
}  // namespace stoq::detail
