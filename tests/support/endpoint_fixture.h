// A loopback server on its own thread with simple stream behaviours, and a client driven
// by the test thread: the fixture of the endpoint-level integration suites.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pump.h"
#include "stoq/endpoint.h"
#include "stoq/sha256.h"
#include "test_pki.h"

namespace stoq::testing {

using namespace std::chrono_literals;

// Server behaviours for the tests, run on the server's loop thread.
enum class ServerKind { kEcho, kHashSink, kNoRead, kAbortAfter1MiB };

struct ServerState {
  std::atomic<uint64_t> bytes{0};
  std::atomic<int> streams{0};
  std::atomic<bool> closed{false};
  std::atomic<int> close_errc{0};
  std::mutex mu;
  std::string close_reason;
  std::vector<Stream> held;           // kNoRead keeps its streams unread
  std::vector<ConnectionInfo> infos;  // each accepted connection's info at on_connection
  // Server-initiated key update once this many bytes arrived (0 = never).
  std::atomic<uint64_t> update_keys_at{0};
  std::atomic<int> key_updates_started{0};
};

class EndpointTest : public testing::PkiTest {
 protected:
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

  void start_server(ServerKind kind, EndpointConfig cfg = {}, std::string chain = {},
                    std::string key = {}, SocketAddress addr = SocketAddress::loopback_v4(0)) {
    cfg.tls.cert_chain_file = chain.empty() ? pki_->chain_file : chain;
    cfg.tls.private_key_file = key.empty() ? pki_->key_file : key;
    auto ep = Endpoint::create(ctx_, cfg);
    ASSERT_TRUE(ep.ok()) << ep.message();
    server_.emplace(std::move(ep).value());
    ASSERT_TRUE(server_->listen(addr).ok());
    auto st = state_;
    server_->on_connection([st, kind](Connection c) {
      {
        std::lock_guard lock(st->mu);
        st->infos.push_back(c.info());
      }
      c.on_datagram([weak = c.weak()](std::span<const uint8_t> d) {
        (void)weak.lock().send_datagram(d);  // echo; a full queue just drops it
      });
      c.on_closed([st](const CloseInfo& info) {
        std::lock_guard lock(st->mu);
        st->close_reason = info.reason;
        st->close_errc = info.error.value();
        st->closed = true;
      });
      c.on_stream([st, kind, weak = c.weak()](Stream s) {
        ++st->streams;
        if (kind == ServerKind::kNoRead) {
          std::lock_guard lock(st->mu);
          st->held.push_back(s);
          return;
        }
        auto hash = std::make_shared<Sha256>();
        auto buf = std::make_shared<std::vector<uint8_t>>(65536);
        // kEcho reads only what its send side accepts now (the rest waits in the stream's
        // receive buffer, and flow control slows the client), and resumes when writable.
        auto pump = [s, st, kind, hash, buf, weak]() mutable {
          for (;;) {
            std::span<uint8_t> room(*buf);
            if (kind == ServerKind::kEcho) {
              room = room.first(std::min(room.size(), s.writable()));
              if (room.empty()) return;
            }
            auto r = s.read(room);
            if (!r) return;
            if (*r == 0) {
              if (kind == ServerKind::kHashSink) {
                (void)s.write(Sha256::hex(hash->finish()));
              }
              (void)s.finish();
              return;
            }
            st->bytes += *r;
            const uint64_t at = st->update_keys_at;
            if (at > 0 && st->bytes >= at && st->key_updates_started == 0) {
              if (weak.lock().update_keys().ok()) ++st->key_updates_started;
            }
            if (kind == ServerKind::kEcho) {
              auto w = s.write(std::span<const uint8_t>(buf->data(), *r));
              if (!w || *w != *r) {
                // Bytes it cannot echo: a fixture error the test must see, not a silent gap.
                weak.lock().close(98, "echo lost bytes");
                return;
              }
            } else {
              hash->update({buf->data(), *r});
            }
            if (kind == ServerKind::kAbortAfter1MiB && st->bytes > (1u << 20)) {
              weak.lock().close(99, "abort for test");
              return;
            }
          }
        };
        s.on_readable(pump);
        if (kind == ServerKind::kEcho) s.on_writable(pump);
      });
    });
    ASSERT_TRUE(server_->start().ok());
  }

  Endpoint make_client(TlsConfig tls = {}, TransportConfig transport = {}) {
    if (tls.ca_file.empty() && tls.spki_pins.empty()) tls.ca_file = pki_->ca_file;
    EndpointConfig cfg;
    cfg.tls = tls;
    cfg.transport = transport;
    auto ep = Endpoint::create(ctx_, cfg);
    EXPECT_TRUE(ep.ok()) << ep.message();
    return std::move(ep).value();
  }

  // Connects and waits for the handshake or the close; returns the connection.
  Connection connect(Endpoint& client, std::string name = "localhost") {
    auto c = client.connect(server_->local_address(), name);
    EXPECT_TRUE(c.ok()) << c.message();
    if (!c) return {};
    Connection conn = *c;
    EXPECT_TRUE(pump_until(client, [&] { return conn.is_established() || !conn.is_open(); }));
    return conn;
  }

  std::optional<Endpoint> server_;
  std::shared_ptr<ServerState> state_ = std::make_shared<ServerState>();
};

// Uploads `total` pattern bytes on a stream to a kHashSink server and collects the
// server's SHA-256 of what it received. Call start(), then pump the client until done().
class HashedUpload {
 public:
  // `shared`: write with Stream::write_shared (no copy; the stream holds the block).
  HashedUpload(Stream stream, uint64_t total, bool shared = false)
      : stream_(std::move(stream)),
        total_(total),
        shared_(shared),
        block_(std::make_shared<std::vector<uint8_t>>(1 << 16)) {
    for (size_t i = 0; i < block_->size(); ++i) (*block_)[i] = static_cast<uint8_t>(i * 7 + 3);
  }
  void start() {
    stream_.on_writable([this] { pump(); });
    stream_.on_readable([this] {
      char buf[128];
      for (;;) {
        auto r = stream_.read({reinterpret_cast<uint8_t*>(buf), sizeof(buf)});
        if (!r) return;
        if (*r == 0) {
          fin_ = true;
          return;
        }
        reply_.append(buf, *r);
      }
    });
    pump();
  }
  bool done() const { return fin_; }
  uint64_t sent() const { return sent_; }
  // The server's digest equals ours: every byte arrived intact and in order.
  bool verified() { return fin_ && reply_ == Sha256::hex(local_.finish()); }
  const std::string& reply() const { return reply_; }
  // References to the source block: 1 once no stream holds it any more.
  long block_refs() const { return block_.use_count(); }

 private:
  void pump() {
    while (sent_ < total_) {
      auto piece = std::span<const uint8_t>(*block_).subspan(offset_);
      if (piece.size() > total_ - sent_) piece = piece.first(total_ - sent_);
      auto w = shared_ ? stream_.write_shared(piece, block_) : stream_.write(piece);
      if (!w) return;
      local_.update(piece.first(*w));
      sent_ += *w;
      offset_ = (offset_ + *w) % block_->size();
    }
    (void)stream_.finish();
  }

  Stream stream_;
  uint64_t total_;
  bool shared_;
  std::shared_ptr<std::vector<uint8_t>> block_;
  uint64_t sent_ = 0;
  size_t offset_ = 0;
  Sha256 local_;
  std::string reply_;
  bool fin_ = false;
};

}  // namespace stoq::testing
