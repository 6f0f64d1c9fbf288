// Two sans-IO QUIC connections joined by an in-memory link with a virtual clock: no
// sockets, no sleeping, fully deterministic for a given seed. The seed drives optional
// random loss so recovery can be tested reproducibly.
#pragma once

#include <deque>
#include <memory>
#include <random>
#include <vector>

#include "quic/connection.h"

namespace stoq::testing {

class MemoryLink : public quic::ConnectionHost {
 public:
  struct Options {
    uint64_t one_way_delay_ns = 1'000'000;  // 1 ms
    double loss = 0.0;                       // probability per packet, both directions
    uint64_t seed = 1;
  };

  MemoryLink(const tls::TlsContext& client_tls, const tls::TlsContext& server_tls,
             TransportConfig transport, Options opts);
  MemoryLink(const tls::TlsContext& client_tls, const tls::TlsContext& server_tls,
             TransportConfig transport)
      : MemoryLink(client_tls, server_tls, transport, Options{}) {}
  ~MemoryLink() override;

  quic::Connection* client() { return client_.get(); }
  quic::Connection* server() { return server_.get(); }  // null until the first Initial
  uint64_t now() const { return now_; }

  // Advances virtual time, delivering packets and firing timers, until `done()` returns
  // true or `limit_ns` of virtual time passes. Returns done().
  template <typename Pred>
  bool run_until(Pred done, uint64_t limit_ns = 30'000'000'000ull) {
    const uint64_t end = now_ + limit_ns;
    // Also bounded in steps, so a clock that stops advancing fails the test instead of
    // hanging it.
    for (uint64_t steps = 0; !done(); ++steps) {
      if (steps > 20'000'000 || !step() || now_ > end) return done();
    }
    return true;
  }

  std::vector<std::shared_ptr<quic::StreamState>> server_streams;
  std::vector<std::shared_ptr<quic::StreamState>> client_streams;
  bool client_established = false, server_established = false;
  bool client_closed = false, server_closed = false;
  CloseInfo client_close, server_close;
  uint64_t packets_delivered = 0, packets_dropped = 0;

 private:
  struct InFlight {
    uint64_t at;
    bool to_server;
    std::vector<uint8_t> bytes;
  };
  class Writer;
  bool step();
  void flush(quic::Connection& c, bool to_server);

  void on_handshake_completed(quic::Connection& conn) override;
  void on_remote_stream(quic::Connection& conn, std::shared_ptr<quic::StreamState> s) override;
  void on_closed(quic::Connection& conn, const CloseInfo& info) override;
  void on_cid_added(quic::Connection&, const quic::ConnectionId&) override {}
  void on_cid_removed(quic::Connection&, const quic::ConnectionId&) override {}
  void on_wants_write(quic::Connection&) override {}

  const tls::TlsContext& server_tls_;
  TransportConfig transport_;
  Options opts_;
  std::mt19937_64 rng_;
  uint64_t now_ = 1'000'000'000;
  SocketAddress client_addr_ = SocketAddress::loopback_v4(40000);
  SocketAddress server_addr_ = SocketAddress::loopback_v4(4433);
  std::vector<uint8_t> secret_ = std::vector<uint8_t>(32, 7);
  std::unique_ptr<quic::Connection> client_;
  std::unique_ptr<quic::Connection> server_;
  std::deque<InFlight> wire_;
};

}  // namespace stoq::testing
