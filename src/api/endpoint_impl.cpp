#include "api/endpoint_impl.h"

#include "api/messaging.h"

#include <ngtcp2/ngtcp2_crypto.h>

#include <algorithm>
#include <cstring>

#include "api/qlog_file.h"
#include "core/printable.h"
#include "core/secure_zero.h"
#include "io/segmentation.h"
#include "quic/resumption.h"
#include "stoq/path_payload.h"
#include "stoq/sha256.h"

namespace stoq::detail {
namespace {

constexpr size_t kPacketsPerWrite = 64;  // one sendmmsg batch (io::DatapathConfig::batch)
// Upper bound of packets one connection writes per loop iteration, so one busy connection
// cannot starve the socket's receive side or the other connections.
constexpr size_t kPacketsPerFlush = 256;
// Handling one datagram of bulk data costs a few microseconds; a handshake step with a
// signature, a KEM or a certificate check costs 100-600 us. Above this, what the datagram
// produced is sent before the rest of the receive batch is handled.
constexpr uint64_t kExpensiveDatagramNs = 50'000;
// The send buffer holds a full sendmmsg batch of Ethernet-sized packets plus room for one
// of the largest size QUIC allows: a connection asks for its configured maximum (a path
// MTU probe may need it) before every packet, and that reservation must not cut batches
// of smaller packets short.
constexpr size_t kMaxPacket = 1500;
constexpr size_t kLargestPacket = 65527;
// Stateless resets per second at most (each answers a packet we cannot decrypt).
constexpr size_t kResetsPerSecond = 256;
// QUIC transport error codes (RFC 9000 section 20.1).
constexpr uint64_t kConnectionRefused = 0x2;
constexpr uint64_t kInvalidToken = 0xb;

std::array<uint8_t, 32> derive_secret(std::span<const uint8_t> key, std::string_view label) {
  Sha256 h;
  h.update({reinterpret_cast<const uint8_t*>(label.data()), label.size()});
  h.update(key);
  return h.finish();
}

}  // namespace

EndpointShared EndpointShared::make(const Context& ctx, const MessagingConfig& m) {
  EndpointShared s;
  if (auto sha256 = proto::Sha256Algorithm::fetch(ctx.libctx()))
    s.sha256 = std::move(sha256).value();
  s.message_memory =
      std::make_shared<MessageMemory>(m.endpoint_message_memory, m.per_source_message_memory);
  proto::TokenVerifierConfig tokens;
  tokens.window = m.token_window;
  tokens.max_clock_skew_ms = static_cast<uint64_t>(std::max<int64_t>(0, m.max_clock_skew.count()));
  s.signer_windows = std::make_shared<proto::SignerWindows>(tokens);
  return s;
}

EndpointImpl::EndpointImpl(std::shared_ptr<Context> ctx, EndpointConfig config,
                           std::unique_ptr<io::Loop> loop, EndpointShared shared,
                           const EndpointKeys& keys, const EndpointEnvironment& env)
    : ctx_(std::move(ctx)),
      config_(std::move(config)),
      shared_(std::move(shared)),
      loop_(std::move(loop)),
      open_datapath_fn_(env.open_datapath),
      clock_(env.clock),
      protocol_random_(env.protocol_random),
      by_cid_(0, quic::ConnectionIdHash(keys.cid_hash_key)) {
  reset_secret_ = derive_secret(keys.key, "stoq stateless reset");
  reset_tokens_ = quic::ResetTokens::create(ctx_->libctx(), reset_secret_);
  token_secret_ = derive_secret(keys.key, "stoq address validation");
  validator_.emplace(token_secret_, config_.transport);
  session_cache_ =
      config_.session_cache ? config_.session_cache : std::make_shared<MemorySessionCache>();
  tx_buf_.resize(kPacketsPerWrite * kMaxPacket + kLargestPacket);
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
  secure_zero(reset_secret_.data(), reset_secret_.size());
  secure_zero(token_secret_.data(), token_secret_.size());
}

Status EndpointImpl::ensure_socket(const SocketAddress& bind_addr, bool reuse_port) {
  if (socket_) return ok_status();
  auto s = open_datapath(bind_addr, reuse_port);
  if (!s) return {s.error(), s.reason()};
  socket_ = std::move(s).value();
  return loop_->add(socket_->fd(), [this] { on_socket_readable(); });
}

Result<std::unique_ptr<io::Datapath>> EndpointImpl::open_datapath(const SocketAddress& addr,
                                                                  bool reuse_port) const {
  io::DatapathConfig dc;
  dc.gso = config_.transport.enable_gso;
  dc.gro = config_.transport.enable_gro;
  dc.ecn = config_.transport.enable_ecn;
  dc.receive_buffer = config_.transport.socket_receive_buffer;
  dc.send_buffer = config_.transport.socket_send_buffer;
  dc.reuse_port = reuse_port;
  return open_datapath_fn_(addr, dc);
}

SocketAddress EndpointImpl::local_address() const {
  return socket_ ? socket_->local_address() : SocketAddress{};
}

void EndpointImpl::set_worker(std::shared_ptr<WorkerGroup> group, int index) {
  group_ = std::move(group);
  worker_ = index;
}

Status EndpointImpl::listen(const SocketAddress& addr, bool reuse_port) {
  if (!server_tls_) {
    auto t = tls::TlsContext::create(ctx_, config_.tls, tls::Role::kServer);
    if (!t) return {t.error(), t.reason()};
    server_tls_ = std::move(t).value();
    quic::configure_resumption(*server_tls_, config_.transport);
  }
  if (socket_) return {Errc::kInvalidArgument, "the endpoint already has a socket"};
  if (auto st = ensure_socket(addr, reuse_port); !st) return st;
  listening_ = true;
  return ok_status();
}

Result<Connection> EndpointImpl::connect(const SocketAddress& addr,
                                         const Endpoint::ConnectOptions& options) {
  if (!client_tls_) {
    auto t = tls::TlsContext::create(ctx_, config_.tls, tls::Role::kClient);
    if (!t) return {t.error(), t.reason()};
    client_tls_ = std::move(t).value();
    quic::configure_resumption(*client_tls_, config_.transport);
  }
  SocketAddress any =
      addr.family() == AF_INET6 ? SocketAddress::loopback_v6(0) : SocketAddress::loopback_v4(0);
  if (!addr.host().starts_with("127.") && addr.host() != "::1") {
    // Not loopback: bind the wildcard address of the same family.
    auto w = SocketAddress::parse(addr.family() == AF_INET6 ? "[::]:0" : "0.0.0.0:0");
    if (w) any = *w;
  }
  if (auto st = ensure_socket(any); !st) return {st.error(), st.reason()};
  std::string server_name = options.server_name;
  if (server_name.empty()) server_name = config_.tls.server_name;
  quic::ConnectionParams p;
  p.tls = client_tls_.get();
  p.transport = config_.transport;
  if (options.congestion_control) p.transport.congestion_control = *options.congestion_control;
  p.host = this;
  p.local = socket_->local_address();
  p.remote = addr;
  p.transport.max_udp_payload = effective_max_udp_payload(p.transport.max_udp_payload, addr);
  p.peer_name = server_name.empty() ? addr.host() : server_name;
  p.reset_secret = reset_secret_;
  p.reset_tokens = reset_tokens_.get();
  // Tokens belong to a server name and port (the name it is verified against); tickets
  // also to the trust settings the server was verified under (tls/session_trust.h), so
  // endpoints with other settings sharing the cache neither see nor consume them.
  const std::string cache_key = p.peer_name + ":" + std::to_string(addr.port());
  std::string ticket_key;
  if (client_tls_->keeps_tickets()) {
    p.trust_binding = client_tls_->ticket_binding(p.peer_name);
    ticket_key = cache_key + "#" + Sha256::hex({p.trust_binding->data(), 8});
  }
  if (config_.transport.session_resumption && options.resume && !ticket_key.empty()) {
    if (auto t = session_cache_->take_ticket(ticket_key)) p.resume_ticket = std::move(*t);
  }
  if (auto t = session_cache_->take_token(cache_key)) p.token = std::move(*t);
  p.random_pool = &random_pool_;
  p.protocol_random = protocol_random_;
  if (!quic::make_cid(p.scid, -1, &random_pool_)) return {Errc::kInternal, "no randomness"};
  attach_qlog(p, quic::ConnectionId(p.scid), false);
  auto c = quic::Connection::client(p, now_ns());
  if (!c) return {c.error(), c.reason()};
  quic::Connection* raw = c->get();
  auto shared = make_shared_state(raw);
  conns_[raw] = Entry{std::move(c).value(), shared, {}, {}, cache_key, ticket_key, false};
  count_.store(conns_.size(), std::memory_order_relaxed);
  map_cid(*raw, raw->initial_cid());
  dirty_.insert(raw);
  // Outside the loop thread's callbacks nothing else would flush the first Initial.
  loop_->set_timer(0);
  return Connection(shared);
}

void EndpointImpl::close(ConnectionShared& shared, uint64_t code, std::string_view reason) {
  if (shared.conn == nullptr) return;
  shared.conn->close(code, reason, now_ns());
  loop_->set_timer(0);
}

void EndpointImpl::attach_qlog(quic::ConnectionParams& p, const quic::ConnectionId& cid,
                               bool server) {
  if (config_.transport.qlog_dir.empty()) return;
  std::string error;
  p.qlog = open_qlog_file(config_.transport.qlog_dir, cid, server, error);
  if (!p.qlog) ctx_->log(LogLevel::kWarn, error);
}

Status EndpointImpl::update_keys(ConnectionShared& shared) {
  if (shared.conn == nullptr) return {Errc::kClosed, "connection is closed"};
  auto st = shared.conn->update_keys(now_ns());
  loop_->set_timer(0);
  return st;
}

Status EndpointImpl::migrate(bool new_cid) {
  if (listening_) return {Errc::kInvalidArgument, "a listening endpoint cannot migrate"};
  if (!socket_) return {Errc::kInvalidArgument, "the endpoint has no socket yet"};
  const SocketAddress old = socket_->local_address();
  SocketAddress any =
      old.family() == AF_INET6 ? SocketAddress::loopback_v6(0) : SocketAddress::loopback_v4(0);
  if (!old.host().starts_with("127.") && old.host() != "::1") {
    auto w = SocketAddress::parse(old.family() == AF_INET6 ? "[::]:0" : "0.0.0.0:0");
    if (w) any = *w;
  }
  auto s = open_datapath(any, false);
  if (!s) return {s.error(), s.reason()};
  send_pending();
  loop_->remove(socket_->fd());
  socket_ = std::move(s).value();
  if (auto st = loop_->add(socket_->fd(), [this] { on_socket_readable(); }); !st) return st;
  const uint64_t now = now_ns();
  Status result = ok_status();
  for (auto& [ptr, e] : conns_) {
    if (auto st = ptr->migrate(socket_->local_address(), new_cid, now); !st && ptr->is_open()) {
      result = st;
    }
    dirty_.insert(ptr);
  }
  loop_->set_timer(0);
  return result;
}

std::shared_ptr<ConnectionShared> EndpointImpl::make_shared_state(quic::Connection* conn) {
  auto shared = std::make_shared<ConnectionShared>();
  shared->endpoint = this;
  shared->conn = conn;
  if (config_.messaging.enabled) {
    MessagingEnvironment env;
    env.budget = std::make_shared<ConnectionMessageBudget>(shared_.message_memory,
                                                           conn->remote_address().host());
    env.signer_windows = shared_.signer_windows;
    env.clock = clock_;
    if (shared_.sha256) env.sha256 = &*shared_.sha256;
    auto m = Messaging::create(*shared, config_.messaging,
                               config_.transport.max_datagram_frame_size > 0, ctx_.get(), env);
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

quic::Connection* EndpointImpl::lookup_cid(const uint8_t* dcid, size_t len) {
  // Datagrams come in runs for one connection: the last match is checked first.
  if (last_conn_ != nullptr && last_cid_.len == len && std::memcmp(last_cid_.data, dcid, len) == 0)
    return last_conn_;
  quic::ConnectionId cid(dcid, len);
  auto it = by_cid_.find(cid);
  if (it == by_cid_.end()) return nullptr;
  last_cid_ = cid;
  last_conn_ = it->second;
  return last_conn_;
}

void EndpointImpl::unmap_cid(quic::Connection& conn, const quic::ConnectionId& cid) {
  auto it = by_cid_.find(cid);
  if (it != by_cid_.end() && it->second == &conn) by_cid_.erase(it);
  if (last_conn_ == &conn && last_cid_ == cid) last_conn_ = nullptr;
}

void EndpointImpl::map_cid(quic::Connection& conn, const quic::ConnectionId& cid) {
  by_cid_[cid] = &conn;
  if (last_cid_ == cid) last_conn_ = &conn;
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
    // The batch lives in the datapath: if a callback replaced it (migrate()), the rest
    // of the batch is gone with it.
    const io::Datapath* source = socket_.get();
    const std::span<const io::ReceivedDatagram> datagrams = *batch;
    uint64_t now = now_ns();
    for (size_t i = 0; i < datagrams.size() && socket_.get() == source; ++i) {
      handle_datagram(datagrams[i], now);
      // A datagram that cost a handshake step (a signature, a KEM, a certificate check)
      // has its answer sent at once, not after the rest of the batch: the peer works on
      // it while we handle the next one, instead of the two taking turns.
      const uint64_t after = now_ns();
      if (after - now >= kExpensiveDatagramNs && !dirty_.empty()) {
        flush();
        now = now_ns();
      } else {
        now = after;
      }
    }
    if (socket_.get() != source || socket_->receive_drained()) return;  // the loop wakes us
  }
}

bool EndpointImpl::forward(const io::ReceivedDatagram& d, const ngtcp2_version_cid& vc) {
  if (!group_ || group_->workers.size() < 2 || vc.dcidlen != quic::kCidLength) return false;
  // Initial and 0-RTT packets carry the client's own DCID (any first byte): they stay on
  // the worker the kernel chose, which is where the client's 4-tuple keeps sending them.
  const bool long_header = (d.data[0] & 0x80) != 0;
  if (long_header && (d.data[0] & 0x30) != 0x20) return false;  // only Handshake travels
  const size_t target = vc.dcid[0];
  if (target >= group_->workers.size() || static_cast<int>(target) == worker_) return false;
  EndpointImpl* other = group_->workers[target];
  // Bounded (api/forward_queue.h): beyond the bound the datagram is dropped and counted
  // in the target's inbox, never handled here (it is another worker's connection).
  const auto pushed = other->inbox_.push(d);
  if (pushed == ForwardQueue::Push::kQueuedWake) {
    other->loop().post([other] {
      const uint64_t now = other->now_ns();
      for (const auto& f : other->inbox_.take()) {
        io::ReceivedDatagram fwd{f.remote, f.local, f.data, f.ecn};
        other->handle_datagram(fwd, now, /*forwarded=*/true);
      }
      other->flush();
    });
  }
  if (pushed != ForwardQueue::Push::kDropped) forwarded_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void EndpointImpl::handle_datagram(const io::ReceivedDatagram& d, uint64_t now, bool forwarded) {
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
  if (quic::Connection* c = lookup_cid(vc.dcid, vc.dcidlen)) {
    c->read_datagram(socket_->local_address(), d.remote, d.data, d.ecn, now);
    return;
  }
  if (!forwarded && forward(d, vc)) return;
  const bool long_header = (d.data[0] & 0x80) != 0;
  if (listening_ && long_header) {
    accept(d, now);
  } else if (!long_header) {
    // A stateless reset from a peer that lost our connection carries no connection ID we
    // know: a client lets its connections to that address check the reset token.
    if (!listening_ && maybe_stateless_reset(d, now)) return;
    // A short-header packet for a connection we do not know (we restarted, or it was
    // reaped): tell the peer with a stateless reset so it stops at once.
    send_stateless_reset(d, vc, now);
  } else {
    ++dropped_datagrams_;
  }
}

bool EndpointImpl::maybe_stateless_reset(const io::ReceivedDatagram& d, uint64_t now) {
  constexpr size_t kMinReset = 21;  // RFC 9000 section 10.3
  if (d.data.size() < kMinReset) return false;
  std::vector<quic::Connection*> candidates;
  for (auto& [ptr, e] : conns_) {
    if (ptr->remote_address() == d.remote && ptr->is_open()) candidates.push_back(ptr);
    if (candidates.size() >= 16) break;
  }
  bool reset = false;
  for (auto* c : candidates) {
    c->read_datagram(socket_->local_address(), d.remote, d.data, d.ecn, now);
    reset = reset || !c->is_open();
  }
  return reset;
}

void EndpointImpl::send_stateless_reset(const io::ReceivedDatagram& d, const ngtcp2_version_cid& vc,
                                        uint64_t now) {
  ++dropped_datagrams_;
  // RFC 9000 section 10.3: only for connection IDs of our length, always smaller than the
  // packet that triggered it (so two endpoints cannot loop), at least 21 bytes, and rate
  // limited.
  constexpr size_t kMinReset =
      NGTCP2_MIN_STATELESS_RESET_RANDLEN + NGTCP2_STATELESS_RESET_TOKENLEN + 1;
  if (vc.dcidlen != quic::kCidLength || d.data.size() <= kMinReset) return;
  if (now - reset_window_start_ >= NGTCP2_SECONDS) {
    reset_window_start_ = now;
    resets_in_window_ = 0;
  }
  if (++resets_in_window_ > kResetsPerSecond) return;
  uint8_t token[NGTCP2_STATELESS_RESET_TOKENLEN];
  if (!reset_tokens_ || !reset_tokens_->generate({vc.dcid, vc.dcidlen}, token)) return;
  const size_t len = std::min<size_t>(d.data.size() - 1, 43);
  const size_t randlen = len - NGTCP2_STATELESS_RESET_TOKENLEN - 1;
  std::vector<uint8_t> rand(randlen);
  // Unpredictable bytes are what makes a reset look like any short-header packet; without
  // randomness no reset is sent (the peer's idle timeout ends the connection instead).
  if (!random_pool_.fill(rand)) return;
  std::vector<uint8_t> out(len);
  ngtcp2_ssize n =
      ngtcp2_pkt_write_stateless_reset(out.data(), out.size(), token, rand.data(), rand.size());
  if (n <= 0) return;
  out.resize(static_cast<size_t>(n));
  send_stateless(d.remote, out);
}

void EndpointImpl::send_stateless(const SocketAddress& remote, const std::vector<uint8_t>& packet) {
  if (packet.empty()) return;
  write_packet(socket_->local_address(), remote, packet, 0);
  send_pending();
}

void EndpointImpl::accept(const io::ReceivedDatagram& d, uint64_t now) {
  ngtcp2_pkt_hd hd;
  if (ngtcp2_accept(&hd, d.data.data(), d.data.size()) != 0) {
    ++dropped_datagrams_;  // not an Initial that can start a connection
    return;
  }
  // Address validation first: a Retry costs one small packet and no state.
  auto decision = validator_->check(hd, d.remote, now, handshakes_);
  using Verdict = AddressValidator::Verdict;
  if (decision.verdict == Verdict::kSendRetry) {
    send_stateless(d.remote, validator_->make_retry(hd, d.remote, now));
    return;
  }
  if (decision.verdict == Verdict::kRefuseToken) {
    ctx_->log(LogLevel::kDebug, "invalid Retry token from " + d.remote.to_string());
    send_stateless(d.remote, validator_->make_close(hd, kInvalidToken));
    return;
  }
  const std::string source = d.remote.host();
  const size_t from_source = per_source_.count(source) ? per_source_[source] : 0;
  const size_t per_source_limit = config_.transport.max_connections_per_source;
  if (conns_.size() >= config_.transport.max_connections ||
      (per_source_limit > 0 && from_source >= per_source_limit)) {
    ++dropped_datagrams_;
    ctx_->log(LogLevel::kWarn,
              conns_.size() >= config_.transport.max_connections
                  ? "connection limit (" + std::to_string(config_.transport.max_connections) +
                        ") reached; refusing " + d.remote.to_string()
                  : "per-source connection limit (" + std::to_string(per_source_limit) +
                        ") reached for " + source + "; refusing a new connection");
    send_stateless(d.remote, validator_->make_close(hd, kConnectionRefused));
    return;
  }
  quic::ConnectionParams p;
  p.tls = server_tls_.get();
  p.transport = config_.transport;
  p.host = this;
  p.local = socket_->local_address();
  p.remote = d.remote;
  p.transport.max_udp_payload = effective_max_udp_payload(p.transport.max_udp_payload, d.remote);
  p.reset_secret = reset_secret_;
  p.reset_tokens = reset_tokens_.get();
  if (decision.verdict == Verdict::kAcceptRetry || decision.verdict == Verdict::kAcceptNewToken) {
    p.token.assign(hd.token, hd.token + hd.tokenlen);
    p.validation = decision.verdict == Verdict::kAcceptRetry
                       ? quic::ConnectionParams::Validation::kRetry
                       : quic::ConnectionParams::Validation::kNewToken;
    p.original_dcid = decision.original_dcid;
  }
  p.cid_worker = worker_;
  p.random_pool = &random_pool_;
  p.protocol_random = protocol_random_;
  if (!quic::make_cid(p.scid, worker_, &random_pool_)) return;
  attach_qlog(p, quic::ConnectionId(p.scid), true);
  auto c = quic::Connection::server(p, hd, now);
  if (!c) {
    ctx_->log(LogLevel::kWarn, "cannot accept a connection: " + c.message());
    return;
  }
  auto shared = make_shared_state(c->get());
  quic::Connection* raw = c->get();
  conns_[raw] = Entry{std::move(c).value(), shared, {}, source, {}, {}, true};
  count_.store(conns_.size(), std::memory_order_relaxed);
  ++per_source_[source];
  ++handshakes_;
  map_cid(*raw, raw->initial_cid());
  // The client keeps using its chosen DCID until it sees our SCID.
  map_cid(*raw, quic::ConnectionId(hd.dcid));
  raw->read_datagram(socket_->local_address(), d.remote, d.data, d.ecn, now);
}

void EndpointImpl::release_source(Entry& e) {
  if (e.counted_handshake) {
    e.counted_handshake = false;
    if (handshakes_ > 0) --handshakes_;
  }
  if (e.source.empty()) return;
  auto it = per_source_.find(e.source);
  if (it != per_source_.end() && --it->second == 0) per_source_.erase(it);
  e.source.clear();
}

void EndpointImpl::send_version_negotiation(const io::ReceivedDatagram& d,
                                            const ngtcp2_version_cid& vc) {
  uint8_t buf[256];
  uint8_t unused = 0;
  if (!random_pool_.fill({&unused, 1})) return;
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
  const uint64_t now = now_ns();
  for (auto* c : timers_.pop_due(now)) {
    auto it = conns_.find(c);
    if (it == conns_.end()) continue;
    auto shared = it->second.shared;  // callbacks may close the connection
    if (c->next_expiry() <= now) c->handle_expiry(now);
    // Message reassembly deadlines (the session keeps its own timers).
    if (shared->messaging && shared->messaging->next_expiry(now) <= now) {
      shared->messaging->on_timer();
    }
    dirty_.insert(c);  // write what the expiry produced, reschedule, maybe reap
  }
}

void EndpointImpl::reschedule(quic::Connection* c, uint64_t now) {
  auto it = conns_.find(c);
  if (it == conns_.end()) return;
  uint64_t at = c->next_expiry();
  if (const auto& m = it->second.shared->messaging)
    at = std::min<uint64_t>(at, m->next_expiry(now));
  timers_.schedule(c, at);
}

void EndpointImpl::flush() {
  if (!socket_) return;
  const uint64_t now = now_ns();
  bool more = false;
  // Connections may be added to dirty_ while writing (callbacks); take a snapshot. Only
  // these connections changed since the last flush: the others keep their deadlines.
  std::vector<quic::Connection*> work(dirty_.begin(), dirty_.end());
  dirty_.clear();
  for (auto* c : work) {
    if (!conns_.count(c)) continue;
    size_t total = 0;
    for (;;) {
      size_t n = c->write_packets(now, *this, kPacketsPerWrite);
      total += n;
      if (n == 0 || total >= kPacketsPerFlush) break;
    }
    if (total >= kPacketsPerFlush) {
      dirty_.insert(c);
      more = true;
    }
  }
  send_pending();
  for (auto* c : work) {
    if (!conns_.count(c)) continue;
    if (c->finished(now)) {
      reap(c);
    } else {
      reschedule(c, now);
    }
  }
  uint64_t next = timers_.next();
  if (more || !dirty_.empty()) next = 0;
  loop_->set_timer(next);
}

uint8_t* EndpointImpl::packet_space(size_t need) {
  if (tx_.size() >= kPacketsPerWrite || tx_buf_.size() - tx_used_ < need) send_pending();
  return need <= tx_buf_.size() - tx_used_ ? tx_buf_.data() + tx_used_ : nullptr;
}

void EndpointImpl::write_packet(const SocketAddress&, const SocketAddress& remote,
                                std::span<const uint8_t> packet, uint8_t ecn) {
  if (packet.size() > tx_buf_.size()) return;
  uint8_t* dst = tx_buf_.data() + tx_used_;
  if (packet.data() != dst) {
    // Built outside packet_space() (a close packet, a stateless answer): copy it in.
    dst = packet_space(packet.size());
    std::memcpy(dst, packet.data(), packet.size());
  }
  tx_used_ += packet.size();
  // Packets to one peer are packed back to back: one that continues the previous entry's
  // run extends it into a GSO train instead of taking an entry of its own.
  const std::span<const uint8_t> placed(dst, packet.size());
  if (!tx_.empty() && io::detail::extend_train(tx_.back(), placed, remote, ecn)) return;
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

void EndpointImpl::reap(quic::Connection* c) {
  Entry& e = conns_[c];
  release_source(e);
  for (const auto& cid : e.cids) unmap_cid(*c, cid);
  if (last_conn_ == c) last_conn_ = nullptr;
  e.shared->last_info = c->info();
  e.shared->conn = nullptr;
  dirty_.erase(c);
  timers_.remove(c);
  conns_.erase(c);
  count_.store(conns_.size(), std::memory_order_relaxed);
}

// ---------------------------------------------------------------------------- host events

void EndpointImpl::on_handshake_completed(quic::Connection& conn) {
  Entry* e = entry(conn);
  if (e == nullptr) return;
  auto shared = e->shared;
  shared->established = true;
  if (e->counted_handshake) {
    e->counted_handshake = false;
    if (handshakes_ > 0) --handshakes_;
  }
  if (conn.is_server() && config_.transport.new_token_lifetime.count() > 0) {
    // A token for the client's next connection: it skips the Retry and the 3x limit.
    auto token = validator_->make_new_token(conn.remote_address(), now_ns());
    if (!token.empty()) (void)conn.submit_new_token(token);
  }
  // The control stream goes first, before the application can open streams.
  if (shared->messaging) shared->messaging->on_established();
  if (conn.is_server() && on_connection) on_connection(Connection(shared));
  if (shared->on_established) shared->on_established();
  // Streams the client opened in 0-RTT, before the application could set on_stream.
  auto early = std::move(shared->early_streams);
  shared->early_streams.clear();
  for (auto& s : early) {
    if (shared->on_stream) {
      shared->on_stream(Stream(s));
      // Its data arrived before anyone listened: announce it now.
      const bool pending = !s->recv_queue.empty() || s->fin_received || s->read_reset;
      if (pending && s->on_readable) s->on_readable();
    } else if (shared->conn != nullptr) {
      shared->conn->stream_stop_sending(*s, 0);
    }
  }
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
  } else if (!shared->established) {
    // 0-RTT: the application sees the connection (and sets on_stream) only after the
    // handshake; keep the stream until then.
    shared->early_streams.push_back(std::move(s));
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
                                   (info.reason.empty() ? "" : ": " + printable(info.reason)));
  } else if (ctx_->log_enabled(LogLevel::kDebug)) {
    ctx_->log(LogLevel::kDebug,
              "connection closed: " + info.error.message() + " " + printable(info.reason));
  }
  // The connection is over: release every application callback (and what it captures)
  // before running the last one.
  if (shared->messaging) shared->messaging->on_connection_closed();
  auto cb = std::move(shared->on_closed);
  shared->on_closed = nullptr;
  shared->on_datagram = nullptr;
  shared->on_stream = nullptr;
  shared->on_established = nullptr;
  if (cb) cb(info);
}

void EndpointImpl::on_cid_added(quic::Connection& conn, const quic::ConnectionId& cid) {
  map_cid(conn, cid);
}

void EndpointImpl::on_cid_removed(quic::Connection& conn, const quic::ConnectionId& cid) {
  unmap_cid(conn, cid);
  if (Entry* e = entry(conn)) std::erase(e->cids, cid);
}

void EndpointImpl::on_wants_write(quic::Connection& conn) {
  dirty_.insert(&conn);
}

void EndpointImpl::on_session_ticket(quic::Connection& conn, std::vector<uint8_t> ticket) {
  Entry* e = entry(conn);
  if (e != nullptr && !e->ticket_key.empty())
    session_cache_->put_ticket(e->ticket_key, std::move(ticket));
}

void EndpointImpl::on_new_token(quic::Connection& conn, std::span<const uint8_t> token) {
  Entry* e = entry(conn);
  if (e != nullptr && !e->cache_key.empty()) {
    session_cache_->put_token(e->cache_key, std::vector<uint8_t>(token.begin(), token.end()));
  }
}

void EndpointImpl::on_datagram(quic::Connection& conn, std::span<const uint8_t> payload) {
  Entry* e = entry(conn);
  if (e == nullptr) return;
  auto shared = e->shared;
  std::span<const uint8_t> app = payload;
  if (shared->messaging) app = shared->messaging->on_datagram(payload);
  if (!app.empty() && shared->on_datagram) shared->on_datagram(app);
}

}  // namespace stoq::detail
