#include "memory_link.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace stoq::testing {
namespace {

std::function<void(uint8_t*, size_t)> random_source(std::mt19937_64& gen) {
  return [&gen](uint8_t* out, size_t len) {
    for (size_t i = 0; i < len; ++i) out[i] = static_cast<uint8_t>(gen() >> 56);
  };
}

}  // namespace

class MemoryLink::Writer : public quic::PacketWriter {
 public:
  Writer(MemoryLink& link, bool to_server) : link_(link), to_server_(to_server) {}
  void write_packet(const SocketAddress&, const SocketAddress&, std::span<const uint8_t> p,
                    uint8_t) override {
    netsim::Link& l = to_server_ ? link_.to_server_ : link_.to_client_;
    // The fate is in the link's counters; a dropped packet is simply not delivered.
    (void)l.send(link_.netsim_now(), netsim::Packet{std::vector<uint8_t>(p.begin(), p.end()), 0});
  }

 private:
  MemoryLink& link_;
  bool to_server_;
};

MemoryLink::PathOptions MemoryLink::path_options(const Options& opts) {
  PathOptions path;
  path.to_server.delay = netsim::Duration(opts.one_way_delay_ns);
  path.to_server.loss = opts.loss;
  path.to_server.seed = opts.seed;
  path.to_client = path.to_server;
  path.to_client.seed = opts.seed + 1;
  path.server_address_validated = opts.server_address_validated;
  path.resume_ticket = opts.resume_ticket;
  return path;
}

MemoryLink::MemoryLink(const tls::TlsContext& client_tls, const tls::TlsContext& server_tls,
                       TransportConfig transport, Options opts)
    : MemoryLink(client_tls, server_tls, transport, path_options(opts)) {}

MemoryLink::MemoryLink(const tls::TlsContext& client_tls, const tls::TlsContext& server_tls,
                       TransportConfig transport, PathOptions path)
    : server_tls_(server_tls),
      transport_(transport),
      server_address_validated_(path.server_address_validated),
      to_server_(path.to_server, netsim::Timestamp(now_)),
      to_client_(path.to_client, netsim::Timestamp(now_)),
      client_random_(path.to_server.seed * 0x9E3779B97F4A7C15ull + path.to_client.seed),
      server_random_(path.to_client.seed * 0x9E3779B97F4A7C15ull + path.to_server.seed + 1) {
  quic::ConnectionParams p;
  p.tls = &client_tls;
  p.transport = transport_;
  p.host = this;
  p.local = client_addr_;
  p.remote = server_addr_;
  p.peer_name = "localhost";
  p.reset_secret = secret_;
  p.protocol_random = random_source(client_random_);
  p.resume_ticket = path.resume_ticket;
  // The client presents the token that the server side then treats as verified (ngtcp2
  // checks that the Initial carries it).
  if (path.server_address_validated) p.token = {0x01};
  auto c = quic::Connection::client(p, now_);
  EXPECT_TRUE(c.ok()) << c.message();
  if (c) client_ = std::move(c).value();
  if (client_) flush(*client_, true);
}

MemoryLink::~MemoryLink() = default;

void MemoryLink::flush(quic::Connection& c, bool to_server) {
  Writer w(*this, to_server);
  while (c.write_packets(now_, w, 64) == 64) {
  }
}

void MemoryLink::refresh_counters() {
  const auto& up = to_server_.counters();
  const auto& down = to_client_.counters();
  packets_delivered = up.delivered + down.delivered;
  packets_dropped = up.dropped() + down.dropped();
}

// Returns false when the server connection cannot be created at all (a test failure).
bool MemoryLink::deliver_to_server(std::vector<uint8_t>& bytes) {
  if (server_ && !server_established && server_->finished(now_)) {
    // As an endpoint reaps it: a server connection that died before its handshake (e.g.
    // dropped because the client's Initials arrived out of order) is forgotten, and the
    // client's next Initial starts a new one.
    server_.reset();
    server_closed = false;
    server_close = {};
    ++server_restarts;
  }
  if (!server_) {
    ngtcp2_pkt_hd hd;
    if (ngtcp2_accept(&hd, bytes.data(), bytes.size()) != 0) {
      // As an endpoint would: not a packet that can start a connection (e.g. corrupted).
      ++initials_refused;
      return true;
    }
    quic::ConnectionParams p;
    p.tls = &server_tls_;
    p.transport = transport_;
    p.host = this;
    p.local = server_addr_;
    p.remote = client_addr_;
    p.reset_secret = secret_;
    p.protocol_random = random_source(server_random_);
    if (server_address_validated_) {
      p.token = {0x01};  // stands for a token the endpoint verified
      p.validation = quic::ConnectionParams::Validation::kNewToken;
    }
    auto s = quic::Connection::server(p, hd, now_);
    EXPECT_TRUE(s.ok()) << s.message();
    if (!s) return false;
    server_ = std::move(s).value();
  }
  server_->read_datagram(server_addr_, client_addr_, bytes, 0, now_);
  return true;
}

bool MemoryLink::step() {
  // The next event is the earliest of: a packet arriving (either direction), a timer.
  uint64_t next = UINT64_MAX;
  for (const netsim::Link* l : {&to_server_, &to_client_}) {
    if (auto t = l->next_deadline()) next = std::min(next, static_cast<uint64_t>(t->count()));
  }
  // A finished connection has nothing left to do; its expiry would pin the clock.
  if (client_ && !client_->finished(now_)) next = std::min(next, client_->next_expiry());
  if (server_ && !server_->finished(now_)) next = std::min(next, server_->next_expiry());
  if (next == UINT64_MAX) return false;
  now_ = std::max(now_, next);
  // Deliver every packet due now: client->server first, then server->client, each in the
  // link's delivery order. Fixed, so the run is reproducible.
  netsim::Delivery d;
  while (to_server_.poll_one(netsim_now(), d)) {
    if (!deliver_to_server(d.packet.data)) return false;
  }
  while (to_client_.poll_one(netsim_now(), d)) {
    if (client_) client_->read_datagram(client_addr_, server_addr_, d.packet.data, 0, now_);
  }
  if (client_ && client_->next_expiry() <= now_) client_->handle_expiry(now_);
  if (server_ && server_->next_expiry() <= now_) server_->handle_expiry(now_);
  if (client_) flush(*client_, true);
  if (server_) flush(*server_, false);
  refresh_counters();
  const bool client_done = !client_ || client_->finished(now_);
  const bool server_done = !server_ || server_->finished(now_);
  const bool idle = !to_server_.next_deadline() && !to_client_.next_deadline();
  return !(client_done && server_done && idle);
}

void MemoryLink::on_handshake_completed(quic::Connection& conn) {
  (conn.is_server() ? server_established : client_established) = true;
}

void MemoryLink::on_remote_stream(quic::Connection& conn, std::shared_ptr<quic::StreamState> s) {
  (conn.is_server() ? server_streams : client_streams).push_back(std::move(s));
}

void MemoryLink::on_closed(quic::Connection& conn, const CloseInfo& info) {
  if (conn.is_server()) {
    server_closed = true;
    server_close = info;
  } else {
    client_closed = true;
    client_close = info;
  }
}

}  // namespace stoq::testing
