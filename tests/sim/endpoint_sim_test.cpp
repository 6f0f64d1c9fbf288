// Whole endpoints on a simulated network (tests/support/sim_network.h): servers, clients
// and workers in one thread, in virtual time. What these tests check used to need real
// sockets and sleeping; here seconds of protocol time take milliseconds and every run with
// the same seed makes the same deliveries at the same virtual times.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "proto/control_stream.h"
#include "proto/falcon_key.h"
#include "proto/message_writer.h"
#include "proto/sha256.h"
#include "proto/shard.h"
#include "proto/signature.h"
#include "quic/connection_id.h"
#include "sim_network.h"
#include "stoq/endpoint.h"
#include "stoq/session_cache.h"
#include "test_pki.h"

namespace stoq {
namespace {

using namespace std::chrono_literals;
using testing::SimNetwork;

constexpr const char* kServerIp = "192.0.2.1";
constexpr const char* kClientIp = "192.0.2.2";
constexpr uint16_t kPort = 4433;

// A server that echoes every bidirectional stream and records its connections' info.
struct EchoServer {
  std::optional<Endpoint> ep;
  std::vector<Connection> conns;
  std::vector<ConnectionInfo> infos;
};

class EndpointSimTest : public testing::PkiTest {
 protected:
  // SHA-256 from the test Context's library context, for hand-built proto frames.
  proto::Sha256Algorithm sha256() const {
    auto a = proto::Sha256Algorithm::fetch(ctx_->libctx());
    if (!a) std::abort();
    return std::move(a).value();
  }
  EndpointConfig server_config() const {
    EndpointConfig cfg;
    cfg.tls.cert_chain_file = pki_->chain_file;
    cfg.tls.private_key_file = pki_->key_file;
    return cfg;
  }
  EndpointConfig client_config() const {
    EndpointConfig cfg;
    cfg.tls.ca_file = pki_->ca_file;
    return cfg;
  }
  std::unique_ptr<EchoServer> start_server(SimNetwork& net, EndpointConfig cfg,
                                           const char* ip = kServerIp) {
    auto s = std::make_unique<EchoServer>();
    auto ep = net.endpoint(ip, std::move(cfg), ctx_);
    EXPECT_TRUE(ep.ok()) << ep.message();
    if (!ep) return s;
    s->ep.emplace(std::move(ep).value());
    EXPECT_TRUE(s->ep->listen(SimNetwork::address(ip, kPort)).ok());
    EchoServer* raw = s.get();
    s->ep->on_connection([raw](Connection c) {
      raw->conns.push_back(c);
      raw->infos.push_back(c.info());
      c.on_stream([](Stream st) {
        st.on_readable([st]() mutable {
          uint8_t buf[4096];
          for (;;) {
            auto r = st.read(buf);
            if (!r) return;
            if (*r == 0) {
              (void)st.finish();
              return;
            }
            (void)st.write({buf, *r});
          }
        });
      });
    });
    return s;
  }
  // Sends `text` on a new stream and runs the network until the echo is back.
  static std::string echo(SimNetwork& net, Connection& conn, const std::string& text) {
    auto s = conn.open_bidi_stream();
    if (!s) return "open failed: " + s.message();
    Stream st = *s;
    (void)st.write(text);
    (void)st.finish();
    std::string got;
    bool fin = false;
    st.on_readable([&]() {
      uint8_t buf[4096];
      for (;;) {
        auto r = st.read(buf);
        if (!r) return;
        if (*r == 0) {
          fin = true;
          return;
        }
        got.append(reinterpret_cast<char*>(buf), *r);
      }
    });
    net.run_until([&] { return fin || !conn.is_open(); }, 10s);
    st.on_readable(nullptr);
    return got;
  }
  static Connection connect(SimNetwork& net, Endpoint& client, const char* ip = kServerIp) {
    auto c = client.connect(SimNetwork::address(ip, kPort), "localhost");
    EXPECT_TRUE(c.ok()) << c.message();
    if (!c) return {};
    Connection conn = *c;
    net.run_until([&] { return conn.is_established() || !conn.is_open(); }, 10s);
    return conn;
  }
};

TEST_F(EndpointSimTest, HandshakeAndEchoAreReproducibleFromTheSeed) {
  struct Run {
    uint64_t digest = 0;
    uint64_t bytes_digest = 0;
    std::chrono::nanoseconds established{0}, echoed{0};
    uint64_t delivered = 0;
  };
  auto run = [&](uint64_t seed) {
    netsim::LinkConfig link = SimNetwork::default_link_config();
    link.delay = 20ms;
    link.jitter = 5ms;
    link.loss = 0.05;
    SimNetwork net(seed, link);
    auto server = start_server(net, server_config());
    auto client = net.endpoint(kClientIp, client_config(), ctx_);
    EXPECT_TRUE(client.ok()) << client.message();
    Run r;
    if (!client) return r;
    Connection conn = connect(net, *client);
    EXPECT_TRUE(conn.is_established()) << conn.close_info().reason;
    r.established = net.now();
    // == rather than EXPECT_EQ: a failure would print 20,000 characters.
    EXPECT_TRUE(echo(net, conn, std::string(20000, 'e')) == std::string(20000, 'e'));
    r.echoed = net.now();
    r.digest = net.timing_digest();
    r.bytes_digest = net.trace_digest();
    r.delivered = net.delivered();
    return r;
  };
  const Run a = run(7), b = run(7), c = run(8);
  EXPECT_EQ(a.digest, b.digest);
  EXPECT_EQ(a.established, b.established);
  EXPECT_EQ(a.echoed, b.echoed);
  EXPECT_EQ(a.delivered, b.delivered);
  EXPECT_NE(a.digest, c.digest);  // another seed, other losses
  // 20 +- 5 ms each way: the client is established after at least one round trip.
  EXPECT_GE(a.established, 30ms);
  std::printf(
      "[ info ] seed 7: established at %.1f ms, echo done at %.1f ms virtual, %llu "
      "datagrams\n",
      a.established.count() / 1e6, a.echoed.count() / 1e6,
      static_cast<unsigned long long>(a.delivered));
}

TEST_F(EndpointSimTest, IdleTimeoutClosesAConnectionWhosePeerVanished) {
  SimNetwork net(3);
  auto server = start_server(net, server_config());
  EndpointConfig cc = client_config();
  cc.transport.idle_timeout = 30s;
  auto client = net.endpoint(kClientIp, cc, ctx_);
  ASSERT_TRUE(client.ok());
  Connection conn = connect(net, *client);
  ASSERT_TRUE(conn.is_established());
  CloseInfo info;
  bool closed = false;
  conn.on_closed([&](const CloseInfo& i) {
    info = i;
    closed = true;
  });
  const auto vanished = net.now();
  net.set_blocked(kServerIp, kClientIp, true);
  net.set_blocked(kClientIp, kServerIp, true);
  ASSERT_TRUE(net.run_until([&] { return closed; }, 120s));
  EXPECT_EQ(info.error, Errc::kIdleTimeout) << info.reason;
  const auto idle = net.now() - vanished;
  EXPECT_GE(idle, 29s);
  EXPECT_LE(idle, 32s);
}

TEST_F(EndpointSimTest, StatelessResetsAreRateLimitedPerSecond) {
  SimNetwork net(5);
  auto server = start_server(net, server_config());
  auto raw = net.environment(kClientIp).open_datapath(SimNetwork::address(kClientIp, 0), {});
  ASSERT_TRUE(raw.ok());
  // Short-header packets for connection IDs the server never issued: each may get a reset.
  auto flood = [&](int n) {
    std::vector<uint8_t> pkt(100, 0x5a);
    pkt[0] = 0x43;
    for (int i = 0; i < n; ++i) {
      pkt[1] = static_cast<uint8_t>(i);
      pkt[2] = static_cast<uint8_t>(i >> 8);
      io::OutgoingDatagram d;
      d.remote = SimNetwork::address(kServerIp, kPort);
      d.data = pkt;
      (void)(*raw)->send({&d, 1});
    }
  };
  auto count_replies = [&] {
    size_t n = 0;
    while (!(*raw)->receive_drained()) {
      auto got = (*raw)->receive();
      if (!got) break;
      for (const auto& d : *got) {
        EXPECT_LT(d.data.size(), 100u);  // always smaller than what triggered it
        ++n;
      }
    }
    return n;
  };
  flood(1000);
  net.run_for(200ms);
  const size_t first = count_replies();
  EXPECT_EQ(first, 256u);  // kResetsPerSecond
  flood(1000);
  net.run_for(200ms);
  EXPECT_EQ(count_replies(), 0u);  // same second: nothing more
  net.run_for(1s);
  flood(1000);
  net.run_for(200ms);
  EXPECT_EQ(count_replies(), 256u);  // a new second
}

TEST_F(EndpointSimTest, RetryValidatesTheFirstConnectionAndNewTokenTheNext) {
  SimNetwork net(11);
  EndpointConfig sc = server_config();
  sc.transport.retry = RetryPolicy::kAlways;
  auto server = start_server(net, sc);
  auto cache = std::make_shared<MemorySessionCache>();
  EndpointConfig cc = client_config();
  cc.session_cache = cache;
  {
    auto client = net.endpoint(kClientIp, cc, ctx_);
    ASSERT_TRUE(client.ok());
    Connection conn = connect(net, *client);
    ASSERT_TRUE(conn.is_established()) << conn.close_info().reason;
    EXPECT_EQ(echo(net, conn, "after retry"), "after retry");
    ASSERT_TRUE(net.run_until([&] { return cache->token_count() > 0; }, 5s));
  }
  auto client = net.endpoint(kClientIp, cc, ctx_);
  ASSERT_TRUE(client.ok());
  Connection conn = connect(net, *client);
  ASSERT_TRUE(conn.is_established()) << conn.close_info().reason;
  EXPECT_EQ(echo(net, conn, "with token"), "with token");
  ASSERT_TRUE(net.run_until([&] { return server->infos.size() >= 2; }, 5s));
  EXPECT_EQ(server->infos[0].address_validation, "retry");
  EXPECT_EQ(server->infos[1].address_validation, "token");
}

TEST_F(EndpointSimTest, PerSourceAndGlobalConnectionLimitsRefuseClearly) {
  SimNetwork net(13);
  EndpointConfig sc = server_config();
  sc.transport.max_connections_per_source = 2;
  sc.transport.max_connections = 3;
  auto server = start_server(net, sc);
  auto a = net.endpoint(kClientIp, client_config(), ctx_);
  auto b = net.endpoint("192.0.2.3", client_config(), ctx_);
  ASSERT_TRUE(a.ok() && b.ok());
  Connection a1 = connect(net, *a), a2 = connect(net, *a);
  ASSERT_TRUE(a1.is_established() && a2.is_established());
  Connection a3 = connect(net, *a);  // a third from the same host
  ASSERT_TRUE(net.run_until([&] { return !a3.is_open(); }, 10s));
  EXPECT_EQ(a3.close_info().error, Errc::kConnectionRefused) << a3.close_info().reason;
  Connection b1 = connect(net, *b);
  ASSERT_TRUE(b1.is_established());
  Connection b2 = connect(net, *b);  // a fourth in all
  ASSERT_TRUE(net.run_until([&] { return !b2.is_open(); }, 10s));
  EXPECT_EQ(b2.close_info().error, Errc::kConnectionRefused) << b2.close_info().reason;
  EXPECT_EQ(echo(net, a1, "still served"), "still served");
}

TEST_F(EndpointSimTest, DatagramsOnTheWrongWorkerAreHandedToTheOwner) {
  SimNetwork net(17);
  EndpointConfig sc = server_config();
  sc.workers = 2;
  auto server = start_server(net, sc);
  auto client = net.endpoint(kClientIp, client_config(), ctx_);
  ASSERT_TRUE(client.ok());
  Connection conn = connect(net, *client);
  ASSERT_TRUE(conn.is_established());
  // A NAT rebinding (new source port, same connection ID) lands on the worker the new
  // source hashes to; sooner or later that is the other one, which hands the datagram over.
  for (int i = 0; i < 16 && server->ep->forwarded_datagrams() == 0; ++i) {
    ASSERT_TRUE(client->migrate(/*new_cid=*/false).ok());
    EXPECT_EQ(echo(net, conn, "after rebinding " + std::to_string(i)),
              "after rebinding " + std::to_string(i));
  }
  EXPECT_GT(server->ep->forwarded_datagrams(), 0u);
  EXPECT_TRUE(conn.is_open());
}

// STOQ messages whose sender goes quiet: a sharded message missing a shard fails after the
// shard idle timeout, an unsharded one after the message idle timeout, each in virtual
// time, with its memory released and the connection kept.
TEST_F(EndpointSimTest, StalledMessagesTimeOutInVirtualTime) {
  SimNetwork net(19);
  EndpointConfig sc = server_config();
  sc.messaging.shard_idle_timeout = 10s;
  sc.messaging.message_idle_timeout = 20s;
  auto server = start_server(net, sc);
  std::vector<RejectedMessage> rejected;
  std::vector<std::chrono::nanoseconds> when;
  server->ep->on_connection([&](Connection c) {
    server->conns.push_back(c);
    c.on_message_rejected([&](const RejectedMessage& r) {
      rejected.push_back(r);
      when.push_back(net.now());
    });
  });
  EndpointConfig cc = client_config();
  cc.messaging.enabled = false;  // a raw peer: it writes protocol bytes itself
  auto client = net.endpoint(kClientIp, cc, ctx_);
  ASSERT_TRUE(client.ok());
  Connection conn = connect(net, *client);
  ASSERT_TRUE(conn.is_established());
  const proto::MessageWriter writer{proto::Settings{}};
  auto control = conn.open_uni_stream();
  ASSERT_TRUE(control.ok());
  ASSERT_TRUE(control->write(proto::control_stream_preface(proto::Settings{})).ok());
  // Shard 0 of 2, complete; shard 1 never comes.
  std::vector<uint8_t> payload(40000, 0x33);
  auto shards = proto::split_message(sha256(), payload, 2, 77);
  ASSERT_TRUE(shards.ok());
  proto::MessageHeader h;
  h.shard = shards.value()[0];
  auto sharded = writer.encode_stream(h, std::span<const uint8_t>(payload).first(h.shard->length));
  ASSERT_TRUE(sharded.ok());
  auto s1 = conn.open_uni_stream();
  ASSERT_TRUE(s1.ok());
  ASSERT_TRUE(s1->write(sharded.value()).ok());
  ASSERT_TRUE(s1->finish().ok());
  // An unsharded message cut short, its stream left open.
  auto whole = writer.encode_stream({}, payload);
  ASSERT_TRUE(whole.ok());
  auto s2 = conn.open_uni_stream();
  ASSERT_TRUE(s2.ok());
  ASSERT_TRUE(s2->write(std::span<const uint8_t>(whole.value()).first(20000)).ok());
  const auto sent = net.now();
  ASSERT_TRUE(net.run_until([&] { return rejected.size() >= 2; }, 60s));
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected[0].code_name, "shard_timeout");
  EXPECT_EQ(rejected[1].code_name, "message_timeout");
  EXPECT_GE(when[0] - sent, 10s);
  EXPECT_LT(when[0] - sent, 12s);
  EXPECT_GE(when[1] - sent, 20s);
  EXPECT_LT(when[1] - sent, 22s);
  EXPECT_EQ(server->ep->message_memory().in_use, 0u);
  EXPECT_TRUE(conn.is_open());
}

// Closed connections are reaped: after the close and its draining period the server holds
// no state for them (virtual time: no sleeping for three PTOs).
TEST_F(EndpointSimTest, ClosedConnectionsAreReapedAfterTheirDrainingPeriod) {
  SimNetwork net(23);
  auto server = start_server(net, server_config());
  auto client = net.endpoint(kClientIp, client_config(), ctx_);
  ASSERT_TRUE(client.ok());
  std::vector<Connection> conns;
  for (int i = 0; i < 5; ++i) {
    conns.push_back(connect(net, *client));
    ASSERT_TRUE(conns.back().is_established());
  }
  ASSERT_TRUE(net.run_until([&] { return server->ep->connection_count() == 5; }, 5s));
  for (auto& c : conns) c.close();
  server->conns.clear();  // the application lets go of its handles too
  const auto closed = net.now();
  ASSERT_TRUE(net.run_until(
      [&] { return server->ep->connection_count() == 0 && client->connection_count() == 0; }, 10s));
  // Draining lasts three PTOs: with a 2 ms round trip well under a second.
  EXPECT_LT(net.now() - closed, 1s);
}

// Replay windows of signed messages belong to the receiver: a signed message captured on
// one connection and replayed on others, whichever of two workers they land on, is
// refused, in virtual time.
TEST_F(EndpointSimTest, ASignedMessageReplayedOnOtherConnectionsIsRefusedOnEveryWorker) {
  SimNetwork net(29);
  EndpointConfig sc = server_config();
  sc.workers = 2;
  // A stand-in for Falcon in this test: signature = SHA-256(public key | message).
  auto fake_sign = [sha = sha256()](std::span<const uint8_t> pk, std::span<const uint8_t> m) {
    std::vector<uint8_t> in(pk.begin(), pk.end());
    in.insert(in.end(), m.begin(), m.end());
    const auto d = sha.digest(in);
    return std::vector<uint8_t>(d.begin(), d.end());
  };
  sc.messaging.verifier = [fake_sign](MessageSignatureAlgorithm, std::span<const uint8_t> pk,
                                      std::span<const uint8_t> m, std::span<const uint8_t> sig) {
    const auto want = fake_sign(pk, m);
    return std::equal(want.begin(), want.end(), sig.begin(), sig.end());
  };
  auto server = start_server(net, sc);
  std::vector<std::string> delivered, rejected;
  server->ep->on_connection([&](Connection c) {
    server->conns.push_back(c);
    c.on_message([&](const ReceivedMessage&) { delivered.push_back("ok"); });
    c.on_message_rejected([&](const RejectedMessage& r) { rejected.push_back(r.code_name); });
  });
  const std::vector<uint8_t> pk(1793, 0x42);
  const std::vector<uint8_t> payload(3000, 0x17);
  proto::MessageHeader h;
  h.token = proto::TokenFrame::make(sha256(), payload, 1,
                                    net.now().count() / 1'000'000 + 1'780'272'000'000);
  ASSERT_TRUE(
      proto::sign_header(h, proto::falcon_key_id(sha256(), pk), [&](std::span<const uint8_t> m) {
        return std::optional<std::vector<uint8_t>>(fake_sign(pk, m));
      }).ok());
  const proto::MessageWriter writer{proto::Settings{}};
  auto captured = writer.encode_stream(h, payload);
  ASSERT_TRUE(captured.ok());
  auto control = proto::control_stream_preface(proto::Settings{});
  proto::FalconKeyFrame::raw(sha256(), proto::FalconAlgorithm::kFalcon1024, pk).encode(control);
  EndpointConfig cc = client_config();
  cc.messaging.enabled = false;
  constexpr int kConnections = 6;
  for (int i = 0; i < kConnections; ++i) {
    // Each from its own host: the reuse-port hash spreads them over both workers.
    auto client = net.endpoint("198.51.100." + std::to_string(10 + i), cc, ctx_);
    ASSERT_TRUE(client.ok());
    Connection conn = connect(net, *client);
    ASSERT_TRUE(conn.is_established());
    auto cs = conn.open_uni_stream();
    auto ms = conn.open_uni_stream();
    ASSERT_TRUE(cs.ok() && ms.ok());
    ASSERT_TRUE(cs->write(control).ok());
    ASSERT_TRUE(ms->write(captured.value()).ok());
    ASSERT_TRUE(ms->finish().ok());
    ASSERT_TRUE(net.run_until(
        [&] { return delivered.size() + rejected.size() >= static_cast<size_t>(i + 1); }, 5s));
  }
  EXPECT_EQ(delivered.size(), 1u);
  ASSERT_EQ(rejected.size(), static_cast<size_t>(kConnections - 1));
  for (const auto& code : rejected) EXPECT_EQ(code, "token_replay");
  const auto per_worker = server->ep->worker_connection_counts();
  ASSERT_EQ(per_worker.size(), 2u);
  EXPECT_GT(per_worker[0], 0u);
  EXPECT_GT(per_worker[1], 0u);
}

}  // namespace
}  // namespace stoq
