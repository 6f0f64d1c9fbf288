// Sans-IO tests of the QUIC connection: two connections joined by an in-memory link with a
// virtual clock (tests/support/memory_link.h). No sockets, no sleeping.
#include "quic/connection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>

#include "memory_link.h"
#include "stoq/sha256.h"
#include "test_pki.h"

namespace stoq::quic {
namespace {

using testing::MemoryLink;

class ConnectionTest : public testing::PkiTest {
 protected:
  void SetUp() override {
    testing::PkiTest::SetUp();
    if (HasFatalFailure()) return;
  }

  std::unique_ptr<tls::TlsContext> server_tls(KexPolicy kex = KexPolicy::kHybridRequired) {
    TlsConfig c;
    c.cert_chain_file = pki_->chain_file;
    c.private_key_file = pki_->key_file;
    c.kex = kex;
    auto t = tls::TlsContext::create(ctx_, c, tls::Role::kServer);
    EXPECT_TRUE(t.ok()) << t.message();
    return t ? std::move(t).value() : nullptr;
  }

  std::unique_ptr<tls::TlsContext> client_tls(KexPolicy kex = KexPolicy::kHybridRequired,
                                              std::string ca = {}) {
    TlsConfig c;
    c.ca_file = ca.empty() ? pki_->ca_file : ca;
    c.kex = kex;
    auto t = tls::TlsContext::create(ctx_, c, tls::Role::kClient);
    EXPECT_TRUE(t.ok()) << t.message();
    return t ? std::move(t).value() : nullptr;
  }

