// Abuse and limits: a real server Endpoint on loopback attacked through raw UDP sockets
// and misbehaving clients, while checking it stays correct and its memory stays bounded.
//
//  - handshake flood from many source ports while a legitimate client transfers;
//  - handshakes started and never finished: their state is freed by the handshake timeout;
//  - an Initial retried under load and retransmitted once the load fell: retried again,
//    never an orphan connection;
//  - a peer that opens the maximum number of streams and never gets read: flow control
//    holds and memory stays bounded;
//  - garbage, truncated and oversized datagrams: dropped, no crash, service continues.
//
// Each test prints the process's peak resident memory (VmHWM from /proc/self/status); ctest
// runs every test in its own process, so the peak belongs to that test. Every wait is
// bounded; nothing asserts on speed. Sizes shrink under the sanitizers.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <future>
#include <mutex>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "process_memory.h"
#include "quic/connection.h"
#include "stoq/endpoint.h"
#include "stoq/sha256.h"
#include "test_pki.h"
#include "tls/tls_context.h"

#ifndef STOQ_SMALL_TRANSFERS
#define STOQ_SMALL_TRANSFERS 0
#endif

namespace stoq {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr bool kSmall = STOQ_SMALL_TRANSFERS != 0;

// ---------------------------------------------------------------------------- memory

using testing::status_kib;

// Resets the process's peak-RSS mark (Linux: "5" to /proc/self/clear_refs) so VmHWM
// measures this test only, not earlier tests in the same binary, and returns VmRSS.
uint64_t baseline_rss_kib() {
  std::ofstream("/proc/self/clear_refs") << "5";
  return status_kib("VmRSS");
}

void report_memory(const char* test, uint64_t rss_before_kib) {
  const uint64_t hwm = status_kib("VmHWM");
  std::printf("[abuse] %s: peak RSS (VmHWM) %.1f MiB, RSS before the attack %.1f MiB\n", test,
              static_cast<double>(hwm) / 1024, static_cast<double>(rss_before_kib) / 1024);
  ::testing::Test::RecordProperty("vm_hwm_kib", std::to_string(hwm));
}

// ---------------------------------------------------------------------------- raw UDP

// A plain UDP socket on 127.0.0.1 with its own source port: the attacker's tool.
class RawSocket {
 public:
  RawSocket() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ >= 0) (void)::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  }
  ~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;
  bool ok() const { return fd_ >= 0; }
  // Sends one datagram; a full socket buffer just drops it (as a flood would).
  void send_to(const SocketAddress& to, std::span<const uint8_t> data) const {
    (void)::sendto(fd_, data.data(), data.size(), 0, to.data(), to.size());
  }
  // The datagrams the server sends back within `limit` (waits for the first one only).
  std::vector<std::vector<uint8_t>> receive(std::chrono::milliseconds limit) const {
    std::vector<std::vector<uint8_t>> out;
    const auto end = Clock::now() + limit;
    std::vector<uint8_t> buf(65536);
    while (Clock::now() < end) {
      const ssize_t n = ::recv(fd_, buf.data(), buf.size(), MSG_DONTWAIT);
      if (n >= 0) {
        out.emplace_back(buf.begin(), buf.begin() + n);
        continue;
      }
      if (!out.empty()) break;
      std::this_thread::sleep_for(5ms);
    }
    return out;
  }
  // Discards whatever the server sent back, so the socket buffer never fills.
  void drain() const {
    uint8_t buf[2048];
    while (::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT) > 0) {
    }
  }

 private:
  int fd_ = -1;
};

// ---------------------------------------------------------------------------- attack data

// Collects the first flight of a real client connection (its Initial datagrams) without
// ever completing the handshake: the "valid-looking Initial" of a flood.
class FirstFlight : public quic::ConnectionHost, public quic::PacketWriter {
 public:
  std::vector<std::vector<uint8_t>> datagrams;

