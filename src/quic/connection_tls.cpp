// TLS after the handshake: what info() reports is kept, and the OpenSSL state is freed
// once QUIC no longer needs it (docs/transport.md, "Memory per connection").
#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_ossl.h>
#include <openssl/ssl.h>

#include "quic/connection.h"
#include "tls/auth_policy.h"

namespace stoq::quic {

// A server frees its TLS state as soon as the handshake is done. A client waits until the
// handshake is confirmed and the session tickets it expects (transport.session_tickets)
// have arrived or kTicketWait has passed, unless it keeps no tickets at all.
void Connection::maybe_release_tls(Timestamp now) {
  if (ssl_ == nullptr || !handshake_done_ || state_ != State::kOpen) return;
  if (is_server_) {
    release_tls();
    return;
  }
  if (!handshake_confirmed_) return;
  if (confirmed_at_ == 0) confirmed_at_ = now;
  if (!transport_.session_resumption || tickets_received_ >= transport_.session_tickets ||
      now - confirmed_at_ >= kTicketWait) {
    release_tls();
  }
}

Connection::TlsFacts Connection::read_tls_facts() const {
  TlsFacts f;
  if (const char* g = SSL_get0_group_name(ssl_)) f.group = g;
  if (const char* c = SSL_get_cipher_name(ssl_)) f.cipher = c;
  const char* sig = nullptr;
  if (SSL_get0_peer_signature_name(ssl_, &sig) == 1 && sig != nullptr) f.peer_signature = sig;
  if (X509* peer = SSL_get0_peer_certificate(ssl_)) {
    f.peer_key_type = tls::key_type_name(X509_get0_pubkey(peer));
  }
  const unsigned char* alpn = nullptr;
  unsigned alpn_len = 0;
  SSL_get0_alpn_selected(ssl_, &alpn, &alpn_len);
  if (alpn != nullptr) f.alpn.assign(reinterpret_cast<const char*>(alpn), alpn_len);
  f.resumed = SSL_session_reused(ssl_) == 1;
  f.early_data_accepted = SSL_get_early_data_status(ssl_) == SSL_EARLY_DATA_ACCEPTED;
  return f;
}

// After the handshake QUIC needs no TLS: a server's session tickets were written in the
// same SSL_do_handshake call that completed it (ngtcp2 copied them), a QUIC client sends
// no post-handshake TLS messages, and key updates are ngtcp2's own derivation. Keep what
// info() reports and free the SSL object and ngtcp2's OpenSSL context.
void Connection::release_tls() {
  tls_facts_ = read_tls_facts();
  ngtcp2_conn_set_tls_native_handle(conn_, nullptr);
  SSL_set_app_data(ssl_, nullptr);
  // As in the destructor: keep the session in the server's cache (0-RTT anti-replay).
  SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
  SSL_free(ssl_);
  ssl_ = nullptr;
  ngtcp2_crypto_ossl_ctx_del(ossl_ctx_);
  ossl_ctx_ = nullptr;
}

int Connection::recv_crypto_data_cb(ngtcp2_conn* conn, ngtcp2_encryption_level level,
                                    uint64_t offset, const uint8_t* data, size_t len, void* user) {
  auto* self = static_cast<Connection*>(user);
  if (self->ssl_ == nullptr) {
    // TLS released after the handshake: at 1-RTT only session tickets beyond those we
    // waited for can still come (a client sends nothing there in QUIC v1): ignore them.
    // Anything at an earlier level is an error.
    return level == NGTCP2_ENCRYPTION_LEVEL_1RTT ? 0 : NGTCP2_ERR_CALLBACK_FAILURE;
  }
  return ngtcp2_crypto_recv_crypto_data_cb(conn, level, offset, data, len, user);
}

}  // namespace stoq::quic