  TransportConfig transport_;
};

TEST_F(ConnectionTest, HybridHandshakeNegotiatesX25519MLKEM768) {
  auto st = server_tls();
  auto ct = client_tls();
  MemoryLink link(*ct, *st, transport_);
  ASSERT_TRUE(link.run_until([&] { return link.client_established && link.server_established; }));
  auto info = link.client()->info();
  EXPECT_EQ(info.tls_group, "X25519MLKEM768");
  EXPECT_EQ(info.alpn, "stoq/1");
  EXPECT_EQ(info.cipher_suite, "TLS_AES_128_GCM_SHA256");
  EXPECT_EQ(info.peer_signature_algorithm, "ed25519");
  EXPECT_EQ(link.server()->info().tls_group, "X25519MLKEM768");
}

TEST_F(ConnectionTest, TlsStateIsFreedAfterTheHandshakeAndInfoKeepsItsFacts) {
  auto st = server_tls();
  auto ct = client_tls();
  MemoryLink link(*ct, *st, transport_);
  ASSERT_TRUE(link.run_until([&] { return link.client_established && link.server_established; }));
  EXPECT_TRUE(link.server()->tls_released());
  auto si = link.server()->info();
  EXPECT_EQ(si.tls_group, "X25519MLKEM768");
  EXPECT_EQ(si.alpn, "stoq/1");
  EXPECT_EQ(si.cipher_suite, "TLS_AES_128_GCM_SHA256");
  EXPECT_FALSE(si.resumed);
  // QUIC goes on without TLS: a server-initiated key update and data both ways.
  ASSERT_TRUE(link.run_until([&] { return link.server()->update_keys(link.now()).ok(); }));
  auto s = link.client()->open_stream(true);
  ASSERT_TRUE(s.ok());
  const std::string msg = "after the TLS state is gone";
  ASSERT_TRUE(
      link.client()
          ->stream_write(**s, std::span(reinterpret_cast<const uint8_t*>(msg.data()), msg.size()))
          .ok());
  ASSERT_TRUE(link.client()->stream_finish(**s).ok());
  std::string got;
  ASSERT_TRUE(link.run_until([&] {
    for (auto& rs : link.server_streams) {
      uint8_t buf[64];
      for (;;) {
        auto r = link.server()->stream_read(*rs, buf);
        if (!r || *r == 0) break;
        got.append(reinterpret_cast<const char*>(buf), *r);
      }
    }
    return got == msg;
  }));
  EXPECT_TRUE(link.server()->is_open());
  EXPECT_TRUE(link.client()->is_open());
  // The client lets go of TLS once confirmed and given time for session tickets (this
  // link's client context takes none), and keeps working.
  ASSERT_TRUE(link.run_until([&] { return link.client()->tls_released(); }));
  EXPECT_TRUE(link.client()->is_open());
  EXPECT_EQ(link.client()->info().tls_group, "X25519MLKEM768");
  EXPECT_EQ(link.client()->info().peer_signature_algorithm, "ed25519");
}

TEST_F(ConnectionTest, ClassicalClientRefusedByHybridRequiredServer) {
  auto st = server_tls(KexPolicy::kHybridRequired);
  auto ct = client_tls(KexPolicy::kClassical);
  MemoryLink link(*ct, *st, transport_);
  ASSERT_TRUE(link.run_until([&] { return link.client_closed && link.server_closed; }));
  EXPECT_FALSE(link.client_established);
  EXPECT_EQ(link.server_close.error, Errc::kPolicyViolation);
  EXPECT_NE(link.server_close.reason.find("hybrid-required"), std::string::npos)
      << link.server_close.reason;
  EXPECT_EQ(link.client_close.error, Errc::kHandshakeFailed);
  EXPECT_NE(link.client_close.reason.find("handshake_failure"), std::string::npos)
      << link.client_close.reason;
}

TEST_F(ConnectionTest, HybridPreferredServerAcceptsClassicalClient) {
  auto st = server_tls(KexPolicy::kHybridPreferred);
  auto ct = client_tls(KexPolicy::kClassical);
  MemoryLink link(*ct, *st, transport_);
  ASSERT_TRUE(link.run_until([&] { return link.client_established; }));
  EXPECT_EQ(link.client()->info().tls_group, "x25519");
}

TEST_F(ConnectionTest, UntrustedCaIsRejected) {
  auto st = server_tls();
  auto ct = client_tls(KexPolicy::kHybridRequired, pki_->other_ca_file);
  MemoryLink link(*ct, *st, transport_);
  ASSERT_TRUE(link.run_until([&] { return link.client_closed; }));
  EXPECT_FALSE(link.client_established);
  EXPECT_EQ(link.client_close.error, Errc::kCertificateInvalid) << link.client_close.reason;
  ASSERT_TRUE(link.run_until([&] { return link.server_closed; }));
  EXPECT_EQ(link.server_close.error, Errc::kCertificateInvalid) << link.server_close.reason;
}

TEST_F(ConnectionTest, StreamDataArrivesIntactUnderLoss) {
  auto st = server_tls();
  auto ct = client_tls();
  MemoryLink::Options opts;
  opts.loss = 0.05;
  opts.seed = 42;
  opts.one_way_delay_ns = 10'000'000;
  MemoryLink link(*ct, *st, transport_, opts);
  ASSERT_TRUE(link.run_until([&] { return link.client_established; }));
  auto s = link.client()->open_stream(true);
  ASSERT_TRUE(s.ok());
  std::vector<uint8_t> payload(3 << 20);
  std::iota(payload.begin(), payload.end(), uint8_t{1});
  size_t written = 0;
  Sha256 got;
  size_t received = 0;
  bool fin = false;
  std::vector<uint8_t> buf(65536);
  ASSERT_TRUE(link.run_until(
      [&]() -> bool {
        if (written < payload.size()) {
          auto w = link.client()->stream_write(**s, std::span(payload).subspan(written));
          if (w) written += *w;
          if (written == payload.size()) {
            EXPECT_TRUE(link.client()->stream_finish(**s).ok());
          }
        }
        for (auto& rs : link.server_streams) {
          for (;;) {
            auto r = link.server()->stream_read(*rs, buf);
            if (!r || *r == 0) {
              fin = r.ok();
              break;
            }
            got.update({buf.data(), *r});
            received += *r;
          }
        }
        return fin;
      },
      120'000'000'000ull));
  EXPECT_EQ(received, payload.size());
  Sha256 want;
  want.update(payload);
  EXPECT_EQ(got.finish(), want.finish());
  EXPECT_GT(link.packets_dropped, 0u);
}

// Streams with data take turns packet by packet, and a stream whose data did not go into
// a packet (the congestion window stopped the write) keeps its turn. The server grants a
// connection window of about two packets per stream and never reads, so it never opens
// more: every stream must get data, none more than a couple of packets beyond another.
TEST_F(ConnectionTest, StreamsTakeTurnsWhenTheCongestionWindowStopsWrites) {
  auto st = server_tls();
  auto ct = client_tls();
  constexpr size_t kStreams = 64;
  constexpr uint64_t kPacket = 1452;
  transport_.max_streams_bidi = kStreams;
  transport_.connection_window = kStreams * 2 * kPacket;
  MemoryLink::Options opts;
  opts.one_way_delay_ns = 10'000'000;  // slow start: most writes end congestion-limited
  MemoryLink link(*ct, *st, transport_, opts);
  ASSERT_TRUE(link.run_until([&] { return link.client_established; }));
  std::vector<std::shared_ptr<quic::StreamState>> streams;
  const std::vector<uint8_t> data(8 * kPacket, 0x5a);
  for (size_t i = 0; i < kStreams; ++i) {
    auto s = link.client()->open_stream(true);
    ASSERT_TRUE(s.ok()) << s.message();
    auto w = link.client()->stream_write(**s, data);
    ASSERT_TRUE(w.ok());
    ASSERT_EQ(*w, data.size());
    streams.push_back(*s);
  }
  auto sent = [](const quic::StreamState& s) { return s.send_end - s.unsent; };
  auto total = [&] {
    uint64_t t = 0;
    for (const auto& s : streams) t += sent(*s);
    return t;
  };
  // Until the connection window is used up (the last bytes may stay short of it when no
  // whole frame fits), then a while longer for the last packets to arrive.
  link.run_until([&] { return total() >= transport_.connection_window; }, 5'000'000'000ull);
  EXPECT_GT(total(), transport_.connection_window - kPacket);
  link.run_until([] { return false; }, 200'000'000ull);
  uint64_t lo = UINT64_MAX, hi = 0;
  for (const auto& s : streams) {
    lo = std::min(lo, sent(*s));
    hi = std::max(hi, sent(*s));
  }
  EXPECT_GT(lo, 0u) << "a stream never got a turn";
  EXPECT_LE(hi - lo, 2 * kPacket) << "least " << lo << " bytes, most " << hi;
  EXPECT_EQ(link.server_streams.size(), kStreams);
}

TEST_F(ConnectionTest, ApplicationCloseReachesPeerWithCodeAndReason) {
  auto st = server_tls();
  auto ct = client_tls();
  MemoryLink link(*ct, *st, transport_);
  ASSERT_TRUE(link.run_until([&] { return link.server_established; }));
  link.client()->close(77, "bye", link.now());
  ASSERT_TRUE(link.run_until([&] { return link.server_closed; }));
  EXPECT_EQ(link.client_close.error, Errc::kApplicationClosed);
  EXPECT_EQ(link.server_close.error, Errc::kPeerClosed);
  EXPECT_EQ(link.server_close.app_error_code, 77u);
  EXPECT_EQ(link.server_close.reason, "bye");
  EXPECT_TRUE(link.server_close.by_peer);
}

TEST_F(ConnectionTest, IdleTimeoutClosesSilentConnection) {
  auto st = server_tls();
  auto ct = client_tls();
  transport_.idle_timeout = std::chrono::milliseconds(500);
  MemoryLink link(*ct, *st, transport_);
  ASSERT_TRUE(link.run_until([&] { return link.client_closed && link.server_closed; }));
  EXPECT_EQ(link.client_close.error, Errc::kIdleTimeout);
  EXPECT_EQ(link.server_close.error, Errc::kIdleTimeout);
  EXPECT_LT(link.now(), 1'000'000'000ull + 2'000'000'000ull);  // virtual time, not wall time
}

TEST_F(ConnectionTest, StreamLimitIsReported) {
  auto st = server_tls();
  auto ct = client_tls();
  transport_.max_streams_bidi = 3;
  MemoryLink link(*ct, *st, transport_);
  ASSERT_TRUE(link.run_until([&] { return link.client_established; }));
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(link.client()->open_stream(true).ok());
  auto r = link.client()->open_stream(true);
  EXPECT_EQ(r.error(), Errc::kStreamLimit);
}

TEST_F(ConnectionTest, ResetAndStopSendingReachThePeer) {
  auto st = server_tls();
  auto ct = client_tls();
  MemoryLink link(*ct, *st, transport_);
  ASSERT_TRUE(link.run_until([&] { return link.client_established; }));
  auto a = link.client()->open_stream(true);
  auto b = link.client()->open_stream(true);
  ASSERT_TRUE(a.ok() && b.ok());
  const std::string hello = "partial";
  ASSERT_TRUE(
      link.client()
          ->stream_write(**a, {reinterpret_cast<const uint8_t*>(hello.data()), hello.size()})
          .ok());
  ASSERT_TRUE(
      link.client()
          ->stream_write(**b, {reinterpret_cast<const uint8_t*>(hello.data()), hello.size()})
          .ok());
  ASSERT_TRUE(link.run_until([&] { return link.server_streams.size() == 2; }));
  // Client abandons stream a: the server's read reports the reset and its code.
  link.client()->stream_reset(**a, 42);
  auto& sa =
      link.server_streams[0]->id == (*a)->id ? link.server_streams[0] : link.server_streams[1];
  auto& sb =
      link.server_streams[0]->id == (*b)->id ? link.server_streams[0] : link.server_streams[1];
  ASSERT_TRUE(link.run_until([&] { return sa->read_reset; }));
  std::vector<uint8_t> buf(64);
  auto r = link.server()->stream_read(*sa, buf);
  EXPECT_EQ(r.error(), Errc::kStreamReset);
  EXPECT_NE(r.message().find("42"), std::string::npos);
  // Server asks the client to stop sending on b: the client's sending side is closed.
  link.server()->stream_stop_sending(*sb, 7);
  ASSERT_TRUE(link.run_until([&] {
    auto w = link.client()->stream_write(
        **b, {reinterpret_cast<const uint8_t*>(hello.data()), hello.size()});
    return !w.ok() && w.error() == Errc::kClosed;
  }));
  auto w = link.client()->stream_write(
      **b, {reinterpret_cast<const uint8_t*>(hello.data()), hello.size()});
  EXPECT_NE(w.message().find("STOP_SENDING with code 7"), std::string::npos) << w.message();
}

}  // namespace
}  // namespace stoq::quic
