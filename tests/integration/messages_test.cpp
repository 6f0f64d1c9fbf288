// STOQ messages between real endpoints over loopback UDP: a server endpoint on its own
// thread, a client driven by the test thread. Misbehaving peers are clients with messaging
// off that write hand-built extension-protocol bytes (src/proto writer) to raw
// unidirectional streams. Every wait is bounded; nothing asserts on timing.
//
// STOQ_MSG_TEST_BYTES sets the size of the large sharded message (default 64 MiB; the
// issue's 1 GiB run: STOQ_MSG_TEST_BYTES=1073741824).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "process_memory.h"
#include "proto/control_stream.h"
#include "proto/falcon_key.h"
#include "proto/message_writer.h"
#include "proto/shard.h"
#include "proto/signature.h"
#include "pump.h"
#include "stoq/endpoint.h"
#include "stoq/sha256.h"
#include "test_pki.h"

#if STOQ_TEST_FALCON
#include "crypto/falcon/falcon.h"
#include "stoq/falcon_signer.h"
#endif

namespace stoq {
namespace {

using namespace std::chrono_literals;

using testing::pump_until;

uint64_t now_ms() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

std::vector<uint8_t> pattern(size_t n, uint32_t seed) {
  std::vector<uint8_t> v(n);
  std::mt19937 rng(seed);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint32_t x = rng();
    std::memcpy(v.data() + i, &x, 4);
  }
  for (; i < n; ++i) v[i] = static_cast<uint8_t>(rng());
  return v;
}

std::string hex_sha256(std::span<const uint8_t> data) {
  Sha256 h;
  h.update(data);
  auto d = h.finish();
  return Sha256::hex(d);
}

uint64_t rss_bytes() {
  std::ifstream f("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  f >> size >> resident;
  return resident * 4096;
}

// A stand-in signature scheme for tests of the plumbing (Falcon is not built into this
// tree yet): signature = SHA-256("test-signature" | public key | message). Not secure.
std::vector<uint8_t> test_signature(std::span<const uint8_t> pk, std::span<const uint8_t> msg) {
  Sha256 h;
  const std::string label = "test-signature";
  h.update({reinterpret_cast<const uint8_t*>(label.data()), label.size()});
  h.update(pk);
  h.update(msg);
  auto d = h.finish();
  return {d.begin(), d.end()};
}

class TestSigner : public MessageSigner {
 public:
  explicit TestSigner(uint32_t seed) : pk_(pattern(1793, seed)) {}
  MessageSignatureAlgorithm algorithm() const override {
    return MessageSignatureAlgorithm::kFalcon1024;
  }
  std::span<const uint8_t> public_key() const override { return pk_; }
  std::optional<std::vector<uint8_t>> sign(std::span<const uint8_t> m) override {
    return test_signature(pk_, m);
  }
  MessageKeyId key_id() const {
    Sha256 h;
    h.update(pk_);
    return h.finish();
  }

 private:
  std::vector<uint8_t> pk_;
};

bool test_verify(MessageSignatureAlgorithm, std::span<const uint8_t> pk,
                 std::span<const uint8_t> msg, std::span<const uint8_t> sig) {
  auto want = test_signature(pk, msg);
  return sig.size() == want.size() && std::equal(sig.begin(), sig.end(), want.begin());
}

struct Got {
  std::string sha;
  size_t size = 0;
  ReceivedMessage meta;  // payload span cleared
};

struct ServerLog {
  std::mutex mu;
  std::vector<Got> messages;
  std::vector<RejectedMessage> rejected;
  std::vector<std::string> app_streams;  // contents of application uni streams
  std::optional<MessageStats> stats;
  bool closed = false;
  uint64_t close_code = 0;
  std::string close_reason;

  size_t message_count() {
    std::lock_guard l(mu);
    return messages.size();
  }
  size_t rejected_count() {
    std::lock_guard l(mu);
    return rejected.size();
  }
};

class MessagesTest : public testing::PkiTest {
 protected:
  // SHA-256 from the test Context's library context, for hand-built proto frames.
  proto::Sha256Algorithm sha256() const {
    auto a = proto::Sha256Algorithm::fetch(ctx_->libctx());
    if (!a) std::abort();
    return std::move(a).value();
  }
  void SetUp() override {
    testing::PkiTest::SetUp();
    if (HasFatalFailure()) return;
  }
  void TearDown() override {
    if (server_) {
      server_->stop();
      server_->join();
    }
  }

  void start_server(MessagingConfig messaging = {}, unsigned workers = 1) {
    EndpointConfig cfg;
    cfg.workers = workers;
    cfg.tls.cert_chain_file = pki_->chain_file;
    cfg.tls.private_key_file = pki_->key_file;
    cfg.messaging = std::move(messaging);
    auto ep = Endpoint::create(ctx_, cfg);
    ASSERT_TRUE(ep.ok()) << ep.message();
    server_.emplace(std::move(ep).value());
    ASSERT_TRUE(server_->listen(SocketAddress::loopback_v4(0)).ok());
    auto log = log_;
    server_->on_connection([log](Connection c) {
      c.on_message([log, w = c.weak()](const ReceivedMessage& m) {
        Got g;
        g.sha = hex_sha256(m.payload);
        g.size = m.payload.size();
        g.meta = m;
        g.meta.payload = {};
        std::lock_guard l(log->mu);
        log->messages.push_back(std::move(g));
        log->stats = w.lock().message_stats();
      });
      c.on_message_rejected([log, w = c.weak()](const RejectedMessage& r) {
        std::lock_guard l(log->mu);
        log->rejected.push_back(r);
        log->stats = w.lock().message_stats();
      });
      c.on_closed([log](const CloseInfo& info) {
        std::lock_guard l(log->mu);
        log->closed = true;
        log->close_code = info.app_error_code;
        log->close_reason = info.reason;
      });
      c.on_stream([log](Stream s) {
        auto text = std::make_shared<std::string>();
        s.on_readable([s, log, text]() mutable {
          uint8_t buf[4096];
          for (;;) {
            auto r = s.read(buf);
            if (!r) return;
            if (*r == 0) {
              std::lock_guard l(log->mu);
              log->app_streams.push_back(*text);
              return;
            }
            text->append(reinterpret_cast<char*>(buf), *r);
          }
        });
      });
    });
    ASSERT_TRUE(server_->start().ok());
  }

  Endpoint make_client(MessagingConfig messaging = {}) {
    EndpointConfig cfg;
    cfg.tls.ca_file = pki_->ca_file;
    cfg.messaging = std::move(messaging);
    auto ep = Endpoint::create(ctx_, cfg);
    EXPECT_TRUE(ep.ok()) << ep.message();
    return std::move(ep).value();
  }

  Connection connect(Endpoint& client) {
    auto c = client.connect(server_->local_address(), "localhost");
    EXPECT_TRUE(c.ok()) << c.message();
    if (!c) return {};
    Connection conn = *c;
    EXPECT_TRUE(pump_until(client, [&] { return conn.is_established() || !conn.is_open(); }));
    return conn;
  }

  // A connected client with messaging on whose peer SETTINGS have arrived.
  Connection connect_ready(Endpoint& client) {
    Connection conn = connect(client);
    EXPECT_TRUE(pump_until(client, [&] { return conn.messages_ready() || !conn.is_open(); }));
    EXPECT_TRUE(conn.messages_ready());
    return conn;
  }

  // Writes all of `bytes` to `s` (pumping the client loop), then FIN if asked.
  static bool write_all(Endpoint& ep, Stream s, std::span<const uint8_t> bytes, bool fin) {
    size_t done = 0;
    const bool ok = pump_until(
        ep,
        [&] {
          while (done < bytes.size()) {
            auto r = s.write(bytes.subspan(done));
            if (!r) return r.error() != make_error_code(Errc::kWouldBlock);  // stopped: give up
            done += *r;
            if (*r == 0) return false;
          }
          return true;
        },
        60s);
    if (fin) (void)s.finish();
    return ok && done == bytes.size();
  }

  // Raw peer: opens its control stream (STOQ SETTINGS) by hand.
  static Stream open_raw_control(Endpoint& ep, Connection& conn) {
    auto s = conn.open_uni_stream();
    EXPECT_TRUE(s.ok());
    auto bytes = proto::control_stream_preface(proto::Settings{});
    EXPECT_TRUE(write_all(ep, *s, bytes, false));
    return *s;
  }

  std::optional<Endpoint> server_;
  std::shared_ptr<ServerLog> log_ = std::make_shared<ServerLog>();
};

TEST_F(MessagesTest, TokenMessageArrivesWithMetadata) {
  start_server();
  auto client = make_client();
  auto conn = connect_ready(client);
  const std::string text = "hello, STOQ messages";
  const std::span<const uint8_t> payload(reinterpret_cast<const uint8_t*>(text.data()),
                                         text.size());
  const uint64_t before = now_ms();
  auto seq = conn.send_message(payload, {});
  ASSERT_TRUE(seq.ok()) << seq.message();
  EXPECT_EQ(*seq, 1u);
  MessageOptions dg;
  dg.datagram_if_small = true;
  auto seq2 = conn.send_message(payload, dg);
  ASSERT_TRUE(seq2.ok()) << seq2.message();
  // An application unidirectional stream: the peer reads only its own bytes.
  auto app = conn.open_uni_stream();
  ASSERT_TRUE(app.ok());
  ASSERT_TRUE(write_all(client, *app, payload, true));

  ASSERT_TRUE(pump_until(client, [&] {
    std::lock_guard l(log_->mu);
    return log_->messages.size() >= 2 && !log_->app_streams.empty();
  }));
  std::lock_guard l(log_->mu);
  const Got& a = log_->messages[0].meta.via_datagram ? log_->messages[1] : log_->messages[0];
  const Got& b = log_->messages[0].meta.via_datagram ? log_->messages[0] : log_->messages[1];
  EXPECT_EQ(a.sha, hex_sha256(payload));
  EXPECT_TRUE(a.meta.has_token);
  EXPECT_EQ(a.meta.sequence, 1u);
  EXPECT_GE(a.meta.timestamp_ms, before - 1000);
  EXPECT_LE(a.meta.timestamp_ms, now_ms() + 1000);
  EXPECT_EQ(Sha256::hex(a.meta.payload_hash), hex_sha256(payload));
  EXPECT_FALSE(a.meta.signer);
  EXPECT_FALSE(a.meta.shards);
  EXPECT_EQ(a.meta.stream_count, 1u);
  EXPECT_TRUE(b.meta.via_datagram);
  EXPECT_EQ(b.meta.sequence, 2u);
  EXPECT_EQ(b.sha, hex_sha256(payload));
  EXPECT_EQ(log_->app_streams[0], text);
  EXPECT_TRUE(log_->rejected.empty());
  EXPECT_EQ(conn.message_stats().datagrams_sent, 1u);
  EXPECT_EQ(conn.message_stats().messages_sent, 2u);
}

TEST_F(MessagesTest, LargeMessageShardedOver16StreamsArrivesIntact) {
  uint64_t bytes = uint64_t{64} << 20;
  if (const char* e = std::getenv("STOQ_MSG_TEST_BYTES")) bytes = std::strtoull(e, nullptr, 10);
  ASSERT_GE(bytes, 16u);
  MessagingConfig server_cfg;
  server_cfg.max_message_size = std::max<uint64_t>(server_cfg.max_message_size, bytes);
  server_cfg.reassembly_memory = bytes + (uint64_t{16} << 20);
  server_cfg.shard_idle_timeout = 60s;
  server_cfg.shard_max_lifetime = 3600s;
  start_server(server_cfg);
  auto client = make_client();
  auto conn = connect_ready(client);
  std::vector<uint8_t> payload = pattern(bytes, 7);
  const std::string want = hex_sha256(payload);
  MessageOptions opt;
  opt.shards = 16;
  const auto t0 = std::chrono::steady_clock::now();
  auto seq = conn.send_message(std::move(payload), opt);
  ASSERT_TRUE(seq.ok()) << seq.message();
  const auto limit = std::chrono::milliseconds(60'000 + bytes / 2000);  // >= 2 MB/s
  ASSERT_TRUE(pump_until(
      client, [&] { return log_->message_count() >= 1 || log_->rejected_count() > 0; }, limit));
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::lock_guard l(log_->mu);
  ASSERT_TRUE(log_->rejected.empty()) << log_->rejected[0].reason;
  ASSERT_EQ(log_->messages.size(), 1u);
  const Got& g = log_->messages[0];
  EXPECT_EQ(g.size, bytes);
  EXPECT_EQ(g.sha, want);
  ASSERT_TRUE(g.meta.shards);
  EXPECT_EQ(g.meta.shards->count, 16u);
  EXPECT_EQ(g.meta.shards->total_length, bytes);
  EXPECT_EQ(g.meta.stream_count, 16u);
  EXPECT_TRUE(g.meta.has_token);
  std::printf("[ info ] %llu bytes in 16 shards: %.2f s, %.1f MB/s, sha256 %s\n",
              static_cast<unsigned long long>(bytes), secs, bytes / secs / 1e6, g.sha.c_str());
}

TEST_F(MessagesTest, CorruptedShardIsDetectedAndNeverDelivered) {
  start_server();
  MessagingConfig off;
  off.enabled = false;  // a hand-built peer: raw unidirectional streams
  auto client = make_client(off);
  auto conn = connect(client);
  ASSERT_TRUE(conn.is_established());
  auto control = open_raw_control(client, conn);
  const proto::MessageWriter writer{proto::Settings{}};
  std::vector<uint8_t> payload = pattern(200'000, 3);
  auto shards = proto::split_message(sha256(), payload, 2, 42);
  ASSERT_TRUE(shards.ok());
  for (int i = 0; i < 2; ++i) {
    const auto& f = shards.value()[i];
    proto::MessageHeader h;
    h.shard = f;
    if (i == 0) h.token = proto::TokenFrame{f.message_hash, 1, now_ms()};
    std::vector<uint8_t> slice(payload.begin() + f.offset, payload.begin() + f.offset + f.length);
    if (i == 1) slice[1000] ^= 0x01;  // one flipped bit in shard 1
    auto bytes = writer.encode_stream(h, slice);
    ASSERT_TRUE(bytes.ok());
    auto s = conn.open_uni_stream();
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(write_all(client, *s, bytes.value(), true));
  }
  ASSERT_TRUE(pump_until(client, [&] { return log_->rejected_count() >= 1; }));
  // The connection survives a message error.
  client.run_one(50ms);
  std::lock_guard l(log_->mu);
  EXPECT_TRUE(log_->messages.empty());
  EXPECT_EQ(log_->rejected[0].code_name, "shard_integrity");
  ASSERT_TRUE(log_->rejected[0].message_id);
  EXPECT_EQ(*log_->rejected[0].message_id, 42u);
  EXPECT_EQ(log_->stats->shards_corrupted, 1u);
  EXPECT_FALSE(log_->closed);
  EXPECT_TRUE(conn.is_open());
}

TEST_F(MessagesTest, ReplayedTokenIsRejected) {
  start_server();
  MessagingConfig off;
  off.enabled = false;
  auto client = make_client(off);
  auto conn = connect(client);
  ASSERT_TRUE(conn.is_established());
  auto control = open_raw_control(client, conn);
  const proto::MessageWriter writer{proto::Settings{}};
  const std::vector<uint8_t> payload = pattern(1000, 5);
  proto::MessageHeader h;
  h.token = proto::TokenFrame::make(sha256(), payload, 7, now_ms());
  auto bytes = writer.encode_stream(h, payload);
  ASSERT_TRUE(bytes.ok());
  // The same message (same TOKEN) twice, the second after the first was delivered.
  auto s1 = conn.open_uni_stream();
  ASSERT_TRUE(s1.ok());
  ASSERT_TRUE(write_all(client, *s1, bytes.value(), true));
  ASSERT_TRUE(pump_until(client, [&] { return log_->message_count() >= 1; }));
  auto s2 = conn.open_uni_stream();
  ASSERT_TRUE(s2.ok());
  ASSERT_TRUE(write_all(client, *s2, bytes.value(), true));
  ASSERT_TRUE(pump_until(client, [&] { return log_->rejected_count() >= 1; }));
  std::lock_guard l(log_->mu);
  EXPECT_EQ(log_->messages.size(), 1u);
  EXPECT_EQ(log_->messages[0].meta.sequence, 7u);
  EXPECT_EQ(log_->rejected[0].code_name, "token_replay");
  EXPECT_EQ(log_->stats->token_replayed, 1u);
  EXPECT_EQ(log_->stats->tokens_accepted, 1u);
  EXPECT_FALSE(log_->closed);
}

// Replay windows of signed messages belong to the receiver, not to a connection: a signed
// message captured on one connection and replayed on new connections (to any worker of a
// two-worker server) is refused every time.
TEST_F(MessagesTest, ASignedMessageReplayedOnNewConnectionsIsRejected) {
  auto signer = std::make_shared<TestSigner>(21);
  MessagingConfig server_cfg;
  server_cfg.verifier = test_verify;
  start_server(server_cfg, /*workers=*/2);
  const proto::MessageWriter writer{proto::Settings{}};
  const std::vector<uint8_t> payload = pattern(2000, 3);
  proto::MessageHeader h;
  h.token = proto::TokenFrame::make(sha256(), payload, 1, now_ms());
  const proto::KeyId key_id = proto::falcon_key_id(sha256(), signer->public_key());
  ASSERT_TRUE(proto::sign_header(h, key_id, [&](std::span<const uint8_t> m) {
                return signer->sign(m);
              }).ok());
  auto captured = writer.encode_stream(h, payload);
  ASSERT_TRUE(captured.ok());
  // Anyone may announce the (public) key and send the captured bytes.
  auto control_bytes = proto::control_stream_preface(proto::Settings{});
  proto::FalconKeyFrame::raw(sha256(), proto::FalconAlgorithm::kFalcon1024, signer->public_key())
      .encode(control_bytes);
  constexpr int kConnections = 5;
  MessagingConfig off;
  off.enabled = false;
  for (int i = 0; i < kConnections; ++i) {
    auto client = make_client(off);
    auto conn = connect(client);
    ASSERT_TRUE(conn.is_established());
    auto control = conn.open_uni_stream();
    ASSERT_TRUE(control.ok());
    ASSERT_TRUE(write_all(client, *control, control_bytes, false));
    auto s = conn.open_uni_stream();
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(write_all(client, *s, captured.value(), true));
    ASSERT_TRUE(pump_until(client, [&] {
      return log_->message_count() + log_->rejected_count() >= static_cast<size_t>(i + 1);
    }));
  }
  std::lock_guard l(log_->mu);
  ASSERT_EQ(log_->messages.size(), 1u);
  ASSERT_TRUE(log_->messages[0].meta.signer);
  EXPECT_EQ(*log_->messages[0].meta.signer, signer->key_id());
  ASSERT_EQ(log_->rejected.size(), static_cast<size_t>(kConnections - 1));
  for (const auto& r : log_->rejected) EXPECT_EQ(r.code_name, "token_replay") << r.reason;
  EXPECT_FALSE(log_->closed);
}

using testing::status_kib;

// What the server process of the test below reports when it is done.
struct StalledServerReport {
  uint64_t port = 0;
  uint64_t rss_before_kib = 0, hwm_kib = 0;
  uint64_t peak_in_use = 0, final_in_use = 0, refusals = 0;
  uint64_t timed_out = 0, over_budget = 0, other_rejections = 0, open_connections = 0;
};

// Many connections that each start a large unsharded message and then go quiet: together
// they hold no more than the endpoint's message budget (per-connection caps alone let N
// connections hold N times theirs: ~220 MiB of server RSS here without it), and the idle
// deadline gives the memory back while the connections stay up. The server runs in a
// child process so that its resident memory is measured alone.
TEST_F(MessagesTest, ManyStalledMessagesStayWithinTheEndpointBudgetAndTimeOut) {
  constexpr uint64_t kBudget = uint64_t{16} << 20;
  constexpr int kConnections = 16;
  constexpr size_t kPayload = size_t{6} << 20;  // each connection offers 6 MiB: 96 MiB in all
  int to_parent[2];
  ASSERT_EQ(::pipe(to_parent), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Server process: no gtest assertions here; everything goes back in the report.
    StalledServerReport rep;
    MessagingConfig m;
    m.unsharded_buffer = uint64_t{8} << 20;
    m.endpoint_message_memory = kBudget;
    m.per_source_message_memory = uint64_t{1} << 30;  // all clients are 127.0.0.1
    m.message_idle_timeout = 3s;
    EndpointConfig cfg;
    cfg.tls.cert_chain_file = pki_->chain_file;
    cfg.tls.private_key_file = pki_->key_file;
    cfg.messaging = m;
    auto ep = Endpoint::create(ctx_, cfg);
    if (!ep || !ep->listen(SocketAddress::loopback_v4(0))) ::_exit(2);
    std::atomic<uint64_t> timed_out{0}, over_budget{0}, other{0};
    std::vector<Connection> conns;
    ep->on_connection([&](Connection c) {
      conns.push_back(c);
      c.on_message_rejected([&](const RejectedMessage& r) {
        ++(r.code_name == "message_timeout"  ? timed_out
           : r.code_name == "limit_exceeded" ? over_budget
                                             : other);
      });
    });
    rep.port = ep->local_address().port();
    rep.rss_before_kib = status_kib("VmRSS");
    std::ofstream("/proc/self/clear_refs") << "5";
    if (::write(to_parent[1], &rep, sizeof(rep)) != sizeof(rep)) ::_exit(3);
    const auto end = std::chrono::steady_clock::now() + 90s;
    while (std::chrono::steady_clock::now() < end &&
           timed_out + over_budget + other < static_cast<uint64_t>(kConnections)) {
      ep->run_one(5ms);
      rep.peak_in_use = std::max(rep.peak_in_use, ep->message_memory().in_use);
    }
    for (int i = 0; i < 20; ++i) ep->run_one(5ms);  // the last STOP_SENDINGs go out
    rep.hwm_kib = status_kib("VmHWM");
    rep.final_in_use = ep->message_memory().in_use;
    rep.refusals = ep->message_memory().refusals;
    rep.timed_out = timed_out;
    rep.over_budget = over_budget;
    rep.other_rejections = other;
    for (auto& c : conns) rep.open_connections += c.is_open() ? 1 : 0;
    const bool sent = ::write(to_parent[1], &rep, sizeof(rep)) == sizeof(rep);
    ::_exit(sent ? 0 : 3);
  }
  ::close(to_parent[1]);
  StalledServerReport rep;
  ASSERT_EQ(::read(to_parent[0], &rep, sizeof(rep)), static_cast<ssize_t>(sizeof(rep)));
  MessagingConfig off;
  off.enabled = false;
  auto client = make_client(off);
  auto server_addr = SocketAddress::loopback_v4(static_cast<uint16_t>(rep.port));
  const proto::MessageWriter writer{proto::Settings{}};
  auto bytes = writer.encode_stream({}, pattern(kPayload, 17));
  ASSERT_TRUE(bytes.ok());
  const std::span<const uint8_t> partial =
      std::span(bytes.value()).first(bytes.value().size() - 100);
  std::vector<Connection> conns;
  std::vector<Stream> streams;
  for (int i = 0; i < kConnections; ++i) {
    auto c = client.connect(server_addr, "localhost");
    ASSERT_TRUE(c.ok()) << c.message();
    conns.push_back(*c);
    ASSERT_TRUE(pump_until(client, [&] { return conns.back().is_established(); }));
    auto s = conns.back().open_uni_stream();
    ASSERT_TRUE(s.ok());
    streams.push_back(*s);
  }
  // Round robin, so that every message is in progress at once; never a FIN.
  std::vector<size_t> done(kConnections, 0);
  ASSERT_TRUE(pump_until(
      client,
      [&] {
        bool all = true;
        for (int i = 0; i < kConnections; ++i) {
          if (done[i] == partial.size()) continue;
          const size_t n = std::min<size_t>(256 << 10, partial.size() - done[i]);
          auto r = streams[i].write(partial.subspan(done[i], n));
          if (r) {
            done[i] += *r;
          } else if (r.error() != make_error_code(Errc::kWouldBlock)) {
            done[i] = partial.size();  // stopped by the server
          }
          all = all && done[i] == partial.size();
        }
        return all;
      },
      60s));
  // The client keeps its connections up (acks, keep-alive) until the server is done.
  int status = -1;
  ASSERT_TRUE(pump_until(
      client, [&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, 120s));
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ASSERT_EQ(::read(to_parent[0], &rep, sizeof(rep)), static_cast<ssize_t>(sizeof(rep)));
  ::close(to_parent[0]);
  const double growth_mib =
      (static_cast<double>(rep.hwm_kib) - static_cast<double>(rep.rss_before_kib)) / 1024;
  std::printf(
      "[ info ] %d MiB offered by %d connections, endpoint budget %llu MiB: peak %.1f "
      "MiB held, server RSS %.1f -> peak %.1f MiB (+%.1f); %llu over budget, %llu timed "
      "out\n",
      static_cast<int>(kConnections * (kPayload >> 20)), kConnections,
      static_cast<unsigned long long>(kBudget >> 20), rep.peak_in_use / 1048576.0,
      rep.rss_before_kib / 1024.0, rep.hwm_kib / 1024.0, growth_mib,
      static_cast<unsigned long long>(rep.over_budget),
      static_cast<unsigned long long>(rep.timed_out));
  EXPECT_LE(rep.peak_in_use, kBudget);
  EXPECT_GT(rep.refusals, 0u);
  EXPECT_GT(rep.over_budget, 0u);
  EXPECT_GT(rep.timed_out, 0u);
  EXPECT_EQ(rep.other_rejections, 0u);
  EXPECT_EQ(rep.over_budget + rep.timed_out, static_cast<uint64_t>(kConnections));
  EXPECT_EQ(rep.final_in_use, 0u);
  EXPECT_EQ(rep.open_connections, static_cast<uint64_t>(kConnections));
#if defined(__SANITIZE_ADDRESS__)
  std::printf("[ info ] RSS bound not checked under AddressSanitizer (quarantine)\n");
#else
  // The budget plus what it does not count: data in flight on streams after their
  // STOP_SENDING, QUIC receive buffers, the copy while a buffer grows, allocator slack
  // (measured +33..45 MiB; +127 MiB without the endpoint budget).
  EXPECT_LT(growth_mib, static_cast<double>(kBudget >> 20) + 48);
#endif
}

TEST_F(MessagesTest, SignatureByUntrustedKeyIsRejectedTrustedAccepted) {
  auto trusted = std::make_shared<TestSigner>(11);
  auto stranger = std::make_shared<TestSigner>(12);
  MessagingConfig server_cfg;
  server_cfg.verifier = test_verify;
  server_cfg.trusted_keys = {trusted->key_id()};
  start_server(server_cfg);
  const std::vector<uint8_t> payload = pattern(5000, 9);
  MessageOptions opt;
  opt.sign = true;
  opt.shards = 2;
  {
    MessagingConfig c;
    c.signer = stranger;
    auto client = make_client(c);
    auto conn = connect_ready(client);
    ASSERT_TRUE(conn.send_message(payload, opt).ok());
    ASSERT_TRUE(pump_until(client, [&] { return log_->rejected_count() >= 1; }));
  }
  {
    MessagingConfig c;
    c.signer = trusted;
    auto client = make_client(c);
    auto conn = connect_ready(client);
    ASSERT_TRUE(conn.send_message(payload, opt).ok());
    ASSERT_TRUE(pump_until(client, [&] { return log_->message_count() >= 1; }));
  }
  std::lock_guard l(log_->mu);
  EXPECT_EQ(log_->rejected[0].code_name, "untrusted_key");
  ASSERT_EQ(log_->messages.size(), 1u);
  ASSERT_TRUE(log_->messages[0].meta.signer);
  EXPECT_EQ(*log_->messages[0].meta.signer, trusted->key_id());
  EXPECT_EQ(log_->messages[0].sha, hex_sha256(payload));
}

TEST_F(MessagesTest, NeverCompletingShardsKeepMemoryBounded) {
  MessagingConfig server_cfg;
  server_cfg.reassembly_memory = uint64_t{8} << 20;
  server_cfg.max_messages_in_reassembly = 4;
  server_cfg.shard_idle_timeout = 300ms;
  server_cfg.shard_max_lifetime = 2s;
  start_server(server_cfg);
  MessagingConfig off;
  off.enabled = false;
  auto client = make_client(off);
  auto conn = connect(client);
  ASSERT_TRUE(conn.is_established());
  auto control = open_raw_control(client, conn);
  const proto::MessageWriter writer{proto::Settings{}};
  // 96 messages of 2 MiB in 2 shards; only shard 0 (1 MiB) of each is ever sent: 96 MiB
  // offered against an 8 MiB reassembly cap.
  constexpr int kMessages = 96;
  const std::vector<uint8_t> payload = pattern(2u << 20, 13);
  auto shards = proto::split_message(sha256(), payload, 2, 0);
  ASSERT_TRUE(shards.ok());
  const uint64_t rss_before = rss_bytes();
  for (int i = 0; i < kMessages; ++i) {
    proto::ShardFrame f = shards.value()[0];
    f.message_id = 1000 + i;
    proto::MessageHeader h;
    h.shard = f;
    auto bytes = writer.encode_stream(h, std::span<const uint8_t>(payload).first(f.length));
    ASSERT_TRUE(bytes.ok());
    auto s = conn.open_uni_stream();
    ASSERT_TRUE(s.ok()) << s.message();
    // A refused stream (STOP_SENDING) makes write_all give up early: that is fine.
    (void)write_all(client, *s, bytes.value(), true);
  }
  ASSERT_TRUE(pump_until(
      client, [&] { return log_->rejected_count() >= kMessages; }, 60s));
  const uint64_t rss_after = rss_bytes();
  // Still usable: a complete message goes through.
  proto::MessageHeader h;
  h.token =
      proto::TokenFrame::make(sha256(), std::span<const uint8_t>(payload).first(1000), 1, now_ms());
  auto bytes = writer.encode_stream(h, std::span<const uint8_t>(payload).first(1000));
  ASSERT_TRUE(bytes.ok());
  auto s = conn.open_uni_stream();
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(write_all(client, *s, bytes.value(), true));
  ASSERT_TRUE(pump_until(client, [&] { return log_->message_count() >= 1; }));
  std::lock_guard l(log_->mu);
  EXPECT_FALSE(log_->closed);
  size_t capacity = 0, timeouts = 0;
  for (const auto& r : log_->rejected) {
    if (r.code_name == "limit_exceeded") ++capacity;
    if (r.code_name == "shard_timeout") ++timeouts;
  }
  EXPECT_GT(timeouts, 0u);
  EXPECT_EQ(capacity + timeouts, static_cast<size_t>(kMessages));
  EXPECT_EQ(log_->stats->shards_timed_out, timeouts);
  // Both endpoints live in this process: the whole process grew far less than what was
  // offered (96 MiB), bounded by the 8 MiB cap plus QUIC buffers.
  const int64_t growth = static_cast<int64_t>(rss_after) - static_cast<int64_t>(rss_before);
  std::printf("[ info ] rss growth %.1f MiB for %d MiB offered; %zu over capacity, %zu timed out\n",
              growth / 1048576.0, kMessages, capacity, timeouts);
#if defined(__SANITIZE_ADDRESS__)
  // ASan keeps freed memory in its quarantine, so RSS says nothing about our bound there;
  // the release build checks it. The capacity/timeout accounting above still runs.
  std::printf("[ info ] RSS bound not checked under AddressSanitizer\n");
#else
  EXPECT_LT(growth, int64_t{64} << 20);
#endif
}

#if STOQ_TEST_FALCON
// The real Falcon-1024 adapter (stoq/falcon_signer.h): a signed, sharded message verifies
// against the trusted key; the same message signed by another Falcon key is rejected.
TEST_F(MessagesTest, FalconSignedMessageVerifiesAndUntrustedFalconKeyIsRejected) {
  ASSERT_TRUE(falcon_available());
  auto alice = falcon::generate_keypair(falcon::Level::k1024);
  auto mallory = falcon::generate_keypair(falcon::Level::k1024);
  ASSERT_TRUE(alice.ok() && mallory.ok());
  auto alice_signer = make_falcon_signer(alice->public_key.bytes(), alice->secret_key.bytes());
  auto mallory_signer =
      make_falcon_signer(mallory->public_key.bytes(), mallory->secret_key.bytes());
  ASSERT_TRUE(alice_signer.ok()) << alice_signer.message();
  ASSERT_TRUE(mallory_signer.ok()) << mallory_signer.message();
  Sha256 h;
  h.update(alice->public_key.bytes());
  MessagingConfig server_cfg;
  server_cfg.verifier = falcon_message_verifier();
  server_cfg.trusted_keys = {h.finish()};
  start_server(server_cfg);
  const std::vector<uint8_t> payload = pattern(300'000, 17);
  MessageOptions opt;
  opt.sign = true;
  opt.shards = 3;
  for (auto signer : {*mallory_signer, *alice_signer}) {
    MessagingConfig c;
    c.signer = signer;
    auto client = make_client(c);
    auto conn = connect_ready(client);
    const size_t before = log_->message_count() + log_->rejected_count();
    ASSERT_TRUE(conn.send_message(payload, opt).ok());
    ASSERT_TRUE(pump_until(
        client, [&] { return log_->message_count() + log_->rejected_count() > before; }));
  }
  std::lock_guard l(log_->mu);
  ASSERT_EQ(log_->rejected.size(), 1u);
  EXPECT_EQ(log_->rejected[0].code_name, "untrusted_key");
  ASSERT_EQ(log_->messages.size(), 1u);
  ASSERT_TRUE(log_->messages[0].meta.signer);
  EXPECT_EQ(Sha256::hex(*log_->messages[0].meta.signer), Sha256::hex(server_cfg.trusted_keys[0]));
  EXPECT_EQ(log_->messages[0].sha, hex_sha256(payload));
}
#endif

// Each message uses a unidirectional stream: more messages than the peer's concurrent
// stream limit (1024) must keep flowing as streams close and credit returns, and none may
// fall below the receiver's replay window (the sender bounds the span of sequences in flight).
TEST_F(MessagesTest, MoreMessagesThanTheStreamLimit) {
  start_server();
  auto client = make_client();
  auto conn = connect_ready(client);
  constexpr size_t kCount = 2500;
  const std::vector<uint8_t> payload = pattern(100, 21);
  size_t sent = 0;
  ASSERT_TRUE(pump_until(
      client,
      [&] {
        while (sent < kCount) {
          auto r = conn.send_message(payload);
          if (!r) {
            EXPECT_TRUE(r.error() == make_error_code(Errc::kStreamLimit) ||
                        r.error() == make_error_code(Errc::kWouldBlock))
                << r.message();
            break;
          }
          ++sent;
        }
        return log_->message_count() >= kCount;
      },
      60s))
      << "sent " << sent << ", delivered " << log_->message_count() << ", rejected "
      << log_->rejected_count() << ", close " << conn.close_info().error.message() << " "
      << conn.close_info().reason << " app " << conn.close_info().app_error_code;
  std::lock_guard l(log_->mu);
  for (const auto& r : log_->rejected) ADD_FAILURE() << r.code_name << ": " << r.reason;
  EXPECT_EQ(log_->stats->tokens_accepted, kCount);
}

TEST_F(MessagesTest, PlainPeerWithoutMessagingUsesBidiStreams) {
  start_server();
  MessagingConfig off;
  off.enabled = false;
  auto client = make_client(off);
  auto conn = connect(client);
  ASSERT_TRUE(conn.is_established());
  EXPECT_FALSE(conn.messages_ready());
  EXPECT_EQ(conn.send_message(std::vector<uint8_t>{1, 2, 3}).error(),
            make_error_code(Errc::kUnsupported));
  auto s = conn.open_bidi_stream();
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(write_all(client, *s, std::vector<uint8_t>{'h', 'i'}, true));
  ASSERT_TRUE(pump_until(client, [&] {
    std::lock_guard l(log_->mu);
    return !log_->app_streams.empty();
  }));
  std::lock_guard l(log_->mu);
  EXPECT_EQ(log_->app_streams[0], "hi");
  EXPECT_FALSE(log_->closed);
}

}  // namespace
}  // namespace stoq
