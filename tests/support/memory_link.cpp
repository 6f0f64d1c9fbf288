#include "memory_link.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace stoq::testing {

class MemoryLink::Writer : public quic::PacketWriter {
 public:
  Writer(MemoryLink& link, bool to_server) : link_(link), to_server_(to_server) {}
  void write_packet(const SocketAddress&, const SocketAddress&, std::span<const uint8_t> p,
                    uint8_t) override {
    if (link_.opts_.loss > 0 &&
        std::uniform_real_distribution<double>(0, 1)(link_.rng_) < link_.opts_.loss) {
      ++link_.packets_dropped;
      return;
    }
    link_.wire_.push_back({link_.now_ + link_.opts_.one_way_delay_ns, to_server_,
                           std::vector<uint8_t>(p.begin(), p.end())});
  }

 private:
  MemoryLink& link_;
  bool to_server_;
};

MemoryLink::MemoryLink(const tls::TlsContext& client_tls, const tls::TlsContext& server_tls,
                       TransportConfig transport, Options opts)
    : server_tls_(server_tls), transport_(transport), opts_(opts), rng_(opts.seed) {
  quic::ConnectionParams p;
  p.tls = &client_tls;
  p.transport = transport_;
  p.host = this;
  p.local = client_addr_;
  p.remote = server_addr_;
  p.peer_name = "localhost";
  p.reset_secret = secret_;
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

bool MemoryLink::step() {
  // The next event is the earliest of: a packet arriving, a connection timer.
  uint64_t next = UINT64_MAX;
  if (!wire_.empty()) {
    next = std::min_element(wire_.begin(), wire_.end(), [](auto& a, auto& b) { return a.at < b.at; })->at;
  }
  // A finished connection has nothing left to do; its expiry would pin the clock.
  if (client_ && !client_->finished(now_)) next = std::min(next, client_->next_expiry());
  if (server_ && !server_->finished(now_)) next = std::min(next, server_->next_expiry());
  if (next == UINT64_MAX) return false;
  now_ = std::max(now_, next);
  // Deliver every packet due now, in send order.
  for (size_t i = 0; i < wire_.size();) {
    if (wire_[i].at > now_) {
      ++i;
      continue;
    }
    InFlight pkt = std::move(wire_[i]);
    wire_.erase(wire_.begin() + static_cast<long>(i));
    ++packets_delivered;
    if (pkt.to_server) {
      if (!server_) {
        ngtcp2_pkt_hd hd;
        if (ngtcp2_accept(&hd, pkt.bytes.data(), pkt.bytes.size()) != 0) continue;
        quic::ConnectionParams p;
        p.tls = &server_tls_;
        p.transport = transport_;
        p.host = this;
        p.local = server_addr_;
        p.remote = client_addr_;
        p.reset_secret = secret_;
        auto s = quic::Connection::server(p, hd, now_);
        EXPECT_TRUE(s.ok()) << s.message();
        if (!s) return false;
        server_ = std::move(s).value();
      }
      server_->read_datagram(server_addr_, client_addr_, pkt.bytes, 0, now_);
    } else if (client_) {
      client_->read_datagram(client_addr_, server_addr_, pkt.bytes, 0, now_);
    }
  }
  if (client_ && client_->next_expiry() <= now_) client_->handle_expiry(now_);
  if (server_ && server_->next_expiry() <= now_) server_->handle_expiry(now_);
  if (client_) flush(*client_, true);
  if (server_) flush(*server_, false);
  const bool client_done = !client_ || client_->finished(now_);
  const bool server_done = !server_ || server_->finished(now_);
  return !(client_done && server_done && wire_.empty());
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
