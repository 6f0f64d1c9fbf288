#include "api/message_memory.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace stoq::detail {
namespace {

TEST(MessageMemory, BoundsEachSourceAndTheTotal) {
  auto m = std::make_shared<MessageMemory>(100, 60);
  EXPECT_TRUE(m->try_charge("10.0.0.1", 60));
  EXPECT_FALSE(m->try_charge("10.0.0.1", 1));  // the source's cap
  EXPECT_TRUE(m->try_charge("10.0.0.2", 40));
  EXPECT_FALSE(m->try_charge("10.0.0.3", 1));  // the total
  EXPECT_EQ(m->in_use(), 100u);
  EXPECT_EQ(m->refusals(), 2u);
  EXPECT_EQ(m->sources(), 2u);
  m->release("10.0.0.1", 60);
  EXPECT_EQ(m->sources(), 1u);  // a source holding nothing is forgotten
  EXPECT_TRUE(m->try_charge("10.0.0.3", 50));
  // Releasing more than was charged, or for an unknown source, changes nothing else.
  m->release("10.0.0.9", 1000);
  m->release("10.0.0.2", 1000);
  EXPECT_EQ(m->in_use(), 50u);
}

TEST(MessageMemory, AConnectionGivesBackWhatItStillHoldsWhenItGoes) {
  auto m = std::make_shared<MessageMemory>(1000, 1000);
  {
    ConnectionMessageBudget a(m, "127.0.0.1");
    ConnectionMessageBudget b(m, "127.0.0.1");
    EXPECT_TRUE(a.try_charge(300));
    EXPECT_TRUE(b.try_charge(300));
    a.release(100);
    EXPECT_EQ(a.charged(), 200u);
    a.release(5000);  // never below zero, never another connection's bytes
    EXPECT_EQ(a.charged(), 0u);
    EXPECT_EQ(m->in_use(), 300u);
    EXPECT_TRUE(a.try_charge(700));
    EXPECT_FALSE(b.try_charge(1));
  }
  EXPECT_EQ(m->in_use(), 0u);
  EXPECT_EQ(m->sources(), 0u);
}

TEST(MessageMemory, ThreadSafeUnderConcurrentCharges) {
  auto m = std::make_shared<MessageMemory>(uint64_t{1} << 20, uint64_t{1} << 20);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([m, t] {
      ConnectionMessageBudget b(m, "src" + std::to_string(t % 2));
      for (int i = 0; i < 10000; ++i) {
        if (b.try_charge(64)) b.release(64);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(m->in_use(), 0u);
  EXPECT_EQ(m->sources(), 0u);
}

}  // namespace
}  // namespace stoq::detail
