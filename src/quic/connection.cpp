#include "quic/connection.h"
#include "quic/glitch_limits.h"

#include <ngtcp2/ngtcp2_crypto_ossl.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "stoq/path_payload.h"
#include "tls/auth_policy.h"
#include "tls/openssl_error.h"

namespace stoq::quic {
namespace {

ngtcp2_path make_path(const SocketAddress& local, const SocketAddress& remote) {
  ngtcp2_path p{};
  p.local.addr = const_cast<sockaddr*>(local.data());
  p.local.addrlen = local.size();
  p.remote.addr = const_cast<sockaddr*>(remote.data());
  p.remote.addrlen = remote.size();
  return p;
}

bool random_bytes(uint8_t* out, size_t n, RandomPool* pool) {
  if (pool != nullptr) return pool->fill({out, n});
  return RAND_bytes(out, static_cast<int>(n)) == 1;
}

// Sizes DPLPMTUD (RFC 8899) tries, smallest first, when TransportConfig::max_udp_payload
// allows more than kEthernetMaxUdpPayload: a 1500-byte Ethernet path, then up to a 9000-byte
// jumbo frame (8952 over IPv6), then loopback-class paths (65487: a 65536-byte loopback
// MTU less the IPv6 and UDP headers, so it also fits IPv4's 65507). The first probe that
// fails three times ends the search; the configured maximum is always the last candidate.
constexpr std::array<uint16_t, 6> kPmtudSteps = {1452, 4096, 8952, 16384, 32768, 65487};
constexpr size_t kMaxIovecs = 16;
constexpr uint64_t kActiveConnectionIdLimit = 4;
// DATAGRAM payloads are bounded so that one always fits the smallest QUIC path (1200 bytes):
// short header (1 + 20-byte CID + 4-byte packet number), AEAD tag (16), frame type and
// length (3), rounded up.
constexpr size_t kMinPathPayload = 1200;
constexpr size_t kDatagramPacketOverhead = 48;

}  // namespace

bool make_cid(ngtcp2_cid& out, int worker, RandomPool* pool) {
  out.datalen = kCidLength;
  if (!random_bytes(out.data, out.datalen, pool)) return false;
  if (worker >= 0) out.data[0] = static_cast<uint8_t>(worker);
  return true;
}

Connection::Connection(const ConnectionParams& p, bool is_server)
    : tls_(*p.tls),
      transport_(p.transport),
      host_(*p.host),
      local_(p.local),
      remote_(p.remote),
      peer_name_(p.peer_name),
      trust_binding_(is_server || !p.tls->keeps_tickets() ? tls::TrustDigest{}
                     : p.trust_binding                    ? *p.trust_binding
                                                          : p.tls->ticket_binding(p.peer_name)),
      reset_tokens_(p.reset_tokens),
      random_pool_(p.random_pool),
      protocol_random_(p.protocol_random),
      is_server_(is_server),
      qlog_(p.qlog),
      token_(p.token),
      validation_(p.validation),
      original_dcid_(p.original_dcid),
      cid_worker_(p.cid_worker) {
  if (reset_tokens_ == nullptr) {
    own_reset_tokens_ = ResetTokens::create(tls_.context().libctx(), p.reset_secret);
    reset_tokens_ = own_reset_tokens_.get();
  }
  // 0 ("by path") is resolved by the endpoint, which knows where the peer is; a connection
  // built without one treats it as a path of unknown MTU.
  const size_t configured =
      transport_.max_udp_payload == 0 ? kEthernetMaxUdpPayload : transport_.max_udp_payload;
  max_payload_ =
      std::clamp<size_t>(configured, NGTCP2_MAX_UDP_PAYLOAD_SIZE, NGTCP2_MAX_TX_UDP_PAYLOAD_SIZE);
  if (max_payload_ > kEthernetMaxUdpPayload) {
    for (uint16_t step : kPmtudSteps)
      if (step < max_payload_) pmtud_probes_.push_back(step);
    pmtud_probes_.push_back(static_cast<uint16_t>(max_payload_));
  }
  conn_ref_.get_conn = &Connection::get_conn;
  conn_ref_.user_data = this;
}

Connection::~Connection() {
  release_streams(/*notify=*/false);
  // ngtcp2's OpenSSL backend keeps pointers into the ngtcp2_conn until the SSL is freed:
  // detach and free the SSL first (ngtcp2 README, libngtcp2_crypto_ossl).
  if (ssl_ != nullptr) {
    SSL_set_app_data(ssl_, nullptr);
    // QUIC has no TLS close_notify. Without this, SSL_free treats an established session
    // as "not shut down properly" and removes it from the server's session cache, which
    // under 0-RTT anti-replay (stateful tickets) invalidates the tickets it just issued
    // as soon as the first connection is reaped.
    if (handshake_done_) SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    SSL_free(ssl_);
  }
  if (ossl_ctx_ != nullptr) ngtcp2_crypto_ossl_ctx_del(ossl_ctx_);
  if (conn_ != nullptr) ngtcp2_conn_del(conn_);
}

void Connection::fill_callbacks(ngtcp2_callbacks& cb, bool is_server) {
  cb = {};
  if (is_server) {
    cb.recv_client_initial = ngtcp2_crypto_recv_client_initial_cb;
  } else {
    cb.client_initial = ngtcp2_crypto_client_initial_cb;
    cb.recv_retry = ngtcp2_crypto_recv_retry_cb;
    cb.recv_new_token = &Connection::recv_new_token_cb;
    cb.tls_early_data_rejected = &Connection::early_data_rejected_cb;
  }
  cb.recv_crypto_data = &Connection::recv_crypto_data_cb;
  cb.encrypt = ngtcp2_crypto_encrypt_cb;
  cb.decrypt = ngtcp2_crypto_decrypt_cb;
  cb.hp_mask = ngtcp2_crypto_hp_mask_cb;
  cb.update_key = &Connection::update_key_cb;
  cb.recv_stateless_reset = &Connection::recv_stateless_reset_cb;
  cb.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb;
  cb.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb;
  cb.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb;
  cb.version_negotiation = ngtcp2_crypto_version_negotiation_cb;
  cb.rand = &Connection::rand_cb;
  cb.get_new_connection_id = &Connection::get_new_cid_cb;
  cb.remove_connection_id = &Connection::remove_cid_cb;
  cb.handshake_completed = &Connection::handshake_completed_cb;
  cb.handshake_confirmed = &Connection::handshake_confirmed_cb;
  cb.stream_open = &Connection::stream_open_cb;
  cb.recv_stream_data = &Connection::recv_stream_data_cb;
  cb.acked_stream_data_offset = &Connection::acked_stream_data_cb;
  cb.stream_close = &Connection::stream_close_cb;
  cb.stream_reset = &Connection::stream_reset_cb;
  cb.extend_max_stream_data = &Connection::extend_max_stream_data_cb;
  cb.recv_datagram = &Connection::recv_datagram_cb;
#if NGTCP2_VERSION_NUM >= 0x011800
  cb.recv_stop_sending = &Connection::recv_stop_sending_cb;  // ngtcp2 >= 1.24
#endif
}

void Connection::fill_settings(ngtcp2_settings& s, Timestamp now) const {
  ngtcp2_settings_default(&s);
  s.initial_ts = now;
  // rand_cb finds the connection (and its optional injected generator) through this.
  s.rand_ctx.native_handle = const_cast<Connection*>(this);
  s.max_tx_udp_payload_size = max_payload_;
  if (!pmtud_probes_.empty()) {
    s.pmtud_probes = pmtud_probes_.data();
    s.pmtud_probeslen = pmtud_probes_.size();
  }
  s.handshake_timeout =
      static_cast<ngtcp2_duration>(transport_.handshake_timeout.count()) * NGTCP2_MILLISECONDS;
  switch (transport_.congestion_control) {
    case CongestionControl::kCubic:
      s.cc_algo = NGTCP2_CC_ALGO_CUBIC;
      break;
    case CongestionControl::kBbr:
      s.cc_algo = NGTCP2_CC_ALGO_BBR;
      break;
    case CongestionControl::kReno:
      s.cc_algo = NGTCP2_CC_ALGO_RENO;
      break;
  }
  if (qlog_) s.qlog_write = &Connection::qlog_cb;
  if (!token_.empty()) {
    s.token = token_.data();
    s.tokenlen = token_.size();
    s.token_type = validation_ == ConnectionParams::Validation::kRetry
                       ? NGTCP2_TOKEN_TYPE_RETRY
                       : NGTCP2_TOKEN_TYPE_NEW_TOKEN;
  }
  // Let the windows grow automatically up to 4x the initial values when the application
  // keeps up, so a fast reader is not limited by a conservative start.
  s.max_stream_window = transport_.stream_window * 4;
  s.max_window = transport_.connection_window * 4;
  // Raised for clients (reordering paths), ngtcp2's default for servers: glitch_limits.h.
  apply_glitch_limits(s, transport_, is_server_);
}

void Connection::fill_params(ngtcp2_transport_params& p) const {
  ngtcp2_transport_params_default(&p);
  p.initial_max_stream_data_bidi_local = transport_.stream_window;
  p.initial_max_stream_data_bidi_remote = transport_.stream_window;
  p.initial_max_stream_data_uni = transport_.stream_window;
  p.initial_max_data = transport_.connection_window;
  p.initial_max_streams_bidi = transport_.max_streams_bidi;
  p.initial_max_streams_uni = transport_.max_streams_uni;
  p.max_idle_timeout =
      static_cast<ngtcp2_duration>(transport_.idle_timeout.count()) * NGTCP2_MILLISECONDS;
  // Connection IDs the peer may issue us: one in use and three spare for migrations
  // (each retired one is replaced). Every extra one costs both sides a random draw, a
  // reset token, a table entry and a NEW_CONNECTION_ID frame per connection.
  p.active_connection_id_limit = kActiveConnectionIdLimit;
  p.max_datagram_frame_size = transport_.max_datagram_frame_size;
}

Status Connection::init_tls() {
  if (ngtcp2_crypto_ossl_ctx_new(&ossl_ctx_, nullptr) != 0) {
    return {Errc::kTlsError, "ngtcp2_crypto_ossl_ctx_new failed"};
  }
  ssl_ = tls_.new_session(this, peer_name_);
  if (ssl_ == nullptr) return tls::openssl_failure("SSL_new");
  ngtcp2_crypto_ossl_ctx_set_ssl(ossl_ctx_, ssl_);
  SSL_set_app_data(ssl_, &conn_ref_);
  // The server also opts in per connection (quic/resumption.h sets the SSL_CTX side).
  if (is_server_ && transport_.early_data && transport_.session_resumption) {
    SSL_set_quic_tls_early_data_enabled(ssl_, 1);
  }
  ngtcp2_conn_set_tls_native_handle(conn_, ossl_ctx_);
  return ok_status();
}

Result<std::unique_ptr<Connection>> Connection::client(const ConnectionParams& p, Timestamp now) {
  std::unique_ptr<Connection> c(new Connection(p, false));
  ngtcp2_cid dcid{}, scid = p.scid;
  if (!make_cid(dcid, -1, p.random_pool) ||
      (scid.datalen == 0 && !make_cid(scid, p.cid_worker, p.random_pool))) {
    return {Errc::kInternal, "no randomness for connection IDs"};
  }
  ngtcp2_callbacks cb;
  fill_callbacks(cb, false);
  ngtcp2_settings settings;
  c->fill_settings(settings, now);
  ngtcp2_transport_params params;
  c->fill_params(params);
  ngtcp2_path path = make_path(c->local_, c->remote_);
  int rv = ngtcp2_conn_client_new(&c->conn_, &dcid, &scid, &path, NGTCP2_PROTO_VER_V1, &cb,
                                  &settings, &params, nullptr, c.get());
  if (rv != 0)
    return {Errc::kQuicError, std::string("ngtcp2_conn_client_new: ") + ngtcp2_strerror(rv)};
  c->created_ = now;
  c->last_ts_ = now;
  c->initial_scid_ = ConnectionId(scid);
  c->scids_.push_back(c->initial_scid_);
  if (auto st = c->init_tls(); !st) return {st.error(), st.reason()};
  if (!p.resume_ticket.empty()) {
    // A ticket that no longer fits (other server, other version, other trust settings)
    // costs only the resumption: the handshake is a full one.
    if (auto st = c->resume(p.resume_ticket); !st)
      c->tls_.context().log(LogLevel::kDebug, "session ticket not used: " + st.reason());
  }
  return c;
}

Result<std::unique_ptr<Connection>> Connection::server(const ConnectionParams& p,
                                                       const ngtcp2_pkt_hd& hd, Timestamp now) {
  std::unique_ptr<Connection> c(new Connection(p, true));
  ngtcp2_cid scid = p.scid;
  if (scid.datalen == 0 && !make_cid(scid, p.cid_worker, p.random_pool)) {
    return {Errc::kInternal, "no randomness"};
  }
  ngtcp2_callbacks cb;
  fill_callbacks(cb, true);
  ngtcp2_settings settings;
  c->fill_settings(settings, now);
  ngtcp2_transport_params params;
  c->fill_params(params);
  params.original_dcid = hd.dcid;
  params.original_dcid_present = 1;
  if (c->original_dcid_) {
    // After a Retry: the client's first DCID comes from the token, and the DCID it uses
    // now is the one our Retry chose (RFC 9000 section 7.3).
    params.original_dcid = *c->original_dcid_;
    params.retry_scid = hd.dcid;
    params.retry_scid_present = 1;
  }
  params.stateless_reset_token_present = 1;
  if (c->reset_tokens_ == nullptr ||
      !c->reset_tokens_->generate({scid.data, scid.datalen}, params.stateless_reset_token)) {
    return {Errc::kInternal, "cannot derive the stateless reset token"};
  }
  ngtcp2_path path = make_path(c->local_, c->remote_);
  int rv = ngtcp2_conn_server_new(&c->conn_, &hd.scid, &scid, &path, hd.version, &cb, &settings,
                                  &params, nullptr, c.get());
  if (rv != 0)
    return {Errc::kQuicError, std::string("ngtcp2_conn_server_new: ") + ngtcp2_strerror(rv)};
  c->created_ = now;
  c->last_ts_ = now;
  c->initial_scid_ = ConnectionId(scid);
  c->scids_.push_back(c->initial_scid_);
  if (auto st = c->init_tls(); !st) return {st.error(), st.reason()};
  return c;
}

// ---------------------------------------------------------------------------- I/O

void Connection::read_datagram(const SocketAddress& local, const SocketAddress& remote,
                               std::span<const uint8_t> data, uint8_t ecn, Timestamp now) {
  now = monotonic(now);
  if (state_ == State::kClosing) {
    // RFC 9000 §10.2.1: answer packets in the closing state with the CONNECTION_CLOSE.
    close_packet_pending_ = !close_packet_.empty();
    if (close_packet_pending_) host_.on_wants_write(*this);
    return;
  }
  if (state_ != State::kOpen) return;
  ngtcp2_path path = make_path(local, remote);
  ngtcp2_pkt_info pi{};
  pi.ecn = ecn;
  int rv = ngtcp2_conn_read_pkt(conn_, &path, &pi, data.data(), data.size(), now);
  if (rv != 0) fail(rv, now);
  if (handshake_done_ && handshake_at_ == 0) handshake_at_ = now;
  dispatch_events();
  maybe_release_tls(now);
  host_.on_wants_write(*this);
}

size_t Connection::write_packets(Timestamp now, PacketWriter& writer, size_t max_packets) {
  now = monotonic(now);
  if (close_packet_pending_) return flush_close_packet(writer);
  if (state_ != State::kOpen) return 0;
  size_t count = 0;
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info pi{};
  ngtcp2_vec vecs[kMaxIovecs];
  while (count < max_packets) {
    uint8_t* buf = packet_space(writer);
    if (!datagram_queue_.empty() && handshake_done_) {
      ngtcp2_ssize nwrite = 0;
      if (!write_datagram(now, ps, pi, buf, nwrite))
        return count + fail_and_flush(static_cast<int>(nwrite), now, writer);
      if (nwrite > 0) {
        emit(writer, ps.path, buf, nwrite, pi.ecn);
        ++count;
        continue;
      }
    }
    std::shared_ptr<StreamState> s;
    while (!send_queue_.empty()) {
      auto& front = send_queue_.front();
      bool has_work = !front->write_closed && !front->closed &&
                      (front->unsent > 0 || (front->fin_queued && !front->fin_sent));
      if (has_work) {
        s = front;
        break;
      }
      front->in_send_queue = false;
      send_queue_.pop_front();
    }
    size_t nvec = 0;
    uint32_t flags = NGTCP2_WRITE_STREAM_FLAG_MORE;
    int64_t stream_id = -1;
    if (s) {
      stream_id = s->id;
      size_t covered = 0;
      const size_t offset = s->send_queue.size() - s->unsent;
      s->send_queue.for_each_piece(offset, [&](const uint8_t* p, size_t n) {
        vecs[nvec].base = const_cast<uint8_t*>(p);
        vecs[nvec].len = n;
        covered += n;
        return ++nvec < kMaxIovecs;
      });
      if (s->fin_queued && covered == s->unsent) flags |= NGTCP2_WRITE_STREAM_FLAG_FIN;
    }
    ngtcp2_ssize ndatalen = -1;
    ngtcp2_ssize nwrite = ngtcp2_conn_writev_stream(conn_, &ps.path, &pi, buf, max_payload_,
                                                    &ndatalen, flags, stream_id, vecs, nvec, now);
    if (s && ndatalen >= 0) {
      s->unsent -= static_cast<size_t>(ndatalen);
      if ((flags & NGTCP2_WRITE_STREAM_FLAG_FIN) && s->unsent == 0) s->fin_sent = true;
    }
    if (nwrite < 0) {
      if (nwrite == NGTCP2_ERR_WRITE_MORE) continue;
      if (nwrite == NGTCP2_ERR_STREAM_DATA_BLOCKED || nwrite == NGTCP2_ERR_STREAM_SHUT_WR ||
          nwrite == NGTCP2_ERR_STREAM_NOT_FOUND) {
        // Blocked by the peer's flow control (re-queued by extend_max_stream_data) or gone.
        if (nwrite != NGTCP2_ERR_STREAM_DATA_BLOCKED) s->write_closed = true;
        s->in_send_queue = false;
        send_queue_.pop_front();
        continue;
      }
      return count + fail_and_flush(static_cast<int>(nwrite), now, writer);
    }
    if (s && s->unsent == 0 && (!s->fin_queued || s->fin_sent)) {
      s->in_send_queue = false;
      send_queue_.pop_front();
    } else if (s && ndatalen > 0 && send_queue_.size() > 1) {
      // Round-robin between streams with data so none starves. A stream whose data did not
      // go into this packet (congestion-limited, or a probe or ACK-only packet) keeps its
      // turn: rotating it anyway let the streams behind it pass it again and again.
      send_queue_.pop_front();
      send_queue_.push_back(s);
    }
    if (nwrite == 0) break;
    emit(writer, ps.path, buf, nwrite, pi.ecn);
    ++count;
  }
  ngtcp2_conn_update_pkt_tx_time(conn_, now);
  sample_delivery_rate(now);
  return count;
}

size_t Connection::flush_close_packet(PacketWriter& writer) {
  if (!close_packet_pending_) return 0;
  close_packet_pending_ = false;
  writer.write_packet(local_, remote_, close_packet_, 0);
  return 1;
}

size_t Connection::fail_and_flush(int liberr, Timestamp now, PacketWriter& writer) {
  fail(liberr, now);
  dispatch_events();
  return flush_close_packet(writer);
}

uint8_t* Connection::packet_space(PacketWriter& writer) {
  if (uint8_t* p = writer.packet_space(max_payload_)) return p;
  if (packet_buf_.empty()) packet_buf_.resize(max_payload_);
  return packet_buf_.data();
}

namespace {
bool same_address(const ngtcp2_addr& a, const SocketAddress& b) {
  return a.addrlen == b.size() && std::memcmp(a.addr, b.data(), a.addrlen) == 0;
}
}  // namespace

// Hands one packet to the writer. The path is almost always the connection's own: reuse
// those addresses instead of building two sockaddr_storage copies per packet.
void Connection::emit(PacketWriter& writer, const ngtcp2_path& path, const uint8_t* buf,
                      ngtcp2_ssize len, uint8_t ecn) {
  const std::span<const uint8_t> packet(buf, static_cast<size_t>(len));
  if (same_address(path.local, local_) && same_address(path.remote, remote_)) {
    writer.write_packet(local_, remote_, packet, ecn);
    return;
  }
  writer.write_packet(SocketAddress(path.local.addr, path.local.addrlen),
                      SocketAddress(path.remote.addr, path.remote.addrlen), packet, ecn);
}

// One packet with the oldest queued datagram (and whatever else ngtcp2 adds). False on a
// fatal error (in nwrite); nwrite 0 when nothing could be written (congestion control).
bool Connection::write_datagram(Timestamp now, ngtcp2_path_storage& ps, ngtcp2_pkt_info& pi,
                                uint8_t* buf, ngtcp2_ssize& nwrite) {
  const std::vector<uint8_t>& d = datagram_queue_.front();
  ngtcp2_vec v{const_cast<uint8_t*>(d.data()), d.size()};
  int accepted = 0;
  nwrite = ngtcp2_conn_writev_datagram(conn_, &ps.path, &pi, buf, max_payload_, &accepted, 0, 0, &v,
                                       1, now);
  if (nwrite == NGTCP2_ERR_INVALID_ARGUMENT || nwrite == NGTCP2_ERR_INVALID_STATE) {
    // Too large for the peer, or the peer does not take DATAGRAM: unreliable, so drop it.
    datagram_queue_.pop_front();
    nwrite = 0;
    return true;
  }
  if (nwrite < 0) return false;
  if (accepted != 0) datagram_queue_.pop_front();
  return true;
}

size_t Connection::max_datagram_payload() const {
  if (state_ != State::kOpen || !handshake_done_) return 0;
  const ngtcp2_transport_params* rp = ngtcp2_conn_get_remote_transport_params(conn_);
  // The transport parameter counts the frame type and length too (RFC 9221 section 3).
  if (rp == nullptr || rp->max_datagram_frame_size <= 3) return 0;
  return static_cast<size_t>(std::min<uint64_t>(rp->max_datagram_frame_size - 3,
                                                kMinPathPayload - kDatagramPacketOverhead));
}

Status Connection::send_datagram(std::span<const uint8_t> payload) {
  if (state_ != State::kOpen) return {Errc::kClosed, "connection is closed"};
  const size_t max = max_datagram_payload();
  if (max == 0) return {Errc::kUnsupported, "the peer does not accept DATAGRAM frames"};
  if (payload.size() > max) {
    return {Errc::kLimitExceeded, "datagram of " + std::to_string(payload.size()) +
                                      " bytes exceeds the maximum of " + std::to_string(max)};
  }
  if (datagram_queue_.size() >= transport_.datagram_send_queue) {
    return {Errc::kWouldBlock, "datagram send queue full"};
  }
  datagram_queue_.emplace_back(payload.begin(), payload.end());
  host_.on_wants_write(*this);
  return ok_status();
}

uint64_t Connection::uni_streams_left() const {
  return state_ == State::kOpen ? ngtcp2_conn_get_streams_uni_left(conn_) : 0;
}

Timestamp Connection::next_expiry() const {
  if (close_packet_pending_) return 0;
  switch (state_) {
    case State::kOpen:
      // A client waiting for session tickets wakes up to stop waiting (maybe_release_tls).
      if (ssl_ != nullptr && confirmed_at_ != 0) {
        return std::min<Timestamp>(ngtcp2_conn_get_expiry(conn_), confirmed_at_ + kTicketWait);
      }
      return ngtcp2_conn_get_expiry(conn_);
    case State::kClosing:
    case State::kDraining:
      return close_deadline_;
    case State::kDead:
      return 0;
  }
  return kNever;
}

void Connection::handle_expiry(Timestamp now) {
  now = monotonic(now);
  if (state_ == State::kOpen) {
    int rv = ngtcp2_conn_handle_expiry(conn_, now);
    if (rv != 0) fail(rv, now);
    dispatch_events();
    maybe_release_tls(now);
    host_.on_wants_write(*this);
  } else if ((state_ == State::kClosing || state_ == State::kDraining) && now >= close_deadline_) {
    state_ = State::kDead;
  }
}

bool Connection::finished(Timestamp now) const noexcept {
  if (state_ == State::kDead) return !close_packet_pending_;
  return (state_ == State::kClosing || state_ == State::kDraining) && now >= close_deadline_ &&
         !close_packet_pending_;
}

// ---------------------------------------------------------------------------- closing

void Connection::on_tls_failure(Errc code, std::string reason) {
  if (tls_failure_code_ == Errc::kOk) {
    tls_failure_code_ = code;
    tls_failure_reason_ = std::move(reason);
  }
}

CloseInfo Connection::close_info_from_tls(uint8_t alert) const {
  CloseInfo info;
  if (tls_failure_code_ != Errc::kOk) {
    info.error = make_error_code(tls_failure_code_);
    info.reason = tls_failure_reason_;
    return info;
  }
  long verify = ssl_ != nullptr ? SSL_get_verify_result(ssl_) : X509_V_OK;
  if (!is_server_ && verify != X509_V_OK) {
    info.error = make_error_code(Errc::kCertificateInvalid);
    info.reason = std::string("server certificate: ") + X509_verify_cert_error_string(verify);
    return info;
  }
  info.error = make_error_code(Errc::kHandshakeFailed);
  info.reason = std::string("local TLS alert ") + std::to_string(alert) + " (" +
                tls::tls_alert_name(alert) + ")";
  return info;
}

CloseInfo Connection::close_info_from_peer() const {
  const ngtcp2_ccerr* e = ngtcp2_conn_get_ccerr(conn_);
  CloseInfo info;
  info.by_peer = true;
  info.reason.assign(reinterpret_cast<const char*>(e->reason), e->reasonlen);
  if (e->type == NGTCP2_CCERR_TYPE_APPLICATION) {
    info.error = make_error_code(Errc::kPeerClosed);
    info.app_error_code = e->error_code;
    return info;
  }
  if (e->error_code >= NGTCP2_CRYPTO_ERROR && e->error_code <= NGTCP2_CRYPTO_ERROR + 0xff) {
    auto alert = static_cast<uint8_t>(e->error_code - NGTCP2_CRYPTO_ERROR);
    Errc code = Errc::kHandshakeFailed;
    if (alert == 120) code = Errc::kAlpnMismatch;
    if (alert >= 42 && alert <= 48) code = Errc::kCertificateInvalid;
    info.error = make_error_code(code);
    std::string what = std::string("peer sent TLS alert ") + std::to_string(alert) + " (" +
                       tls::tls_alert_name(alert) + ")";
    if (alert == 40)
      what += "; the peer may require a key-exchange group or signature we do not offer";
    info.reason = info.reason.empty() ? what : what + ": " + info.reason;
    return info;
  }
  if (e->error_code == NGTCP2_CONNECTION_REFUSED) {
    info.error = make_error_code(Errc::kConnectionRefused);
    if (info.reason.empty()) info.reason = "the server refused the connection (load or limits)";
    return info;
  }
  if (e->error_code == NGTCP2_INVALID_TOKEN) {
    info.error = make_error_code(Errc::kConnectionRefused);
    if (info.reason.empty()) info.reason = "the server rejected our address-validation token";
    return info;
  }
  info.error =
      make_error_code(e->error_code == NGTCP2_NO_ERROR ? Errc::kPeerClosed : Errc::kQuicError);
  if (info.reason.empty()) info.reason = "transport error code " + std::to_string(e->error_code);
  return info;
}

void Connection::set_closed(CloseInfo info) {
  if (closed_reported_) return;
  closed_reported_ = true;
  close_info_ = std::move(info);
  queue(EventKind::kClosed);
}

void Connection::enter_closing(const ngtcp2_ccerr& ccerr, Timestamp now) {
  ngtcp2_path_storage ps;
  ngtcp2_path_storage_zero(&ps);
  ngtcp2_pkt_info pi{};
  close_packet_.resize(kEthernetMaxUdpPayload);
  ngtcp2_ssize n = ngtcp2_conn_write_connection_close(conn_, &ps.path, &pi, close_packet_.data(),
                                                      close_packet_.size(), &ccerr, now);
  if (n > 0) {
    close_packet_.resize(static_cast<size_t>(n));
    close_packet_pending_ = true;
    state_ = State::kClosing;
    close_deadline_ = now + 3 * ngtcp2_conn_get_pto(conn_);
  } else {
    close_packet_.clear();
    state_ = State::kDead;
  }
  host_.on_wants_write(*this);
}

void Connection::fail(int liberr, Timestamp now) {
  if (state_ != State::kOpen) return;
  switch (liberr) {
    case NGTCP2_ERR_DRAINING:
      state_ = State::kDraining;
      close_deadline_ = now + 3 * ngtcp2_conn_get_pto(conn_);
      if (stateless_reset_) {
        set_closed({make_error_code(Errc::kStatelessReset),
                    "the peer no longer knows this connection (stateless reset)", 0, true});
        return;
      }
      set_closed(close_info_from_peer());
      return;
    case NGTCP2_ERR_DROP_CONN:
      state_ = State::kDead;
      set_closed({make_error_code(Errc::kQuicError), "connection dropped", 0, false});
      return;
    case NGTCP2_ERR_RETRY:
      // Server only: the client's first flight arrived out of order (a later Initial
      // before the one starting the ClientHello). ngtcp2 asks for a Retry; without Retry
      // support the state must be discarded silently, like DROP_CONN — a CONNECTION_CLOSE
      // here would kill the client's handshake. The client's next Initial starts afresh.
      state_ = State::kDead;
      set_closed({make_error_code(Errc::kQuicError),
                  "first Initial arrived out of order; connection state discarded", 0, false});
      return;
    case NGTCP2_ERR_IDLE_CLOSE:
      state_ = State::kDead;
      set_closed({make_error_code(handshake_done_ ? Errc::kIdleTimeout : Errc::kHandshakeTimeout),
                  handshake_done_ ? "no packet from the peer within the idle timeout"
                                  : "no answer from the peer during the handshake",
                  0, false});
      return;
    case NGTCP2_ERR_HANDSHAKE_TIMEOUT:
      state_ = State::kDead;
      set_closed({make_error_code(Errc::kHandshakeTimeout), "handshake did not complete in time", 0,
                  false});
      return;
    default:
      break;
  }
  ngtcp2_ccerr ccerr;
  ngtcp2_ccerr_default(&ccerr);
  if (liberr == NGTCP2_ERR_CRYPTO) {
    uint8_t alert = ngtcp2_conn_get_tls_alert(conn_);
    ngtcp2_ccerr_set_tls_alert(&ccerr, alert, nullptr, 0);
    set_closed(close_info_from_tls(alert));
  } else {
    ngtcp2_ccerr_set_liberr(&ccerr, liberr, nullptr, 0);
    set_closed({make_error_code(Errc::kQuicError), ngtcp2_strerror(liberr), 0, false});
  }
  enter_closing(ccerr, now);
}

void Connection::close(uint64_t app_code, std::string_view reason, Timestamp now) {
  now = monotonic(now);
  if (state_ != State::kOpen) return;
  ngtcp2_ccerr ccerr;
  ngtcp2_ccerr_default(&ccerr);
  ngtcp2_ccerr_set_application_error(
      &ccerr, app_code, reinterpret_cast<const uint8_t*>(reason.data()), reason.size());
  set_closed({make_error_code(Errc::kApplicationClosed), std::string(reason), app_code, false});
  enter_closing(ccerr, now);
  dispatch_events();
}

// ---------------------------------------------------------------------------- events

void Connection::queue(EventKind kind, std::shared_ptr<StreamState> s) {
  events_.push_back({kind, std::move(s)});
}

void Connection::dispatch_events() {
  if (dispatching_) return;  // an application callback caused this; the outer loop continues
  dispatching_ = true;
  for (size_t i = 0; i < events_.size(); ++i) {
    Event ev = events_[i];  // copy: callbacks may queue more events
    StreamState* s = ev.stream.get();
    switch (ev.kind) {
      case EventKind::kHandshake:
        reopen_early_streams();  // 0-RTT rejected: send that data again in 1-RTT
        host_.on_handshake_completed(*this);
        break;
      case EventKind::kRemoteStream:
        host_.on_remote_stream(*this, ev.stream);
        break;
      case EventKind::kReadable:
        if (s->on_readable) s->on_readable();
        break;
      case EventKind::kWritable:
        if (s->on_writable) s->on_writable();
        break;
      case EventKind::kStreamClosed: {
        // The stream is over: release the application's callbacks (and what they capture).
        auto cb = std::move(s->on_closed);
        s->on_closed = nullptr;
        s->on_readable = nullptr;
        s->on_writable = nullptr;
        if (cb) cb(s->close_error, s->close_app_code);
        break;
      }
      case EventKind::kDatagram:
        if (state_ == State::kOpen) host_.on_datagram(*this, *ev.datagram);
        break;
      case EventKind::kClosed:
        release_streams(/*notify=*/true);
        host_.on_closed(*this, close_info_);
        break;
    }
  }
  events_.clear();
  dispatching_ = false;
}

void Connection::release_streams(bool notify) {
  // The connection is over: every stream still open ends with the connection's error, and
  // handles held by the application stop referring to this object.
  for (auto& [id, s] : streams_) {
    s->conn = nullptr;
    if (!s->closed) {
      s->closed = true;
      s->close_error = close_info_.error ? close_info_.error : make_error_code(Errc::kClosed);
      auto cb = std::move(s->on_closed);
      s->on_closed = nullptr;
      s->on_readable = nullptr;
      s->on_writable = nullptr;
      if (notify && cb) cb(s->close_error, close_info_.app_error_code);
    }
  }
  streams_.clear();
  for (auto& [ptr, s] : closed_unread_) s->conn = nullptr;
  closed_unread_.clear();
  send_queue_.clear();
}

// ---------------------------------------------------------------------------- info

std::vector<ConnectionId> Connection::local_cids() const {
  return scids_;
}

ConnectionInfo Connection::info() const {
  ConnectionInfo i;
  i.is_server = is_server_;
  i.handshake_complete = handshake_done_;
  i.local = local_;
  i.remote = remote_;
  // OpenSSL's accessors are only safe once a session exists (SSL_get0_group_name crashes on
  // a server whose handshake failed in the ClientHello callback).
  std::optional<TlsFacts> facts = tls_facts_;
  if (!facts && ssl_ != nullptr && handshake_done_) facts = read_tls_facts();
  if (facts) {
    i.tls_group = facts->group;
    i.cipher_suite = facts->cipher;
    i.peer_signature_algorithm = facts->peer_signature;
    i.peer_key_type = facts->peer_key_type;
    i.alpn = facts->alpn;
    i.resumed = facts->resumed;
    i.early_data_accepted = facts->early_data_accepted;
  }
  if (handshake_done_) {
    i.handshake_duration = std::chrono::microseconds((handshake_at_ - created_) / 1000);
  }
  if (conn_ != nullptr) {
    ngtcp2_conn_info ci;
    ngtcp2_conn_get_conn_info(conn_, &ci);
    i.rtt_latest = std::chrono::microseconds(ci.latest_rtt / 1000);
    i.rtt_min = std::chrono::microseconds(ci.min_rtt / 1000);
    i.rtt_smoothed = std::chrono::microseconds(ci.smoothed_rtt / 1000);
    i.rtt_var = std::chrono::microseconds(ci.rttvar / 1000);
    i.cwnd = ci.cwnd;
    i.bytes_in_flight = ci.bytes_in_flight;
    i.bytes_sent = ci.bytes_sent;
    i.bytes_received = ci.bytes_recv;
    i.packets_sent = ci.pkt_sent;
    i.packets_received = ci.pkt_recv;
    i.packets_lost = ci.pkt_lost;
    i.ssthresh = ci.ssthresh;
    i.path_max_udp_payload = ngtcp2_conn_get_path_max_tx_udp_payload_size(conn_);
    i.bytes_lost = ci.bytes_lost;
  }
  i.delivery_rate = delivery_rate_;
  i.congestion_control = to_string(transport_.congestion_control);
  i.early_data_attempted = early_data_attempted_;
  if (validation_ == ConnectionParams::Validation::kRetry) i.address_validation = "retry";
  if (validation_ == ConnectionParams::Validation::kNewToken) i.address_validation = "token";
  i.key_updates = key_updates_;
  i.migrations = migrations_;
  return i;
}

// ---------------------------------------------------------------------------- callbacks

ngtcp2_conn* Connection::get_conn(ngtcp2_crypto_conn_ref* ref) {
  return static_cast<Connection*>(ref->user_data)->conn_;
}

void Connection::rand_cb(uint8_t* dest, size_t len, const ngtcp2_rand_ctx* ctx) {
  auto* self = ctx != nullptr ? static_cast<Connection*>(ctx->native_handle) : nullptr;
  if (self != nullptr && self->protocol_random_) {
    self->protocol_random_(dest, len);
    return;
  }
  random_bytes(dest, len, self != nullptr ? self->random_pool_ : nullptr);
}

int Connection::get_new_cid_cb(ngtcp2_conn*, ngtcp2_cid* cid, uint8_t* token, size_t cidlen,
                               void* user) {
  auto* self = static_cast<Connection*>(user);
  if (cidlen != kCidLength || !make_cid(*cid, self->cid_worker_, self->random_pool_)) {
    return NGTCP2_ERR_CALLBACK_FAILURE;
  }
  if (self->reset_tokens_ == nullptr ||
      !self->reset_tokens_->generate({cid->data, cid->datalen}, token)) {
    return NGTCP2_ERR_CALLBACK_FAILURE;
  }
  ConnectionId id(*cid);
  self->scids_.push_back(id);
  self->host_.on_cid_added(*self, id);
  return 0;
}

int Connection::remove_cid_cb(ngtcp2_conn*, const ngtcp2_cid* cid, void* user) {
  auto* self = static_cast<Connection*>(user);
  ConnectionId id(*cid);
  std::erase(self->scids_, id);
  self->host_.on_cid_removed(*self, id);
  return 0;
}

int Connection::handshake_confirmed_cb(ngtcp2_conn*, void* user) {
  static_cast<Connection*>(user)->handshake_confirmed_ = true;
  return 0;
}

int Connection::handshake_completed_cb(ngtcp2_conn*, void* user) {
  auto* self = static_cast<Connection*>(user);
  self->handshake_done_ = true;
  self->queue(EventKind::kHandshake);
  return 0;
}

int Connection::stream_open_cb(ngtcp2_conn*, int64_t id, void* user) {
  auto* self = static_cast<Connection*>(user);
  self->queue(EventKind::kRemoteStream, self->adopt_stream(id));
  return 0;
}

int Connection::recv_stream_data_cb(ngtcp2_conn*, uint32_t flags, int64_t id, uint64_t,
                                    const uint8_t* data, size_t len, void* user, void*) {
  auto* self = static_cast<Connection*>(user);
  auto s = self->find_stream(id);
  if (!s) return 0;
  if (len > 0) s->recv_queue.append({data, len});
  if (flags & NGTCP2_STREAM_DATA_FLAG_FIN) s->fin_received = true;
  if (s->read_closed) {
    // The application stopped reading (STOP_SENDING sent): discard and give back the
    // connection-level credit, never the stream's (that would invite the peer to go on).
    ngtcp2_conn_extend_max_offset(self->conn_, s->recv_queue.size());
    s->recv_queue.drop(s->recv_queue.size());
    return 0;
  }
  self->queue(EventKind::kReadable, s);
  return 0;
}

int Connection::acked_stream_data_cb(ngtcp2_conn*, int64_t id, uint64_t, uint64_t len, void* user,
                                     void*) {
  auto* self = static_cast<Connection*>(user);
  self->acked_bytes_ += len;
  auto s = self->find_stream(id);
  if (!s) return 0;
  s->send_queue.drop(static_cast<size_t>(len));
  if (s->want_writable && self->stream_writable(*s) > 0) {
    s->want_writable = false;
    self->queue(EventKind::kWritable, s);
  }
  return 0;
}

int Connection::stream_close_cb(ngtcp2_conn*, uint32_t flags, int64_t id, uint64_t app_code,
                                void* user, void*) {
  auto* self = static_cast<Connection*>(user);
  auto s = self->find_stream(id);
  if (!s) return 0;
  s->closed = true;
  s->close_app_code = (flags & NGTCP2_STREAM_CLOSE_FLAG_APP_ERROR_CODE_SET) ? app_code : 0;
  // ngtcp2 does not return stream credit by itself: a closed peer-initiated stream makes
  // room for a new one, so max_streams_* limits concurrent streams, not the total.
  if ((id & 1) != (self->is_server_ ? 1 : 0)) {
    if (ngtcp2_is_bidi_stream(id)) {
      ngtcp2_conn_extend_max_streams_bidi(self->conn_, 1);
    } else {
      ngtcp2_conn_extend_max_streams_uni(self->conn_, 1);
    }
  }
  if (s->read_reset) s->close_error = make_error_code(Errc::kStreamReset);
  self->streams_.erase(id);
  // Data already received stays readable through the handle after the close. Until it is
  // read the stream keeps its connection, so reading still returns connection-level credit
  // (a peer-opened unidirectional stream closes as soon as its FIN arrives, usually before
  // the application read anything; without this its bytes would never be credited back).
  if (s->recv_queue.empty() || s->read_closed) {
    s->conn = nullptr;
  } else {
    self->closed_unread_.emplace(s.get(), s);
  }
  if (!s->recv_queue.empty() || (s->fin_received && !s->eof_delivered)) {
    self->queue(EventKind::kReadable, s);
  }
  self->queue(EventKind::kStreamClosed, s);
  return 0;
}

int Connection::stream_reset_cb(ngtcp2_conn*, int64_t id, uint64_t, uint64_t app_code, void* user,
                                void*) {
  auto* self = static_cast<Connection*>(user);
  auto s = self->find_stream(id);
  if (!s) return 0;
  s->read_reset = true;
  s->reset_code = app_code;
  // read() reports the reset instead of the bytes still buffered: return their credit.
  if (const size_t unread = s->recv_queue.size(); unread > 0) {
    ngtcp2_conn_extend_max_offset(self->conn_, unread);
    s->recv_queue.drop(unread);
  }
  self->queue(EventKind::kReadable, s);
  return 0;
}

int Connection::recv_stop_sending_cb(ngtcp2_conn*, int64_t id, uint64_t app_code, void* user,
                                     void*) {
  auto* self = static_cast<Connection*>(user);
  auto s = self->find_stream(id);
  if (!s) return 0;
  // ngtcp2 answers with RESET_STREAM itself; the writer learns through on_writable.
  s->stop_sending_received = true;
  s->stop_sending_code = app_code;
  s->write_closed = true;
  self->queue(EventKind::kWritable, s);
  return 0;
}

int Connection::recv_datagram_cb(ngtcp2_conn*, uint32_t, const uint8_t* data, size_t len,
                                 void* user) {
  auto* self = static_cast<Connection*>(user);
  self->events_.push_back(
      {EventKind::kDatagram, nullptr, std::make_shared<std::vector<uint8_t>>(data, data + len)});
  return 0;
}

int Connection::extend_max_stream_data_cb(ngtcp2_conn*, int64_t id, uint64_t, void* user, void*) {
  auto* self = static_cast<Connection*>(user);
  if (auto s = self->find_stream(id); s && (s->unsent > 0 || (s->fin_queued && !s->fin_sent))) {
    self->schedule_send(*s);
  }
  return 0;
}

}  // namespace stoq::quic
