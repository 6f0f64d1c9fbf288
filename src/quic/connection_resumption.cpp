// Connection: session tickets, resumption and 0-RTT.
#include <ngtcp2/ngtcp2_crypto.h>
#include <openssl/ssl.h>

#include <algorithm>

#include "quic/connection.h"
#include "quic/session_ticket.h"

namespace stoq::quic {

Status Connection::resume(const std::vector<uint8_t>& ticket) {
  auto t = decode_session_ticket(ticket);
  if (!t) return {t.error(), t.reason()};
  // A resumed handshake skips the certificate check: offer the session only to the trust
  // it was verified under (tls/session_trust.h), and only if its certificate still passes.
  if (!tls_.keeps_tickets() || t->trust_binding != trust_binding_)
    return {Errc::kCertificateInvalid, "ticket was issued under other trust settings"};
  const unsigned char* p = t->tls_session.data();
  SSL_SESSION* session = d2i_SSL_SESSION_ex(nullptr, &p, static_cast<long>(t->tls_session.size()),
                                            tls_.context().libctx(), nullptr);
  if (session == nullptr) return {Errc::kInvalidArgument, "unreadable TLS session in ticket"};
  const std::string refused = tls_.check_resumed_server(SSL_SESSION_get0_peer(session), peer_name_);
  if (!refused.empty()) {
    SSL_SESSION_free(session);
    return {Errc::kCertificateInvalid, refused};
  }
  const bool set = SSL_set_session(ssl_, session) == 1;
  // RFC 9001 section 4.6.1: a QUIC server signals 0-RTT with max_early_data_size 0xffffffff.
  const bool early_ok = SSL_SESSION_get_max_early_data(session) == UINT32_MAX;
  SSL_SESSION_free(session);
  if (!set) return {Errc::kInvalidArgument, "SSL_set_session refused the ticket"};
  if (transport_.early_data && early_ok) {
    // 0-RTT may only use the limits the server announced last time.
    int rv = ngtcp2_conn_decode_and_set_0rtt_transport_params(conn_, t->transport_params.data(),
                                                              t->transport_params.size());
    if (rv == 0) {
      SSL_set_quic_tls_early_data_enabled(ssl_, 1);
      early_data_attempted_ = true;
    }
  }
  return ok_status();
}

int Connection::new_session_cb(SSL* ssl, SSL_SESSION* session) {
  auto* ref = static_cast<ngtcp2_crypto_conn_ref*>(SSL_get_app_data(ssl));
  if (ref == nullptr) return 0;
  auto* self = static_cast<Connection*>(ref->user_data);
  if (self == nullptr || self->conn_ == nullptr || self->is_server_) return 0;
  // Only a verified server's session may be resumed later (insecure keeps nothing).
  if (!self->tls_.keeps_tickets()) return 0;
  SessionTicket t;
  t.trust_binding = self->trust_binding_;
  t.transport_params.resize(256);
  ngtcp2_ssize n = ngtcp2_conn_encode_0rtt_transport_params(self->conn_, t.transport_params.data(),
                                                            t.transport_params.size());
  if (n <= 0) return 0;
  t.transport_params.resize(static_cast<size_t>(n));
  int len = i2d_SSL_SESSION(session, nullptr);
  if (len <= 0 || len > 65535) return 0;
  t.tls_session.resize(static_cast<size_t>(len));
  unsigned char* out = t.tls_session.data();
  if (i2d_SSL_SESSION(session, &out) != len) return 0;
  self->host_.on_session_ticket(*self, encode_session_ticket(t));
  ++self->tickets_received_;
  return 0;  // we did not keep a reference to `session`
}

int Connection::early_data_rejected_cb(ngtcp2_conn*, void* user) {
  auto* self = static_cast<Connection*>(user);
  // ngtcp2 has forgotten the streams opened in 0-RTT (without closing them); they are
  // opened again, with their buffered data, once the handshake completes.
  self->early_data_rejected_ = true;
  return 0;
}

void Connection::reopen_early_streams() {
  if (!early_data_rejected_ || is_server_) return;
  early_data_rejected_ = false;
  std::vector<std::shared_ptr<StreamState>> local;
  for (auto& [id, s] : streams_) {
    if ((id & 1) == 0) local.push_back(s);  // client-initiated
  }
  std::sort(local.begin(), local.end(), [](const auto& a, const auto& b) { return a->id < b->id; });
  std::erase_if(streams_, [](const auto& kv) { return (kv.first & 1) == 0; });
  send_queue_.clear();
  for (auto& s : local) {
    int64_t id = -1;
    const bool bidi = ngtcp2_is_bidi_stream(s->id) != 0;
    int rv = bidi ? ngtcp2_conn_open_bidi_stream(conn_, &id, nullptr)
                  : ngtcp2_conn_open_uni_stream(conn_, &id, nullptr);
    if (rv != 0) {
      s->closed = true;
      s->close_error = make_error_code(Errc::kStreamLimit);
      s->conn = nullptr;
      queue(EventKind::kStreamClosed, s);
      continue;
    }
    s->id = id;
    // Nothing sent in 0-RTT was acknowledged: all of it goes again in 1-RTT.
    s->unsent = s->send_queue.size();
    s->fin_sent = false;
    s->in_send_queue = false;
    streams_[id] = s;
    if (s->unsent > 0 || s->fin_queued) schedule_send(*s);
  }
}

}  // namespace stoq::quic
