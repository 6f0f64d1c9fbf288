// Endpoint-level tests over real UDP sockets on loopback: a server endpoint on its own
// thread, a client endpoint driven by the test thread. Every wait is bounded.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <numeric>
#include <thread>

#include "endpoint_fixture.h"
#include "pump.h"
#include "stoq/endpoint.h"
#include "stoq/sha256.h"
#include "test_pki.h"

namespace stoq {
namespace {

using namespace std::chrono_literals;
using testing::EndpointTest;
using testing::pump_until;
using testing::ServerKind;

TEST_F(EndpointTest, HybridHandshakeOverLoopbackV4AndV6) {
  start_server(ServerKind::kEcho, {}, {}, {}, SocketAddress::loopback_v6(0));
  auto client = make_client();
  auto conn = connect(client, "localhost");
  ASSERT_TRUE(conn.is_established()) << conn.close_info().reason;
  auto info = conn.info();
  EXPECT_EQ(info.tls_group, "X25519MLKEM768");
  EXPECT_EQ(info.alpn, "stoq/1");
  EXPECT_EQ(info.peer_signature_algorithm, "ed25519");
  EXPECT_EQ(info.remote.family(), AF_INET6);
  EXPECT_GT(info.handshake_duration.count(), 0);
}

class EndpointTransferTest : public EndpointTest, public ::testing::WithParamInterface<bool> {};

// The same transfer with UDP GSO and GRO on and off must deliver identical bytes.
TEST_P(EndpointTransferTest, HundredMiBTransferVerifiedBySha256) {
  EndpointConfig server_cfg;
  server_cfg.transport.enable_gso = GetParam();
  server_cfg.transport.enable_gro = GetParam();
  start_server(ServerKind::kHashSink, server_cfg);
  TransportConfig t;
  t.enable_gso = GetParam();
  t.enable_gro = GetParam();
  auto client = make_client({}, t);
  auto conn = connect(client);
  ASSERT_TRUE(conn.is_established());
  auto s = conn.open_bidi_stream();
  ASSERT_TRUE(s.ok());
  const uint64_t total = 100ull << 20;
  testing::HashedUpload up(*s, total);
  up.start();
  ASSERT_TRUE(pump_until(
      client, [&] { return up.done(); }, 120s))
      << "sent " << up.sent();
  EXPECT_EQ(state_->bytes.load(), total);
  EXPECT_TRUE(up.verified()) << up.reply();
}

INSTANTIATE_TEST_SUITE_P(Gso, EndpointTransferTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "GsoOn" : "GsoOff"; });

// Stream::write_shared: the stream reads the caller's block in place (no copy into the
// send buffer), the data arrives intact, and the stream lets go of the block once the peer
// has acknowledged everything.
TEST_F(EndpointTest, WriteSharedSendsWithoutCopyingAndReleasesTheBuffer) {
  start_server(ServerKind::kHashSink);
  auto client = make_client();
  auto conn = connect(client);
  ASSERT_TRUE(conn.is_established());
  auto s = conn.open_bidi_stream();
  ASSERT_TRUE(s.ok());
  const uint64_t total = 32ull << 20;
  testing::HashedUpload up(*s, total, /*shared=*/true);
  up.start();
  ASSERT_TRUE(pump_until(
      client, [&] { return up.done() || !conn.is_open(); }, 60s));
  EXPECT_TRUE(up.verified()) << up.reply();
  EXPECT_TRUE(pump_until(
      client, [&] { return up.block_refs() == 1; }, 10s))
      << up.block_refs() << " references left";
  // Without an owner there is nothing to keep the bytes alive: refused.
  auto s2 = conn.open_bidi_stream();
  ASSERT_TRUE(s2.ok());
  const uint8_t byte = 1;
  auto w = s2->write_shared({&byte, 1}, nullptr);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error(), Errc::kInvalidArgument);
}

