#include "api/endpoint_impl.h"

#include "api/messaging.h"

#include <openssl/rand.h>

#include <algorithm>

namespace stoq::detail {
namespace {

constexpr size_t kPacketsPerWrite = io::UdpSocket::kBatch;
// Upper bound of packets one connection writes per loop iteration, so one busy connection
// cannot starve the socket's receive side or the other connections.
constexpr size_t kPacketsPerFlush = 256;
constexpr size_t kMaxPacket = 1500;

}  // namespace

EndpointImpl::EndpointImpl(std::shared_ptr<Context> ctx, EndpointConfig config,
                           std::unique_ptr<io::EventLoop> loop)
    : ctx_(std::move(ctx)), config_(std::move(config)), loop_(std::move(loop)) {
  RAND_bytes(reset_secret_.data(), static_cast<int>(reset_secret_.size()));
  tx_buf_.resize(kPacketsPerWrite * kMaxPacket);
  tx_.reserve(kPacketsPerWrite);
  loop_->set_timer_callback([this] { on_timer(); });
  loop_->set_idle_callback([this] { flush(); });
}

EndpointImpl::~EndpointImpl() {
  if (thread && thread->joinable()) {
    loop_->stop();
    thread->join();
  }
  for (auto& [ptr, e] : conns_) {
    e.shared->last_info = e.conn->info();
    e.shared->conn = nullptr;
  }
  conns_.clear();
}

Status EndpointImpl::ensure_socket(const SocketAddress& bind_addr) {
  if (socket_) return ok_status();
  auto s = io::UdpSocket::bind(bind_addr);
  if (!s) return {s.error(), s.reason()};
  socket_.emplace(std::move(s).value());
  socket_->set_gso(config_.transport.enable_gso);
  return loop_->add(socket_->fd(), [this] { on_socket_readable(); });
}

SocketAddress EndpointImpl::local_address() const {
  return socket_ ? socket_->local_address() : SocketAddress{};
}

Status EndpointImpl::listen(const SocketAddress& addr) {
  if (!server_tls_) {
    auto t = tls::TlsContext::create(ctx_, config_.tls, tls::Role::kServer);
    if (!t) return {t.error(), t.reason()};
    server_tls_ = std::move(t).value();
  }
  if (socket_) return {Errc::kInvalidArgument, "the endpoint already has a socket"};
  if (auto st = ensure_socket(addr); !st) return st;
  listening_ = true;
  return ok_status();
}

Result<Connection> EndpointImpl::connect(const SocketAddress& addr, std::string server_name) {
  if (!client_tls_) {
    auto t = tls::TlsContext::create(ctx_, config_.tls, tls::Role::kClient);
    if (!t) return {t.error(), t.reason()};
    client_tls_ = std::move(t).value();
  }
  SocketAddress any =
      addr.family() == AF_INET6 ? SocketAddress::loopback_v6(0) : SocketAddress::loopback_v4(0);
  if (!addr.host().starts_with("127.") && addr.host() != "::1") {
    // Not loopback: bind the wildcard address of the same family.
    auto w = SocketAddress::parse(addr.family() == AF_INET6 ? "[::]:0" : "0.0.0.0:0");
    if (w) any = *w;
  }
  if (auto st = ensure_socket(any); !st) return {st.error(), st.reason()};
  quic::ConnectionParams p;
  p.tls = client_tls_.get();
  p.transport = config_.transport;
  p.host = this;
  p.local = socket_->local_address();
  p.remote = addr;
  p.peer_name = server_name.empty() ? addr.host() : server_name;
  p.reset_secret = reset_secret_;
  auto c = quic::Connection::client(p, io::monotonic_ns());
  if (!c) return {c.error(), c.reason()};
  auto shared = make_shared_state(c->get());
  quic::Connection* raw = c->get();
  conns_[raw] = Entry{std::move(c).value(), shared, {}};
  map_cid(*raw, raw->initial_cid());
  dirty_.insert(raw);
  // Outside the loop thread's callbacks nothing else would flush the first Initial.
  loop_->set_timer(0);
  return Connection(shared);
}

void EndpointImpl::close(ConnectionShared& shared, uint64_t code, std::string_view reason) {
  if (shared.conn == nullptr) return;
  shared.conn->close(code, reason, io::monotonic_ns());
  loop_->set_timer(0);
}

std::shared_ptr<ConnectionShared> EndpointImpl::make_shared_state(quic::Connection* conn) {
  auto shared = std::make_shared<ConnectionShared>();
  shared->endpoint = this;
  shared->conn = conn;
  if (config_.messaging.enabled) {
    auto m = Messaging::create(*shared, config_.messaging,
                               config_.transport.max_datagram_frame_size > 0, ctx_.get());
    if (m) {
      shared->messaging = std::move(m).value();
    } else {
      ctx_->log(LogLevel::kWarn, "STOQ messaging disabled: " + m.message());
    }
  }
  return shared;
}

EndpointImpl::Entry* EndpointImpl::entry(quic::Connection& conn) {
  auto it = conns_.find(&conn);
  return it == conns_.end() ? nullptr : &it->second;
}

void EndpointImpl::map_cid(quic::Connection& conn, const quic::ConnectionId& cid) {
  by_cid_[cid] = &conn;
  if (Entry* e = entry(conn)) e->cids.push_back(cid);
}

// ---------------------------------------------------------------------------- receive

void EndpointImpl::on_socket_readable() {
  for (int round = 0; round < 16; ++round) {
    auto batch = socket_->receive();
    if (!batch) {
      ctx_->log(LogLevel::kWarn, batch.message());
      return;
    }
    if (batch->empty()) return;
    const uint64_t now = io::monotonic_ns();
    for (const auto& d : *batch) handle_datagram(d, now);
  }
}

void EndpointImpl::handle_datagram(const io::ReceivedDatagram& d, uint64_t now) {
  // A zero-length UDP datagram is legal on the wire; ngtcp2_pkt_decode_version_cid
  // requires at least one byte (it asserts), so drop it here.
  if (d.data.empty()) {
    ++dropped_datagrams_;
    return;
  }
  ngtcp2_version_cid vc;
  int rv = ngtcp2_pkt_decode_version_cid(&vc, d.data.data(), d.data.size(), quic::kCidLength);
  if (rv == NGTCP2_ERR_VERSION_NEGOTIATION) {
    if (listening_) send_version_negotiation(d, vc);
    return;
  }
  if (rv != 0) {
    ++dropped_datagrams_;
    return;
  }
  auto it = by_cid_.find(quic::ConnectionId(vc.dcid, vc.dcidlen));
  if (it != by_cid_.end()) {
    it->second->read_datagram(socket_->local_address(), d.remote, d.data, d.ecn, now);
    return;
  }
  if (listening_) {
    accept(d, now);
  } else {
    ++dropped_datagrams_;
  }
}

void EndpointImpl::accept(const io::ReceivedDatagram& d, uint64_t now) {
  ngtcp2_pkt_hd hd;
  if (ngtcp2_accept(&hd, d.data.data(), d.data.size()) != 0) {
    ++dropped_datagrams_;  // not an Initial that can start a connection
    return;
  }
  if (conns_.size() >= config_.transport.max_connections) {
    ++dropped_datagrams_;
    ctx_->log(LogLevel::kWarn, "connection limit reached; dropping a new client's Initial");
    return;
  }
  quic::ConnectionParams p;
  p.tls = server_tls_.get();
  p.transport = config_.transport;
  p.host = this;
  p.local = socket_->local_address();
  p.remote = d.remote;
  p.reset_secret = reset_secret_;
  auto c = quic::Connection::server(p, hd, now);
  if (!c) {
    ctx_->log(LogLevel::kWarn, "cannot accept a connection: " + c.message());
    return;
  }
  auto shared = make_shared_state(c->get());
  quic::Connection* raw = c->get();
  conns_[raw] = Entry{std::move(c).value(), shared, {}};
  map_cid(*raw, raw->initial_cid());
  // The client keeps using its chosen DCID until it sees our SCID.
  map_cid(*raw, quic::ConnectionId(hd.dcid));
  raw->read_datagram(socket_->local_address(), d.remote, d.data, d.ecn, now);
}

void EndpointImpl::send_version_negotiation(const io::ReceivedDatagram& d,
                                            const ngtcp2_version_cid& vc) {
  uint8_t buf[256];
  uint8_t unused = 0;
  RAND_bytes(&unused, 1);
  const uint32_t versions[] = {NGTCP2_PROTO_VER_V1};
  ngtcp2_ssize n = ngtcp2_pkt_write_version_negotiation(
      buf, sizeof(buf), unused, vc.scid, vc.scidlen, vc.dcid, vc.dcidlen, versions, 1);
  if (n > 0) {
    write_packet(socket_->local_address(), d.remote, {buf, static_cast<size_t>(n)}, 0);
    send_pending();
  }
}

// ---------------------------------------------------------------------------- timers, send

void EndpointImpl::on_timer() {
  const uint64_t now = io::monotonic_ns();
  std::vector<quic::Connection*> due;
  for (auto& [ptr, e] : conns_) {
    if (ptr->next_expiry() <= now) due.push_back(ptr);
  }
  for (auto* c : due) {
    if (conns_.count(c)) c->handle_expiry(now);
  }
  // Message reassembly deadlines (the session keeps its own timers).
  std::vector<std::shared_ptr<ConnectionShared>> timed;
  for (auto& [ptr, e] : conns_) {
    if (e.shared->messaging && e.shared->messaging->next_expiry(now) <= now) {
      timed.push_back(e.shared);
    }
  }
  for (auto& sh : timed) sh->messaging->on_timer();
}

void EndpointImpl::flush() {
  if (!socket_) return;
  const uint64_t now = io::monotonic_ns();
  bool more = false;
  // Connections may be added to dirty_ while writing (callbacks); take a snapshot.
  std::vector<quic::Connection*> work(dirty_.begin(), dirty_.end());
  dirty_.clear();
  for (auto* c : work) {
    if (!conns_.count(c)) continue;
    size_t total = 0;
    for (;;) {
      size_t n = c->write_packets(now, *this, kPacketsPerWrite - tx_.size());
      total += n;
      if (tx_.size() >= kPacketsPerWrite) send_pending();
      if (n == 0 || total >= kPacketsPerFlush) break;
    }
    if (total >= kPacketsPerFlush) {
      dirty_.insert(c);
      more = true;
    }
  }
  send_pending();
  reap(now);
  uint64_t next = UINT64_MAX;
  for (auto& [ptr, e] : conns_) {
    next = std::min<uint64_t>(next, ptr->next_expiry());
    if (e.shared->messaging) next = std::min<uint64_t>(next, e.shared->messaging->next_expiry(now));
  }
  if (more || !dirty_.empty()) next = 0;
  loop_->set_timer(next);
}

void EndpointImpl::write_packet(const SocketAddress&, const SocketAddress& remote,
                                std::span<const uint8_t> packet, uint8_t ecn) {
  if (tx_.size() >= kPacketsPerWrite) send_pending();
  if (packet.size() > kMaxPacket) return;
  // Packed back to back so that runs to one peer can leave as a single GSO send.
  uint8_t* dst = tx_buf_.data() + tx_used_;
  std::memcpy(dst, packet.data(), packet.size());
  tx_used_ += packet.size();
  tx_.push_back({remote, {dst, packet.size()}, ecn});
}

void EndpointImpl::send_pending() {
  if (tx_.empty() || !socket_) return;
  auto r = socket_->send(tx_);
  if (!r) {
    ctx_->log(LogLevel::kWarn, r.message());
  } else if (*r < tx_.size()) {
    // The socket buffer is full: the rest is dropped and recovered by QUIC like any loss.
    dropped_datagrams_ += tx_.size() - *r;
  }
  tx_.clear();
  tx_used_ = 0;
}

void EndpointImpl::reap(uint64_t now) {
  std::vector<quic::Connection*> done;
  for (auto& [ptr, e] : conns_) {
    if (ptr->finished(now)) done.push_back(ptr);
  }
  for (auto* c : done) {
    Entry& e = conns_[c];
    for (const auto& cid : e.cids) {
      auto it = by_cid_.find(cid);
      if (it != by_cid_.end() && it->second == c) by_cid_.erase(it);
    }
    e.shared->last_info = c->info();
    e.shared->conn = nullptr;
    dirty_.erase(c);
    conns_.erase(c);
  }
}

// ---------------------------------------------------------------------------- host events

void EndpointImpl::on_handshake_completed(quic::Connection& conn) {
  Entry* e = entry(conn);
  if (e == nullptr) return;
  auto shared = e->shared;
  shared->established = true;
  // The control stream goes first, before the application can open streams.
  if (shared->messaging) shared->messaging->on_established();
  if (conn.is_server() && on_connection) on_connection(Connection(shared));
  if (shared->on_established) shared->on_established();
}

void EndpointImpl::on_remote_stream(quic::Connection& conn, std::shared_ptr<quic::StreamState> s) {
  Entry* e = entry(conn);
  if (e == nullptr) return;
  auto shared = e->shared;
  if (shared->messaging && ngtcp2_is_bidi_stream(s->id) == 0) {
    // Typed unidirectional streams: control, message and application (api/messaging.h).
    shared->messaging->on_remote_uni_stream(std::move(s));
    return;
  }
  if (shared->on_stream) {
    shared->on_stream(Stream(std::move(s)));
  } else {
    // Nobody will read it: refuse the peer's data instead of buffering it.
    conn.stream_stop_sending(*s, 0);
  }
}

void EndpointImpl::on_closed(quic::Connection& conn, const CloseInfo& info) {
  Entry* e = entry(conn);
  if (e == nullptr) return;
  auto shared = e->shared;
  shared->close_info = info;
  shared->last_info = conn.info();
  if (!shared->established) {
    // The application never saw this connection: the log is the only place to explain it.
    ctx_->log(LogLevel::kWarn, "handshake with " + conn.info().remote.to_string() +
                                   " failed: " + info.error.message() +
                                   (info.reason.empty() ? "" : ": " + info.reason));
  } else if (ctx_->log_enabled(LogLevel::kDebug)) {
    ctx_->log(LogLevel::kDebug, "connection closed: " + info.error.message() + " " + info.reason);
  }
  // The connection is over: release every application callback (and what it captures)
  // before running the last one.
  if (shared->messaging) shared->messaging->on_connection_closed();
  auto cb = std::move(shared->on_closed);
  shared->on_closed = nullptr;
  shared->on_stream = nullptr;
  shared->on_established = nullptr;
  if (cb) cb(info);
}

void EndpointImpl::on_cid_added(quic::Connection& conn, const quic::ConnectionId& cid) {
  map_cid(conn, cid);
}

void EndpointImpl::on_cid_removed(quic::Connection& conn, const quic::ConnectionId& cid) {
  auto it = by_cid_.find(cid);
  if (it != by_cid_.end() && it->second == &conn) by_cid_.erase(it);
  if (Entry* e = entry(conn)) std::erase(e->cids, cid);
}

void EndpointImpl::on_wants_write(quic::Connection& conn) {
  dirty_.insert(&conn);
}

void EndpointImpl::on_datagram(quic::Connection& conn, std::span<const uint8_t> payload) {
  Entry* e = entry(conn);
  if (e != nullptr && e->shared->messaging) e->shared->messaging->on_datagram(payload);
}

}  // namespace stoq::detail
