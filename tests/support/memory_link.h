// Two sans-IO QUIC connections joined by an in-memory link with a virtual clock: no
// sockets, no sleeping, fully deterministic for a given seed.
//
// Each direction goes through its own netsim::Link (src/netsim/link.h), so every
// impairment of the netsim model — delay, jitter, loss, burst loss, reordering,
// duplication, corruption, rate limit with a drop-tail queue, MTU, blackholes — applies to
// real quic::Connection objects in virtual time. Two ways to configure it:
//   - Options: the original simple form (one delay and one random loss rate for both
//     directions), kept for the existing tests;
//   - PathOptions: a full netsim::LinkConfig per direction.
// The links stay reachable (to_server_link() / to_client_link()), so a test can change a
// live path mid-transfer with Link::set_config(config, Timestamp(link.now())).
//
// Determinism: the links are seeded by their configs, and ngtcp2's random protocol
// decisions are fed from generators seeded by the same seeds (ConnectionParams::
// protocol_random), so equal seeds give equal packet counts and timings. TLS key material
// stays truly random; it changes bytes, not sizes or timing.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "netsim/link.h"
#include "quic/connection.h"

namespace stoq::testing {

class MemoryLink : public quic::ConnectionHost {
 public:
  // The original form: the same delay and random loss in both directions.
  struct Options {
    uint64_t one_way_delay_ns = 1'000'000;  // 1 ms
    double loss = 0.0;                      // probability per packet, both directions
    uint64_t seed = 1;                      // client->server; server->client uses seed + 1
    // As an endpoint does after checking a Retry or NEW_TOKEN token: the server treats the
    // client's address as validated (no 3x amplification limit).
    bool server_address_validated = false;
    // A ticket from an earlier link's `tickets` to resume with.
    std::vector<uint8_t> resume_ticket;
  };
  // Full impairment model per direction. Give the two configs different seeds if their
  // random decisions must not be the same sequence.
  struct PathOptions {
    netsim::LinkConfig to_server;  // client -> server
    netsim::LinkConfig to_client;  // server -> client
    bool server_address_validated = false;
    std::vector<uint8_t> resume_ticket;
  };

  MemoryLink(const tls::TlsContext& client_tls, const tls::TlsContext& server_tls,
             TransportConfig transport, PathOptions path);
  MemoryLink(const tls::TlsContext& client_tls, const tls::TlsContext& server_tls,
             TransportConfig transport, Options opts);
  MemoryLink(const tls::TlsContext& client_tls, const tls::TlsContext& server_tls,
             TransportConfig transport)
      : MemoryLink(client_tls, server_tls, transport, Options{}) {}
  ~MemoryLink() override;

  // The PathOptions equivalent of the simple Options.
  static PathOptions path_options(const Options& opts);

  quic::Connection* client() { return client_.get(); }
  quic::Connection* server() { return server_.get(); }  // null until the first Initial
  uint64_t now() const { return now_; }
  netsim::Timestamp netsim_now() const { return netsim::Timestamp(now_); }

  // The two directions; counters() says what each did, set_config() changes it live.
  netsim::Link& to_server_link() { return to_server_; }
  netsim::Link& to_client_link() { return to_client_; }
  const netsim::Link& to_server_link() const { return to_server_; }
  const netsim::Link& to_client_link() const { return to_client_; }

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
  // Totals over both directions, refreshed after every step (the links' counters have the
  // details: dropped by cause, duplicated, corrupted, reordered).
  uint64_t packets_delivered = 0, packets_dropped = 0;
  // Packets the client's first Initials could not start a server connection with (e.g. a
  // corrupted Initial that ngtcp2_accept refused).
  uint64_t initials_refused = 0;
  // Server connections that died before their handshake and were replaced by a new one.
  uint64_t server_restarts = 0;
  // Session tickets the client received (quic/session_ticket.h format).
  std::vector<std::vector<uint8_t>> tickets;

 private:
  class Writer;
  bool step();
  void flush(quic::Connection& c, bool to_server);
  bool deliver_to_server(std::vector<uint8_t>& bytes);
  void refresh_counters();

  void on_handshake_completed(quic::Connection& conn) override;
  void on_remote_stream(quic::Connection& conn, std::shared_ptr<quic::StreamState> s) override;
  void on_closed(quic::Connection& conn, const CloseInfo& info) override;
  void on_cid_added(quic::Connection&, const quic::ConnectionId&) override {}
  void on_cid_removed(quic::Connection&, const quic::ConnectionId&) override {}
  void on_wants_write(quic::Connection&) override {}
  void on_session_ticket(quic::Connection&, std::vector<uint8_t> ticket) override {
    tickets.push_back(std::move(ticket));
  }

  const tls::TlsContext& server_tls_;
  TransportConfig transport_;
  bool server_address_validated_ = false;
  uint64_t now_ = 1'000'000'000;
  netsim::Link to_server_;
  netsim::Link to_client_;
  SocketAddress client_addr_ = SocketAddress::loopback_v4(40000);
  SocketAddress server_addr_ = SocketAddress::loopback_v4(4433);
  std::vector<uint8_t> secret_ = std::vector<uint8_t>(32, 7);
  // ngtcp2's own random decisions (packet-number skips, Initial shuffling) come from
  // these, seeded from the links' seeds, so the same seeds give the same run.
  std::mt19937_64 client_random_, server_random_;
  std::unique_ptr<quic::Connection> client_;
  std::unique_ptr<quic::Connection> server_;
};

}  // namespace stoq::testing