// Stream::read_view lends the buffered bytes in order without a copy, at most `max` per
// call, and returns flow-control credit as read() does: the 3 MiB echo is three times
// the client's 1 MiB stream window, so it only completes if credit flows. (It stays
// under the echo server's 4 MiB send buffer, which the fixture's echo relies on.)
TEST_F(EndpointTest, ReadViewDeliversEveryByteInOrder) {
  start_server(ServerKind::kEcho);
  TransportConfig t;
  t.stream_window = 1u << 20;
  t.connection_window = 2u << 20;
  auto client = make_client({}, t);
  auto conn = connect(client);
  ASSERT_TRUE(conn.is_established());
  auto s = conn.open_bidi_stream();
  ASSERT_TRUE(s.ok());
  std::vector<uint8_t> sent(3ull << 20);
  for (size_t i = 0; i < sent.size(); ++i) sent[i] = static_cast<uint8_t>(i * 31 + 7);
  std::vector<uint8_t> got;
  size_t written = 0, calls = 0, biggest = 0;
  bool finished = false, at_end = false;
  ASSERT_TRUE(pump_until(
      client,
      [&] {
        while (written < sent.size()) {
          auto w = s->write(std::span(sent).subspan(written));
          if (!w) break;
          written += *w;
        }
        if (written == sent.size() && !finished) finished = s->finish().ok();
        for (;;) {
          auto r = s->read_view(
              [&](std::span<const uint8_t> d) {
                ++calls;
                got.insert(got.end(), d.begin(), d.end());
              },
              100'000);
          if (!r) break;
          if (*r == 0) {
            at_end = true;
            break;
          }
          biggest = std::max(biggest, *r);
        }
        return at_end || !conn.is_open();
      },
      60s));
  EXPECT_TRUE(at_end) << conn.close_info().reason << " / " << state_->close_reason << " got "
                      << got.size();
  EXPECT_TRUE(got == sent) << got.size() << " of " << sent.size() << " bytes";
  EXPECT_LE(biggest, 100'000u);
  EXPECT_GT(calls, 0u);
  auto bad = s->read_view([](std::span<const uint8_t>) {}, 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), Errc::kInvalidArgument);
}

TEST_F(EndpointTest, ThousandStreamsOnOneConnection) {
  start_server(ServerKind::kEcho);
  auto client = make_client();
  auto conn = connect(client);
  ASSERT_TRUE(conn.is_established());
  int completed = 0;
  int opened = 0;
  std::vector<Stream> streams;
  auto open_more = [&] {
    while (opened < 1000) {
      auto s = conn.open_bidi_stream();
      if (!s) {
        ASSERT_EQ(s.error(), Errc::kStreamLimit);
        return;
      }
      ++opened;
      Stream st = *s;
      std::string msg = "stream " + std::to_string(st.id());
      ASSERT_TRUE(st.write(msg).ok());
      ASSERT_TRUE(st.finish().ok());
      auto got = std::make_shared<std::string>();
      auto done = std::make_shared<bool>(false);
      st.on_readable([st, got, done, msg, &completed]() mutable {
        char buf[64];
        while (!*done) {
          auto r = st.read({reinterpret_cast<uint8_t*>(buf), sizeof(buf)});
          if (!r) return;
          if (*r == 0) {
            EXPECT_EQ(*got, msg);
            *done = true;
            ++completed;
            return;
          }
          got->append(buf, *r);
        }
      });
      streams.push_back(st);
    }
  };
  open_more();
  ASSERT_TRUE(pump_until(
      client,
      [&] {
        open_more();
        return completed == 1000;
      },
      60s))
      << completed << " of 1000 streams echoed";
  EXPECT_EQ(state_->streams.load(), 1000);
}

TEST_F(EndpointTest, SlowReaderMakesWriterWaitInsteadOfBuffering) {
  start_server(ServerKind::kNoRead);
  TransportConfig t;
  t.stream_send_buffer = 1 << 20;
  auto client = make_client({}, t);
  auto conn = connect(client);
  ASSERT_TRUE(conn.is_established());
  auto s = conn.open_bidi_stream();
  ASSERT_TRUE(s.ok());
  std::vector<uint8_t> chunk(65536, 7);
  uint64_t accepted = 0;
  bool blocked = false;
  // Write for a while: the server never reads, so its flow-control window (4 MiB per
  // stream) plus our send buffer (1 MiB) bound what can be accepted.
  pump_until(
      client,
      [&] {
        for (int i = 0; i < 64; ++i) {
          auto w = s->write(chunk);
          if (!w) {
            blocked = w.error() == Errc::kWouldBlock;
            break;
          }
          accepted += *w;
        }
        return false;
      },
      1500ms);
  EXPECT_TRUE(blocked);
  EXPECT_LE(accepted, (4u << 20) * 4 + (1u << 20));  // window (auto-tuned up to 4x) + buffer
  EXPECT_EQ(s->writable(), 0u);
  EXPECT_GE(state_->streams.load(), 1);
}

TEST_F(EndpointTest, PeerAbortMidTransferIsAnErrorNotAHang) {
  start_server(ServerKind::kAbortAfter1MiB);
  auto client = make_client();
  auto conn = connect(client);
  ASSERT_TRUE(conn.is_established());
  auto s = conn.open_bidi_stream();
  ASSERT_TRUE(s.ok());
  CloseInfo info;
  bool closed = false;
  std::error_code stream_error;
  s->on_closed([&](std::error_code ec, uint64_t) { stream_error = ec; });
  conn.on_closed([&](const CloseInfo& i) {
    info = i;
    closed = true;
  });
  std::vector<uint8_t> chunk(65536, 1);
  ASSERT_TRUE(pump_until(
      client,
      [&] {
        if (!closed) (void)s->write(chunk);
        return closed;
      },
      20s));
  EXPECT_EQ(info.error, Errc::kPeerClosed);
  EXPECT_EQ(info.app_error_code, 99u);
  EXPECT_EQ(info.reason, "abort for test");
  EXPECT_TRUE(stream_error);
  EXPECT_EQ(s->write(chunk).error(), Errc::kClosed);
}

TEST_F(EndpointTest, WrongServerNameIsRejected) {
  start_server(ServerKind::kEcho);
  auto client = make_client();
  auto conn = connect(client, "not-localhost.example");
  EXPECT_FALSE(conn.is_established());
  EXPECT_EQ(conn.close_info().error, Errc::kCertificateInvalid);
  EXPECT_NE(conn.close_info().reason.find("mismatch"), std::string::npos)
      << conn.close_info().reason;
}

TEST_F(EndpointTest, ExpiredCertificateIsRejected) {
  start_server(ServerKind::kEcho, {}, pki_->expired_chain_file, pki_->expired_key_file);
  auto client = make_client();
  auto conn = connect(client);
  EXPECT_FALSE(conn.is_established());
  EXPECT_EQ(conn.close_info().error, Errc::kCertificateInvalid);
  EXPECT_NE(conn.close_info().reason.find("expired"), std::string::npos)
      << conn.close_info().reason;
}

TEST_F(EndpointTest, UntrustedCaIsRejected) {
  start_server(ServerKind::kEcho);
  TlsConfig tls;
  tls.ca_file = pki_->other_ca_file;
  auto client = make_client(tls);
  auto conn = connect(client);
  EXPECT_FALSE(conn.is_established());
  EXPECT_EQ(conn.close_info().error, Errc::kCertificateInvalid) << conn.close_info().reason;
}

TEST_F(EndpointTest, ClassicalClientFailsCleanlyWithAClearError) {
  start_server(ServerKind::kEcho);
  TlsConfig tls;
  tls.kex = KexPolicy::kClassical;
  auto client = make_client(tls);
  auto conn = connect(client);
  EXPECT_FALSE(conn.is_established());
  EXPECT_EQ(conn.close_info().error, Errc::kHandshakeFailed);
  EXPECT_NE(conn.close_info().reason.find("handshake_failure"), std::string::npos);
  // The server's side of this failure (kPolicyViolation naming the offered groups) is
  // checked in ConnectionTest.ClassicalClientRefusedByHybridRequiredServer and, through the
  // server's log, in tests/cli/cli_test.sh.
}

TEST_F(EndpointTest, SpkiPinAcceptsMatchingAndRejectsOtherKeys) {
  start_server(ServerKind::kEcho);
  TlsConfig good;
  good.spki_pins = {pki_->leaf_pin};
  auto c1 = make_client(good);
  EXPECT_TRUE(connect(c1).is_established());
  TlsConfig bad;
  bad.spki_pins = {std::string(64, 'a')};
  auto c2 = make_client(bad);
  auto conn = connect(c2);
  EXPECT_FALSE(conn.is_established());
  EXPECT_EQ(conn.close_info().error, Errc::kCertificateInvalid);
  EXPECT_NE(conn.close_info().reason.find("pin"), std::string::npos) << conn.close_info().reason;
}

TEST_F(EndpointTest, BadConfigurationIsAClearError) {
  EndpointConfig cfg;
  cfg.tls.cert_chain_file = "/nonexistent/chain.pem";
  cfg.tls.private_key_file = "/nonexistent/key.pem";
  auto ep = Endpoint::create(ctx_, cfg);
  ASSERT_TRUE(ep.ok());
  auto st = ep->listen(SocketAddress::loopback_v4(0));
  EXPECT_EQ(st.error(), Errc::kIoError);
  EXPECT_NE(st.message().find("/nonexistent/chain.pem"), std::string::npos);
  TlsConfig t;
  t.spki_pins = {"xyz"};
  EndpointConfig c2;
  c2.tls = t;
  auto ep2 = Endpoint::create(ctx_, c2);
  ASSERT_TRUE(ep2.ok());
  auto conn = ep2->connect(SocketAddress::loopback_v4(9));
  EXPECT_EQ(conn.error(), Errc::kInvalidArgument);
}

}  // namespace
}  // namespace stoq
