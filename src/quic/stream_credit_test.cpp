// Flow-control credit for peer data the application never reads (docs/transport.md,
// "Flow-control credit"): two sans-IO connections on an in-memory link, virtual time.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "memory_link.h"
#include "quic/connection.h"
#include "test_pki.h"

namespace stoq::quic {
namespace {

using testing::MemoryLink;

class StreamCreditTest : public testing::PkiTest {
 protected:
  void SetUp() override {
    testing::PkiTest::SetUp();
    if (HasFatalFailure()) return;
    TlsConfig s;
    s.cert_chain_file = pki_->chain_file;
    s.private_key_file = pki_->key_file;
    auto st = tls::TlsContext::create(ctx_, s, tls::Role::kServer);
    ASSERT_TRUE(st.ok()) << st.message();
    server_tls_ = std::move(st).value();
    TlsConfig c;
    c.ca_file = pki_->ca_file;
    auto ct = tls::TlsContext::create(ctx_, c, tls::Role::kClient);
    ASSERT_TRUE(ct.ok()) << ct.message();
    client_tls_ = std::move(ct).value();
  }

  // Writes what flow control lets through; true once all of `size` bytes and the FIN are
  // queued.
  static bool push(Connection& c, StreamState& s, size_t size, size_t& written) {
    static const std::vector<uint8_t> chunk(16 * 1024, 0x5a);
    while (written < size) {
      auto w = c.stream_write(s, std::span(chunk).first(std::min(chunk.size(), size - written)));
      if (!w || *w == 0) return false;
      written += *w;
    }
    return c.stream_finish(s).ok();
  }

  std::unique_ptr<tls::TlsContext> server_tls_, client_tls_;
};

// The application holds the peer's streams (or drops its handles) and never reads: the
// peer, however many streams it opens, gets no more than one connection window through.
TEST_F(StreamCreditTest, PeerCannotExceedTheConnectionWindowWithStreamsNeverRead) {
  TransportConfig t;
  t.connection_window = 256 * 1024;
  t.stream_window = 8 * 1024;  // streams finish (and close) long before the window is used
  t.max_streams_uni = 16;
  MemoryLink link(*client_tls_, *server_tls_, t);
  ASSERT_TRUE(link.run_until([&] { return link.client_established && link.server_established; }));
  Connection& client = *link.client();
  std::vector<std::pair<std::shared_ptr<StreamState>, size_t>> open;  // stream, written
  size_t opened = 0;
  uint64_t steps = 0;
  link.run_until(
      [&] {
        // Keep every stream full and open new ones whenever the server allows.
        for (;;) {
          auto s = client.open_stream(/*bidi=*/false);
          if (!s) break;
          open.emplace_back(*s, 0);
          ++opened;
        }
        for (auto& [s, written] : open) push(client, *s, t.stream_window, written);
        // Every few steps the application drops its handles to what arrived.
        if (++steps % 64 == 0) link.server_streams.clear();
        return false;
      },
      5'000'000'000ull);
  const ConnectionInfo info = link.server()->info();
  // UDP payload: the window, plus headers, ACKs and frames (well under a quarter here).
  EXPECT_LT(info.bytes_received, t.connection_window + t.connection_window / 4 + 32 * 1024)
      << opened << " streams opened";
  // Finished streams close and make room for new ones, but their unread bytes keep their
  // credit: about a window's worth of streams, plus the ones the last credit opened.
  EXPECT_GT(opened, t.max_streams_uni);
  EXPECT_LE(opened, t.connection_window / t.stream_window + t.max_streams_uni + 1);
}

// A stream the peer finished but the application never read, then stopped: its bytes are
// discarded and their connection credit given back, so a well-behaved peer is not starved.
TEST_F(StreamCreditTest, StopSendingAFinishedUnreadStreamGivesItsCreditBack) {
  TransportConfig t;
  t.connection_window = 128 * 1024;
  t.stream_window = 128 * 1024;
  MemoryLink link(*client_tls_, *server_tls_, t);
  ASSERT_TRUE(link.run_until([&] { return link.client_established && link.server_established; }));
  Connection& client = *link.client();
  const size_t size = 100 * 1024;
  for (int round = 0; round < 4; ++round) {
    link.server_streams.clear();
    auto s = client.open_stream(/*bidi=*/false);
    ASSERT_TRUE(s.ok()) << s.message();
    size_t written = 0;
    ASSERT_TRUE(link.run_until(
        [&] {
          push(client, **s, size, written);
          return !link.server_streams.empty() && link.server_streams[0]->fin_received &&
                 link.server_streams[0]->closed;
        },
        10'000'000'000ull))
        << "round " << round << ": " << written << " bytes written";
    auto& rs = link.server_streams[0];
    EXPECT_EQ(rs->recv_queue.size(), size);
    link.server()->stream_stop_sending(*rs, 0);
    EXPECT_TRUE(rs->recv_queue.empty());
    EXPECT_EQ(rs->conn, nullptr);
  }
}

}  // namespace
}  // namespace stoq::quic
