// A multi-worker server (EndpointConfig::workers) over real UDP sockets on loopback:
// SO_REUSEPORT spreads clients over the workers, every connection completes its transfer,
// and datagrams that land on the wrong worker (after a client changes port) are handed to
// the worker that owns the connection. Every wait is bounded.
#include <gtest/gtest.h>

#include <optional>
#include <thread>

#include "endpoint_fixture.h"
#include "stoq/session_cache.h"

namespace stoq {
namespace {

using namespace std::chrono_literals;
using testing::EndpointTest;
using testing::HashedUpload;
using testing::pump_until;
using testing::ServerKind;

#if defined(__SANITIZE_ADDRESS__)
constexpr int kClientEndpoints = 8;
constexpr int kPerClient = 25;  // 200 connections: the sanitizers cost ~10x per handshake
#else
constexpr int kClientEndpoints = 16;
constexpr int kPerClient = 63;  // 1,008 connections
#endif

// One client connection: echo a few KiB once the handshake is done, then stay open.
struct EchoProbe {
  Connection conn;
  std::optional<Stream> stream;
  std::string sent;
  std::string got;
  bool done = false;
  bool ok = false;
};

TEST_F(EndpointTest, FourWorkersServeAThousandConcurrentConnections) {
  EndpointConfig server_cfg;
  server_cfg.workers = 4;
  start_server(ServerKind::kEcho, server_cfg);
  const SocketAddress addr = server_->local_address();

  std::atomic<int> finished{0};
  std::atomic<int> succeeded{0};
  std::vector<std::unique_ptr<Endpoint>> clients;
  std::vector<std::vector<std::unique_ptr<EchoProbe>>> probes(kClientEndpoints);
  TransportConfig t;
  t.handshake_timeout = 60s;  // 1,000 hybrid handshakes share two cores
  for (int e = 0; e < kClientEndpoints; ++e) {
    clients.push_back(std::make_unique<Endpoint>(make_client({}, t)));
    for (int i = 0; i < kPerClient; ++i) {
      auto c = clients.back()->connect(addr, "localhost");
      ASSERT_TRUE(c.ok()) << c.message();
      auto p = std::make_unique<EchoProbe>();
      p->conn = *c;
      p->sent = std::string(4096, static_cast<char>('a' + (e * kPerClient + i) % 26));
      EchoProbe* raw = p.get();
      auto finish = [raw, &finished, &succeeded](bool ok) {
        if (raw->done) return;
        raw->done = true;
        raw->ok = ok;
        if (ok) ++succeeded;
        ++finished;
      };
      raw->conn.on_established([raw, finish] {
        auto s = raw->conn.open_bidi_stream();
        if (!s) return finish(false);
        raw->stream = *s;
        (void)raw->stream->write(raw->sent);
        (void)raw->stream->finish();
        raw->stream->on_readable([raw, finish] {
          char buf[4096];
          for (;;) {
            auto r = raw->stream->read({reinterpret_cast<uint8_t*>(buf), sizeof(buf)});
            if (!r) return;
            if (*r == 0) return finish(raw->got == raw->sent);
            raw->got.append(buf, *r);
          }
        });
      });
      raw->conn.on_closed([finish](const CloseInfo&) { finish(false); });
      probes[e].push_back(std::move(p));
    }
  }
  for (auto& c : clients) ASSERT_TRUE(c->start().ok());
  const int total = kClientEndpoints * kPerClient;
  const auto deadline = std::chrono::steady_clock::now() + 180s;
  while (finished.load() < total && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  // Every connection is still open at this point: they were concurrent.
  const size_t server_count = server_->connection_count();
  const auto per_worker = server_->worker_connection_counts();
  for (auto& c : clients) {
    c->stop();
    c->join();
  }
  EXPECT_EQ(succeeded.load(), total) << finished.load() << " finished";
  // Exactly one server connection per client connection (they are concurrent). Under the
  // sanitizers' slowness this caught orphans: Initials retried under load and retransmitted
  // once the load fell used to start connections the clients had left (RetriedInitials).
  EXPECT_EQ(server_count, static_cast<size_t>(total));
  ASSERT_EQ(per_worker.size(), 4u);
  int busy = 0;
  std::string spread;
  for (size_t n : per_worker) {
    busy += n > 0 ? 1 : 0;
    spread += std::to_string(n) + " ";
  }
  // The kernel hashes each client socket's 4-tuple to a worker: with 8-16 sockets, more
  // than one worker is busy (all on one would be a 4^-7 accident).
  EXPECT_GE(busy, 2) << "connections per worker: " << spread;
  EXPECT_EQ(state_->bytes.load(), static_cast<uint64_t>(total) * 4096);
}

TEST_F(EndpointTest, DatagramsOnTheWrongWorkerAreHandedToTheOwner) {
  EndpointConfig server_cfg;
  server_cfg.workers = 4;
  start_server(ServerKind::kHashSink, server_cfg);
  auto client = make_client();
  auto conn = connect(client);
  ASSERT_TRUE(conn.is_established()) << conn.close_info().reason;
  auto s = conn.open_bidi_stream();
  ASSERT_TRUE(s.ok());
  const uint64_t total = 64ull << 20;
  HashedUpload up(*s, total);
  up.start();
  // Each new port hashes to another worker with probability 3/4; keep moving until
  // datagrams have been handed over (or the transfer ends). Active migrations (new CID)
  // only, 20 ms apart: with ngtcp2 1.24 a NAT rebinding followed by another move before
  // the server finished validating the rebound path retires a connection ID the server
  // still counts, and the client's replacement then trips CONNECTION_ID_LIMIT_ERROR
  // (docs/transport.md, "Known limits").
  uint64_t next_move = total / 16;
  auto settled = std::chrono::steady_clock::now();
  int moves = 0;
  ASSERT_TRUE(pump_until(
      client,
      [&] {
        const auto now = std::chrono::steady_clock::now();
        if (state_->bytes >= next_move && now >= settled && moves < 8 &&
            server_->forwarded_datagrams() == 0) {
          auto st = client.migrate(true);
          EXPECT_TRUE(st.ok()) << st.error().message() << ": " << st.message();
          ++moves;
          next_move = state_->bytes + total / 32;
          settled = now + 20ms;
        }
        return up.done() || !conn.is_open();
      },
      120s));
  EXPECT_TRUE(up.verified()) << conn.close_info().reason;
  EXPECT_GT(server_->forwarded_datagrams(), 0u) << moves << " moves";
}

TEST_F(EndpointTest, TicketsFromOneWorkerResumeOnAnyWorker) {
  EndpointConfig server_cfg;
  server_cfg.workers = 4;
  server_cfg.transport.early_data = true;
  start_server(ServerKind::kEcho, server_cfg);
  TransportConfig t;
  t.early_data = true;
  auto cache = std::make_shared<MemorySessionCache>();
  int resumed = 0, accepted = 0;
  // Each client endpoint has a new port, so the kernel picks a worker afresh each time;
  // every ticket must work wherever the next connection lands.
  for (int i = 0; i < 8; ++i) {
    EndpointConfig cfg;
    cfg.tls.ca_file = pki_->ca_file;
    cfg.transport = t;
    cfg.session_cache = cache;
    auto ep = Endpoint::create(ctx_, cfg);
    ASSERT_TRUE(ep.ok());
    auto conn = connect(*ep);
    ASSERT_TRUE(conn.is_established()) << conn.close_info().reason;
    ASSERT_TRUE(pump_until(
        *ep, [&] { return cache->ticket_count() > 0; }, 5s));
    if (i > 0) {
      resumed += conn.info().resumed ? 1 : 0;
      accepted += conn.info().early_data_accepted ? 1 : 0;
    }
  }
  EXPECT_EQ(resumed, 7);
  EXPECT_EQ(accepted, 7);
}

}  // namespace
}  // namespace stoq