  static std::vector<std::vector<uint8_t>> make(const tls::TlsContext& tls) {
    FirstFlight f;
    quic::ConnectionParams p;
    p.tls = &tls;
    p.host = &f;
    p.local = SocketAddress::loopback_v4(40000);
    p.remote = SocketAddress::loopback_v4(4433);
    p.peer_name = "localhost";
    std::vector<uint8_t> secret(32, 1);
    p.reset_secret = secret;
    auto c = quic::Connection::client(p, 1'000'000'000);
    if (!c) return {};
    (*c)->write_packets(1'000'000'000, f, 16);
    return std::move(f.datagrams);
  }

 private:
  void on_handshake_completed(quic::Connection&) override {}
  void on_remote_stream(quic::Connection&, std::shared_ptr<quic::StreamState>) override {}
  void on_closed(quic::Connection&, const CloseInfo&) override {}
  void on_cid_added(quic::Connection&, const quic::ConnectionId&) override {}
  void on_cid_removed(quic::Connection&, const quic::ConnectionId&) override {}
  void on_wants_write(quic::Connection&) override {}
  void write_packet(const SocketAddress&, const SocketAddress&, std::span<const uint8_t> p,
                    uint8_t) override {
    datagrams.emplace_back(p.begin(), p.end());
  }
};

// A datagram with a well-formed QUIC v1 Initial long header (random connection IDs, no
// token, a length that matches) and random bytes where the protected payload should be:
// it passes header checks, then fails packet protection.
std::vector<uint8_t> garbage_initial(std::mt19937_64& rng, size_t size = 1200) {
  std::vector<uint8_t> d(size);
  for (auto& b : d) b = static_cast<uint8_t>(rng());
  size_t i = 0;
  d[i++] = 0xC3;  // long header, fixed bit, Initial, 4-byte packet number
  d[i++] = 0;
  d[i++] = 0;
  d[i++] = 0;
  d[i++] = 1;  // version 1
  d[i++] = 8;  // DCID length (random bytes follow)
  i += 8;
  d[i++] = 8;  // SCID length
  i += 8;
  d[i++] = 0;  // token length
  const size_t len = size - i - 2;
  d[i++] = static_cast<uint8_t>(0x40 | (len >> 8));  // 2-byte varint length
  d[i++] = static_cast<uint8_t>(len & 0xff);
  return d;
}

// ---------------------------------------------------------------------------- server

// A sink: hashes every stream to its end and records (digest, bytes). Loop thread only,
// except results(), which the test thread polls.
class Sink {
 public:
  struct Result {
    std::array<uint8_t, 32> digest;
    uint64_t bytes;
  };

  void attach(Endpoint& server) {
    server.on_connection([this](Connection c) {
      c.on_stream([this](Stream s) {
        auto st = std::make_shared<StreamSink>();
        st->stream = s;
        streams_.push_back(st);
        std::weak_ptr<StreamSink> w = st;
        s.on_readable([this, w] {
          if (auto p = w.lock()) drain(*p);
        });
        drain(*st);
      });
    });
  }
  std::vector<Result> results() {
    std::lock_guard lock(mu_);
    return results_;
  }

 private:
  struct StreamSink {
    Stream stream;
    Sha256 hash;
    uint64_t bytes = 0;
    bool done = false;
  };
  void drain(StreamSink& st) {
    std::vector<uint8_t> buf(65536);
    while (!st.done) {
      auto r = st.stream.read(buf);
      if (!r) return;
      if (*r == 0) {
        st.done = true;
        std::lock_guard lock(mu_);
        results_.push_back({st.hash.finish(), st.bytes});
        return;
      }
      st.hash.update({buf.data(), *r});
      st.bytes += *r;
    }
  }
  std::vector<std::shared_ptr<StreamSink>> streams_;
  std::mutex mu_;
  std::vector<Result> results_;
};

class AbuseTest : public testing::PkiTest {
 protected:
  void SetUp() override {
    testing::PkiTest::SetUp();
    if (HasFatalFailure()) return;
    TlsConfig c;
    c.ca_file = pki_->ca_file;
    auto t = tls::TlsContext::create(ctx_, c, tls::Role::kClient);
    ASSERT_TRUE(t.ok()) << t.message();
    attacker_tls_ = std::move(t).value();
  }

  // Starts the server on its own loop thread.
  void start_server(TransportConfig transport) {
    EndpointConfig cfg;
    cfg.tls.cert_chain_file = pki_->chain_file;
    cfg.tls.private_key_file = pki_->key_file;
    cfg.transport = transport;
    auto ep = Endpoint::create(ctx_, cfg);
    ASSERT_TRUE(ep.ok()) << ep.message();
    server_.emplace(std::move(ep).value());
    sink_.attach(*server_);
    ASSERT_TRUE(server_->listen(SocketAddress::loopback_v4(0)).ok());
    server_addr_ = server_->local_address();
    ASSERT_TRUE(server_->start().ok());
  }

  void TearDown() override {
    if (server_) {
      server_->stop();
      server_->join();
      server_.reset();
    }
  }

  // Endpoint::connection_count() read on the server's loop thread (bounded wait).
  size_t server_connections() {
    auto done = std::make_shared<std::promise<size_t>>();
    auto f = done->get_future();
    Endpoint* ep = &*server_;
    server_->post([done, ep] { done->set_value(ep->connection_count()); });
    if (f.wait_for(5s) != std::future_status::ready) {
      ADD_FAILURE() << "server loop did not answer within 5 s";
      return SIZE_MAX;
    }
    return f.get();
  }

  // Polls until the server holds no connection; returns false after `limit`.
  bool wait_no_connections(std::chrono::milliseconds limit) {
    const auto start = Clock::now();
    const auto end = start + limit;
    size_t n = SIZE_MAX;
    while (Clock::now() < end) {
      n = server_connections();
      if (n == 0) break;
      std::this_thread::sleep_for(50ms);
    }
    std::printf("[abuse] server connections: %zu after %.1f s of waiting\n", n,
                std::chrono::duration<double>(Clock::now() - start).count());
    return n == 0;
  }

  // A legitimate client uploads `bytes` on one stream (driving its own loop on this
  // thread) and the server's sink must report the same SHA-256. Closes the connection.
  void legitimate_transfer(size_t bytes, std::chrono::seconds limit,
                           size_t baseline_connections = 0) {
    EndpointConfig cfg;
    cfg.tls.ca_file = pki_->ca_file;
    auto ep = Endpoint::create(ctx_, cfg);
    ASSERT_TRUE(ep.ok()) << ep.message();
    std::vector<uint8_t> data(bytes);
    std::mt19937_64 rng(7);
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    Sha256 h;
    h.update(data);
    const auto want = h.finish();
    const size_t before = sink_.results().size();

    auto conn = ep->connect(server_addr_, "localhost");
    ASSERT_TRUE(conn.ok()) << conn.message();
    Connection c = *conn;
    Stream s;
    size_t sent = 0;
    bool closed = false;
    CloseInfo why;
    auto pump = [&] {
      while (sent < data.size()) {
        auto w = s.write(std::span(data).subspan(sent));
        if (!w || *w == 0) return;
        sent += *w;
      }
      (void)s.finish();
    };
    c.on_established([&] {
      auto st = c.open_bidi_stream();
      ASSERT_TRUE(st.ok()) << st.message();
      s = *st;
      s.on_writable(pump);
      pump();
    });
    c.on_closed([&](const CloseInfo& i) {
      closed = true;
      why = i;
    });
    const auto end = Clock::now() + limit;
    bool received = false;
    while (!received && !closed && Clock::now() < end) {
      ep->run_one(20ms);
      received = sink_.results().size() > before;
    }
    ASSERT_TRUE(received) << "legitimate transfer did not complete; closed=" << closed << " "
                          << why.error.message() << " " << why.reason << ", sent " << sent;
    std::printf("[abuse] legitimate client: %zu bytes delivered and verified in %.1f s\n", bytes,
                std::chrono::duration<double>(Clock::now() - (end - limit)).count());
    const auto r = sink_.results().back();
    EXPECT_EQ(r.bytes, bytes);
    EXPECT_EQ(r.digest, want) << "SHA-256 mismatch";
    c.close(0, "done");
    // Keep the client's loop turning until the server has let the connection go: the
    // CONNECTION_CLOSE goes out with the loop's next flush (an endpoint destroyed right
    // after close() never sends it, and the server would wait for its idle timeout).
    const auto close_end = Clock::now() + 5s;
    while (Clock::now() < close_end) {
      for (int i = 0; i < 5; ++i) ep->run_one(10ms);
      if (closed && server_connections() == baseline_connections) break;
    }
    EXPECT_TRUE(closed);
  }

  std::unique_ptr<tls::TlsContext> attacker_tls_;
  std::optional<Endpoint> server_;
  SocketAddress server_addr_;
  Sink sink_;
};

TEST_F(AbuseTest, HandshakeFloodFromManyPortsWhileLegitimateClientTransfers) {
  TransportConfig t;
  t.handshake_timeout = 2000ms;
  ASSERT_NO_FATAL_FAILURE(start_server(t));
  const uint64_t rss0 = baseline_rss_kib();

  const size_t sockets = kSmall ? 64 : 256;
  std::vector<std::unique_ptr<RawSocket>> socks;
  for (size_t i = 0; i < sockets; ++i) {
    socks.push_back(std::make_unique<RawSocket>());
    ASSERT_TRUE(socks.back()->ok());
  }
  // The attack runs on its own thread while the legitimate transfer runs (at most
  // kFloodRounds rounds): from every socket, a garbage Initial and a complete,
  // genuine first flight whose handshake is never finished.
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> flights{0}, garbage{0};
  constexpr int kFloodRounds = 4;
  std::thread attacker([&] {
    std::mt19937_64 rng(99);
    for (int round = 0; round < kFloodRounds && !stop; ++round) {
      for (auto& s : socks) {
        if (stop) break;
        auto g = garbage_initial(rng);
        s->send_to(server_addr_, g);
        ++garbage;
        for (const auto& d : FirstFlight::make(*attacker_tls_)) s->send_to(server_addr_, d);
        ++flights;
        s->drain();
      }
    }
  });
  legitimate_transfer(kSmall ? (2u << 20) : (8u << 20), 120s);
  stop = true;
  attacker.join();
  std::printf(
      "[abuse] flood: %llu genuine first flights and %llu garbage Initials from %zu ports\n",
      static_cast<unsigned long long>(flights.load()),
      static_cast<unsigned long long>(garbage.load()), sockets);
  EXPECT_GT(flights.load(), 0u);
  // Every half-open connection is gone after the handshake timeout.
  EXPECT_TRUE(wait_no_connections(30s)) << server_connections() << " connections left";
  report_memory("handshake flood", rss0);
}

TEST_F(AbuseTest, UnfinishedHandshakesAreFreedByTheHandshakeTimeout) {
  TransportConfig t;
  t.handshake_timeout = 1000ms;
  ASSERT_NO_FATAL_FAILURE(start_server(t));
  const uint64_t rss0 = baseline_rss_kib();
  const size_t n = kSmall ? 50 : 200;
  std::vector<std::unique_ptr<RawSocket>> socks;
  std::mt19937_64 rng(5);
  for (size_t i = 0; i < n; ++i) {
    socks.push_back(std::make_unique<RawSocket>());
    ASSERT_TRUE(socks.back()->ok());
    for (const auto& d : FirstFlight::make(*attacker_tls_)) socks.back()->send_to(server_addr_, d);
    socks.back()->send_to(server_addr_, garbage_initial(rng));
  }
  // The server must first take them on (bounded wait until it holds connections)...
  size_t peak = 0;
  const auto end = Clock::now() + 10s;
  while (Clock::now() < end) {
    peak = std::max(peak, server_connections());
    if (peak >= n / 2) break;
    std::this_thread::sleep_for(20ms);
  }
  std::printf("[abuse] unfinished handshakes: %zu sent, server held up to %zu connections\n", n,
              peak);
  EXPECT_GT(peak, 0u);
  // ...then free every one of them once the 1 s handshake timeout passes.
  EXPECT_TRUE(wait_no_connections(20s)) << server_connections() << " connections left";
  for (auto& s : socks) s->drain();
  report_memory("unfinished handshakes", rss0);
}

// RetryPolicy::kAuto retries only under load. A client whose Initial was retried while
// the server was busy may retransmit that Initial before the Retry reaches it; if the copy
// arrives once the load has gone, it must be retried again: accepting it would start a
// connection the client has already left (it follows the Retry), an orphan held until the
// handshake timeout. (Seen as extra server connections in the 4-worker test under ASan.)
TEST_F(AbuseTest, RetransmittedInitialOfARetriedClientIsRetriedAgainAfterTheLoadFell) {
  TransportConfig t;
  t.retry = RetryPolicy::kAuto;
  t.retry_auto_threshold = 1;
  t.handshake_timeout = 1000ms;
  ASSERT_NO_FATAL_FAILURE(start_server(t));
  auto is_retry = [](const std::vector<uint8_t>& d) { return !d.empty() && (d[0] & 0xf0) == 0xf0; };
  // One handshake that never finishes: the server is at its Retry threshold.
  RawSocket busy;
  ASSERT_TRUE(busy.ok());
  for (const auto& d : FirstFlight::make(*attacker_tls_)) busy.send_to(server_addr_, d);
  const auto end = Clock::now() + 10s;
  while (server_connections() != 1 && Clock::now() < end) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(server_connections(), 1u);
  // The client's first flight is retried.
  RawSocket client;
  ASSERT_TRUE(client.ok());
  const auto flight = FirstFlight::make(*attacker_tls_);
  ASSERT_FALSE(flight.empty());
  for (const auto& d : flight) client.send_to(server_addr_, d);
  auto answer = client.receive(5s);
  ASSERT_FALSE(answer.empty());
  EXPECT_TRUE(is_retry(answer.front()));
  // The busy handshake times out: the load is gone.
  ASSERT_TRUE(wait_no_connections(20s));
  // The same flight again, as a retransmission: another Retry, and no connection.
  for (const auto& d : flight) client.send_to(server_addr_, d);
  answer = client.receive(5s);
  ASSERT_FALSE(answer.empty());
  for (const auto& d : answer) EXPECT_TRUE(is_retry(d)) << "first byte " << int{d[0]};
  EXPECT_EQ(server_connections(), 0u);
  // A new client is accepted at once now (its Initial is answered with an Initial).
  RawSocket fresh;
  ASSERT_TRUE(fresh.ok());
  for (const auto& d : FirstFlight::make(*attacker_tls_)) fresh.send_to(server_addr_, d);
  answer = fresh.receive(5s);
  ASSERT_FALSE(answer.empty());
  EXPECT_FALSE(is_retry(answer.front()));
  busy.drain();
}

TEST_F(AbuseTest, PeerOpeningMaxStreamsThatAreNeverReadStaysBounded) {
  TransportConfig t;  // defaults: 1024 streams, 4 MiB per stream, 16 MiB per connection
  if (kSmall) t.max_streams_bidi = 256;
  EndpointConfig scfg;
  scfg.tls.cert_chain_file = pki_->chain_file;
  scfg.tls.private_key_file = pki_->key_file;
  scfg.transport = t;
  auto sep = Endpoint::create(ctx_, scfg);
  ASSERT_TRUE(sep.ok()) << sep.message();
  server_.emplace(std::move(sep).value());
  // The server accepts every stream and keeps it, but never reads.
  auto held = std::make_shared<std::vector<Stream>>();
  auto server_conn = std::make_shared<std::optional<Connection>>();
  server_->on_connection([held, server_conn](Connection c) {
    *server_conn = c;
    c.on_stream([held](Stream s) { held->push_back(s); });
  });
  ASSERT_TRUE(server_->listen(SocketAddress::loopback_v4(0)).ok());
  server_addr_ = server_->local_address();
  ASSERT_TRUE(server_->start().ok());
  const uint64_t rss0 = baseline_rss_kib();

  EndpointConfig ccfg;
  ccfg.tls.ca_file = pki_->ca_file;
  ccfg.transport.stream_send_buffer = 16 * 1024;  // the attacker's own memory stays small
  auto cep = Endpoint::create(ctx_, ccfg);
  ASSERT_TRUE(cep.ok()) << cep.message();
  auto conn = cep->connect(server_addr_, "localhost");
  ASSERT_TRUE(conn.ok());
  Connection c = *conn;
  std::vector<Stream> streams;
  std::vector<uint8_t> chunk(16 * 1024, 0xAB);
  uint64_t written = 0;
  auto last_progress = Clock::now();
  auto push = [&](Stream& s) {
    for (;;) {
      auto w = s.write(chunk);
      if (!w || *w == 0) return;
      written += *w;
      last_progress = Clock::now();
    }
  };
  bool limit_hit = false;
  c.on_established([&] {
    // Open streams until the server's MAX_STREAMS says no.
    for (;;) {
      auto s = c.open_bidi_stream();
      if (!s) {
        limit_hit = true;
        break;
      }
      streams.push_back(*s);
    }
    for (auto& s : streams) {
      Stream* sp = &s;
      s.on_writable([&push, sp] { push(*sp); });
      push(s);
    }
  });
  // Run until no write has made progress for 2 s (flow control has stopped the peer), at
  // most 60 s.
  const auto end = Clock::now() + 60s;
  while (Clock::now() < end) {
    cep->run_one(20ms);
    if (!streams.empty() && Clock::now() - last_progress > 2s) break;
  }
  EXPECT_TRUE(limit_hit) << "stream limit not reached";
  EXPECT_EQ(streams.size(), t.max_streams_bidi);
  EXPECT_TRUE(c.is_open()) << c.close_info().reason;

  // What the server took in, read on its loop thread.
  auto p = std::make_shared<std::promise<std::pair<size_t, ConnectionInfo>>>();
  auto f = p->get_future();
  server_->post([p, held, server_conn] {
    p->set_value({held->size(), *server_conn ? (**server_conn).info() : ConnectionInfo{}});
  });
  ASSERT_EQ(f.wait_for(5s), std::future_status::ready);
  const auto [accepted, info] = f.get();
  std::printf(
      "[abuse] never-read streams: %zu streams opened, %zu accepted by the server; the client "
      "queued %.1f MiB, the server received %.1f MiB of UDP payload (connection window %.0f MiB)\n",
      streams.size(), accepted, static_cast<double>(written) / (1 << 20),
      static_cast<double>(info.bytes_received) / (1 << 20),
      static_cast<double>(t.connection_window) / (1 << 20));
  EXPECT_EQ(accepted, streams.size());
  // Flow control holds: the server never received more than its connection window, plus
  // packet overhead (headers, ACKs, frames: well under 25 %).
  EXPECT_LT(info.bytes_received, t.connection_window + t.connection_window / 4 + (1 << 20));
  // Memory bounded: the whole process (the server, plus the attacker's own send queues of
  // up to 16 KiB per stream) grew by less than 6 connection windows, however many streams
  // were opened.
  // (Not under the sanitizers: ASan's quarantine keeps freed memory resident by design.)
  const uint64_t hwm = status_kib("VmHWM");
  if (!kSmall) {
    EXPECT_LT(hwm - rss0, 6 * t.connection_window / 1024)
        << "peak RSS grew " << (hwm - rss0) / 1024 << " MiB";
  }
  c.close(0, "done");
  for (int i = 0; i < 50 && c.is_open(); ++i) cep->run_one(20ms);
  streams.clear();
  report_memory("never-read streams", rss0);
  server_->stop();
  server_->join();
  server_conn->reset();
  held->clear();
}

TEST_F(AbuseTest, GarbageTruncatedAndOversizedDatagramsAreDropped) {
  ASSERT_NO_FATAL_FAILURE(start_server(TransportConfig{}));
  const uint64_t rss0 = baseline_rss_kib();
  std::mt19937_64 rng(3);
  auto random_bytes = [&](size_t n) {
    std::vector<uint8_t> d(n);
    for (auto& b : d) b = static_cast<uint8_t>(rng());
    return d;
  };
  const auto flight = FirstFlight::make(*attacker_tls_);
  ASSERT_FALSE(flight.empty());
  const auto& initial = flight.front();
  std::vector<std::unique_ptr<RawSocket>> socks;
  for (int i = 0; i < 16; ++i) socks.push_back(std::make_unique<RawSocket>());
  size_t sent = 0;
  const int rounds = kSmall ? 20 : 100;
  for (int round = 0; round < rounds; ++round) {
    const RawSocket& s = *socks[static_cast<size_t>(round) % socks.size()];
    std::vector<std::vector<uint8_t>> bad;
    bad.push_back({});                                // empty
    bad.push_back(random_bytes(1));                   // one byte
    bad.push_back(random_bytes(rng() % 64 + 2));      // short random
    bad.push_back(random_bytes(1200));                // random, Initial-sized
    auto shorthdr = random_bytes(rng() % 1400 + 21);  // short header, unknown DCID
    shorthdr[0] = static_cast<uint8_t>(0x40 | (shorthdr[0] & 0x3f));
    bad.push_back(shorthdr);
    for (size_t cut : {1, 5, 6, 14, 23, 40, 600, 1199}) {  // a real Initial, truncated
      if (cut < initial.size()) bad.emplace_back(initial.begin(), initial.begin() + cut);
    }
    auto lied = garbage_initial(rng);  // length field beyond the datagram
    lied[lied.size() - 1200 + 24] = 0x7f;
    bad.push_back(lied);
    auto vn = garbage_initial(rng);  // unknown version: answered with VN
    vn[1] = 0x1a;
    vn[4] = 0x2a;
    bad.push_back(vn);
    bad.push_back(garbage_initial(rng, 65507));  // oversized, Initial header
    bad.push_back(random_bytes(65507));          // oversized random
    auto big = initial;                          // real Initial with 60 KB of trailer
    big.resize(60000, 0);
    bad.push_back(big);
    for (const auto& d : bad) {
      s.send_to(server_addr_, d);
      ++sent;
    }
    if (round % 8 == 0) std::this_thread::sleep_for(1ms);  // let the server keep up
    s.drain();
  }
  std::printf("[abuse] sent %zu garbage/truncated/oversized datagrams from %zu ports\n", sent,
              socks.size());
  // The server is alive and serves a legitimate client...
  legitimate_transfer(kSmall ? (1u << 20) : (4u << 20), 60s);
  // ...and whatever the garbage made it create is gone after the handshake timeout (10 s).
  EXPECT_TRUE(wait_no_connections(30s)) << server_connections() << " connections left";
  report_memory("garbage datagrams", rss0);
}

}  // namespace
}  // namespace stoq
