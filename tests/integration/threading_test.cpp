// Endpoint::post() from several threads while the loop runs on its library thread (start())
// and serves a connection: every task runs once, on the loop thread. Written for the
// ThreadSanitizer run (tests labelled "tsan"), where the loop's shared state is checked.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "endpoint_fixture.h"

namespace stoq {
namespace {

using namespace std::chrono_literals;
using testing::EndpointTest;
using testing::HashedUpload;
using testing::pump_until;
using testing::ServerKind;

TEST_F(EndpointTest, PostFromFourThreadsRunsEveryTaskOnceOnTheLoopThread) {
  start_server(ServerKind::kHashSink);
  auto client = make_client();
  auto conn = connect(client);
  ASSERT_TRUE(conn.is_established()) << conn.close_info().reason;

  // Touched only by tasks on the server's loop thread: a plain counter, so a task run on
  // another thread is a data race the sanitizer reports.
  struct Tally {
    int runs = 0;
    int off_loop = 0;
    std::thread::id loop;
  };
  auto tally = std::make_shared<Tally>();
  auto loop_known = std::make_shared<std::promise<void>>();
  server_->post([tally, loop_known] {
    tally->loop = std::this_thread::get_id();
    loop_known->set_value();
  });
  ASSERT_EQ(loop_known->get_future().wait_for(5s), std::future_status::ready);

  // Four posters while the test thread drives a transfer through the server.
  constexpr int kThreads = 4;
  constexpr int kPerThread = 500;
  auto s = conn.open_bidi_stream();
  ASSERT_TRUE(s.ok());
  HashedUpload up(*s, 4u << 20);
  up.start();
  std::vector<std::thread> posters;
  for (int t = 0; t < kThreads; ++t) {
    posters.emplace_back([this, tally] {
      for (int i = 0; i < kPerThread; ++i) {
        server_->post([tally] {
          ++tally->runs;
          if (std::this_thread::get_id() != tally->loop) ++tally->off_loop;
        });
      }
    });
  }
  ASSERT_TRUE(pump_until(
      client, [&] { return up.done() || !conn.is_open(); }, 60s));
  for (auto& p : posters) p.join();
  EXPECT_TRUE(up.verified()) << conn.close_info().reason;

  // Tasks run in order per poster; one posted after all of them sees their effects.
  auto result = std::make_shared<std::promise<std::pair<int, int>>>();
  auto f = result->get_future();
  server_->post([tally, result] { result->set_value({tally->runs, tally->off_loop}); });
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  const auto [runs, off_loop] = f.get();
  EXPECT_EQ(runs, kThreads * kPerThread);
  EXPECT_EQ(off_loop, 0);
}

}  // namespace
}  // namespace stoq
